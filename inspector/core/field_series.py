"""A numeric field's value over versions (the GUI's "Plot over versions").

Built on :meth:`Replayer.blame_result`, which replays the stream version by version (as the
library's ``Repository.get(id, version=V)`` would, snapshots included) and reports every version
whose event changed the value at the path. Between two changes the value is constant, so the
changes are the whole series: a step function of the version.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from typing import Any

from inspector.core.cuts import cut

MAX_POINTS = 5000


def numeric(value: Any) -> int | float | None:
    """``value`` as a number to plot: ints stay exact ints, decimal text becomes a float.

    Booleans, other text and containers are not numbers (``None``)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            d = decimal.Decimal(value)
        except (decimal.InvalidOperation, ValueError):
            return None
        return float(d) if d.is_finite() else None
    return None


def sample_evenly(items: list[Any], n: int) -> list[Any]:
    """At most ``n`` items of ``items``, evenly spaced, the first and the last always kept."""
    if n <= 0:
        return []
    if len(items) <= n:
        return list(items)
    if n == 1:
        return [items[-1]]
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


def field_series(
    replayer: Any,
    stream: str,
    path: list[str | int],
    *,
    max_points: int = MAX_POINTS,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The value at ``path`` after each event that changed it.

    Returns ``{"stream", "path", "mode", "points": [{"version", "timestamp", "value"}],
    "changes", "non_numeric", "cut", "error"}``: ``value`` is the exact stored number (ints
    exact, decimal text as text), ``timestamp`` ISO text or ``None``; versions where the value
    is absent or not a number are counted in ``non_numeric`` and left out. With more than
    ``max_points`` numeric changes the points are sampled evenly and ``cut`` is a
    :func:`inspector.core.cuts.cut` marker (size: the number of numeric changes), else ``None``.
    ``error``: the replay failure that ended the series early (JSON), or ``None``.
    """
    res = replayer.blame_result(stream, list(path), progress=progress, cancelled=cancelled)
    points: list[dict[str, Any]] = []
    non_numeric = 0
    for row in res["changes"]:
        if numeric(row["new"]) is None:
            non_numeric += 1
            continue
        points.append(
            {"version": row["version"], "timestamp": row["timestamp"], "value": row["new"]}
        )
    marker = None
    if len(points) > max_points:
        marker = cut(f"more than {max_points} changes: sampled evenly", len(points))
        points = sample_evenly(points, max_points)
    err = res.get("error")
    return {
        "stream": stream,
        "path": list(path),
        "mode": res.get("mode"),
        "points": points,
        "changes": len(res["changes"]),
        "non_numeric": non_numeric,
        "cut": marker,
        "error": None if err is None else err.to_json(),
    }
