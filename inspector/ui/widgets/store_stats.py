"""Store statistics (View > Store statistics…): the catalog's totals, types and daily chart.

A non-modal dialog over a :class:`~inspector.ui.catalog_feed.CatalogFeed`: events, streams,
types with their stream and event counts, first and last event time, the catalog's position
against the store's head, and the events-per-day-by-type chart shared with the projections
panel. It redraws whenever the feed publishes (cached, partial, final); Update and Cancel drive
the feed. Double-clicking a type filters the streams panel by it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.format import short_time, short_topic
from inspector.ui.widgets.common import compact_table
from inspector.ui.widgets.days_chart import make_days_plot, plot_days

TYPE_COLUMNS = ("Type", "Streams", "Events")


class StoreStatsDialog(QDialog):
    typeActivated = Signal(str)  # the full topic of a double-clicked type

    def __init__(self, feed: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.setWindowTitle("Store statistics")
        self.setModal(False)
        self.resize(860, 640)
        self.types: list[dict[str, Any]] = []

        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for key, title in (("store", "Store"), ("events", "Events"), ("streams", "Streams"),
                           ("types", "Types"), ("first", "First event"),
                           ("last", "Last event"), ("position", "Catalog")):
            lab = QLabel("—")
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[key] = lab
            form.addRow(f"{title}:", lab)
        self.status = QLabel(feed.status or "")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.update_btn = QPushButton("Update")
        self.update_btn.setToolTip("Bring the catalog up to the store's head (incremental)")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop the update; what was processed is kept")
        self.update_btn.clicked.connect(feed.update)
        self.cancel_btn.clicked.connect(feed.cancel)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.update_btn)
        row.addWidget(self.cancel_btn)

        self.table = QTableWidget(0, len(TYPE_COLUMNS))
        self.table.setHorizontalHeaderLabels(list(TYPE_COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setToolTip("Double-click a type to list its streams")
        compact_table(self.table)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for c in (1, 2):
            hh.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.table.cellDoubleClicked.connect(self._activated)
        self.plot = make_days_plot(min_height=180)
        self.plot_title = QLabel("Events per day by type")
        chart = QWidget()
        cl = QVBoxLayout(chart)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.addWidget(self.plot_title)
        if self.plot is not None:
            cl.addWidget(self.plot, 1)
        else:
            self.plot_title.setText("Events per day by type: pyqtgraph is not installed")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(chart)
        split.setSizes([220, 320])

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(row)
        lay.addWidget(split, 1)
        lay.addWidget(buttons)

        feed.updated.connect(self.show_data)
        feed.statusChanged.connect(self._status)
        feed.runner.busyChanged.connect(lambda _l: self._update_buttons())
        if feed.data is not None:
            self.show_data(feed.data)
        else:
            self._empty()
        self._update_buttons()

    # -- rendering ----------------------------------------------------------------------------
    def _empty(self) -> None:
        for lab in self.values.values():
            lab.setText("—")
        self._show_store()
        self.table.setRowCount(0)
        plot_days(self.plot, [])

    def _show_store(self) -> None:
        session = getattr(self.feed, "session", None)
        if session is None:
            return
        store, db = session.store, session.db
        app = f" · app {store.name}" if len(getattr(db, "apps", ()) or ()) > 1 else ""
        self.values["store"].setText(f"{store.location} · {db.layout}{app}")

    def show_data(self, data: dict[str, Any]) -> None:
        s = data["summary"]
        self._show_store()
        self.values["events"].setText(f"{s['events']:,}")
        self.values["streams"].setText(f"{s['streams']:,}")
        self.types = sorted(s["types"], key=lambda t: (-t["events"], t["type"]))
        self.values["types"].setText(f"{len(self.types):,}")
        self.values["first"].setText(short_time(s["first_time"]) or "—")
        self.values["last"].setText(short_time(s["last_time"]) or "—")
        lag = s.get("lag")
        pos = "" if s.get("position") is None else f"{s['position']:,}"
        head = "" if s.get("head") is None else f"{s['head']:,}"
        behind = "up to date" if lag == 0 else f"{lag:,} behind" if lag else ""
        undecoded = s.get("undecoded") or 0
        extra = f" · {undecoded:,} events not decoded (no key?)" if undecoded else ""
        self.values["position"].setText(
            f"position {pos or '0'} of {head or '0'} ({behind or 'not built'}){extra}")
        self.values["position"].setToolTip(f"Local cache: {s.get('path', '')}")
        self.table.setRowCount(len(self.types))
        for i, t in enumerate(self.types):
            name = QTableWidgetItem(short_topic(t["type"]) or t["type"])
            name.setToolTip(t["type"])
            self.table.setItem(i, 0, name)
            for c, key in ((1, "streams"), (2, "events")):
                item = QTableWidgetItem(f"{t[key]:,}")
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, c, item)
        days = sorted({d["day"] for d in data["per_day"] if d["day"][:1].isdigit()})
        span = f": {days[0]} .. {days[-1]}" if days else ""
        if self.plot is not None:
            self.plot_title.setText(f"Events per day by type{span}")
        plot_days(self.plot, data["per_day"])

    def _status(self, text: str) -> None:
        self.status.setText(text)
        if self.feed.data is None:
            self._empty()  # another store: nothing known about it yet
        self._update_buttons()

    def _update_buttons(self) -> None:
        running = self.feed.running()
        have = getattr(self.feed, "session", None) is not None
        self.update_btn.setEnabled(have and not running)
        self.cancel_btn.setEnabled(running)

    def _activated(self, row: int, _col: int) -> None:
        if 0 <= row < len(self.types) and self.types[row]["type"] != "?":
            self.typeActivated.emit(self.types[row]["type"])
