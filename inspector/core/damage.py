"""Damaged rows: a stored row whose columns do not have the types the library writes.

SQLite does not enforce the library's column types, and any database can hold NULLs where the
library never writes them (``originator_version`` 'abc', 1.5 or NULL, a NULL ``topic`` or
``originator_id``, a NULL ``state``). Such a row damages only itself: it is shown as an error
value with its raw column values (``data`` null), and everything else still lists, pages,
replays up to it and searches.
"""

from __future__ import annotations

from typing import Any

PREFIX = "damaged row: "


def _show(value: Any) -> str:
    if value is None:
        return "NULL"
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def row_damage(stream: Any, version: Any, topic: Any) -> str | None:
    """Why a row's columns are not what the library writes, or None when they are.

    ``stream`` is the id as shown (None for a NULL id), ``version`` and ``topic`` as stored.
    """
    problems = []
    if stream is None:
        problems.append("originator_id is NULL")
    if type(version) is not int:
        problems.append(f"originator_version is {_show(version)}, not an integer")
    if type(topic) is not str:
        problems.append(f"topic is {_show(topic)}, not text")
    return PREFIX + "; ".join(problems) if problems else None


def first_version(store: Any, stream: str, fallback: int | None = None) -> int | None:
    """The first integer version of ``stream``: a damaged row (NULL or REAL version) may sort
    before it. ``fallback`` when the first 1,000 rows hold none."""
    first = store.stream_events(stream, limit=1)[0].version
    if type(first) is int:
        return first
    ints = (e.version for e in store.stream_events(stream, limit=1000))
    return next((v for v in ints if type(v) is int), fallback)
