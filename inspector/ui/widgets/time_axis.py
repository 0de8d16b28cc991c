"""A pyqtgraph date axis whose labels carry enough context at every zoom level.

pyqtgraph's ``DateAxisItem`` labels a day-spaced axis ``04 09 14`` and an hour-spaced one
``17:00``: after zooming, nothing says which month or day is shown. :func:`context_labels` labels
each tick with what changes at that spacing plus the context above it (``Oct 04``,
``Oct 26 17:00``, ``17:48:14.5``), and the first tick of a zoomed-in view carries the date.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyqtgraph as pg  # imported with the first plot (this module is imported lazily)

DAY = 86400.0


def context_labels(values: list[float], spacing: float, utc_offset: float = 0.0) -> list[str]:
    """Labels for tick ``values`` (POSIX seconds) ``spacing`` seconds apart.

    ``utc_offset`` (seconds west of UTC, as pyqtgraph's ``DateAxisItem.utcOffset``) shifts them
    to the displayed time zone.
    """
    out: list[str] = []
    previous_day = None
    for i, v in enumerate(values):
        try:
            t = datetime.fromtimestamp(v - utc_offset, tz=UTC)
        except (OverflowError, OSError, ValueError):
            out.append("")
            continue
        day = t.date()
        if spacing >= 28 * DAY:
            text = t.strftime("%b %Y")
        elif spacing >= DAY:
            text = t.strftime("%b %d")
        elif spacing >= 60:
            text = t.strftime("%H:%M")
            if i == 0 or day != previous_day:
                text = t.strftime("%b %d ") + text
        elif spacing >= 1:
            text = t.strftime("%H:%M:%S")
            if i == 0 or day != previous_day:
                text = t.strftime("%b %d ") + text
        else:
            text = t.strftime("%H:%M:%S.%f")[:-3]
            if i == 0:
                text = t.strftime("%b %d ") + text
        previous_day = day
        out.append(text)
    return out


class ContextDateAxis(pg.DateAxisItem):  # type: ignore[misc]
    """``DateAxisItem`` with :func:`context_labels` tick labels.

    Only the finest tick level of the current zoom is labelled (its labels carry the coarser
    context, so "Nov" beside "Oct 29" would only overlap), and each zoom level's example text
    (which pyqtgraph uses to space the ticks) is as long as the labels really are.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sample = datetime(2026, 9, 28, 23, 59, 59, 999000, tzinfo=UTC).timestamp()
        for level in self.zoomLevels.values():
            finest = min(spec.spacing for spec in level.tickSpecs)
            level.exampleText = context_labels([sample], finest)[0]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        specs = getattr(getattr(self, "zoomLevel", None), "tickSpecs", None) or []
        finest = min((s.spacing for s in specs), default=spacing)
        if spacing > finest * 1.5:
            return [""] * len(values)
        return context_labels(list(values), spacing, float(getattr(self, "utcOffset", 0) or 0))


def make_time_axis(orientation: str = "bottom") -> Any:
    """A date axis for a pyqtgraph plot whose labels carry their date context."""
    return ContextDateAxis(orientation=orientation)
