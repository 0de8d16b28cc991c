"""Left panel: the streams list (lazy), filtered by id prefix and aggregate type, with counts."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.format import short_topic
from inspector.ui.models.streams import StreamsModel
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, elastic, mono_font
from inspector.ui.workers import TaskRunner


class StreamsPanel(QWidget):
    streamSelected = Signal(dict)  # the stream row {"id", "version", "type"}

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = StreamsModel(runner, self)
        self.prefix = QLineEdit()
        self.prefix.setPlaceholderText("Filter by id prefix…")
        self.prefix.setClearButtonEnabled(True)
        self.type_box = QComboBox()
        self.type_box.setEditable(True)
        self.type_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.type_box.lineEdit().setPlaceholderText("Any type")
        self.type_box.setToolTip("Aggregate type: class name or full topic")
        self.type_box.setMinimumContentsLength(10)
        self.count = elastic(QLabel())
        self.count.setStyleSheet("color: palette(placeholder-text);")
        self.totals: dict[str, Any] = {}
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setFont(mono_font())
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_table(self.view)
        # the id takes what version and type leave, elided in the middle (a31c3e…fe567e48)
        fit_columns(self.view, elastic=(0,), caps={2: 170}, min_elastic_px=100)
        install_copy(self.view)
        self.stack = PlaceholderStack(self.view, "Open a store (Ctrl+O) or drop a .db file here.")
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.prefix, 3)
        filters.addWidget(self.type_box, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(filters)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.count)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(250)
        self._debounce.timeout.connect(self.apply_filter)
        self.prefix.textChanged.connect(lambda _t: self._debounce.start())
        self.type_box.editTextChanged.connect(lambda _t: self._debounce.start())
        self.prefix.returnPressed.connect(self.apply_filter)
        self.model.pageLoaded.connect(self._page_loaded)
        self.model.loadFailed.connect(
            lambda m: self.stack.show_message(f"Could not list streams: {m}")
        )
        self.model.modelReset.connect(self._update_count)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        # Header clicks: the keyset order (id ascending) is the one the store can page in;
        # any other is refused with a note in the header's tooltip and the status bar.
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        self.sort_note = ""
        self._known_types: set[str] = set()
        self.type_counts: dict[str, dict[str, Any]] = {}  # from the catalog, when ready

    def set_session(self, session: Any) -> None:
        """Another store: its filters, types and counts start empty (nothing of the last one)."""
        self._debounce.stop()
        self._known_types.clear()
        self.type_counts = {}
        self.type_box.blockSignals(True)
        self.type_box.clear()
        self.type_box.addItem("", None)
        self.type_box.setCurrentIndex(0)
        self.type_box.setEditText("")
        self.type_box.blockSignals(False)
        self.prefix.blockSignals(True)
        self.prefix.clear()
        self.prefix.blockSignals(False)
        self.model.prefix = None
        self.model.type_filter = None
        self.totals = {}
        if session is None:
            self.stack.show_message("Open a store (Ctrl+O) or drop a .db file here.")
        else:
            self.stack.show_message("Loading streams…")
        self.model.set_session(session)

    def set_type_counts(self, types: list[dict[str, Any]]) -> None:
        """The store's aggregate types ``{"type", "streams", "events"}`` (from the catalog):
        the type filter lists them all, with counts; the current filter is kept."""
        box = self.type_box
        text = box.currentText()
        data = box.currentData() if box.itemText(box.currentIndex()) == text else None
        self.type_counts = {t["type"]: t for t in types if t["type"] and t["type"] != "?"}
        self._known_types |= set(self.type_counts)
        box.blockSignals(True)
        box.clear()
        box.addItem("", None)
        for t in sorted(self._known_types, key=lambda t: (short_topic(t).lower(), t)):
            c = self.type_counts.get(t)
            if c is None:
                box.addItem(short_topic(t), t)
                continue
            box.addItem(f"{short_topic(t)} ({c['streams']:,})", t)
            box.setItemData(box.count() - 1, f"{t}\n{c['streams']:,} streams, "
                            f"{c['events']:,} events", Qt.ItemDataRole.ToolTipRole)
        i = box.findData(data) if isinstance(data, str) else -1
        if i >= 0:
            box.setCurrentIndex(i)
        else:
            box.setEditText(text)
        box.blockSignals(False)

    def set_totals(self, totals: dict[str, Any]) -> None:
        self.totals = totals
        self._update_count()

    def apply_filter(self) -> None:
        self._debounce.stop()
        text = self.type_box.currentText().strip()
        data = self.type_box.currentData()
        type_filter = (
            data
            if isinstance(data, str)
            and self.type_box.itemText(self.type_box.currentIndex()) == text
            else text
        )
        if (self.model.prefix, self.model.type_filter) == (
            self.prefix.text().strip() or None,
            type_filter or None,
        ):
            return
        if self.model.session is not None:
            self.stack.show_message("Loading streams…")
        self.model.set_filter(self.prefix.text(), type_filter)

    def _page_loaded(self, n: int) -> None:
        if n:
            self.stack.show_content()
        else:
            filt = self.model.prefix or self.model.type_filter
            self.stack.show_message(
                "No stream matches this filter." if filt else "This store has no events yet."
            )
        new = {r["type"] for r in self.model.rows if r["type"]} - self._known_types
        if new:
            self._known_types |= new
            self.type_box.blockSignals(True)
            for t in sorted(new):
                self.type_box.addItem(short_topic(t), t)
            self.type_box.blockSignals(False)
        self._update_count()

    def _update_count(self) -> None:
        m = self.model
        loaded = len(m.rows)
        more = "" if m.exhausted else "+"
        parts = [f"{loaded:,}{more} shown"]
        if m.capped:
            parts.append("type scan paused: scroll for more")
        total = self.totals.get("streams")
        if total is not None:
            approx = "" if self.totals.get("streams_exact", True) else "~"
            parts.append(f"{approx}{total:,} streams")
        events = self.totals.get("events")
        if events is not None:
            parts.append(f"{events:,} events")
        self.count.setText(" · ".join(parts) if self.model.session is not None else "")

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.model.stream_at(current.row()) if current.isValid() else None
        if row is not None:
            self.streamSelected.emit(row)

    def select_stream(self, stream_id: str, emit: bool = False) -> bool:
        """Highlight ``stream_id`` if it is loaded; returns whether it was."""
        i = self.model.row_of(stream_id)
        if i < 0:
            self.view.selectionModel().clearSelection()
            return False
        sm = self.view.selectionModel()
        if not emit:
            sm.blockSignals(True)
        sm.setCurrentIndex(
            self.model.index(i, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        sm.blockSignals(False)
        self.view.scrollTo(self.model.index(i, 0))
        self.view.viewport().update()
        return True

    def _header_clicked(self, column: int) -> None:
        header = self.view.horizontalHeader()
        # a click on the sorted column asks for the other direction
        note = self.model.sort_refusal(column, descending=column == 0)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        if note:
            self.sort_note = note
            header.setToolTip(note)
            win = self.window()
            if isinstance(win, QMainWindow):
                win.statusBar().showMessage(note, 6000)
