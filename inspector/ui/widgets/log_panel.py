"""Left panel, second tab: the global log in notification order (lazy, grows in Live mode)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.models.log import LogModel
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, elastic, mono_font
from inspector.ui.workers import TaskRunner


class LogPanel(QWidget):
    eventActivated = Signal(dict)  # a decoded log row: open its stream at its version

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = LogModel(runner, self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setFont(mono_font())
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_table(self.view)
        # Position, Stream, Version, Type, Time: the time and type whole, the id elided
        fit_columns(self.view, elastic=(1,), caps={3: 190, 4: 240}, min_elastic_px=110)
        install_copy(self.view)
        self.stack = PlaceholderStack(self.view, "Open a store to see its global log.")
        self.info = elastic(QLabel())
        self.info.setStyleSheet("color: palette(placeholder-text);")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.info)
        self.model.pageLoaded.connect(self._loaded)
        # Live: when the newest row was on screen before new rows came, keep the newest in view
        self._at_bottom = False
        self.model.rowsAboutToBeInserted.connect(self._remember_bottom)
        self.model.rowsInserted.connect(self._follow_bottom)
        self.model.loadFailed.connect(
            lambda m: self.stack.show_message(f"Could not read the log: {m}")
        )
        self.view.selectionModel().currentRowChanged.connect(self._current)
        self.view.activated.connect(self._current)

    def set_session(self, session: Any) -> None:
        """Remember the store; its log is read when this tab is first shown."""
        self.stack.show_message(
            "Loading the global log…" if session else "Open a store to see its global log."
        )
        self.info.setText("")
        self._pending = session
        self.model.set_session(None)
        if session is not None and self.isVisible():
            self._load()

    _pending: Any = None

    def _load(self) -> None:
        session, self._pending = self._pending, None
        if session is not None:
            self.model.set_session(session)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load()

    def _remember_bottom(self, *_: Any) -> None:
        bar = self.view.verticalScrollBar()
        self._at_bottom = bool(self.model.rows) and self.model.exhausted and (
            bar.value() >= bar.maximum() - 2)

    def _follow_bottom(self, *_: Any) -> None:
        if self._at_bottom:
            self.view.scrollToBottom()

    def _loaded(self, n: int) -> None:
        if n:
            self.stack.show_content()
        else:
            self.stack.show_message("The global log is empty.")
        more = "" if self.model.exhausted else "+ (scroll for more)"
        self.info.setText(f"{n:,}{more} events loaded · click one to open its stream")

    def _current(self, current: QModelIndex, *_: Any) -> None:
        if current.isValid() and current.row() < len(self.model.rows):
            self.eventActivated.emit(self.model.rows[current.row()])
