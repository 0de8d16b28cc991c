"""Blame tab: every event that changed one state field; double-click to go to that version."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QLabel, QTableView, QVBoxLayout, QWidget

from inspector.ui.format import path_text
from inspector.ui.models.records import blame_model
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, mono_font, time_width

HINT = "Right-click a field in the State tab and choose Blame to list the events that changed it."


class BlamePanel(QWidget):
    versionActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path: list[Any] | None = None
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.table = QTableView()
        self.model = blame_model(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        compact_table(self.table)
        fit_columns(self.table, elastic=(3, 4), caps={1: time_width(self.table), 2: 170},
                    min_elastic_px=70)
        install_copy(self.table)
        self.table.doubleClicked.connect(self._activated)
        self.table.activated.connect(self._activated)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        self.stack = PlaceholderStack(inner, HINT)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def clear(self) -> None:
        self.path = None
        self.model.set_rows([])
        self.stack.show_message(HINT)

    def loading(self, path: list[Any]) -> None:
        self.path = path
        self.model.set_rows([])
        self.stack.show_message(f"Replaying the stream to find every change of {path_text(path)}…")

    def show_blame(self, path: list[Any], result: dict[str, Any]) -> None:
        self.path = path
        rows = result["changes"]
        self.model.set_rows(rows)
        self.stack.show_content()
        n = len(rows)
        text = (
            f"<b>Blame {path_text(path)}</b>: {n} event{'s' if n != 1 else ''} changed it"
            f" · {result.get('mode', '')} mode · double-click a row to go there"
        )
        err = result.get("error")
        if err is not None:
            text += f"<br><span style='color:#b07400'>{err}</span>"
        self.title.setText(text)

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.rows[index.row()] if index.isValid() else None
        if row is not None:
            self.versionActivated.emit(int(row["version"]))
