"""What-if replay: a stream's state without some events (or with an event's payload edited).

In memory only: nothing is written anywhere. Two replays run side by side from the same start,
the real one and the changed one, and the changed state is compared with the real state at every
version from the first change on.

**Domain mode** goes through the user's own ``mutate``: a skipped event is replaced by a *no-op*
event of the same version and timestamp, an instance of the aggregate's own base event class
(``type(aggregate).Event``, whose ``apply`` does nothing) applied with the library's
``CanMutateAggregate.mutate``: the library checks the id and version, the version still advances
(the library refuses version gaps) and ``modified_on`` takes the skipped event's time, so later
events apply as stored. The result equals the library's ``project_aggregate`` over the event
list with each skipped event so replaced. An edited event is decoded as stored, its attributes
replaced by the edited values (converted to the stored value's type where that is a scalar such
as Decimal, UUID, datetime, int or float), then applied with its own ``mutate``.
A functional aggregate (replayed with its projector function, :mod:`inspector.core.projector`)
gets its projector over the events without the skipped ones (no no-op event: its version is
whatever the projector makes of the events it sees), and an edited event goes to the projector.

**Generic mode** (approximate): a skipped event only advances ``_version`` and ``_modified_on``;
an edited event's decoded attributes are replaced before the generic fold.

Skipping a stream's first (created) event is refused: there would be no aggregate. A what-if
starts from the newest stored snapshot *before* the first changed version (never from one taken
after it), else from the first event. A failure of the changed replay at a version where the
real replay does not fail is reported as caused by the change.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from inspector.core.cuts import cut
from inspector.core.diff import diff_values
from inspector.core.errors import InspectorError
from inspector.core.normalise import normalise
from inspector.core.replay_types import ReplayFailure, StepFailed, failure_at
from inspector.core.state_fields import instance_dict, state_of

MAX_VERSIONS = 10_000  # per-version differences kept (then a cut marker)


def parse_versions(text: str) -> list[int]:
    """``"3,5,7"`` -> [3, 5, 7]; InspectorError on anything else."""
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(int(part))
        except ValueError:
            raise InspectorError(f"--skip {text!r}: expected versions like 3,5,7") from None
    if not out:
        raise InspectorError("--skip: give at least one version")
    return sorted(set(out))


def _state(obj: Any) -> Any:
    if obj is None:
        return None
    return normalise(state_of(obj))  # fields of any aggregate class (core.state_fields)


def _coerce(new: Any, old: Any) -> Any:
    """An edited (JSON) value in the type of the stored value it replaces, for scalars."""
    if isinstance(new, str):
        try:
            if isinstance(old, decimal.Decimal):
                return decimal.Decimal(new)
            if isinstance(old, uuid.UUID):
                return uuid.UUID(new)
            if isinstance(old, dt.datetime):
                return dt.datetime.fromisoformat(new)
        except (ValueError, decimal.InvalidOperation):
            raise InspectorError(f"edited value {new!r} is not a {type(old).__name__}") from None
    if isinstance(old, float) and isinstance(new, int) and not isinstance(new, bool):
        return float(new)
    return new


def _timestamp(codec: Any, blob: bytes, domain: bool) -> Any:
    """The stored event's time (a datetime in domain mode, ISO text in generic mode)."""
    d = codec.decode(blob)
    ts = d.data.get("timestamp") if isinstance(d.data, dict) else None
    if domain and isinstance(ts, str):
        try:
            return dt.datetime.fromisoformat(ts)
        except ValueError:
            return None
    return ts


class _Domain:
    def __init__(self, rp: Any, stream: str) -> None:
        self.dec = rp._decoder_for_domain()  # noqa: SLF001 - the replay's own decoder
        self.oid = rp.original_id(stream)
        self.codec = rp.codec
        # the stream's projector function (functional aggregates) or the events' own mutate
        self._step, self._snapshot = rp.domain_steps(stream)
        from inspector.core.projector import Projection

        owner = getattr(self._step, "__self__", None)
        self.projection = owner if isinstance(owner, Projection) else None

    def step(self, agg: Any, row: Any) -> Any:
        return self._step(agg, row, self.oid)[0]

    def snapshot(self, snap: Any) -> Any:
        return self._snapshot(snap, self.oid)

    def noop(self, agg: Any, row: Any) -> Any:
        if self.projection is not None:
            # a functional aggregate: the projector over the events without this one (its
            # state may be shared with a checkpoint: never touched in place)
            return agg
        from eventsourcing.domain import CanMutateAggregate

        ts = _timestamp(self.codec, row[3], True)
        cls = getattr(type(agg), "Event", None)
        try:
            if isinstance(cls, type) and issubclass(cls, CanMutateAggregate):
                ev = object.__new__(cls)
                object.__setattr__(ev, "__dict__", {
                    "originator_id": agg.id, "originator_version": row[1], "timestamp": ts})
                return ev.mutate(agg)
            # no base event class: what its mutate would do
            if agg.version + 1 != row[1]:
                raise ValueError(f"version {row[1]} does not follow {agg.version}")
            d = instance_dict(agg)  # (vars() fails on @aggregate-decorated classes)
            if d is None:
                raise TypeError(f"{type(agg).__name__} has no instance dict to advance")
            d["_version"] = row[1]
            d["_modified_on"] = ts
            return agg
        except Exception as exc:  # noqa: BLE001 - the library's checks
            raise StepFailed(failure_at(row, f"{type(exc).__name__}: {exc}")) from None

    def edited(self, agg: Any, row: Any, changes: dict[str, Any]) -> Any:
        ev = self.dec.decode(row, row[2], self.oid, row[1], row[3])
        d = ev.__dict__
        for k, v in changes.items():
            if k in ("originator_id", "originator_version"):
                raise InspectorError(f"an edit cannot change {k}")
            d[k] = _coerce(v, d.get(k))
        if self.projection is not None:  # a functional aggregate: its projector function
            try:
                return self.projection.fn(agg, (ev,))
            except Exception as exc:  # noqa: BLE001 - user code
                raise StepFailed(failure_at(row, f"{type(exc).__name__}: {exc}")) from None
        if agg is None:
            topic = d.get("originator_topic")
            if not isinstance(topic, str):
                raise StepFailed(failure_at(row, "the first event has no originator_topic"))
            self.dec.resolve(row, topic, "aggregate topic")
        try:
            return ev.mutate(agg)
        except Exception as exc:  # noqa: BLE001 - user code
            raise StepFailed(failure_at(row, f"{type(exc).__name__}: {exc}")) from None


class _Generic:
    def __init__(self, rp: Any, stream: str) -> None:
        from inspector.core.generic import generic_step

        self.rp = rp
        self.stream = stream
        self.codec = rp.codec
        self._step = generic_step
        self.no_key = not rp.codec.has_key

    def step(self, state: Any, row: Any) -> Any:
        return self._step(self.codec, self.no_key, state, row, self.stream)[0]

    def snapshot(self, snap: Any) -> Any:
        from inspector.core.generic import snapshot_state

        return snapshot_state(self.codec, snap)

    def noop(self, state: Any, row: Any) -> Any:
        state["_version"] = row[1]
        state["_modified_on"] = _timestamp(self.codec, row[3], False)
        return state

    def edited(self, state: Any, row: Any, changes: dict[str, Any]) -> Any:
        import orjson

        d = self.codec.decode(row[3])
        if d.error is not None or not isinstance(d.data, dict):
            raise StepFailed(failure_at(row, f"cannot decode: {d.error}"))
        data = dict(d.data)
        data.update(changes)
        blob = orjson.dumps(data, default=str)
        return self._step(self.codec, True, state, (row[0], row[1], row[2], blob), self.stream)[0]


def whatif(
    rp: Any,
    stream: str,
    skip: Iterable[int] = (),
    edits: dict[int, dict[str, Any]] | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """The state of ``stream`` at ``version`` (default: the last) with the events at ``skip``
    left out (replaced by no-ops) and the events at ``edits`` (version -> attributes) edited.

    Returns ``{"stream", "version", "mode", "approximate", "state", "real_state", "skip",
    "edited", "from_snapshot", "differences", "versions", "error", "real_error"}``:
    ``state`` is the changed state at ``version`` (or before the changed replay's failure),
    ``differences`` the diff real -> changed there, ``versions`` one ``{"version",
    "differences": [paths]}`` per version from the first change on (capped), ``error`` the
    changed replay's failure with ``caused_by_change``. ``rp`` is a :class:`Replayer`.
    """
    edits = {int(k): dict(v) for k, v in (edits or {}).items()}
    skipped = sorted({int(v) for v in skip})
    changed = sorted(set(skipped) | set(edits))
    if not changed:
        raise InspectorError("what-if: give at least one version to skip or edit")
    if set(skipped) & set(edits):
        raise InspectorError("what-if: a version cannot be both skipped and edited")
    store = rp.store
    mode, reason = rp._mode_and_reason(stream)  # noqa: SLF001 - the replay's own mode rule
    first, target = rp._bounds(stream, version)  # noqa: SLF001
    last = store.require_stream(stream)
    for v in changed:
        if v < first or v > last:
            raise InspectorError(
                f"version {v} out of range: stream {stream} has versions {first}..{last}")
    if first in skipped:
        raise InspectorError(
            f"version {first} is the stream's first (created) event: skipping it would leave "
            "no aggregate; skip later events or edit this one")
    eng: Any = _Domain(rp, stream) if mode == "domain" else _Generic(rp, stream)
    start = changed[0]
    real: Any = None
    alt: Any = None
    from_snapshot = None
    snaps = [s for s in store.snapshots(stream, max_version=start - 1)] if start > first else []
    for s in reversed(snaps):
        try:
            real = eng.snapshot(s)
            alt = eng.snapshot(s)
        except Exception:  # noqa: BLE001 - an unloadable snapshot: start earlier
            real = alt = None
            continue
        from_snapshot = s.version
        break
    lo = from_snapshot + 1 if from_snapshot is not None else None
    real_err: ReplayFailure | None = None
    alt_err: ReplayFailure | None = None
    caused = None
    versions: list[Any] = []
    reached = from_snapshot
    alt_reached = from_snapshot
    for row in store.iter_stream_rows(stream, lo, target):
        v = row[1]
        if real_err is None:
            try:
                real = eng.step(real, row)
            except StepFailed as f:
                real_err = f.failure
        if alt_err is None:
            try:
                if v in skipped:
                    alt = eng.noop(alt, row)
                elif v in edits:
                    alt = eng.edited(alt, row, edits[v])
                else:
                    alt = eng.step(alt, row)
                alt_reached = v
            except StepFailed as f:
                alt_err = f.failure
                caused = real_err is None or real_err.version != v
        if real_err is None:
            reached = v
        if v >= start and real_err is None and alt_err is None:
            if len(versions) < MAX_VERSIONS:
                versions.append({"version": v, "differences": [
                    c["path"] for c in diff_values(_state(real), _state(alt))]})
            elif len(versions) == MAX_VERSIONS:
                versions.append(cut("more versions than shown", MAX_VERSIONS))
        if real_err is not None and alt_err is not None:
            break
    real_state = _state(real)
    alt_state = _state(alt)
    err = None
    if alt_err is not None:
        err = alt_err.to_json() | {"caused_by_change": bool(caused)}
    return {
        "stream": stream,
        "version": target,
        "mode": mode,
        "mode_reason": reason,
        "approximate": mode != "domain",
        "state": alt_state,
        "state_version": alt_reached,
        "real_state": real_state,
        "real_version": reached,
        "skip": skipped,
        "edited": sorted(edits),
        "from_snapshot": from_snapshot,
        "differences": diff_values(real_state, alt_state),
        "versions": versions,
        "error": err,
        "real_error": real_err.to_json() if real_err is not None else None,
    }
