"""The timeline colours its events by type, with a legend, and zooming keeps them readable."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from conftest import HERE, BankStore
from helpers import open_store, open_stream
from uidomain import Bank

from inspector.ui.format import short_topic


def test_timeline_event_density_by_type(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id, 40)
    tl = win.timeline
    qtbot.waitUntil(lambda: bool(tl.type_counts), timeout=15000)
    # the oracle: the library's own stored events of that aggregate
    with bank.handle.open_app(Bank) as app:
        events = list(app.events.get(uuid.UUID(bank.long_id)))
    want = Counter(short_topic(f"{type(e).__module__}:{type(e).__qualname__}") for e in events)
    assert dict(tl.type_counts) == dict(want)
    assert [c for _, c in tl.type_counts] == sorted(want.values(), reverse=True)
    # one coloured scatter per type, each named in the legend with its count
    legend = [lab.text for _, lab in tl._legend.items]
    assert len(tl._type_items) == len(want)
    for name, count in tl.type_counts:
        assert any(name in t and f"{count:,}" in t for t in legend), (name, legend)
    brushes = {item.opts["brush"].color().name() for item in tl._type_items}
    assert len(brushes) == len(want)
    # wheel-style zoom on a middle stretch of time: the version axis follows what is visible
    vb = tl.plot.getPlotItem().vb
    t = tl.times
    lo, hi = float(t[100]), float(t[140])
    vb.setXRange(lo, hi, padding=0)
    qtbot.waitUntil(lambda: vb.viewRange()[1][1] - vb.viewRange()[1][0] < 120, timeout=5000)
    y0, y1 = vb.viewRange()[1]
    assert y0 > tl.first + 50 and y1 < tl.last - 50  # not flattened along the full range
    # another stream replaces the types; clearing removes them
    open_stream(qtbot, win, bank.ids[3], None)
    qtbot.waitUntil(lambda: sum(c for _, c in tl.type_counts) == tl.last - tl.first + 1,
                    timeout=15000)
    tl.clear()
    assert tl.type_counts == [] and tl._type_items == []
