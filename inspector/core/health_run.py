"""Run a whole-store health scan: batches of stream ids, worker processes, a resumable checkpoint.

The scan covers the events present when it started (positions up to the head it recorded), so
a store that grows during a scan is checked as it was, and the report says how much arrived
since. The id space (or the ``--prefix`` range) is cut into consecutive batches of about
``batch_events`` events at stream boundaries, by index-only ``OFFSET`` walks
(:meth:`SqlStore.id_after_offset`); each batch is replayed by :class:`~inspector.core.health.
BatchScanner` in this process (``jobs=1``) or in one of ``jobs`` worker processes (``spawn``;
each opens its own read-only connection and imports the user's code itself). At most ``jobs``
batches are in flight, so memory does not grow with the store.

**Checkpoint.** Every planned batch and every finished batch's result is appended to a JSON-lines
file in the user cache directory, keyed by the store, application, filters and code options.
After an interrupt (Ctrl+C, a crash, ``kill -9``) the same command continues: finished batches
are not replayed again, the unfinished ones (at most one per worker) are, and the merged report
is the same as an uninterrupted scan's (results merge independently of order). The file is
removed when a scan completes. A checkpoint made for another store at the same location (first
event changed) or for a store whose head fell below it is discarded. Nothing is written to the
store.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.health import BatchResult, BatchScanner, merge_results, report

BATCH_EVENTS = 20_000
CHECKPOINT_VERSION = 1


@dataclass
class CheckOptions:
    """Everything a worker needs to open the store and the code itself (picklable)."""

    location: str
    schema: str | None = None
    app: str | None = None
    password: str | None = None
    cipher_key: str | None = None
    paths: list[str] = field(default_factory=list)
    app_class: str | None = None
    type_filter: str | None = None
    prefix: str | None = None
    jobs: int = 1
    batch_events: int = BATCH_EVENTS


@dataclass
class CheckProgress:
    events: int
    total: int | None
    batches: int
    elapsed: float
    resumed: bool

    @property
    def rate(self) -> float:
        return self.events / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        if not self.total or self.rate <= 0:
            return None
        return max(0.0, (self.total - self.events) / self.rate)

    def text(self) -> str:
        eta = "?" if self.eta is None else f"{self.eta:,.0f}s"
        total = "?" if self.total is None else f"{self.total:,}"
        return (f"check: {self.events:,} / {total} events  {self.rate:,.0f}/s  ETA {eta}"
                f"  ({self.batches} batches)")


class CheckInterrupted(InspectorError):
    """The scan was cancelled; its checkpoint is kept for a resume."""


# -- opening (coordinator and workers) ----------------------------------------------------------
def _open(opts: CheckOptions) -> tuple[Any, Any, Any, Any]:
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.stores.open import open_database

    codec = Codec(opts.cipher_key)
    domain = load_domain(list(opts.paths), opts.app_class, codec.cipher_key_text)
    db = open_database(opts.location, schema=opts.schema, password=opts.password)
    try:
        store = db.store(opts.app)
    except BaseException:
        db.close()
        raise
    return db, store, codec, domain


_WORKER: dict[str, Any] = {}


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator handles Ctrl+C


def _worker_scan(opts: CheckOptions, head: int | None, batch: list[Any]) -> dict[str, Any]:
    key = repr(asdict(opts))
    sc = _WORKER.get(key)
    if sc is None:
        _WORKER.clear()
        _, store, codec, domain = _open(opts)
        sc = _WORKER[key] = BatchScanner(store, codec, domain, head, opts.type_filter)
    sc.head = head
    lo, hi, incl = decode_id(batch[0]), decode_id(batch[1]), bool(batch[2])
    return sc.scan(lo, hi, incl).to_json()


# -- ids in the checkpoint ----------------------------------------------------------------------
def encode_id(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, uuid.UUID):
        return {"u": str(v)}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"b": bytes(v).hex()}
    if isinstance(v, str):
        return {"s": v}
    return {"s": str(v)}


def decode_id(v: Any) -> Any:
    if v is None:
        return None
    if "u" in v:
        return uuid.UUID(v["u"])
    if "b" in v:
        return bytes.fromhex(v["b"])
    return v["s"]


# -- the checkpoint file ------------------------------------------------------------------------
def checkpoint_path(store: Any, opts: CheckOptions) -> Path:
    from inspector.core.writes import cache_dir
    from inspector.stores.writer import redacted_location

    key = json.dumps([
        CHECKPOINT_VERSION, redacted_location(store), store.describe().get("schema"), store.name,
        opts.type_filter, opts.prefix, opts.app_class,
        [str(Path(p).expanduser().resolve()) for p in opts.paths],
    ])
    return cache_dir() / "check" / f"{hashlib.sha1(key.encode()).hexdigest()[:24]}.jsonl"


@dataclass
class _Saved:
    head: int | None
    fingerprint: str | None
    total: int | None
    planned: dict[int, list[Any]] = field(default_factory=dict)
    done: dict[int, BatchResult] = field(default_factory=dict)
    final: bool = False  # the last batch of the range has been planned


def _read_checkpoint(path: Path) -> _Saved | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if not lines:
        return None
    try:
        head = json.loads(lines[0])
    except ValueError:
        return None
    if head.get("version") != CHECKPOINT_VERSION:
        return None
    saved = _Saved(head.get("head"), head.get("fingerprint"), head.get("total"))
    for line in lines[1:]:
        try:
            d = json.loads(line)
        except ValueError:
            break  # a line torn by a kill: everything before it stands
        if "plan" in d:
            saved.planned[int(d["plan"])] = d["batch"]
            saved.final = saved.final or bool(d.get("final"))
        elif "done" in d:
            saved.done[int(d["done"])] = BatchResult.from_json(d["result"])
    return saved


class _Log:
    """Appends lines to the checkpoint (flushed per line: a kill loses at most a torn line)."""

    def __init__(self, path: Path, fresh: bool, header: dict[str, Any],
                 say: Callable[[str], None]) -> None:
        self.path = path
        self.f: Any = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if fresh:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            self.f = open(path, "a", encoding="utf-8")  # noqa: SIM115 - kept open for the scan
            if fresh:
                self.write(header)
        except OSError as exc:
            self.f = None
            say(f"cannot keep a checkpoint ({exc.strerror or exc}): an interrupted check "
                "will start over")

    def write(self, d: dict[str, Any]) -> None:
        if self.f is None:
            return
        try:
            self.f.write(json.dumps(d, separators=(",", ":")) + "\n")
            self.f.flush()
        except OSError:
            self.f = None

    def close(self, remove: bool = False) -> None:
        if self.f is not None:
            with contextlib.suppress(OSError):
                self.f.close()
        if remove:
            with contextlib.suppress(OSError):
                self.path.unlink()


# -- the scan -----------------------------------------------------------------------------------
def _fingerprint(store: Any) -> str | None:
    first = store.log(None, 1)
    if not first:
        return None
    e = first[0]
    return f"{e.position}|{e.stream}|{e.version}|{hashlib.sha1(e.state).hexdigest()}"


def _count(store: Any, lo: Any, hi: Any, incl: bool, head: int | None) -> int:
    p = store.placeholder
    conds, params = [], []
    if lo is not None:
        conds.append(f"originator_id >= {p}")
        params.append(lo)
    if hi is not None:
        conds.append(f"originator_id {'<=' if incl else '<'} {p}")
        params.append(hi)
    if head is not None:
        conds.append(f"{store.pos} <= {p}")
        params.append(head)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    rows = store.query(f"SELECT COUNT(*) FROM {store.events}{where}", params)
    return int(rows[0][0]) if rows else 0


def _batches(store: Any, lo: Any, hi: Any, incl: bool, size: int,
             start: Any, first: bool) -> Iterator[tuple[Any, Any, bool, bool]]:
    """(lo, hi, hi inclusive, final) of consecutive batches from ``start`` (an id, inclusive)."""
    cur = start if not first else lo
    while True:
        b = store.id_after_offset(cur, size, hi, incl)
        if b is not None:
            if first:
                head_id = store.id_after_offset(cur, 0, hi, incl)
                if b == head_id:
                    b = store.next_id(b, hi, incl)
            elif b == cur:
                b = store.next_id(b, hi, incl)
        first = False
        if b is None:
            yield cur, hi, incl, True
            return
        yield cur, b, False, False
        cur = b


def run_check(
    opts: CheckOptions,
    *,
    progress: Callable[[CheckProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    resume: bool = True,
    notes: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Scan the store; the ``check`` report (DESIGN.md shape plus ``resumed``/``store_changed``).

    Raises :class:`CheckInterrupted` on Ctrl+C or ``cancelled()`` (the checkpoint stays),
    InspectorError on bad input (the store, the code, a worker that died).
    """
    from inspector.core.topic_suggest import suggest

    say = notes or (lambda _m: None)
    db, store, codec, domain = _open(opts)
    try:
        if not hasattr(store, "range_rows"):
            raise InspectorError(f"check reads SQL event tables; not a {store.layout} store")
        bounds: tuple[Any, Any, bool] = (None, None, False)
        if opts.prefix:
            b = store._prefix_bounds(opts.prefix)  # noqa: SLF001 - the store's own id rule
            if b is None:
                raise InspectorError(f"--prefix {opts.prefix!r}: no stream id can start so")
            bounds = b
        lo, hi, incl = bounds
        path = checkpoint_path(store, opts)
        fp = _fingerprint(store)
        saved = _read_checkpoint(path) if resume else None
        now_head = store.max_position()
        if saved is not None and (
            saved.fingerprint != fp or (saved.head or 0) > (now_head or 0)
        ):
            say("the saved check of this store no longer matches it: starting over")
            saved = None
        resumed = saved is not None and bool(saved.done or saved.planned)
        if saved is None:
            saved = _Saved(now_head, fp, None)
            saved.total = _count(store, lo, hi, incl, now_head)
        elif resumed:
            say(f"resuming an interrupted check ({len(saved.done)} batches done; "
                f"--restart to start over)")
        head = saved.head
        log = _Log(path, not resumed, {"version": CHECKPOINT_VERSION, "head": head,
                                       "fingerprint": fp, "total": saved.total}, say)
        t0 = time.perf_counter()
        try:
            results = _execute(opts, store, codec, domain, saved, log, head, bounds,
                               progress, cancelled, t0, resumed)
        except (KeyboardInterrupt, CheckInterrupted):
            log.close()
            raise CheckInterrupted(
                "check interrupted; run the same command again to resume "
                f"({len(saved.done)} batches done)"
            ) from None
        except BaseException:
            log.close()
            raise
        seconds = time.perf_counter() - t0
        merged = merge_results(results)
        with contextlib.suppress(Exception):
            store.refresh()  # see commits made since the scan started
        after = store.max_position()
        extra: dict[str, Any] = {"resumed": resumed, "head": head, "jobs": opts.jobs}
        if (after or 0) < (head or 0):
            log.close(remove=True)
            raise InspectorError(
                f"the store changed under the check (its head fell from {head} to {after}): "
                "run it again"
            )
        if after != head:
            extra["store_changed"] = {"head_at_start": head, "head_now": after}
            say(f"the store grew during the check: events after position {head} were not "
                "checked")
        # Where the code lives: the --path roots; else the app package's parent directory.
        roots = list(opts.paths) or [str(Path(p).parent) for p in getattr(domain, "paths", [])]
        suggestions = suggest(merged.unresolved, roots) if merged.unresolved else []
        log.close(remove=True)
        return report(merged, seconds, suggestions, extra)
    finally:
        db.close()


def _execute(opts: CheckOptions, store: Any, codec: Any, domain: Any, saved: _Saved, log: _Log,
             head: int | None, bounds: tuple[Any, Any, bool],
             progress: Callable[[CheckProgress], None] | None,
             cancelled: Callable[[], bool] | None, t0: float,
             resumed: bool) -> list[BatchResult]:
    lo, hi, incl = bounds
    is_cancelled = cancelled or (lambda: False)
    done = dict(saved.done)
    pending = [i for i in sorted(saved.planned) if i not in done]
    next_index = max(saved.planned, default=-1) + 1
    gen: Iterator[tuple[Any, Any, bool, bool]] | None = None
    if not saved.final:
        if saved.planned:
            last = saved.planned[max(saved.planned)]
            gen = _batches(store, lo, hi, incl, opts.batch_events, decode_id(last[1]), False)
        else:
            gen = _batches(store, lo, hi, incl, opts.batch_events, lo, True)
    events_done = sum(r.events for r in done.values())
    last_report = 0.0

    def report_progress(force: bool = False) -> None:
        nonlocal last_report
        now = time.perf_counter()
        if progress is not None and (force or now - last_report > 0.25):
            last_report = now
            progress(CheckProgress(events_done, saved.total, len(done), now - t0, resumed))

    def next_batch() -> tuple[int, list[Any]] | None:
        nonlocal next_index, gen
        if pending:
            i = pending.pop(0)
            return i, saved.planned[i]
        if gen is None:
            return None
        try:
            blo, bhi, bincl, final = next(gen)
        except StopIteration:
            gen = None
            return None
        i = next_index
        next_index += 1
        batch = [encode_id(blo), encode_id(bhi), bincl]
        saved.planned[i] = batch
        log.write({"plan": i, "batch": batch, "final": final})
        if final:
            gen = None
        return i, batch

    def finish(i: int, result: BatchResult) -> None:
        nonlocal events_done
        done[i] = result
        saved.done[i] = result
        events_done += result.events
        log.write({"done": i, "result": result.to_json()})
        report_progress()

    report_progress(force=True)
    if opts.jobs <= 1:
        sc = BatchScanner(store, codec, domain, head, opts.type_filter)
        while True:
            if is_cancelled():
                raise CheckInterrupted("cancelled")
            nb = next_batch()
            if nb is None:
                break
            i, batch = nb
            r = sc.scan(decode_id(batch[0]), decode_id(batch[1]), bool(batch[2]),
                        cancelled=is_cancelled)
            finish(i, r)
    else:
        _run_pool(opts, head, next_batch, finish, is_cancelled)
    report_progress(force=True)
    return [done[i] for i in sorted(done)]


def _run_pool(opts: CheckOptions, head: int | None,
              next_batch: Callable[[], tuple[int, list[Any]] | None],
              finish: Callable[[int, BatchResult], None],
              is_cancelled: Callable[[], bool]) -> None:
    import concurrent.futures as cf
    import multiprocessing as mp
    from concurrent.futures.process import BrokenProcessPool

    ctx = mp.get_context("spawn")
    ex = cf.ProcessPoolExecutor(max_workers=opts.jobs, mp_context=ctx, initializer=_worker_init)
    inflight: dict[Any, int] = {}
    clean = False
    try:
        exhausted = False
        while True:
            while not exhausted and len(inflight) < opts.jobs:
                nb = next_batch()
                if nb is None:
                    exhausted = True
                    break
                i, batch = nb
                inflight[ex.submit(_worker_scan, opts, head, batch)] = i
            if not inflight:
                break
            ready, _ = cf.wait(list(inflight), timeout=0.2, return_when=cf.FIRST_COMPLETED)
            if is_cancelled():
                raise CheckInterrupted("cancelled")
            for fut in ready:
                i = inflight.pop(fut)
                try:
                    data = fut.result()
                except BrokenProcessPool:
                    raise InspectorError(
                        "a check worker process died; run the same command again to resume"
                    ) from None
                except InspectorError:
                    raise
                except Exception as exc:  # noqa: BLE001 - reported as one line
                    raise InspectorError(
                        f"a check worker failed: {type(exc).__name__}: {exc}"
                    ) from None
                finish(i, BatchResult.from_json(data))
        clean = True
    finally:
        if clean:
            ex.shutdown(wait=True)
        else:
            procs = list((getattr(ex, "_processes", None) or {}).values())
            ex.shutdown(wait=False, cancel_futures=True)
            for p in procs:  # our own workers, by object
                with contextlib.suppress(Exception):
                    p.terminate()
            for p in procs:
                with contextlib.suppress(Exception):
                    p.join(2)
