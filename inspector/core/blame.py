"""Blame: which events changed the value at a path, with old and new values.

A :class:`BlameCollector` is fed every replayed state in version order (the replayer calls it
after each event); it extracts the value at the path from the live object (dict keys, list
indices, attributes; other objects through the normalisation) and records each change.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from inspector.core.diff import Path, get_path
from inspector.core.diff import canonical_json as _canonical
from inspector.core.normalise import normalise
from inspector.core.replay_types import Row
from inspector.core.state_fields import instance_dict, state_of

ABSENT = object()


def same_value(a: Any, b: Any) -> bool:
    """Equal and of the same type (1, 1.0 and True differ, as JSON shows them).

    Containers compare by their canonical JSON: exact for big integers and any nesting."""
    if a is ABSENT or b is ABSENT:
        return a is b
    if type(a) is not type(b):
        return False
    if type(a) is dict or type(a) is list:
        return _canonical(a) == _canonical(b)
    return bool(a == b)


def extract(state: Any, path: Path) -> Any:
    """The normalised value at ``path`` in a replayed object, or ABSENT."""
    if state is None:
        return ABSENT
    if isinstance(state, dict):
        cur: Any = state
    elif not path:
        cur = state_of(state)
    elif path[0] == "_pending_events":
        return ABSENT
    else:
        cur = instance_dict(state)
        if cur is None or path[0] not in cur:
            cur = state_of(state)  # slots, dataclass or pydantic fields
    for i, p in enumerate(path):
        if isinstance(cur, dict):
            if p in cur:
                cur = cur[p]
            elif isinstance(p, int) and str(p) in cur:
                cur = cur[str(p)]
            else:
                return ABSENT
        elif isinstance(cur, (list, tuple)):
            try:
                cur = cur[int(p)]
            except (IndexError, ValueError, TypeError):
                return ABSENT
        else:
            found, val = get_path(normalise(cur), list(path[i:]))
            return val if found else ABSENT
    return fast_normalise(cur)


def fast_normalise(v: Any) -> Any:
    """``normalise`` with a fast path for the common scalar types."""
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is decimal.Decimal or t is uuid.UUID:
        return str(v)
    if t is dt.datetime:
        return v.isoformat()
    return normalise(v)


def modified_on(state: Any) -> str | None:
    t = (
        state.get("_modified_on")
        if isinstance(state, dict)
        else getattr(state, "_modified_on", None)
    )
    if t is None:
        return None
    v = fast_normalise(t)
    return v if isinstance(v, str) else None


_IMMUTABLE = frozenset(
    (str, int, float, bool, type(None), decimal.Decimal, dt.datetime, dt.date, uuid.UUID)
)


class BlameCollector:
    """Collects ``{"version", "timestamp", "topic", "old", "new"}`` for each change at a path."""

    def __init__(self, path: Path, time_of: Any = None) -> None:
        self.path = path
        self.rows: list[dict[str, Any]] = []
        self._prev: Any = ABSENT
        self._prev_raw: Any = ABSENT  # the last immutable top-level value seen, by identity
        self._time_of = time_of  # version -> ISO text, when the state has no modified time
        self._top = path[0] if len(path) == 1 and path[0] != "_pending_events" else None

    def __call__(self, row: Row, state: Any) -> None:
        if self._top is not None and not isinstance(state, dict) and state is not None:
            # one attribute of an aggregate: an immutable value that is the very same object
            # as last time cannot have changed (the common case, and much cheaper)
            d = instance_dict(state)
            raw = d.get(self._top, ABSENT) if d is not None else ABSENT
            if raw is self._prev_raw and type(raw) in _IMMUTABLE:
                return
            self._prev_raw = raw
        cur = extract(state, self.path)
        if same_value(cur, self._prev):
            return
        ts = modified_on(state)
        if ts is None and self._time_of is not None:
            ts = self._time_of(row[1])
        self.rows.append(
            {
                "version": row[1],
                "timestamp": ts,
                "topic": row[2],
                "old": None if self._prev is ABSENT else self._prev,
                "new": None if cur is ABSENT else cur,
            }
        )
        self._prev = cur
