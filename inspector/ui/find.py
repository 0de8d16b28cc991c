"""The Find scan behind Ctrl+F: bounded, cancellable, resumable (plain Python, runs in a worker).

Matching is the core's (:func:`inspector.core.search.make_matcher`: text anywhere in the topic
or decoded payload, case-insensitive, or ``path = value``); the type filter keeps events whose
topic contains the given text (e.g. ``Credited``). A scan stops after ``cap`` events or
``limit`` matches and says where to continue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from inspector.core.browse import event_json
from inspector.core.search import make_matcher

SCAN_CAP = 50_000
MATCH_LIMIT = 500
BATCH = 1000


@dataclass
class FindQuery:
    text: str
    type_text: str = ""
    stream: str | None = None  # None: the global log
    cap: int = SCAN_CAP
    limit: int = MATCH_LIMIT


@dataclass
class FindResult:
    rows: list[dict[str, Any]] = field(default_factory=list)
    scanned: int = 0
    cursor: int | None = None  # log position or stream version to continue after
    exhausted: bool = False
    capped: bool = False


def scan(
    session: Any,
    q: FindQuery,
    after: int | None,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int], None] | None = None,
) -> FindResult:
    text = q.text.strip()
    match = make_matcher(text) if text else (lambda _t, _d: True)
    type_text = q.type_text.strip().lower()
    res = FindResult(cursor=after)
    store, codec = session.store, session.codec
    while res.scanned < q.cap and not cancelled():
        n = min(BATCH, q.cap - res.scanned)
        if q.stream is None:
            page = store.log(res.cursor, n)
        else:
            lo = None if res.cursor is None else res.cursor + 1
            page = store.stream_events(q.stream, lo, None, limit=n)
        if not page:
            res.exhausted = True
            return res
        for ev in page:
            res.scanned += 1
            res.cursor = ev.position if q.stream is None else ev.version
            if type_text and type_text not in ev.topic.lower():
                continue
            d = codec.decode(ev.state)
            if (not text and d.error is None) or (d.ok and match(ev.topic, d.data)):
                row = event_json(ev, d)
                row["raw"] = ev.state
                res.rows.append(row)
                if len(res.rows) >= q.limit:
                    return res
        if progress is not None:
            progress(res.scanned, res.cursor or 0)
        if len(page) < n:
            res.exhausted = True
            return res
    res.capped = res.scanned >= q.cap
    return res
