"""Timeline: a slider over versions (play/pause/step/jump, speed) and a plot of event times.

The pyqtgraph plot shows version against event time; click anywhere to jump to the nearest
event, drag to pan, wheel to zoom; snapshot versions are marked; a sentence replaces it while
there is nothing to plot.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.widgets.common import elastic

TYPE_COLOURS = ("#e6550d", "#31a354", "#756bb1", "#de2d26", "#3182bd", "#fd8d3c", "#636363",
                "#bcbd22")
MAX_TYPES = len(TYPE_COLOURS) - 1  # the rarest types share the last colour as "other"
MAX_TYPED_EVENTS = 50_000  # beyond this the events are plotted uncoloured (painting cost)

SPEEDS = (("1 ev/s", 1), ("4 ev/s", 4), ("10 ev/s", 10), ("25 ev/s", 25), ("100 ev/s", 100))


class Timeline(QWidget):
    versionRequested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = 0
        self.last = 0
        self.times: Any = None  # numpy array of POSIX seconds (NaN when unknown), by version
        self.snapshot_versions: list[int] = []
        self.plot: Any = None
        self._curve: Any = None
        self._cursor: Any = None
        self._cursor_line: Any = None
        self._snaps: Any = None
        self._type_items: list[Any] = []
        self.type_counts: list[tuple[str, int]] = []  # (type label, events) as in the legend

        def button(text: str, tip: str) -> QToolButton:
            b = QToolButton()
            b.setText(text)  # glyphs in the palette's text colour (light and dark themes)
            b.setToolTip(tip)
            b.setAutoRaise(True)
            b.setMinimumWidth(30)
            return b

        self.first_btn = button("|◀", "First version (Ctrl+Home)")
        self.back_btn = button("◁", "Previous version (Ctrl+Up)")
        self.play_btn = button("▶", "Play / pause (Ctrl+P)")
        self.play_btn.setCheckable(True)
        self.fwd_btn = button("▷", "Next version (Ctrl+Down)")
        self.last_btn = button("▶|", "Last version (Ctrl+End)")
        # One width for every transport button, the widest glyph's: Play turning into Pause
        # never moves its neighbours.
        transport = (self.first_btn, self.back_btn, self.play_btn, self.fwd_btn, self.last_btn)
        widest = 0
        for b in transport:
            for glyph in (b.text(), "❚❚"):
                widest = max(widest, b.fontMetrics().horizontalAdvance(glyph) + 16)
        for b in transport:
            b.setFixedWidth(max(30, widest))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setTracking(True)
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.slider.setToolTip("Drag to move through the stream's versions")
        self.jump = QSpinBox()
        self.jump.setRange(0, 0)
        self.jump.setKeyboardTracking(False)
        self.jump.setMinimumWidth(90)
        self.jump.setToolTip("Jump to version")
        self.jump.setPrefix("v ")
        self.of_label = QLabel("of 0")
        self.speed = QComboBox()
        for text, value in SPEEDS:
            self.speed.addItem(text, value)
        self.speed.setCurrentIndex(2)
        self.speed.setToolTip("Playback speed")
        self.status = elastic(QLabel())
        self.status.setStyleSheet("color: palette(placeholder-text);")

        bar = QHBoxLayout()
        bar.setContentsMargins(4, 2, 4, 2)
        for w in (self.first_btn, self.back_btn, self.play_btn, self.fwd_btn, self.last_btn):
            bar.addWidget(w)
        bar.addWidget(self.slider, 1)
        bar.addWidget(self.jump)
        bar.addWidget(self.of_label)
        bar.addWidget(self.speed)
        self.plot_holder = QVBoxLayout()
        self.plot_holder.setContentsMargins(0, 0, 0, 0)
        self.placeholder = QLabel("Select a stream: its events are plotted here by time.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.plot_holder.addWidget(self.placeholder)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(bar)
        lay.addLayout(self.plot_holder, 1)
        lay.addWidget(self.status)

        self.timer = QTimer(self)
        self.timer.timeout.connect(self._tick)
        self.first_btn.clicked.connect(lambda: self.request(self.first))
        self.last_btn.clicked.connect(lambda: self.request(self.last))
        self.back_btn.clicked.connect(lambda: self.step(-1))
        self.fwd_btn.clicked.connect(lambda: self.step(1))
        self.play_btn.toggled.connect(self.set_playing)
        self.slider.valueChanged.connect(self._slider_moved)
        self.jump.valueChanged.connect(self._jumped)
        self.speed.currentIndexChanged.connect(self._speed_changed)
        self.set_enabled(False)
        # Build the plot now, on the UI thread, while nothing else runs: importing pyqtgraph
        # loads Qt extension modules (QtOpenGL, QtSvg...) whose initialisation holds the GIL
        # for ~0.1-0.2 s; done later from a worker thread it would stall the window instead.
        self.ensure_plot()
        self.show_placeholder("Select a stream: its events are plotted here by time.")

    # -- state --------------------------------------------------------------------------------
    def set_enabled(self, on: bool) -> None:
        for w in (
            self.first_btn,
            self.back_btn,
            self.play_btn,
            self.fwd_btn,
            self.last_btn,
            self.slider,
            self.jump,
            self.speed,
        ):
            w.setEnabled(on)

    def set_range(self, first: int, last: int) -> None:
        self.first, self.last = first, last
        for w in (self.slider, self.jump):
            w.blockSignals(True)
            w.setRange(first, max(first, last))
            w.blockSignals(False)
        self.slider.setPageStep(max(1, min(100, (last - first) // 20 or 1)))
        self.of_label.setText(f"of {last:,}")
        self.set_enabled(last >= first)

    def clear(self) -> None:
        self.set_playing(False)
        self.set_range(0, -1)
        self.of_label.setText("of 0")
        self.times = None
        self.snapshot_versions = []
        self.status.setText("")
        self.show_placeholder("Select a stream: its events are plotted here by time.")
        if self.plot is not None:
            self._curve.setData([], [])
            self._cursor.setData([], [])
            self._snaps.setData([], [])
            self._cursor_line.hide()
            self.set_topics(None)

    def show_placeholder(self, text: str) -> None:
        """A sentence instead of the plot (nothing to plot, or still loading)."""
        self.placeholder.setText(text)
        self.placeholder.show()
        if self.plot is not None:
            self.plot.hide()

    def value(self) -> int:
        return self.slider.value()

    def set_version(self, v: int) -> None:
        """Show ``v`` without asking for it (the window already did)."""
        for w in (self.slider, self.jump):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self._move_cursor(v)

    def request(self, v: int) -> None:
        v = max(self.first, min(self.last, v))
        self.set_version(v)
        self.versionRequested.emit(v)

    def step(self, delta: int) -> None:
        self.request(self.value() + delta)

    # -- playback -----------------------------------------------------------------------------
    def set_playing(self, on: bool) -> None:
        if on and self.value() >= self.last:
            self.request(self.first)
        self.play_btn.blockSignals(True)
        self.play_btn.setChecked(on)
        self.play_btn.setText("❚❚" if on else "▶")
        self.play_btn.blockSignals(False)
        if on:
            self._speed_changed()
            self.timer.start()
        else:
            self.timer.stop()

    def playing(self) -> bool:
        return self.timer.isActive()

    def _speed_changed(self, *_: Any) -> None:
        per_s = int(self.speed.currentData() or 10)
        self.timer.setInterval(max(10, 1000 // per_s))

    def _tick(self) -> None:
        if self.value() >= self.last:
            self.set_playing(False)
            return
        self.step(1)

    def _slider_moved(self, v: int) -> None:
        self.jump.blockSignals(True)
        self.jump.setValue(v)
        self.jump.blockSignals(False)
        self._move_cursor(v)
        self.versionRequested.emit(v)

    def _jumped(self, v: int) -> None:
        self.request(v)

    # -- plot ---------------------------------------------------------------------------------
    def ensure_plot(self) -> Any:
        if self.plot is not None:
            return self.plot
        import pyqtgraph as pg

        pg.setConfigOptions(
            antialias=False, background=None, foreground=self.palette().text().color()
        )
        from inspector.ui.widgets.time_axis import make_time_axis

        axis = make_time_axis("bottom")  # labels with date context at every zoom
        self._axis = axis
        plot = pg.PlotWidget(axisItems={"bottom": axis})
        plot.setMinimumHeight(60)
        plot.setLabel("left", "version")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setMouseEnabled(x=True, y=False)
        item = plot.getPlotItem()
        # Wheel zoom is on time; the version axis follows what is visible, so a zoomed-in
        # stretch fills the height instead of lying flat along the bottom.
        item.vb.setAutoVisible(y=True)
        item.vb.enableAutoRange(axis="y")
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        item.hideButtons()
        self._curve = plot.plot([], [], pen=pg.mkPen("#4a90d9", width=1.5), connect="finite")
        # Moving the cursor repaints the plot: keep the (big) curve as a cached pixmap.
        self._curve.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        for name in ("bottom", "left"):  # axes too: a cursor move then repaints in ~1 ms
            plot.getPlotItem().getAxis(name).setCacheMode(
                QGraphicsItem.CacheMode.DeviceCoordinateCache
            )
        self._snaps = pg.ScatterPlotItem(
            size=11,
            symbol="d",
            brush=pg.mkBrush("#d08a00"),
            pen=pg.mkPen("#ffffff", width=0.5),
            name="snapshots",
        )
        self._cursor = pg.ScatterPlotItem(
            size=12, symbol="o", brush=pg.mkBrush("#d03030"), pen=pg.mkPen("#ffffff", width=1)
        )
        self._cursor_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#d03030", width=1)
        )
        self._legend = plot.addLegend(offset=(8, 4), labelTextSize="8pt", colCount=4)
        plot.addItem(self._snaps)
        plot.addItem(self._cursor_line)
        plot.addItem(self._cursor)
        plot.scene().sigMouseClicked.connect(self._plot_clicked)
        self.plot_holder.addWidget(plot)
        self.plot = plot
        return plot

    def set_times(self, times: Any, snapshot_versions: list[int]) -> None:
        """``times``: POSIX seconds by version offset (numpy array, NaN where unknown)."""
        import numpy as np

        self.ensure_plot()
        self.times = times
        self.snapshot_versions = list(snapshot_versions)
        n = len(times)
        versions = np.arange(self.first, self.first + n, dtype=float)
        self._curve.setData(times, versions, connect="finite")
        sv = [
            v
            for v in snapshot_versions
            if 0 <= v - self.first < n and not np.isnan(times[v - self.first])
        ]
        if sv:
            idx = np.array(sv) - self.first
            self._snaps.setData(times[idx], np.array(sv, dtype=float))
        else:
            self._snaps.setData([], [])
        self.plot.enableAutoRange()
        known = int(np.count_nonzero(~np.isnan(times))) if n else 0
        if n and not known:
            self.status.setText("")
            self.show_placeholder(
                "No event times to plot: the events carry no timestamp (DCB decisions) "
                "or could not be decoded."
            )
            return
        self.placeholder.hide()
        self.plot.show()
        snaps = f" · {len(sv)} snapshot{'s' if len(sv) != 1 else ''} (◆)" if sv else ""
        self.status.setText(
            f"{n:,} events plotted{snaps} · click the plot to jump, drag to pan, wheel to zoom"
        )
        self._move_cursor(self.value())

    def set_topics(self, topics: list[str | None] | None) -> None:
        """Colour each event by its type (``topics`` by version offset), with a legend.

        The most frequent types get a colour each; the rest share one as "other". ``None``
        (or more than ``MAX_TYPED_EVENTS`` events) removes the colours."""
        import numpy as np
        import pyqtgraph as pg

        from inspector.ui.format import short_topic

        for item in self._type_items:
            self.plot.removeItem(item)
            self._legend.removeItem(item)
        self._type_items = []
        self.type_counts = []
        if not topics or self.times is None or len(topics) > MAX_TYPED_EVENTS:
            return
        n = min(len(topics), len(self.times))
        labels = [short_topic(t) if t else "?" for t in topics[:n]]
        counts: dict[str, int] = {}
        for lab in labels:
            counts[lab] = counts.get(lab, 0) + 1
        ranked = sorted(counts, key=lambda k: (-counts[k], k))
        named = ranked if len(ranked) <= MAX_TYPES + 1 else ranked[:MAX_TYPES]
        group = {lab: (lab if lab in named else "other") for lab in ranked}
        order = [*named, *(["other"] if len(named) < len(ranked) else [])]
        versions = np.arange(self.first, self.first + n, dtype=float)
        times = np.asarray(self.times[:n], dtype=float)
        keys = np.array([group[lab] for lab in labels], dtype=object)
        for i, name in enumerate(order):
            mask = (keys == name) & ~np.isnan(times)
            if not mask.any():
                continue
            colour = TYPE_COLOURS[min(i, len(TYPE_COLOURS) - 1)]
            item = pg.ScatterPlotItem(
                times[mask], versions[mask], size=5, pen=None, brush=pg.mkBrush(colour),
                name=f"{name} ({int(mask.sum()):,})",
            )
            item.setZValue(-1)  # under the cursor and snapshot marks
            self.plot.addItem(item)
            self._type_items.append(item)
            self.type_counts.append((name, int(mask.sum())))

    def _move_cursor(self, v: int) -> None:
        if self.plot is None or self.times is None:
            return
        i = v - self.first
        if 0 <= i < len(self.times):
            t = float(self.times[i])
            if t == t:  # not NaN
                self._cursor.setData([t], [float(v)])
                self._cursor_line.setValue(t)
                self._cursor_line.show()
                return
        self._cursor.setData([], [])
        self._cursor_line.hide()

    def version_near(self, x: float, y: float | None = None) -> int | None:
        """The version whose point is nearest to (time x, version y) in view proportions."""
        import numpy as np

        if self.times is None or not len(self.times):
            return None
        t = self.times
        vr = self.plot.getPlotItem().viewRange() if self.plot is not None else [[0, 1], [0, 1]]
        xs = max(vr[0][1] - vr[0][0], 1e-9)
        ys = max(vr[1][1] - vr[1][0], 1e-9)
        versions = np.arange(len(t), dtype=float) + self.first
        dx = (t - x) / xs
        dy = 0 if y is None else (versions - y) / ys
        d = np.where(np.isnan(t), np.inf, dx * dx + dy * dy)
        i = int(np.argmin(d))
        return None if not np.isfinite(d[i]) else self.first + i

    def _plot_clicked(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getPlotItem().vb
        pos = vb.mapSceneToView(ev.scenePos())
        v = self.version_near(pos.x(), pos.y())
        if v is not None:
            self.request(v)
