"""Generic mode: fold decoded event attributes into a dict by one documented rule.

No domain code is needed, and the result is always labelled *approximate*. The rule:

* the stream's first event (and any event carrying ``originator_topic``) starts a new state:
  ``{"_id": stream, "_version": v, "_created_on": ts, "_modified_on": ts}`` plus every
  attribute it carries except ``timestamp``, ``originator_topic`` and ``class_version``;
* every later event sets each attribute it carries (same exclusions) and sets ``_version``
  and ``_modified_on``;
* a stored snapshot at version v replaces the state by its ``state`` dict (minus
  ``class_version``) plus ``_id`` and ``_version``.

Values are the decoded JSON with the library's own envelopes unwrapped (see the codec); unknown
envelopes stay ``{"_type_", "_data_"}``. ``Replayer._generic_fast`` inlines this rule for speed.
"""

from __future__ import annotations

from typing import Any

import orjson

from inspector.core.codec import KNOWN_ENVELOPES, Codec, loads_fast, unwrap_envelopes
from inspector.core.replay_types import Row, StepFailed, failure_at

SKIP = frozenset(("timestamp", "originator_topic", "class_version"))
_SNAPSHOT_SKIP = frozenset(("class_version", "_pending_events"))  # library internals


def generic_step(codec: Codec, no_key: bool, state: Any, row: Row, stream: str) -> tuple[Any, Any]:
    """Apply one stored row to a generic state by the rule above; (state, event time)."""
    blob = row[3]
    data: Any = None
    if no_key and blob[:1] == b"{":
        try:
            data = loads_fast(blob)
        except orjson.JSONDecodeError:
            data = None
        enveloped = b'"_type_"' in blob
    if data is None:
        d = codec.decode(blob)
        if d.error is not None:
            raise StepFailed(failure_at(row, f"cannot decode: {d.error}"))
        data = d.data
        enveloped = False  # the codec unwrapped them
    if type(data) is not dict:
        raise StepFailed(failure_at(row, "event state is not an object"))
    version = row[1]
    if state is None or "originator_topic" in data:
        state = {"_id": stream, "_version": version, "_created_on": None, "_modified_on": None}
        created = True
    else:
        state["_version"] = version
        created = False
    if enveloped:
        for k, v in data.items():
            if type(v) is dict:
                if (
                    len(v) == 2
                    and type(dd := v.get("_data_")) is str
                    and ((tt := v.get("_type_")) == "datetime_iso" or tt == "decimal_str")
                ):
                    v = dd
                else:
                    v = unwrap_leaf(v)
            state[k] = v
    else:
        state.update(data)
    ts = state.pop("timestamp", None)
    state.pop("originator_topic", None)
    state.pop("class_version", None)
    state["_modified_on"] = ts
    if created:
        state["_created_on"] = ts
    return state, ts


def unwrap_leaf(v: dict[str, Any]) -> Any:
    """A top-level attribute value with the library's envelopes unwrapped (see codec)."""
    if len(v) == 2 and type(v.get("_data_")) is str:
        fn = KNOWN_ENVELOPES.get(v.get("_type_"))  # type: ignore[arg-type]
        if fn is not None:
            return fn(v["_data_"])
    return unwrap_envelopes(v)


def snapshot_state(codec: Codec, snap: Any) -> dict[str, Any]:
    """The generic state a stored snapshot holds (rule 3)."""
    d = codec.decode(snap.state)
    if (
        d.error is not None
        or not isinstance(d.data, dict)
        or not isinstance(d.data.get("state"), dict)
    ):
        raise StepFailed(
            failure_at(
                (None, snap.version, snap.topic, b""),
                f"cannot decode snapshot: {d.error or 'no state'}",
            )
        )
    # a snapshot of a BaseAggregate (not Aggregate) keeps the library's _pending_events
    state = {k: v for k, v in d.data["state"].items() if k not in _SNAPSHOT_SKIP}
    state["_id"] = snap.stream
    state["_version"] = snap.version
    return state
