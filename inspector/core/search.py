"""Bounded payload search over the global log or a stream: text or ``path = value``."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from inspector.core.codec import Codec, parse_json
from inspector.core.damage import row_damage

DEFAULT_SCAN_CAP = 200_000
BATCH = 1000


@dataclass(slots=True)
class SearchResult:
    events: list[Any] = field(default_factory=list)
    scanned: int = 0
    last_position: int | None = None
    capped: bool = False  # stopped at the scan cap (more may match after last_position)
    exhausted: bool = False  # reached the end of the log


def _lookup(data: Any, path: list[str]) -> Any:
    cur = data
    for part in path:
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        elif (
            isinstance(cur, list)
            and part.lstrip("-").isdigit()
            and -len(cur) <= int(part) < len(cur)
        ):
            cur = cur[int(part)]
        else:
            return _MISSING
    return cur


_MISSING = object()


def _intact(ev: Any) -> bool:
    """Not a damaged row (its payload is not searched: its columns are not trusted)."""
    if getattr(ev, "tags", None) is not None:  # DCB events: no stream/version columns
        return True
    return row_damage(ev.stream, ev.version, ev.topic) is None


def json_text(data: Any) -> str:
    """Compact JSON text of decoded data, integers exact at any size (what text search reads)."""
    try:
        return orjson.dumps(data).decode("utf-8")
    except TypeError:  # integers beyond 64 bits, nesting past orjson's 255 levels
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def make_matcher(query: str) -> Callable[[str | None, Any], bool]:
    """``path = value`` compares one field (value as JSON, else as text); otherwise substring.

    Text matching is case-insensitive and looks at the event topic and the decoded payload.
    """
    if "=" in query and not query.strip().startswith("="):
        path_text, value_text = (s.strip() for s in query.split("=", 1))
        if path_text and " " not in path_text:
            path = path_text.split(".")
            try:
                want: Any = parse_json(value_text.encode("utf-8"))  # exact at any size
            except ValueError:
                want = value_text

            def match_path(_topic: str | None, data: Any) -> bool:
                got = _lookup(data, path)
                if got is _MISSING:
                    return False
                return got == want or (not isinstance(got, (dict, list)) and str(got) == value_text)

            return match_path
    needle = query.lower()

    def match_text(topic: str | None, data: Any) -> bool:
        if type(topic) is str and needle in topic.lower():
            return True
        return needle in json_text(data).lower()

    return match_text


def search_log(
    store: Any,
    codec: Codec,
    query: str,
    after: int | None = None,
    limit: int = 100,
    topics: Sequence[str] = (),
    scan_cap: int = DEFAULT_SCAN_CAP,
    cancelled: Callable[[], bool] = lambda: False,
    progress: Callable[[int, int | None], None] | None = None,
    tags: Sequence[str] = (),
) -> SearchResult:
    """Scan the log after ``after`` for events matching ``query``; stop at ``limit`` or the cap.

    ``topics``/``tags``: the store's own filter (any of the types; all of the tags)."""
    match = make_matcher(query)
    res = SearchResult(last_position=after)
    cursor = after
    while res.scanned < scan_cap and not cancelled():
        requested = min(BATCH, scan_cap - res.scanned)
        page = store.log(cursor, requested, topics, tags=tags) if tags \
            else store.log(cursor, requested, topics)
        if not page:
            res.exhausted = True
            return res
        for ev in page:
            res.scanned += 1
            res.last_position = cursor = ev.position
            d = codec.decode(ev.state)
            if d.ok and match(ev.topic, d.data) and _intact(ev):
                res.events.append(ev)
                if len(res.events) >= limit:
                    return res
        if progress is not None:
            progress(res.scanned, cursor)
        if len(page) < requested:
            res.exhausted = True
            return res
    res.capped = res.scanned >= scan_cap
    return res


def search_stream(
    store: Any, codec: Codec, stream: str, query: str, limit: int = 1000
) -> list[Any]:
    """Events of one stream matching ``query`` (streams are read in bounded batches)."""
    match = make_matcher(query)
    out = []
    for ev in store.iter_stream_events(stream):
        d = codec.decode(ev.state)
        if d.ok and match(ev.topic, d.data) and _intact(ev):
            out.append(ev)
            if len(out) >= limit:
                break
    return out
