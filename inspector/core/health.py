"""Whole-store health scan: replay every aggregate to its latest version with the current code.

``scan_batch`` replays the streams whose stored ids lie in one range ``[lo, hi)`` in domain mode,
through the same :class:`~inspector.core.domain_decode.DomainDecoder` the replay engine uses
(the library's ``Mapper.to_domain_event`` and each event's own ``mutate``), reading the rows
with the store's keyset range query (:meth:`SqlStore.range_rows`) in pages. Each failure is
classified into one *kind* of the DESIGN.md ``check`` contract:

* ``decode``: the payload does not decrypt, decompress or parse (or its id does not convert);
* ``topic``: an event topic or aggregate topic no longer resolves in the code;
* ``version``: a stored ``class_version`` newer than the code's class, or an upcaster step
  (``upcast_vN_vN+1``) missing from the class;
* ``upcast``: an upcaster raised;
* ``apply``: the event's ``mutate`` raised (the user's apply/``__init__``, or the library's
  version check);
* ``snapshot-load``: a stored snapshot does not decode or its ``Snapshot.mutate`` raises;
* ``snapshot-drift``: a snapshot's state differs from the replay of the events up to its version;
* ``replay-drift``: the latest state reached from the newest snapshot (as ``Repository.get``
  does) differs from the replay from the first event.

A stream stops at its first event failure (later events cannot be applied to a broken state);
snapshots are still loaded and compared up to the failing version. Results of a batch are
plain JSON data (:class:`BatchResult`), merged by :func:`merge_results` in an order-independent
way (examples are the lowest positions), so a scan split over processes, or interrupted and
resumed, ends with the same report. The scan of a whole store is in
:mod:`inspector.core.health_run`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inspector.core.codec import Codec
from inspector.core.diff import diff_values
from inspector.core.normalise import normalise
from inspector.core.replay_types import ReplayFailure, StepFailed
from inspector.core.state_fields import state_of

KINDS = (
    "decode",
    "topic",
    "version",
    "upcast",
    "apply",
    "snapshot-load",
    "snapshot-drift",
    "replay-drift",
)
MAX_EXAMPLES = 5
PAGE = 2000  # rows per range query
_NO_POS = 1 << 62  # sort key of examples without a position (snapshots)


@dataclass
class BatchResult:
    """What one batch found: counts, failure groups, unresolved topics. JSON-able."""

    streams: int = 0
    events: int = 0
    snapshots: int = 0
    # "kind\x00topic\x00error" -> [count, [[position, stream, version], ...]]
    groups: dict[str, list[Any]] = field(default_factory=dict)
    unresolved: list[str] = field(default_factory=list)

    def add(self, kind: str, topic: str | None, error: str, stream: str, version: int | None,
            position: int | None) -> None:
        key = f"{kind}\x00{topic or ''}\x00{error}"
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = [0, []]
        g[0] += 1
        ex = g[1]
        item = [position, stream, version]
        if len(ex) < MAX_EXAMPLES:
            ex.append(item)
            ex.sort(key=_example_key)
        elif _example_key(item) < _example_key(ex[-1]):
            ex[-1] = item
            ex.sort(key=_example_key)

    def to_json(self) -> dict[str, Any]:
        return {"streams": self.streams, "events": self.events, "snapshots": self.snapshots,
                "groups": self.groups, "unresolved": sorted(set(self.unresolved))}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BatchResult:
        return cls(int(d["streams"]), int(d["events"]), int(d.get("snapshots", 0)),
                   dict(d["groups"]), list(d.get("unresolved", [])))


def _example_key(item: list[Any]) -> tuple[int, str, int]:
    pos, stream, version = item
    return (_NO_POS if pos is None else int(pos), str(stream), -1 if version is None else version)


def merge_results(results: list[BatchResult]) -> BatchResult:
    """One result from many (any order gives the same result)."""
    out = BatchResult()
    unresolved: set[str] = set()
    for r in results:
        out.streams += r.streams
        out.events += r.events
        out.snapshots += r.snapshots
        unresolved.update(r.unresolved)
        for key, (count, examples) in r.groups.items():
            g = out.groups.setdefault(key, [0, []])
            g[0] += count
            g[1] = sorted([*g[1], *examples], key=_example_key)[:MAX_EXAMPLES]
    out.unresolved = sorted(unresolved)
    return out


def classify(message: str) -> str:
    """The ``check`` kind of a replay failure message from the domain decoder."""
    if message.startswith("unresolvable"):
        return "topic"
    if message.startswith(("cannot decode", "bad originator id", "event state is not")):
        return "decode"
    if message.startswith("class_version"):
        return "version"
    if message.startswith("upcaster"):
        return "upcast"
    return "apply"


def _state(obj: Any) -> Any:
    if obj is None:
        return None
    return normalise(state_of(obj))  # fields of any aggregate class (core.state_fields)


def _make_decoder(domain: Any, codec: Codec) -> Any:
    from inspector.core.domain_decode import DomainDecoder

    class CheckDecoder(DomainDecoder):
        """The replay decoder, plus the ``version`` checks and a record of unresolved topics."""

        unresolved: list[str]

        def resolve(self, ev: Any, topic: str, what: str = "topic") -> Any:
            try:
                return super().resolve(ev, topic, what)
            except StepFailed:
                self.unresolved.append(topic)
                raise

        def parse(self, ev: Any, text: bytes) -> dict[str, Any]:
            data = super().parse(ev, text)
            info = self._classes.get(ev[2] if type(ev) is tuple else ev.topic)
            if info is None:
                return data
            current = info[1]
            stored = data.get("class_version", 1)
            if stored == current or not (isinstance(stored, int)
                                         and isinstance(current, int)):
                return data
            cls = info[0]
            if stored > current:
                raise self._fail(
                    ev,
                    f"class_version {stored} stored is newer than the code's "
                    f"{cls.__qualname__}.class_version {current}",
                )
            for v in range(stored, current):
                if not callable(getattr(cls, f"upcast_v{v}_v{v + 1}", None)):
                    raise self._fail(
                        ev,
                        f"class_version {stored} stored, {current} in the code, but "
                        f"{cls.__qualname__} has no upcast_v{v}_v{v + 1}",
                    )
            return data

    dec = CheckDecoder(domain, codec)
    dec.unresolved = []
    return dec


class BatchScanner:
    """Scans id ranges of one store with one decoder (one per process)."""

    def __init__(self, store: Any, codec: Codec, domain: Any, head: int | None,
                 type_filter: str | None = None, page: int = PAGE) -> None:
        self.store = store
        self.codec = codec
        self.domain = domain
        self.head = head
        self.type_filter = type_filter
        self.page = page
        self.decoder = _make_decoder(domain, codec)

    def scan(self, lo: Any, hi: Any, hi_inclusive: bool = False,
             cancelled: Any = None) -> BatchResult:
        """Replay every stream whose stored id lies in ``[lo, hi)`` (events up to ``head``)."""
        res = BatchResult()
        with_snaps = set(self.store.snapshot_ids_in_range(lo, hi, hi_inclusive))
        after: tuple[Any, int] | None = None
        run: _StreamRun | None = None
        buf: list[Any] = []
        long_part = self.page * 4
        while True:
            page = self.store.range_rows(lo, hi, hi_inclusive=hi_inclusive, after=after,
                                         limit=self.page, max_position=self.head)
            for r in page:
                if run is None or r[1] != run.rid:
                    if run is not None:
                        run.feed(buf)
                        run.finish()
                    buf = []
                    run = self._start(r, r[1] in with_snaps, res)
                buf.append(r)
                if len(buf) >= long_part:  # a long stream: replay it in parts
                    run.feed(buf)
                    buf = []
            if len(page) < self.page:
                break
            after = (page[-1][1], page[-1][2])
            if cancelled is not None and cancelled():
                raise KeyboardInterrupt
        if run is not None:
            run.feed(buf)
            run.finish()
        res.unresolved = sorted(set(self.decoder.unresolved))
        self.decoder.unresolved.clear()
        return res

    def _start(self, r: Any, has_snaps: bool, res: BatchResult) -> _StreamRun:
        from inspector.core.ids import canonical_id

        skip = False
        if self.type_filter:
            from inspector.core.browse import aggregate_type, type_matches

            t = aggregate_type(r[3], r[4], self.codec)[0]
            skip = not type_matches(t, self.type_filter)
        shown = getattr(self.store, "display_id", canonical_id)
        return _StreamRun(self, r[1], shown(r[1]), res, has_snaps, skip)


_ALT_BUFFER = 10_000  # rows after the newest snapshot kept before stepping its path eagerly


class _StreamRun:
    """The replay of one stream (fed in parts), with its snapshot checks.

    Two paths as the library has them: the replay from the first event (``agg``), and the
    path ``Repository.get`` takes, from the newest snapshot at or below the replayed version
    (``alt``, with the rows after that snapshot buffered and applied at the end)."""

    def __init__(self, sc: BatchScanner, rid: Any, display: str, res: BatchResult,
                 has_snaps: bool, skip: bool = False) -> None:
        self.sc = sc
        self.rid = rid
        self.display = display
        self.res = res
        self.skip = skip
        self.agg: Any = None
        self.failed = False
        self.last_version: int | None = None
        self.oid = _original_id(rid)
        self.has_snaps = has_snaps and not skip
        self.snaps: list[tuple[int, str, bytes]] = []
        self.snap_after: int | None = None
        self.snaps_done = False
        self.alt: Any = None
        self.alt_rows: list[Any] | None = None  # None: alt is stepped live
        self.alt_failed: str | None = None
        self._steps: tuple[Any, Any] | None = None
        if not skip:
            res.streams += 1

    def steps(self, first: Any = None) -> tuple[Any, Any]:
        """(step, snapshot) of this stream: its projector function (functional aggregates,
        :mod:`inspector.core.projector`, chosen from its first row) or the events' mutate."""
        if self._steps is None:
            dec = self.sc.decoder
            domain = self.sc.domain
            if first is None:
                return dec.step, dec.snapshot_aggregate
            if getattr(domain, "projector", None) is None and not getattr(
                domain, "projectors", None
            ):  # no projector known: the events' own mutate (no extra decode per stream)
                self._steps = (dec.step, dec.snapshot_aggregate)
                return self._steps
            from inspector.core.projector import choose

            self._steps = choose(self.sc.domain, dec, first, self.oid).steps(dec)
        return self._steps

    def _next_snap(self) -> tuple[int, str, bytes] | None:
        if not self.has_snaps:
            return None
        if not self.snaps and not self.snaps_done:
            self.snaps = self.sc.store.snapshot_rows(self.rid, self.snap_after, 50)
            if len(self.snaps) < 50:
                self.snaps_done = True
            if self.snaps:
                self.snap_after = self.snaps[-1][0]
        return self.snaps[0] if self.snaps else None

    def feed(self, rows: list[Any]) -> None:
        if self.skip or not rows:
            return
        res = self.res
        res.events += len(rows)
        if self.failed:
            return
        r0 = rows[0]
        step = self.steps((r0[0], r0[2], r0[3], r0[4]))[0]
        oid = self.oid
        has_snaps = self.has_snaps
        for r in rows:
            row = (r[0], r[2], r[3], r[4])
            try:
                self.agg, _ = step(self.agg, row, oid)
            except StepFailed as f:
                self._fail(f.failure)
                return
            v = r[2]
            self.last_version = v
            if not has_snaps:
                continue
            if self.alt is not None:
                if self.alt_rows is not None:
                    self.alt_rows.append(row)
                    if len(self.alt_rows) > _ALT_BUFFER:
                        self._step_alt(self.alt_rows)
                        self.alt_rows = None
                else:
                    self._step_alt([row])
            while True:
                s = self._next_snap()
                if s is None or s[0] > v:
                    break
                self._check_snapshot(s, v)
                self.snaps.pop(0)

    def _step_alt(self, rows: list[Any]) -> None:
        if self.alt_failed is not None:
            return
        step = self.steps()[0]
        for row in rows:
            try:
                self.alt, _ = step(self.alt, row, self.oid)
            except StepFailed as f:
                self.alt_failed = (
                    f"applying version {row[1]} after the snapshot: {f.failure.message}"
                )
                return

    def _fail(self, failure: ReplayFailure) -> None:
        self.failed = True
        self.res.add(classify(failure.message), failure.topic, failure.message, self.display,
                     failure.version, failure.position)

    def _check_snapshot(self, s: tuple[int, str, bytes], v: int | None) -> None:
        """Load snapshot ``s``; compare it with the replay when it is at the replayed ``v``."""
        from inspector.stores.base import RawEvent

        version, topic, state = s
        self.res.snapshots += 1
        raw = RawEvent(None, self.display, version, topic, state)
        try:
            snap_agg = self.steps()[1](raw, self.oid)
        except StepFailed as f:
            self.res.add("snapshot-load", topic, f.failure.message, self.display, version, None)
            if v is not None:
                self.alt = None
            return
        except Exception as exc:  # noqa: BLE001 - user code in Snapshot.mutate
            self.res.add("snapshot-load", topic, f"{type(exc).__name__}: {exc}", self.display,
                         version, None)
            if v is not None:
                self.alt = None
            return
        if v is None:
            return  # past the replayed events (or the replay failed first): loaded only
        if version == v:
            changes = diff_values(_state(self.agg), _state(snap_agg))
            if changes:
                self.res.add("snapshot-drift", topic,
                             f"differs from the replay at: {_paths(changes)}",
                             self.display, version, None)
        self.alt = snap_agg  # Repository.get would continue from here
        self.alt_rows = []
        self.alt_failed = None

    def finish(self) -> None:
        if self.skip:
            return
        # Snapshots above the last event replayed, or after a failure: loaded only.
        while True:
            s = self._next_snap()
            if s is None:
                break
            self._check_snapshot(s, None)
            self.snaps.pop(0)
        if self.failed or self.alt is None:
            return
        if self.alt_rows:
            self._step_alt(self.alt_rows)
        if self.alt_failed is not None:
            self.res.add("replay-drift", None, self.alt_failed, self.display, self.last_version,
                         None)
            return
        changes = diff_values(_state(self.agg), _state(self.alt))
        if changes:
            self.res.add("replay-drift", None,
                         f"state via the newest snapshot differs from the replay at: "
                         f"{_paths(changes)}", self.display, self.last_version, None)


def _paths(changes: list[dict[str, Any]]) -> str:
    text = ", ".join(".".join(str(p) for p in c["path"]) or "(root)" for c in changes[:5])
    return text + (f" (+{len(changes) - 5} more)" if len(changes) > 5 else "")


def _original_id(raw: Any) -> Any:
    """The id as the library's recorder hands it to the mapper (see Replayer.original_id)."""
    import uuid

    if isinstance(raw, (bytes, bytearray, memoryview)) and len(raw) == 16:
        return uuid.UUID(bytes=bytes(raw))
    if not isinstance(raw, (str, uuid.UUID)):
        return str(raw)
    return raw


def report(merged: BatchResult, seconds: float, suggestions: list[dict[str, Any]],
           extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The ``check`` JSON contract from a merged result."""
    groups = []
    for key, (count, examples) in merged.groups.items():
        kind, topic, error = key.split("\x00", 2)
        groups.append({
            "kind": kind,
            "topic": topic or None,
            "error": error,
            "count": count,
            "examples": [{"stream": s, "version": v, "position": p} for p, s, v in examples],
        })
    groups.sort(key=lambda g: (KINDS.index(g["kind"]) if g["kind"] in KINDS else 99,
                               -g["count"], g["topic"] or "", g["error"]))
    out = {
        "healthy": not groups,
        "streams": merged.streams,
        "events": merged.events,
        "snapshots": merged.snapshots,
        "seconds": round(seconds, 3),
        "rate": round(merged.events / seconds, 1) if seconds > 0 else None,
        "groups": groups,
        "suggestions": suggestions,
    }
    if extra:
        out.update(extra)
    return out
