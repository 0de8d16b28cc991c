"""A dialog charting one numeric field of the state over versions (or over time).

The series comes from :func:`inspector.core.field_series.field_series` (computed off the UI
thread); the plot is a step line (the value holds until the next event that changes it). The
"By time" toggle swaps the x axis from versions to the events' times, with a date axis whose
labels keep their context at any zoom. Wheel zoom acts on x; y follows what is visible.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QDialog, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from inspector.core.field_series import numeric
from inspector.ui.widgets.common import elastic


class FieldPlotDialog(QDialog):
    """Shows ``loading()``, then ``show_series(result)`` or ``show_error(message)``."""

    def __init__(
        self,
        stream_label: str,
        path_label: str,
        parent: QWidget | None = None,
        last_version: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.last_version = last_version  # the line holds the last value up to here
        import pyqtgraph as pg

        from inspector.ui.widgets.time_axis import make_time_axis

        self.setWindowTitle(f"{path_label} over versions — {stream_label}")
        self.setObjectName("field-plot")
        self.resize(760, 420)
        self.path_label = path_label
        self.stream_label = stream_label
        self.result: dict[str, Any] | None = None
        self.by_time = QCheckBox("By time")
        self.by_time.setToolTip("Plot against the events' times instead of their versions")
        self.by_time.toggled.connect(self._redraw)
        self.status = elastic(QLabel())
        self.status.setStyleSheet("color: palette(placeholder-text);")
        self.plot = pg.PlotWidget()
        self.time_plot = pg.PlotWidget(axisItems={"bottom": make_time_axis("bottom")})
        for p in (self.plot, self.time_plot):
            p.showGrid(x=True, y=True, alpha=0.15)
            p.setMouseEnabled(x=True, y=False)
            item = p.getPlotItem()
            item.vb.setAutoVisible(y=True)  # wheel zoom on x: y fits the visible stretch
            item.vb.enableAutoRange(axis="y")
            item.setLabel("left", path_label)
        self.plot.setLabel("bottom", f"version of {stream_label}")
        self.time_plot.setLabel("bottom", "event time (UTC)")
        self.time_plot.hide()
        pen = pg.mkPen("#4a90d9", width=1.5)
        self.curve = self.plot.plot([], [], pen=pen, stepMode=None)
        self.time_curve = self.time_plot.plot([], [], pen=pen)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        bar.addWidget(self.by_time)
        lay = QVBoxLayout(self)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.time_plot, 1)

    def loading(self, done: int = 0, total: int = 0) -> None:
        pct = f" {100 * done // total}%" if total else ""
        self.status.setText(f"Replaying the stream to collect {self.path_label}…{pct}")

    def show_error(self, message: str) -> None:
        self.status.setText(f"Could not plot {self.path_label}: {message}")

    def xy(self, by_time: bool) -> tuple[list[float], list[float]]:
        """The step line's points: each change, and the value held until the next one."""
        xs: list[float] = []
        ys: list[float] = []
        if not self.result:
            return xs, ys
        from inspector.core.replay_types import to_seconds_or_none

        prev: float | None = None
        for p in self.result["points"]:
            x = to_seconds_or_none(p["timestamp"]) if by_time else float(p["version"])
            y = numeric(p["value"])
            if x is None or y is None:
                continue
            if prev is not None:
                xs.append(x)
                ys.append(prev)
            xs.append(x)
            ys.append(float(y))
            prev = float(y)
        if not by_time and prev is not None and self.last_version is not None:
            if self.last_version > xs[-1]:
                xs.append(float(self.last_version))
                ys.append(prev)
        return xs, ys

    def show_series(self, result: dict[str, Any]) -> None:
        self.result = result
        n = len(result["points"])
        parts = [f"{n:,} change{'s' if n != 1 else ''} of {self.path_label}"]
        if result.get("cut"):
            parts.append(f"sampled from {result['cut']['size']:,}")
        if result.get("non_numeric"):
            parts.append(f"{result['non_numeric']:,} non-numeric or absent values left out")
        if result.get("error"):
            parts.append(f"replay stopped at version {result['error'].get('version')}")
        if result.get("mode"):
            parts.append(f"{result['mode']} replay")
        if not n:
            parts = [f"No numeric value of {self.path_label} to plot"]
        self.status.setText(" · ".join(parts))
        self._redraw()

    def _redraw(self, *_: Any) -> None:
        by_time = self.by_time.isChecked()
        self.plot.setVisible(not by_time)
        self.time_plot.setVisible(by_time)
        xs, ys = self.xy(by_time)
        (self.time_curve if by_time else self.curve).setData(xs, ys)
        (self.time_plot if by_time else self.plot).enableAutoRange()
