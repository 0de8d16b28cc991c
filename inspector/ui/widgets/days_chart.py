"""The events-per-day-by-type chart (pyqtgraph), shared by the projections panel and the
store statistics view. pyqtgraph is optional: without it the chart is simply absent."""

from __future__ import annotations

from datetime import date
from typing import Any

from inspector.ui.format import short_topic

MAX_FILLED_DAYS = 3660
# Tableau 10: distinct on light and dark backgrounds.
COLOURS = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#bab0ac")
LEGEND_COLUMNS = 4


def make_days_plot(min_height: int = 120) -> Any:
    """A pyqtgraph PlotWidget set up for :func:`plot_days`, or None without pyqtgraph."""
    try:
        import pyqtgraph as pg
    except Exception:  # noqa: BLE001 - the chart is optional
        return None
    w = pg.PlotWidget()
    w.setBackground(None)
    w.setLabel("left", "events")
    w.setLabel("bottom", "day")
    w.addLegend(offset=(5, 2), colCount=LEGEND_COLUMNS)  # a row along the top
    w.getAxis("bottom").enableAutoSIPrefix(False)
    w.getAxis("left").enableAutoSIPrefix(False)
    w.setMinimumHeight(min_height)
    return w


def plot_days(plot: Any, per_day: list[dict[str, Any]]) -> None:
    """Draw the catalog's ``per_day`` rows ``{"type", "day", "events"}``: one line per type.

    x is the day (its proleptic ordinal, see :func:`day_of`), so gaps between days show; days
    without events of a type count 0 (unless the span is too long to fill). Rows whose day is
    unknown (events that could not be decoded) are not drawn.
    """
    if plot is None:
        return
    import pyqtgraph as pg

    plot.clear()
    counts: dict[str, dict[int, int]] = {}
    for d in per_day:
        try:
            x = date.fromisoformat(d["day"]).toordinal()
        except (TypeError, ValueError):
            continue
        row = counts.setdefault(d["type"], {})
        row[x] = row.get(x, 0) + d["events"]
    xs_all = sorted({x for row in counts.values() for x in row})
    if not xs_all:
        plot.setYRange(0, 1, padding=0)
        plot.getAxis("bottom").setTicks(None)
        return
    lo, hi = xs_all[0], xs_all[-1]
    fill = hi - lo <= MAX_FILLED_DAYS
    for n, (typ, row) in enumerate(sorted(counts.items())):
        xs = list(range(lo, hi + 1)) if fill else sorted(row)
        ys = [row.get(x, 0) for x in xs]
        colour = (COLOURS[n] if len(counts) <= len(COLOURS)
                  else pg.intColor(n, hues=len(counts)))
        plot.plot(xs, ys, pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=5,
                  symbolBrush=colour, symbolPen=colour, name=short_topic(typ) or typ)
    top = max(max(row.values()) for row in counts.values())
    rows = -(-len(counts) // LEGEND_COLUMNS)
    plot.setYRange(0, top * (1.1 + 0.12 * rows) + 1, padding=0)  # room for the legend
    plot.setXRange(lo - 0.5, hi + 0.5, padding=0)
    same_year = date.fromordinal(lo).year == date.fromordinal(hi).year
    step = max(1, (hi - lo + 1) // 8)
    plot.getAxis("bottom").setTicks([[
        (x, date.fromordinal(x).isoformat()[5:] if same_year else date.fromordinal(x).isoformat())
        for x in range(lo, hi + 1, step)
    ]])


def day_of(x: float) -> str:
    """The ISO day of an x value of the chart."""
    return date.fromordinal(int(round(x))).isoformat()
