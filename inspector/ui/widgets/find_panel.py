"""Find (Ctrl+F): events by type and payload text or `path = value`, in a stream or the log."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.find import SCAN_CAP, FindQuery, FindResult
from inspector.ui.models.records import found_model
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import compact_table, elastic, mono_font

SCOPE_STREAM = "stream"
SCOPE_LOG = "log"


class FindPanel(QWidget):
    searchRequested = Signal(object, bool)  # FindQuery, continue (True) or new search (False)
    cancelRequested = Signal()
    eventActivated = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.query = QLineEdit()
        self.query.setPlaceholderText("Text in the payload, or path = value (e.g. amount = 100)")
        self.type_edit = QLineEdit()
        self.type_edit.setPlaceholderText("Event type contains…")
        self.scope = QComboBox()
        self.scope.addItem("This stream", SCOPE_STREAM)
        self.scope.addItem("Global log", SCOPE_LOG)
        self.find_btn = QPushButton("Find")
        self.find_btn.setDefault(True)
        self.more_btn = QPushButton("Continue")
        self.more_btn.setToolTip(f"Scan the next {SCAN_CAP:,} events")
        self.more_btn.setEnabled(False)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = elastic(
            QLabel("Search events by payload text or path = value; results list here.")
        )
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.table = QTableView()
        self.model = found_model(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        compact_table(self.table)
        fit_columns(self.table, elastic=(1,), caps={3: 260, 4: 240}, min_elastic_px=120)
        install_copy(self.table)
        bar = QHBoxLayout()
        bar.addWidget(self.query, 3)
        bar.addWidget(self.type_edit, 1)
        bar.addWidget(self.scope)
        bar.addWidget(self.find_btn)
        bar.addWidget(self.more_btn)
        bar.addWidget(self.cancel_btn)
        info = QHBoxLayout()
        info.addWidget(self.status, 1)
        info.addWidget(self.progress)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(bar)
        lay.addLayout(info)
        lay.addWidget(self.table, 1)
        self.last_query: FindQuery | None = None
        self.last_result: FindResult | None = None
        self.stream: str | None = None
        self.find_btn.clicked.connect(self.start)
        self.query.returnPressed.connect(self.start)
        self.type_edit.returnPressed.connect(self.start)
        self.more_btn.clicked.connect(self.resume)
        self.cancel_btn.clicked.connect(self.cancelRequested.emit)
        self.table.activated.connect(self._activated)
        self.table.doubleClicked.connect(self._activated)
        self.table.clicked.connect(self._activated)

    def reset(self) -> None:
        """Another store opened: forget the previous store's query results (the query stays)."""
        self.running(False)
        self.last_query = None
        self.last_result = None
        self.model.set_rows([])
        self.more_btn.setEnabled(False)
        self.status.setText("Search events by payload text or path = value; results list here.")

    def set_stream(self, stream: str | None) -> None:
        """Follow the open stream; with none open, the scope falls back to the global log."""
        self.stream = stream
        if stream is None:
            self._auto_log = self.scope.currentIndex() == 0
            self.scope.setCurrentIndex(1)
        elif self._auto_log:
            self._auto_log = False
            self.scope.setCurrentIndex(0)

    _auto_log = False

    def start(self) -> None:
        scope = self.scope.currentData()
        if scope == SCOPE_STREAM and self.stream is None:
            self.status.setText("Select a stream first, or search the global log.")
            return
        q = FindQuery(
            self.query.text(), self.type_edit.text(), self.stream if scope == SCOPE_STREAM else None
        )
        self.last_query = q
        self.last_result = None
        self.model.set_rows([])
        self.searchRequested.emit(q, False)

    def resume(self) -> None:
        if self.last_query is not None:
            self.searchRequested.emit(self.last_query, True)

    def running(self, on: bool) -> None:
        self.find_btn.setEnabled(not on)
        self.cancel_btn.setEnabled(on)
        self.more_btn.setEnabled(False)
        self.progress.setVisible(on)
        if on:
            self.progress.setRange(0, 0)
            self.status.setText("Searching…")

    def on_progress(self, scanned: int, cap: int) -> None:
        self.progress.setRange(0, cap)
        self.progress.setValue(scanned)
        self.status.setText(f"Searching… {scanned:,} of at most {cap:,} events scanned")

    def on_result(self, res: FindResult, total_scanned: int) -> None:
        self.running(False)
        self.last_result = res
        self.model.append_rows(res.rows)
        n = len(self.model.rows)
        where = "this stream" if self.last_query and self.last_query.stream else "the global log"
        text = f"{n:,} found in {total_scanned:,} events of {where}"
        if res.exhausted:
            text += " · end reached"
        elif res.capped:
            text += f" · stopped at the {SCAN_CAP:,}-event cap: Continue scans on"
        else:
            text += " · result limit reached: Continue finds more"
        self.status.setText(text)
        self.more_btn.setEnabled(not res.exhausted)

    def on_error(self, message: str) -> None:
        self.running(False)
        self.status.setText(f"Search failed: {message}")

    def on_cancelled(self) -> None:
        self.running(False)
        self.status.setText("Search cancelled.")
        self.more_btn.setEnabled(self.last_result is not None and not self.last_result.exhausted)

    def _activated(self, index: QModelIndex, *_: Any) -> None:
        if index.isValid():
            self.eventActivated.emit(self.model.rows[index.row()])
