"""Replay a stream to any version or time, in domain mode or generic mode, with checkpoints.

**Domain mode** decodes each stored event into the user's own event class exactly as the
library's ``Mapper.to_domain_event`` does (topic resolved through :class:`DomainContext`, the
app's transcoder, the class's ``upcast_vN_vN+1`` chain, ``object.__new__`` + ``__dict__``) and
applies it with the event's own ``mutate`` (the library's ``project_aggregate`` minus its
per-event runtime-Protocol ``isinstance`` assertion), or — functional aggregates — with the
stream's projector function (:mod:`inspector.core.projector`). Snapshots in the store are used
as the library's ``Repository.get`` uses them: the state at V starts from the newest snapshot at
or below V. So the state is the fields (:mod:`inspector.core.state_fields`: never
``_pending_events``) of ``app.repository.get(id, version=V, projector_func=...)``.
Stored snapshots are checked against replayed state by :mod:`inspector.core.snapshot_verify`.

**Generic mode** (no code; always labelled *approximate*) folds decoded attributes by one rule
(implemented in :mod:`inspector.core.generic`):

* the stream's first event (and any event carrying ``originator_topic``) starts a new state:
  ``{"_id": stream, "_version": v, "_created_on": ts, "_modified_on": ts}`` plus every
  attribute it carries except ``timestamp``, ``originator_topic`` and ``class_version``;
* every later event sets each attribute it carries (same exclusions) and sets ``_version``
  and ``_modified_on``;
* a stored snapshot at version v replaces the state by its ``state`` dict (minus
  ``class_version``) plus ``_id`` and ``_version``.

**Scrubbing.** A :class:`Replayer` keeps, per stream, checkpoints of replayed state every K
events, plus each version's timestamp. A checkpoint is a copy made in memory (the inspector's own
objects, never data from the store): plain-data states are copied container by container with
their immutable leaves shared (:mod:`inspector.core.replay_copy`; cheap, and other threads run
between containers); other states are pickled, or deep-copied once a pickle of the stream's
state takes longer than ``_LONG_CALL`` (one pickle call holds the GIL throughout). K adapts:
each checkpoint's cost is measured, and K grows so that checkpointing takes at most
``_CK_SHARE`` of the replay time (K >= cost / (share x time per event)); K doubles when a
stream's checkpoints exceed the memory budget. After the first replay, the state at any version
costs one checkpoint load and at most K events: a jump costs at most about
``(1 + 1/_CK_SHARE)`` times one checkpoint copy, or K = ``interval`` events for small states,
whichever is more (and more only when the memory budget forced K up).

**Failures are data.** A failing decode, an unresolvable topic (domain mode), a failing
upcaster, an ``apply`` that raises, a version gap or an id mismatch stop the replay at that
event; :class:`ReplayFailure` names its version, topic, position and cause, and every state
before it remains available.
"""

from __future__ import annotations

import bisect
import datetime as dt
import pickle
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from inspector.core.blame import BlameCollector, extract
from inspector.core.codec import DIGITS_TABLE, LONG_DIGIT_RUN, Codec, too_deep_text
from inspector.core.damage import first_version, row_damage
from inspector.core.diff import diff_values
from inspector.core.errors import InspectorError
from inspector.core.generic import generic_step, unwrap_leaf
from inspector.core.generic import snapshot_state as generic_snapshot_state
from inspector.core.normalise import normalise
from inspector.core.replay_copy import NOT_PLAIN, deep_copy, freeze, thaw
from inspector.core.replay_types import (
    Cancelled,
    Progress,
    ReplayCancelled,
    ReplayFailure,
    Row,
    StateResult,
    StepFailed,
    failure_at,
    iso_of,
    parse_time,
    to_seconds,
    to_seconds_or_none,
)
from inspector.core.snapshot_verify import snapshot_row
from inspector.core.state_fields import bookkeeping_attrs, state_of

__all__ = [
    "DOMAIN",
    "GENERIC",
    "MODES",
    "ReplayCancelled",
    "ReplayFailure",
    "Replayer",
    "StateResult",
    "bookkeeping_attrs",
    "extract",
    "iso_of",
    "parse_time",
    "snapshot_row",
    "to_seconds",
]

DOMAIN = "domain"
GENERIC = "generic"
MODES = ("auto", DOMAIN, GENERIC)

DEFAULT_INTERVAL = 64
DEFAULT_MEMORY_BUDGET = 64 * 1024 * 1024  # bytes of checkpoints per (stream, chain)
_SESSION_BUDGETS = 3  # a Replayer keeps at most ~3 budgets over all the streams it has seen
_FETCH_BATCH = 5000
_FAST = True
_CK_SHARE = 0.5  # checkpoint time may be at most this fraction of the event-replay time
_CK_MIN_COST = 0.0002  # checkpoints cheaper than this (s) never widen the spacing
_LONG_CALL = 0.025  # a pickle this long (s) holds the GIL too long: deep-copy instead


@dataclass
class _Chain:
    """Replay bookkeeping of one stream in one mode (with or without stored snapshots)."""

    stream: str
    mode: str
    use_snapshots: bool
    first_version: int | None = None
    replayed_to: int | None = None  # highest version whose state is known
    checkpoints: dict[int, bytes | Any] = field(default_factory=dict)
    ck_versions: list[int] = field(default_factory=list)
    ck_bytes: int = 0
    interval: int = DEFAULT_INTERVAL
    mem_interval: int = DEFAULT_INTERVAL  # the spacing the memory budget requires
    save_cost: float = 0.0  # seconds per checkpoint (median of the last three)
    recent_costs: list[float] = field(default_factory=list)
    slow_pickle: bool = False  # pickling this stream's state takes too long: deep-copy
    pickle_size: int = 4096  # bytes of the last pickle (the size a deep copy is counted as)
    # each version's event time (index = version - first_version): as decoded (datetime or ISO
    # text) until first needed, then POSIX seconds (see Replayer._seconds)
    times: list[Any] = field(default_factory=list)
    failure: ReplayFailure | None = None
    snapshots: dict[int, Any] | None = None  # version -> RawEvent
    cursor: tuple[int, Any] | None = None  # the last state handed out for reading
    prev: tuple[int, Any] | None = None  # a checkpoint-like copy of (last jump's version - 1)
    snap_sig: Any = None  # the stored snapshots' signature when ``snapshots`` was read


def _damaged(row: Row) -> str:
    return row_damage("", row[1], row[2]) or "damaged row"


_DEEP_LIMIT = 20_000  # recursion limit for checkpoints of very deep states (pickle's C recursion)


def _deep_pickle(state: Any) -> bytes:
    """A checkpoint of a state nested deeper than the recursion limit allows (pickle with a
    raised limit; loading a pickle is not recursive). StepFailed when even that is too deep."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, _DEEP_LIMIT))
    try:
        return pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    except RecursionError:
        raise StepFailed(
            ReplayFailure(None, None, None, f"state nested deeper than {_DEEP_LIMIT} levels")
        ) from None
    finally:
        sys.setrecursionlimit(old)


class Replayer:
    """Replays streams of one store; keep one per session to reuse checkpoints."""

    def __init__(
        self,
        store: Any,
        codec: Codec,
        mode: str = "auto",
        domain: Any | None = None,
        *,
        interval: int = DEFAULT_INTERVAL,
        memory_budget: int = DEFAULT_MEMORY_BUDGET,
    ) -> None:
        if mode not in MODES:
            raise InspectorError(f"--mode {mode!r}: choose auto, domain or generic")
        self.store = store
        self.codec = codec
        self.mode = mode
        self.domain = domain
        self.interval = max(1, int(interval))
        self.memory_budget = memory_budget
        self._lock = threading.RLock()
        self._chains: dict[tuple[str, str, bool], _Chain] = {}
        self._modes: dict[str, tuple[str, str | None]] = {}
        self._decoder: Any = None
        self._ids: dict[str, Any] = {}
        self._choices: dict[str, Any] = {}  # stream -> projector Choice (domain mode)
        self._no_key = not codec.has_key
        self._snap_states: dict[Any, dict[str, Any]] = {}  # generic snapshot states (provenance)

    # -- mode ---------------------------------------------------------------------------------
    def _domain(self) -> Any:
        if self.domain is None:
            from inspector.core.domain import load_domain

            self.domain = load_domain([], None, self.codec.cipher_key_text)
        return self.domain

    def _decoder_for_domain(self) -> Any:
        if self._decoder is None:
            # A family whose events are not the library's aggregate events (DCB decisions)
            # brings its own decoder with the same step/why_not/stored_and_upcast methods.
            make = getattr(self.store, "domain_decoder", None)
            if make is not None:
                self._decoder = make(self._domain(), self.codec)
            else:
                from inspector.core.domain_decode import DomainDecoder

                self._decoder = DomainDecoder(self._domain(), self.codec)
        return self._decoder

    def mode_for(self, stream: str) -> str:
        """``"domain"`` or ``"generic"``: what this replayer uses for ``stream``."""
        return self._mode_and_reason(stream)[0]

    def mode_reason(self, stream: str) -> str | None:
        """Why ``auto`` fell back to generic mode for ``stream`` (None when it did not)."""
        return self._mode_and_reason(stream)[1]

    def _mode_and_reason(self, stream: str) -> tuple[str, str | None]:
        if self.mode != "auto":
            return self.mode, None
        known = self._modes.get(stream)  # no lock: a UI thread asks while a replay runs
        if known is not None:
            return known
        with self._lock:
            if stream in self._modes:
                return self._modes[stream]
            if self.domain is None:
                result = (GENERIC, "no domain code given (--path/--app-class)")
            else:
                first = self.store.stream_events(stream, limit=1)
                if not first:
                    self.store.require_stream(stream)
                reason = self._decoder_for_domain().why_not(first[0])
                if reason is None:
                    reason = self._choice(stream).problem
                result = (GENERIC, reason) if reason else (DOMAIN, None)
            self._modes[stream] = result
            return result

    # -- chains -------------------------------------------------------------------------------
    def _chain(self, stream: str, mode: str, use_snapshots: bool = True) -> _Chain:
        key = (stream, mode, use_snapshots)
        ch = self._chains.pop(key, None)
        if ch is None:
            ch = _Chain(
                stream, mode, use_snapshots, interval=self.interval, mem_interval=self.interval
            )
            # A session visits many streams: keep the whole replayer within a few budgets by
            # forgetting the least recently used streams' checkpoints.
            while self._chains and sum(c.ck_bytes for c in self._chains.values()) > (
                _SESSION_BUDGETS * self.memory_budget
            ):
                del self._chains[next(iter(self._chains))]
        self._chains[key] = ch  # most recently used last
        if use_snapshots:
            sig = self._snapshot_signature(stream)
            if ch.snapshots is None:
                ch.snapshots = {s.version: s for s in self.store.snapshots(stream)}
                ch.snap_sig = sig
            elif sig is None or sig != ch.snap_sig:
                self._reload_snapshots(ch)
                ch.snap_sig = sig
        return ch

    def _snapshot_signature(self, stream: str) -> Any:
        """The store's signature of the stream's stored snapshots (``()`` when it keeps none):
        every call can notice snapshots taken or deleted since."""
        sig = getattr(self.store, "snapshot_signature", None)
        return sig(stream) if sig is not None else ()

    def refresh(self, stream: str | None = None) -> None:
        """Re-read stored snapshots (after taking or deleting some): the replays keep their
        checkpoints below the first changed snapshot version and redo the rest when asked."""
        with self._lock:
            for (s, _, use), ch in list(self._chains.items()):
                if use and stream in (None, s) and ch.snapshots is not None:
                    self._reload_snapshots(ch)
                    ch.snap_sig = self._snapshot_signature(s)

    def _reload_snapshots(self, ch: _Chain) -> None:
        old = ch.snapshots or {}
        new = {s.version: s for s in self.store.snapshots(ch.stream)}
        ch.snapshots = new
        changed = [v for v in old.keys() | new.keys() if v not in old or v not in new]
        changed += [v for v in old.keys() & new.keys() if old[v].state != new[v].state]
        if changed:
            self._truncate(ch, min(changed))

    def _truncate(self, ch: _Chain, version: int) -> None:
        """Forget what the chain knows from ``version`` on (checkpoints, times, failure)."""
        keep = [v for v in ch.ck_versions if v < version]
        for v in ch.ck_versions[len(keep) :]:
            ch.ck_bytes -= _size(ch.checkpoints.pop(v))
        ch.ck_versions = keep
        ch.cursor = ch.prev = None
        ch.failure = None  # any failure lies after the last checkpoint kept: met again if real
        if not keep or ch.first_version is None:
            ch.checkpoints.clear()
            ch.ck_versions = []
            ch.ck_bytes = 0
            ch.first_version = ch.replayed_to = None
            ch.times.clear()
            ch.failure = None
            return
        ch.replayed_to = keep[-1]
        n = keep[-1] - ch.first_version + 1
        del ch.times[n:]

    def checkpoint_memory(self, stream: str | None = None) -> int:
        """Bytes held in checkpoints (all streams, or one)."""
        with self._lock:
            return sum(c.ck_bytes for k, c in self._chains.items() if stream in (None, k[0]))

    def forget(self, stream: str | None = None) -> None:
        """Drop cached replays (e.g. after the store changed under a rewritten stream)."""
        with self._lock:
            for k in [k for k in self._chains if stream in (None, k[0])]:
                del self._chains[k]
            if stream is None:
                self._ids.clear()
                self._choices.clear()
            else:
                self._ids.pop(stream, None)
                self._choices.pop(stream, None)
            if stream is None:
                self._modes.clear()
            else:
                self._modes.pop(stream, None)

    # -- stepping -----------------------------------------------------------------------------
    def _choice(self, stream: str) -> Any:
        """How domain mode replays ``stream``: its projector function, or the events' own
        ``mutate`` (a :class:`inspector.core.projector.Choice`, decided once per stream)."""
        c = self._choices.get(stream)
        if c is None:
            from inspector.core.projector import choose

            first = self.store.stream_events(stream, limit=1)
            if not first:
                self.store.require_stream(stream)
            c = choose(
                self._domain(), self._decoder_for_domain(), first[0], self.original_id(stream)
            )
            self._choices[stream] = c
        return c

    def domain_steps(self, stream: str) -> tuple[Callable[..., Any], Callable[..., Any]]:
        """How domain mode applies ``stream``: ``(step(state, row, original_id) -> (state,
        timestamp), snapshot(raw snapshot, original_id) -> state)`` — the stream's projector
        function (:mod:`inspector.core.projector`) or the events' own ``mutate``."""
        with self._lock:
            return self._choice(stream).steps(self._decoder_for_domain())

    def _step_fn(self, ch: _Chain) -> Callable[..., tuple[Any, Any]]:
        if ch.mode == DOMAIN:
            return self.domain_steps(ch.stream)[0]
        return self._generic_step

    def _generic_step(self, state: Any, row: Row, stream: str) -> tuple[Any, Any]:
        return generic_step(self.codec, self._no_key, state, row, stream)

    def original_id(self, stream: str) -> Any:
        """The stream's id as the library's recorder returns it: the stored column value (a
        32-hex string id stays that string; the display form may show it dashed), a UUID for
        a UUID or 16-byte column. Domain decoding converts it as ``Mapper`` does."""
        oid = self._ids.get(stream)
        if oid is None:
            values = getattr(self.store, "id_values", None)
            raw: Any = values(stream)[0] if values is not None else stream
            if isinstance(raw, (bytes, bytearray, memoryview)) and len(raw) == 16:
                raw = uuid.UUID(bytes=bytes(raw))
            elif not isinstance(raw, (str, uuid.UUID)):
                raw = str(raw)
            if len(self._ids) > 10_000:
                self._ids.clear()
            oid = self._ids[stream] = raw
        return oid

    def _snapshot_state(self, ch: _Chain, snap: Any) -> Any:
        if ch.mode == DOMAIN:
            return self.domain_steps(ch.stream)[1](snap, self.original_id(ch.stream))
        return generic_snapshot_state(self.codec, snap)

    def _save(self, ch: _Chain, version: int, state: Any) -> None:
        blob = self._copy_out(ch, state)
        old = ch.checkpoints.get(version)
        if old is None:
            bisect.insort(ch.ck_versions, version)
        else:
            ch.ck_bytes -= _size(old)
        ch.checkpoints[version] = blob
        ch.ck_bytes += _size(blob)
        while ch.ck_bytes > self.memory_budget and len(ch.ck_versions) > 2:
            self._thin(ch)

    def _copy_out(self, ch: _Chain, state: Any) -> Any:
        """A checkpoint: ``("plain", copy, size)``, pickle bytes or ``("copy", obj, size)``."""
        if state is None:
            return ("plain", None, 16)
        out, size = freeze(state)
        if out is not NOT_PLAIN:
            return ("plain", out, size)
        if not ch.slow_pickle:
            t0 = time.perf_counter()
            try:
                blob = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
            except RecursionError:  # a state nested deeper than the recursion limit
                return _deep_pickle(state)
            except Exception:  # noqa: BLE001 - an unpicklable user object: keep a deep copy
                return ("copy", deep_copy(state), 4096)
            if time.perf_counter() - t0 > _LONG_CALL:
                ch.slow_pickle = True  # later checkpoints: Python-level copies, GIL released
                ch.pickle_size = len(blob)
            return blob
        try:
            return ("copy", deep_copy(state), ch.pickle_size)
        except RecursionError:
            return _deep_pickle(state)

    def _adapt(self, ch: _Chain, save_s: float, replay_s: float, events: int) -> None:
        """Widen (or narrow back) the spacing so checkpoints take a bounded share of the time.

        The cost is the median of the last three checkpoints (one GC pause does not count).
        """
        ch.recent_costs = [*ch.recent_costs[-2:], save_s]
        ch.save_cost = sorted(ch.recent_costs)[len(ch.recent_costs) // 2]
        if events <= 0 or replay_s <= 0.0:
            return
        if ch.save_cost < _CK_MIN_COST:
            ch.interval = ch.mem_interval
            return
        per_event = replay_s / events
        want = int(ch.save_cost / (_CK_SHARE * per_event)) + 1
        ch.interval = max(ch.mem_interval, want)

    def _thin(self, ch: _Chain) -> None:
        """Double the checkpoint spacing: keep every other checkpoint (and the newest)."""
        ch.mem_interval = ch.interval * 2
        ch.interval = ch.mem_interval
        keep = set(ch.ck_versions[::2]) | {ch.ck_versions[-1]}
        for v in list(ch.ck_versions):
            if v not in keep:
                ch.ck_bytes -= _size(ch.checkpoints.pop(v))
        ch.ck_versions = sorted(keep)

    def _load(self, ch: _Chain, version: int) -> Any:
        return self._load_blob(ch.checkpoints[version])

    def _run(
        self,
        ch: _Chain,
        state: Any,
        rows: Iterable[Row],
        *,
        record: bool,
        on_step: Callable[[Row, Any], None] | None = None,
        progress: Progress | None = None,
        total: int = 0,
        cancelled: Cancelled | None = None,
        prev_version: int | None = None,
    ) -> tuple[Any, int | None]:
        """Apply ``rows`` to ``state``; returns (state, last version applied).

        With ``record`` the chain's checkpoints and times are extended. Raises StepFailed
        (after saving a checkpoint of the last good state when recording).
        """
        snaps = (ch.snapshots or None) if ch.use_snapshots else None
        if ch.mode == GENERIC and snaps is None and on_step is None and self._no_key and _FAST:
            return self._generic_fast(
                ch,
                state,
                rows,
                record=record,
                progress=progress,
                total=total,
                cancelled=cancelled,
                prev_version=prev_version,
            )
        step = self._step_fn(ch)
        stream = self.original_id(ch.stream) if ch.mode == DOMAIN else ch.stream
        last = prev_version
        done = 0
        times_append = ch.times.append
        first = ch.first_version
        next_ck = -1  # the next version to checkpoint (set once the first version is known)
        if record and first is not None:
            next_ck = _next_multiple(first, ch.interval, (last if last is not None else first) + 1)
        perf = time.perf_counter
        mark, mark_v = perf(), last
        try:
            for row in rows:
                v = row[1]
                if type(v) is not int:
                    raise StepFailed(failure_at(row, _damaged(row)))
                if last is not None and v != last + 1:
                    raise StepFailed(
                        failure_at(row, f"version gap: expected version {last + 1}, found {v}")
                    )
                if snaps is not None and v in snaps:
                    # As Repository.get: the newest snapshot at or below V replaces the replay.
                    t = None
                    if record:
                        try:
                            _, t = step(state, row, stream)
                        except Exception:  # noqa: BLE001 - the snapshot stands in for it
                            t = None
                    state = self._snapshot_state(ch, snaps[v])
                    is_snap = True
                else:
                    try:
                        state, t = step(state, row, stream)
                    except StepFailed:
                        raise
                    except Exception as exc:  # noqa: BLE001 - user code: failures are data
                        raise StepFailed(failure_at(row, f"{type(exc).__name__}: {exc}")) from None
                    is_snap = False
                last = v
                if record:
                    times_append(t)
                    if first is None:
                        first = ch.first_version = v
                        next_ck = v
                    if v >= next_ck or is_snap:
                        ch.replayed_to = v
                        t0 = perf()
                        self._save(ch, v, state)
                        t1 = perf()
                        self._adapt(ch, t1 - t0, t0 - mark, v - mark_v if mark_v else 1)
                        mark, mark_v = t1, v
                        next_ck = _next_multiple(first, ch.interval, v + 1)
                if on_step is not None:
                    on_step(row, state)
                done += 1
                if not done & 1023:
                    if cancelled is not None and cancelled():
                        raise ReplayCancelled("replay cancelled")
                    if progress is not None:
                        progress(done, total)
        except StepFailed:
            # ``state`` may be half-mutated by the failing event: do not checkpoint it (the last
            # good version is rebuilt from an earlier checkpoint when asked for).
            if record:
                self._reached(ch, last, state, checkpoint=False)
            raise
        except ReplayCancelled:
            if record:
                self._reached(ch, last, state)
            raise
        if record:
            self._reached(ch, last, state)
        if progress is not None and done:
            progress(done, max(total, done))
        return state, last

    def _generic_fast(
        self,
        ch: _Chain,
        state: Any,
        rows: Iterable[Row],
        *,
        record: bool,
        progress: Progress | None,
        total: int,
        cancelled: Cancelled | None,
        prev_version: int | None,
    ) -> tuple[Any, int | None]:
        """The generic rule (see the module docstring) inlined: no snapshots, no key, no hook.

        Same results and bookkeeping as ``_run`` with ``_generic_step``; any row it cannot read
        plainly (compressed, odd JSON) goes through ``_generic_step``.
        """
        # orjson where exact: a run of 19+ digits (an integer orjson would make a float) or
        # nesting past MAX_JSON_DEPTH takes the slow path (the codec's exact parse and cut)
        loads = orjson.loads
        digits, long_run = DIGITS_TABLE, LONG_DIGIT_RUN
        decode_err = orjson.JSONDecodeError
        slow = self._generic_step
        stream = ch.stream
        last = prev_version
        times_append = ch.times.append
        first = ch.first_version
        next_ck = -1
        if record and first is not None:
            next_ck = _next_multiple(first, ch.interval, (last if last is not None else first) + 1)
        perf = time.perf_counter
        mark, mark_v = perf(), last
        done = 0
        try:
            for row in rows:
                v = row[1]
                if type(v) is not int:
                    raise StepFailed(failure_at(row, _damaged(row)))
                if last is not None and v != last + 1:
                    raise StepFailed(
                        failure_at(row, f"version gap: expected version {last + 1}, found {v}")
                    )
                blob = row[3]
                data = None
                if state is not None and long_run not in blob.translate(digits):
                    try:
                        data = loads(blob)  # compressed or odd payloads fail: slow path
                    except decode_err:
                        data = None
                    if len(blob) > 1000 and data is not None and too_deep_text(blob, data):
                        data = None
                if type(data) is dict and "originator_topic" not in data:
                    for k, val in data.items():
                        if type(val) is dict:
                            if (
                                len(val) == 2
                                and (
                                    (tt := val.get("_type_")) == "datetime_iso"
                                    or tt == "decimal_str"
                                )
                                and type(dd := val.get("_data_")) is str
                            ):
                                val = dd
                            else:
                                val = unwrap_leaf(val)
                        state[k] = val
                    t = state.pop("timestamp", None)
                    if "class_version" in state:
                        del state["class_version"]
                    state["_version"] = v
                    state["_modified_on"] = t
                else:
                    state, t = slow(state, row, stream)
                last = v
                if record:
                    times_append(t)
                    if first is None:
                        first = ch.first_version = v
                        next_ck = v
                    if v >= next_ck:
                        ch.replayed_to = v
                        t0 = perf()
                        self._save(ch, v, state)
                        t1 = perf()
                        self._adapt(ch, t1 - t0, t0 - mark, v - mark_v if mark_v else 1)
                        mark, mark_v = t1, v
                        next_ck = _next_multiple(first, ch.interval, v + 1)
                done += 1
                if not done & 1023:
                    if cancelled is not None and cancelled():
                        raise ReplayCancelled("replay cancelled")
                    if progress is not None:
                        progress(done, total)
        except StepFailed:
            # ``state`` may be half-mutated by the failing event: do not checkpoint it (the last
            # good version is rebuilt from an earlier checkpoint when asked for).
            if record:
                self._reached(ch, last, state, checkpoint=False)
            raise
        except ReplayCancelled:
            if record:
                self._reached(ch, last, state)
            raise
        if record:
            self._reached(ch, last, state)
        if progress is not None and done:
            progress(done, max(total, done))
        return state, last

    def _reached(self, ch: _Chain, last: int | None, state: Any, checkpoint: bool = True) -> None:
        """A replay pass ended at ``last``: remember how far the chain got (and keep its state)."""
        if last is None:
            return
        ch.replayed_to = last
        if checkpoint and last not in ch.checkpoints:
            self._save(ch, last, state)

    def _rows(
        self, stream: str, lo: int | None, hi: int | None, batch: int = _FETCH_BATCH
    ) -> Iterator[Row]:
        """(position, version, topic, state) of a stream's events in version order, by keyset."""
        return self.store.iter_stream_rows(stream, lo, hi, batch)

    def _extend(
        self, ch: _Chain, to_version: int, progress: Progress | None, cancelled: Cancelled | None
    ) -> None:
        """Make sure the chain has replayed up to ``to_version`` (or stopped at a failure)."""
        if ch.failure is not None:
            return
        if ch.replayed_to is not None and ch.replayed_to >= to_version:
            return
        if ch.replayed_to is None:
            state = None
            start = None
        else:
            state = self._load(ch, ch.replayed_to)
            start = ch.replayed_to + 1
        total = to_version - (start if start is not None else (ch.first_version or to_version)) + 1
        try:
            self._run(
                ch,
                state,
                self._rows(ch.stream, start, to_version),
                record=True,
                progress=progress,
                total=max(total, 0),
                cancelled=cancelled,
                prev_version=ch.replayed_to,
            )
        except StepFailed as f:
            ch.failure = f.failure
            return
        if ch.replayed_to is None or ch.replayed_to < to_version:
            # The rows ran out before the version asked for: it is missing from the stream.
            missing = to_version if ch.replayed_to is None else ch.replayed_to + 1
            ch.failure = ReplayFailure(
                missing, None, None, f"version gap: no event at version {missing}"
            )

    def _state_object(self, ch: _Chain, version: int, keep: bool = True) -> Any:
        """The replayed object at ``version`` (<= replayed_to, below any failure).

        Starts from the nearest of: the checkpoint at or below ``version``, the object the last
        call returned (``keep``: a forward step replays only the events in between), or the
        copy of ``version - 1`` the last jump kept (the GUI asks for v - 1 right after v to show
        what the event changed). With ``keep`` the returned object is held as that cursor: the
        caller must not mutate it (``aggregate`` passes False and gets its own object).
        """
        prev = ch.prev
        if prev is not None and prev[0] == version:
            return self._load_blob(prev[1])
        i = bisect.bisect_right(ch.ck_versions, version) - 1
        base = ch.ck_versions[i]
        cur, ch.cursor = ch.cursor, None
        if cur is not None and base <= cur[0] <= version:
            start, state = cur
            if not keep:  # hand out a copy, the cursor stays
                ch.cursor = cur
                state = self._load_blob(self._copy_out(ch, state))
        else:
            start, state = base, self._load(ch, base)
        if start != version:
            try:
                if version - 1 > start and ch.save_cost < _LONG_CALL:
                    state, _ = self._run(
                        ch,
                        state,
                        self._rows(ch.stream, start + 1, version - 1),
                        record=False,
                        prev_version=start,
                    )
                    ch.prev = (version - 1, self._copy_out(ch, state))
                    start = version - 1
                state, _ = self._run(
                    ch,
                    state,
                    self._rows(ch.stream, start + 1, version),
                    record=False,
                    prev_version=start,
                )
            except StepFailed as f:  # the events changed since the first replay
                raise InspectorError(str(f.failure)) from None
        if keep:
            ch.cursor = (version, state)
        return state

    def _load_blob(self, blob: Any) -> Any:
        if isinstance(blob, tuple):
            if blob[0] == "plain":
                return None if blob[1] is None else thaw(blob[1])
            return deep_copy(blob[1])
        return pickle.loads(blob)

    # -- public API ---------------------------------------------------------------------------
    def _bounds(self, stream: str, version: int | None) -> tuple[int, int]:
        last = self.store.require_stream(stream)
        first = first_version(self.store, stream, last)  # skips damaged rows sorted first
        v = last if version is None else int(version)
        if v < first or v > last:
            raise InspectorError(
                f"version {v} out of range: stream {stream} has versions {first}..{last}"
            )
        return first, v

    def state(
        self,
        stream: str,
        version: int | None = None,
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> StateResult:
        with self._lock:
            _, v = self._bounds(stream, version)
            mode, reason, ch = self._chain_for(stream, v, progress, cancelled)
            return self._result(ch, stream, v, mode, reason)

    def _chain_for(
        self,
        stream: str,
        v: int,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> tuple[str, str | None, _Chain]:
        """(mode, reason, chain) for a request at version ``v``, replayed up to ``v``.

        ``auto`` keeps domain mode only when the given code actually replays the stream up to
        ``v`` (a failure after ``v`` leaves every earlier state exact); when it stops at or
        before ``v`` and generic mode gets further, generic mode answers and says why.
        """
        mode, reason = self._mode_and_reason(stream)
        ch = self._chain(stream, mode)
        self._extend(ch, v, progress, cancelled)
        if self.mode == "auto" and mode == DOMAIN and _fails_by(ch.failure, v):
            g = self._chain(stream, GENERIC)
            self._extend(g, v, progress, cancelled)
            if _further(g.failure, ch.failure, v):
                return GENERIC, _fallback_reason(ch.failure), g
            self._chain(stream, mode)  # most recently used again
        return mode, reason, ch

    def _result(
        self, ch: _Chain, stream: str, v: int, mode: str, reason: str | None
    ) -> StateResult:
        approx = mode == GENERIC
        if ch.failure is not None and ch.failure.version is not None and v >= ch.failure.version:
            good = ch.replayed_to
            state = self._normalised(self._state_object(ch, good)) if good is not None else None
            res = StateResult(stream, v, mode, state, approx, ch.failure, good, reason)
        else:
            obj = self._state_object(ch, v)
            res = StateResult(stream, v, mode, self._normalised(obj), approx, None, v, reason)
        if approx and res.state is not None and res.last_good_version is not None:
            res.provenance = self._provenance(ch, res.state, res.last_good_version)
        return res

    def _provenance(self, ch: _Chain, state: dict[str, Any], v: int) -> dict[str, Any]:
        """Generic mode: which top-level values come from the stored snapshot the state starts
        from (the newest at or below ``v``) and which are inferred from later events.

        A value equal to the snapshot's is counted as the snapshot's. Generic mode sets whole
        top-level attributes, so top-level paths are its exact granularity.
        """
        snaps = ch.snapshots if ch.use_snapshots else None
        below = [s for s in (snaps or {}) if s <= v]
        if not below:
            return {"snapshot_version": None, "from_snapshot": [],
                    "inferred": [[k] for k in state]}
        s = max(below)
        key = (ch.stream, s, snaps[s].state)  # type: ignore[index]
        snap = self._snap_states.get(key)
        if snap is None:
            raw = generic_snapshot_state(self.codec, snaps[s])  # type: ignore[index]
            snap = normalise(raw) if isinstance(raw, dict) else {}
            if len(self._snap_states) > 64:
                self._snap_states.clear()
            self._snap_states[key] = snap
        same = [k for k in state if k in snap and snap[k] == state[k]]
        return {"snapshot_version": s, "from_snapshot": [[k] for k in same],
                "inferred": [[k] for k in state if k not in snap or snap[k] != state[k]]}

    @staticmethod
    def _normalised(obj: Any) -> dict[str, Any] | None:
        if obj is None:
            return None
        # its fields (inspector.core.state_fields: no vars(), no library bookkeeping)
        return normalise(state_of(obj))

    def aggregate(self, stream: str, version: int | None = None) -> Any:
        """Domain mode: the live aggregate at ``version`` (a fresh object each call)."""
        with self._lock:
            mode, reason = self._mode_and_reason(stream)
            if mode != DOMAIN:
                raise InspectorError(
                    f"stream {stream}: no domain code for it ({reason or 'generic mode'})"
                )
            _, v = self._bounds(stream, version)
            ch = self._chain(stream, mode)
            self._extend(ch, v, None, None)
            if (
                ch.failure is not None
                and ch.failure.version is not None
                and v >= ch.failure.version
            ):
                raise InspectorError(str(ch.failure))
            return self._state_object(ch, v, keep=False)

    def timestamps(self, stream: str) -> list[str | None]:
        """ISO timestamps by version offset, after a full replay (the timeline's data)."""
        with self._lock:
            last = self.store.require_stream(stream)
            _, _, ch = self._chain_for(stream, last)
            return [None if t is None else iso_of(t) for t in self._seconds(ch)]

    def state_at_time(
        self,
        stream: str,
        at: str | dt.datetime,
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> StateResult:
        when = to_seconds(parse_time(at))
        with self._lock:
            mode, reason = self._mode_and_reason(stream)
            last = self.store.require_stream(stream)
            ch = self._chain(stream, mode)
            self._extend(ch, last, progress, cancelled)
            if self.mode == "auto" and mode == DOMAIN and ch.failure is not None:
                # Domain mode answers only for times before its failure (see _chain_for).
                g = self._chain(stream, GENERIC)
                self._extend(g, last, progress, cancelled)
                if _further(g.failure, ch.failure, last):
                    res = self._at_time(g, stream, at, when, last, GENERIC,
                                        _fallback_reason(ch.failure))
                    if res.version is not None and not _fails_by(ch.failure, res.version):
                        return self._result(ch, stream, res.version, mode, reason)
                    return res
            return self._at_time(ch, stream, at, when, last, mode, reason)

    def _at_time(
        self, ch: _Chain, stream: str, at: Any, when: float, last: int, mode: str,
        reason: str | None,
    ) -> StateResult:
        """The state after the last event at or before ``when`` of a chain replayed to the end."""
        times = self._seconds(ch)
        idx = -1
        if None not in times and all(a <= b for a, b in zip(times, times[1:], strict=False)):
            idx = bisect.bisect_right(times, when) - 1
        else:
            for i in range(len(times) - 1, -1, -1):
                t = times[i]
                if t is not None and t <= when:
                    idx = i
                    break
        if idx < 0:
            first = times[0] if times else None
            when_first = iso_of(first) if first is not None else "?"
            if ch.failure is not None and not times:
                return StateResult(
                    stream, None, mode, None, mode == GENERIC, ch.failure, None, reason
                )
            raise InspectorError(
                f"no event of {stream} at or before {at} (first event: {when_first})"
            )
        assert ch.first_version is not None
        v = ch.first_version + idx
        if ch.failure is not None and v == ch.replayed_to and ch.replayed_to < last:
            # The time lies after the last good event: say the replay stopped.
            after_fail = v + 1 == ch.failure.version
            if after_fail:
                return self._result(ch, stream, ch.failure.version, mode, reason)
        return self._result(ch, stream, v, mode, reason)

    def diff(self, stream: str, from_version: int, to_version: int) -> dict[str, Any]:
        with self._lock:
            a, b = self._pair(stream, from_version, to_version)
            out: dict[str, Any] = {
                "stream": stream,
                "from": from_version,
                "to": to_version,
                "mode": b.mode,
                "approximate": b.approximate,
                "changes": diff_values(a.state, b.state),
            }
            if b.mode_reason:
                out["mode_reason"] = b.mode_reason
            err = b.error or a.error
            if err is not None:
                out["error"] = err.to_json()
                out["from_state_version"] = a.last_good_version
                out["to_state_version"] = b.last_good_version
            return out

    def event_changes(self, stream: str, version: int) -> list[dict[str, Any]]:
        """The change made by the event at ``version`` (diff of version-1 and version)."""
        with self._lock:
            first, v = self._bounds(stream, version)
            if v <= first:
                b = self.state(stream, v)
                return [] if b.error is not None else diff_values({}, b.state)
            a, b = self._pair(stream, v - 1, v)
            if b.error is not None:
                return []
            return diff_values(a.state, b.state)

    def _pair(self, stream: str, va: int, vb: int) -> tuple[StateResult, StateResult]:
        """The states at ``va`` and ``vb`` in one mode (the mode ``vb`` is answered in)."""
        _, vb = self._bounds(stream, vb)
        _, va = self._bounds(stream, va)
        b = self.state(stream, vb)
        a = self.state(stream, va)
        if a.mode != b.mode:
            ch = self._chain(stream, b.mode)
            self._extend(ch, va, None, None)
            a = self._result(ch, stream, va, b.mode, b.mode_reason)
        return a, b

    def blame(
        self,
        stream: str,
        path: list[str | int],
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> list[dict[str, Any]]:
        """Every event that changed the value at ``path``: version, timestamp, topic, old, new."""
        return self.blame_result(stream, path, progress=progress, cancelled=cancelled)["changes"]

    def blame_result(
        self,
        stream: str,
        path: list[str | int],
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> dict[str, Any]:
        """Blame plus the replay mode and any failure that cut it short."""
        with self._lock:
            last = self.store.require_stream(stream)
            mode, reason, ch = self._chain_for(stream, last)  # times and failure point
            collect = BlameCollector(path, lambda v: self._time_iso(ch, v))

            stop = (
                last if ch.failure is None or ch.failure.version is None else ch.failure.version - 1
            )
            try:
                self._run(
                    ch,
                    None,
                    self._rows(stream, None, stop),
                    record=False,
                    on_step=collect,
                    progress=progress,
                    total=stop - (ch.first_version or 0) + 1,
                    cancelled=cancelled,
                )
            except StepFailed as f:
                return {"mode": mode, "changes": collect.rows, "error": f.failure,
                        "mode_reason": reason}
            return {"mode": mode, "changes": collect.rows, "error": ch.failure,
                    "mode_reason": reason}

    @staticmethod
    def _seconds(ch: _Chain) -> list[float | None]:
        """The chain's event times as POSIX seconds (converted in place on first use)."""
        times = ch.times
        for i, t in enumerate(times):
            if type(t) is not float and t is not None:
                times[i] = to_seconds_or_none(t)
        return times

    def _time_iso(self, ch: _Chain, version: int) -> str | None:
        if ch.first_version is None:
            return None
        i = version - ch.first_version
        if 0 <= i < len(ch.times) and ch.times[i] is not None:
            t = to_seconds_or_none(ch.times[i])
            return None if t is None else iso_of(t)
        return None

    def verify_snapshots(self, stream: str) -> list[dict[str, Any]]:
        """Each stored snapshot against the state replayed from events alone (rows as
        :func:`inspector.core.snapshot_verify.verify_snapshots` gives them)."""
        from inspector.core.snapshot_verify import verify_snapshots

        with self._lock:
            return verify_snapshots(self, stream)


def _fails_by(failure: ReplayFailure | None, v: int) -> bool:
    """Whether a chain with ``failure`` cannot give the state at ``v``."""
    return failure is not None and (failure.version is None or v >= failure.version)


def _further(generic: ReplayFailure | None, domain: ReplayFailure | None, v: int) -> bool:
    """Whether the generic chain answers ``v`` where the domain chain stopped (or gets further
    than it: a version gap stops both at the same place, and then domain mode stays)."""
    if not _fails_by(generic, v):
        return True
    gv = generic.version if generic is not None else None
    dv = domain.version if domain is not None else None
    return gv is not None and dv is not None and gv > dv


def _fallback_reason(failure: ReplayFailure | None) -> str:
    if failure is None or failure.version is None:
        return f"the domain replay failed: {failure.message if failure else '?'}"
    return (f"the domain replay stops at version {failure.version} "
            f"({failure.topic or 'no topic'}): {failure.message}")


def _next_multiple(first: int, interval: int, at_least: int) -> int:
    """The smallest ``first + k * interval`` that is >= ``at_least``."""
    k = max(0, -(-(at_least - first) // interval))
    return first + k * interval


def _size(blob: Any) -> int:
    return len(blob) if isinstance(blob, bytes) else int(blob[2])
