"""Diff tab: what the selected event changed, or the difference between any two versions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.models.records import changes_model
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, mono_font


class DiffPanel(QWidget):
    compareRequested = Signal(int, int)  # from, to
    eventModeChosen = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.diff: dict[str, Any] | None = None
        self.this_event = QRadioButton("This event")
        self.this_event.setToolTip("What the selected event changed (version − 1 → version)")
        self.between = QRadioButton("Versions")
        self.this_event.setChecked(True)
        self.from_box = QSpinBox()
        self.to_box = QSpinBox()
        for b in (self.from_box, self.to_box):
            b.setRange(0, 0)
            b.setKeyboardTracking(False)
            b.setMinimumWidth(70)
        self.compare = QPushButton("Compare")
        self.compare.setToolTip("Diff the state at the first version against the second")
        self.compare.clicked.connect(self._compare)
        self.this_event.toggled.connect(self._mode_changed)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.table = QTableView()
        self.model = changes_model(self)
        self.table.setModel(self.model)
        self.table.setFont(mono_font())
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        compact_table(self.table)
        # Path, Change, Before, After: Before and After share the width (After never off screen)
        fit_columns(self.table, elastic=(2, 3), caps={0: 220}, min_elastic_px=70)
        install_copy(self.table)
        # Two short rows rather than one long one: the tab stays narrow at 1024 px.
        bar = QVBoxLayout()
        modes = QHBoxLayout()
        modes.addWidget(self.this_event)
        modes.addSpacing(12)
        modes.addWidget(self.between)
        modes.addStretch(1)
        versions = QHBoxLayout()
        versions.addWidget(self.from_box)
        versions.addWidget(QLabel("→"))
        versions.addWidget(self.to_box)
        versions.addWidget(self.compare)
        versions.addStretch(1)
        bar.addLayout(modes)
        bar.addLayout(versions)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.table, 1)
        self.stack = PlaceholderStack(inner, "Select an event to see what it changed.")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(bar)
        outer.addWidget(self.stack, 1)
        self._mode_changed(True)

    def set_range(self, first: int, last: int) -> None:
        for b in (self.from_box, self.to_box):
            b.setRange(first, max(first, last))

    def event_mode(self) -> bool:
        return self.this_event.isChecked()

    def pick_end(self, end: str, version: int) -> None:
        """Set one end of the comparison; picking the "to" end runs it."""
        self.between.setChecked(True)
        (self.from_box if end == "from" else self.to_box).setValue(version)
        if end == "to":
            self._compare()

    def pick(self, a: int, b: int) -> None:
        """Compare two versions (as if typed and Compare clicked)."""
        self.between.setChecked(True)
        self.from_box.setValue(a)
        self.to_box.setValue(b)
        self._compare()

    def _compare(self) -> None:
        self.between.setChecked(True)
        self.compareRequested.emit(self.from_box.value(), self.to_box.value())

    def _mode_changed(self, event_mode: bool) -> None:
        for w in (self.from_box, self.to_box):
            w.setEnabled(not event_mode)
        if event_mode:
            self.eventModeChosen.emit()

    def clear(self, message: str = "Select an event to see what it changed.") -> None:
        self.diff = None
        self.model.set_rows([])
        self.stack.show_message(message)

    def show_diff(self, diff: dict[str, Any], what: str) -> None:
        self.diff = diff
        self.stack.show_content()
        n = len(diff["changes"])
        approx = " · generic mode (approximate)" if diff.get("approximate") else ""
        err = diff.get("error")
        self.title.setText(
            f"<b>{what}</b>: {n} change{'s' if n != 1 else ''}{approx}"
            + (
                f"<br><span style='color:#b07400'>replay stopped at version {err['version']}:"
                f" {err['message']}</span>"
                if err
                else ""
            )
        )
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.model.set_rows(diff["changes"])
        if not n:
            self.stack.show_message(f"{what}: no change to the state.")
