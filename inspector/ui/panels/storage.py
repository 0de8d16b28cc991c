"""Types/Storage panel: what the store is made of, how it grows, how event shapes changed.

Reads the local catalog (brought up to date first, on the task runner's pool, with Cancel):
``stats`` (bytes per type, per day, largest streams, compression, snapshot coverage) and
``types`` (schema history) as the CLI shows them. Two pyqtgraph charts: stored bytes per day
stacked by event type, and a shape timeline (one row per event type, one bar per shape from the
position it was first seen to the last, with a marker where a new set of fields appeared).
Double-clicking a largest stream opens it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.panels.base import OpsPanel
from inspector.ui.workers import TaskRunner, Ticket

CHANNEL = "storage-stats"
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf"]


def _size(n: int | None) -> str:
    if n is None:
        return ""
    v = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if v < 1024 or unit == "GB":
            return f"{v:,.0f} {unit}" if unit == "B" else f"{v:,.1f} {unit}"
        v /= 1024
    return str(n)


def load_all(store: Any, codec: Any, ticket: Ticket | None = None) -> dict[str, Any]:
    """Update the catalog, then read stats, types and the per-day-by-type bytes."""
    from inspector.core.catalog import Catalog

    with Catalog(store, codec) as cat:
        res = cat.update(progress=(ticket.progress if ticket else None),
                         cancelled=(ticket.cancelled if ticket else None))
        if res.status != "done":
            from inspector.ui.workers import Cancelled

            raise Cancelled
        return {"stats": cat.storage(), "types": cat.type_history(),
                "per_day": cat.bytes_per_day_by_type(), "undecoded": res.undecoded}


class StoragePanel(OpsPanel):
    eventActivated = Signal(str, int)  # stream, version (0: its last)
    loaded = Signal(dict)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent, runner)
        import pyqtgraph as pg

        self.data: dict[str, Any] | None = None
        self.status = QLabel("Storage statistics and schema history of the store's events.")
        self.status.setWordWrap(True)
        self.refresh_btn = QPushButton("Update")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.refresh_btn.clicked.connect(self.refresh)
        self.cancel_btn.clicked.connect(lambda: self.runner.cancel(CHANNEL))
        self.types_table = self._table(["event type", "events", "stored", "decoded", "ratio",
                                        "fields", "shapes", "class_versions"])
        self.streams_table = self._table(["largest streams", "type", "events", "stored"])
        self.streams_table.cellDoubleClicked.connect(self._open_stream)
        self.fields_table = self._table(["field", "types", "share", "first seen", "last seen"])
        self.types_table.itemSelectionChanged.connect(self._show_fields)
        self.bytes_plot = pg.PlotWidget(title="stored bytes per day, by event type")
        self.bytes_plot.setLabel("left", "bytes")
        self.bytes_plot.addLegend(offset=(10, 10))
        self.shape_plot = pg.PlotWidget(title="shapes of each event type over positions")
        self.shape_plot.setLabel("bottom", "position")
        charts = QTabWidget()
        charts.addTab(self.bytes_plot, "Bytes per day")
        charts.addTab(self.shape_plot, "Shape timeline")
        tables = QTabWidget()
        tables.addTab(self.types_table, "Types")
        tables.addTab(self.fields_table, "Fields of the selected type")
        tables.addTab(self.streams_table, "Largest streams")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(charts)
        split.addWidget(tables)
        buttons = QHBoxLayout()
        buttons.addWidget(self.refresh_btn)
        buttons.addWidget(self.cancel_btn)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(split, 1)

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # -- context ------------------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        self.runner.cancel(CHANNEL)
        self.data = None
        for t in (self.types_table, self.streams_table, self.fields_table):
            t.setRowCount(0)
        self.bytes_plot.clear()
        self.shape_plot.clear()
        super().set_session(session)

    def context_changed(self) -> None:
        self.refresh_btn.setEnabled(self.store is not None)

    # -- loading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.store is None:
            return
        store, codec = self.store, self.codec
        self.status.setText("Updating the catalog…")
        self.cancel_btn.setEnabled(True)
        self.refresh_btn.setEnabled(False)
        self.runner.submit(CHANNEL, lambda t: load_all(store, codec, t), self._loaded,
                           self._failed, self._progress, label="storage statistics")

    def _progress(self, p: Any) -> None:
        self.status.setText(f"Updating the catalog: {p.text()}")

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.show_error(message)
        self.cancel_btn.setEnabled(False)
        self.refresh_btn.setEnabled(True)

    def _loaded(self, data: dict[str, Any]) -> None:
        self.data = data
        self.cancel_btn.setEnabled(False)
        self.refresh_btn.setEnabled(True)
        st = data["stats"]
        snaps = st["snapshots"]
        mean = snaps["mean_events_replayed_per_load"]
        text = (f"{st['events']:,} events, {_size(st['bytes'])} stored, "
                f"{_size(st['decoded_bytes'])} decoded"
                + (f" (stored/decoded {st['ratio']:.2f})" if st["ratio"] else "")
                + f" · {snaps['count']:,} snapshots ({_size(snaps['bytes'])}), a load replays "
                + (f"{mean:.1f}" if mean is not None else "?") + " events on average")
        if data.get("undecoded"):
            text += f" · {data['undecoded']:,} events could not be decoded (key?)"
        self.status.setText(text)
        self._fill_types(data)
        self._fill_streams(st)
        self._plot_bytes(data["per_day"])
        self._plot_shapes(data["types"])
        self.loaded.emit(data)

    def _fill_types(self, data: dict[str, Any]) -> None:
        hist = {t["topic"]: t for t in data["types"]}
        rows = data["stats"]["by_type"]
        self.types_table.setRowCount(len(rows))
        for i, t in enumerate(rows):
            h = hist.get(t["topic"], {})
            cells = [t["topic"], f"{t['events']:,}", _size(t["bytes"]), _size(t["decoded_bytes"]),
                     "" if t["ratio"] is None else f"{t['ratio']:.2f}",
                     ", ".join(f["name"] for f in h.get("fields", [])), h.get("shapes", ""),
                     ", ".join(map(str, h.get("class_versions", [])))]
            for j, v in enumerate(cells):
                self.types_table.setItem(i, j, QTableWidgetItem(str(v)))
        self.types_table.resizeColumnsToContents()

    def _show_fields(self) -> None:
        rows = self.types_table.selectionModel().selectedRows()
        if not rows or self.data is None:
            return
        topic = self.types_table.item(rows[0].row(), 0).text()
        h = next((t for t in self.data["types"] if t["topic"] == topic), None)
        fields = h["fields"] if h else []
        self.fields_table.setRowCount(len(fields))
        for i, f in enumerate(fields):
            cells = [f["name"], ", ".join(f["types"]), f"{f['share']:.1%}",
                     f["first"]["timestamp"] or f["first"]["position"],
                     f["last"]["timestamp"] or f["last"]["position"]]
            for j, v in enumerate(cells):
                self.fields_table.setItem(i, j, QTableWidgetItem(str(v)))
        self.fields_table.resizeColumnsToContents()

    def _fill_streams(self, st: dict[str, Any]) -> None:
        rows = st["largest_streams"]
        self.streams_table.setRowCount(len(rows))
        for i, s in enumerate(rows):
            for j, v in enumerate([s["id"], s.get("type") or "", f"{s['events']:,}",
                                   _size(s["bytes"])]):
                self.streams_table.setItem(i, j, QTableWidgetItem(str(v)))
        self.streams_table.resizeColumnsToContents()

    def _open_stream(self, row: int, _col: int) -> None:
        item = self.streams_table.item(row, 0)
        if item is not None:
            self.eventActivated.emit(item.text(), 0)

    # -- charts -------------------------------------------------------------------------------
    def _plot_bytes(self, per_day: list[dict[str, Any]]) -> None:
        import pyqtgraph as pg

        self.bytes_plot.clear()
        days = sorted({d["day"] for d in per_day})
        index = {d: i for i, d in enumerate(days)}
        topics = sorted({d["topic"] for d in per_day})
        base = [0.0] * len(days)
        for k, topic in enumerate(topics):
            heights = [0.0] * len(days)
            for d in per_day:
                if d["topic"] == topic:
                    heights[index[d["day"]]] = float(d["bytes"])
            item = pg.BarGraphItem(x=list(range(len(days))), height=heights, y0=list(base),
                                   width=0.8, brush=_COLOURS[k % len(_COLOURS)],
                                   name=topic.split(":")[-1])
            self.bytes_plot.addItem(item)
            base = [b + h for b, h in zip(base, heights, strict=True)]
        ax = self.bytes_plot.getAxis("bottom")
        step = max(1, len(days) // 12)
        ax.setTicks([[(i, d) for i, d in enumerate(days) if i % step == 0]])

    def _plot_shapes(self, types: list[dict[str, Any]]) -> None:
        import pyqtgraph as pg

        self.shape_plot.clear()
        ticks = []
        for row, t in enumerate(types):
            ticks.append((row, t["topic"].split(":")[-1]))
            colour = _COLOURS[row % len(_COLOURS)]
            first = t["first"]["position"] or 0
            last = t["last"]["position"] or first
            self.shape_plot.plot([first, last], [row, row], pen=pg.mkPen(colour, width=6))
            xs = [c["position"] for c in t["changes"] if c["position"] is not None]
            if xs:
                self.shape_plot.plot(xs, [row] * len(xs), pen=None, symbol="d", symbolSize=12,
                                     symbolBrush="#000000")
        self.shape_plot.getAxis("left").setTicks([ticks])
