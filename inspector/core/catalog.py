"""The built-in catalog projection: streams and events per day by type, in a local cache.

No user code: per stream its type (the aggregate topic of its created event), first and last
version, first and last event time and event count; per type and day the event count. Kept in
a SQLite database in the user cache directory (``platformdirs.user_cache_dir``), one file per
store and application, never in the store itself. Updated incrementally from its tracked
position: each batch of events is committed together with the new position, so an interrupted
update loses nothing and the next one continues. A store that shrank or was replaced under the
same location (its first event changed, or the head fell below the tracked position) is rebuilt.

Times come from each event's ``timestamp`` (decrypted/decompressed; read by a byte pattern on
the library's ``datetime_iso`` envelope, with a JSON parse as the fallback); days are the UTC
dates of those ISO times.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.stores.base import SqlStore
from inspector.stores.writer import redacted_location

CATALOG = "catalog"
BATCH = 20_000
UNKNOWN_TYPE = "?"

_TS = re.compile(rb'"timestamp":\{"_type_":"datetime_iso","_data_":"([^"]+)"\}')
_OT = re.compile(rb'"originator_topic":"([^"\\]+)"')

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS streams (stream TEXT PRIMARY KEY, type TEXT, first_version "
    "INTEGER, last_version INTEGER, first_time TEXT, last_time TEXT, events INTEGER NOT NULL) "
    "WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS streams_by_type ON streams (type, stream)",
    "CREATE TABLE IF NOT EXISTS type_days (type TEXT, day TEXT, events INTEGER NOT NULL, "
    "PRIMARY KEY (type, day)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS tracking (application_name TEXT PRIMARY KEY, notification_id "
    "INTEGER) WITHOUT ROWID",
)
VIEW_TABLES = ("streams", "type_days")

_UPSERT_STREAM = (
    "INSERT INTO streams VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET "
    "type = coalesce(streams.type, excluded.type), "
    "first_version = min(coalesce(streams.first_version, excluded.first_version), "
    "coalesce(excluded.first_version, streams.first_version)), "
    "last_version = max(coalesce(streams.last_version, excluded.last_version), "
    "coalesce(excluded.last_version, streams.last_version)), "
    "first_time = min(coalesce(streams.first_time, excluded.first_time), "
    "coalesce(excluded.first_time, streams.first_time)), "
    "last_time = max(coalesce(streams.last_time, excluded.last_time), "
    "coalesce(excluded.last_time, streams.last_time)), "
    "events = streams.events + excluded.events"
)
_UPSERT_DAY = (
    "INSERT INTO type_days VALUES (?, ?, ?) ON CONFLICT (type, day) DO UPDATE SET "
    "events = type_days.events + excluded.events"
)


_PATH_LOCKS: dict[str, threading.RLock] = {}
_PATH_LOCKS_GUARD = threading.Lock()


def _path_lock(path: Path) -> threading.RLock:
    """One lock per catalog file in this process: concurrent updates (the window's background
    update and the projections panel's) would otherwise both process the same events."""
    key = os.path.realpath(path)
    with _PATH_LOCKS_GUARD:
        return _PATH_LOCKS.setdefault(key, threading.RLock())


def catalog_path(store: SqlStore) -> Path:
    from inspector.core.writes import cache_dir

    key = f"{redacted_location(store)}|{store.tables.schema}|{store.name}".encode()
    return cache_dir() / "catalog" / f"{hashlib.sha1(key).hexdigest()[:24]}.sqlite"


@dataclass
class CatalogProgress:
    position: int
    head: int
    processed: int
    elapsed: float
    rate: float
    eta: float | None

    def text(self) -> str:
        eta = "?" if self.eta is None else f"{self.eta:,.0f}s"
        return (f"position {self.position:,} of {self.head:,}  {self.processed:,} events  "
                f"{self.rate:,.0f}/s  ETA {eta}")


@dataclass
class CatalogResult:
    status: str  # done | cancelled
    position: int | None
    head: int
    processed: int
    elapsed: float
    rebuilt: bool = False
    reason: str | None = None
    undecoded: int = 0  # events whose payload could not be read (no key?): no time, no type

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "position": self.position, "head": self.head,
                "processed": self.processed, "elapsed": round(self.elapsed, 3),
                "rebuilt": self.rebuilt, "reason": self.reason, "undecoded": self.undecoded}


class Catalog:
    """The catalog of one store's application, in its own local SQLite file."""

    def __init__(self, store: SqlStore, codec: Codec, path: Path | str | None = None) -> None:
        self.store = store
        self.codec = codec
        self.path = Path(path) if path is not None else catalog_path(store)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _path_lock(self.path)  # shared: two instances on one file never interleave
        self._undecoded = 0
        self._batch_undecoded = 0
        self._conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False,
                                     timeout=10)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        for s in SCHEMA:
            self._conn.execute(s)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- state ----------------------------------------------------------------------------------
    def position(self) -> int | None:
        row = self._conn.execute(
            "SELECT notification_id FROM tracking WHERE application_name = ?", [self.store.name]
        ).fetchone()
        return None if row is None else row[0]

    def _meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return None if row is None else row[0]

    def _fingerprint(self) -> str | None:
        first = self.store.log(None, 1)
        if not first:
            return None
        e = first[0]
        return f"{e.position}|{e.stream}|{e.version}|{hashlib.sha1(e.state).hexdigest()}"

    def counts(self) -> dict[str, int]:
        return {t: int(self._conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0])
                for t in VIEW_TABLES}

    def clear(self) -> None:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            for t in (*VIEW_TABLES, "tracking", "meta"):
                self._conn.execute(f"DELETE FROM {t}")
            self._conn.execute("COMMIT")

    def stale_reason(self) -> str | None:
        """Why the cached catalog cannot be continued (store replaced or shrunk), or None."""
        pos = self.position()
        if pos is None:
            return None
        fp = self._fingerprint()
        if fp != self._meta("fingerprint"):
            return "the store's first event changed (another store at this location?)"
        head = self.store.max_position() or 0
        if head < pos:
            return f"the store's head ({head}) is below the catalog's position ({pos})"
        undecoded = int(self._meta("undecoded") or 0)
        if undecoded and self.codec.has_key:
            return f"{undecoded:,} events could not be decoded when it was built (no key then)"
        return None

    # -- updating -------------------------------------------------------------------------------
    def update(
        self,
        *,
        progress: Callable[[CatalogProgress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
        batch: int = BATCH,
    ) -> CatalogResult:
        """Process the events after the tracked position (rebuilds first if the cache is stale)."""
        with self._lock:
            rebuilt = False
            reason = self.stale_reason()
            if reason is not None:
                self.clear()
                rebuilt = True
            if self.position() is None:
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('fingerprint', ?)",
                                   [self._fingerprint()])
                self._conn.execute("INSERT OR REPLACE INTO meta VALUES ('store', ?)",
                                   [redacted_location(self.store)])
            self._undecoded = 0
            res = self._run(progress, cancelled, batch)
            res.undecoded = self._undecoded
            res.rebuilt = rebuilt
            res.reason = reason
            return res

    def _run(self, progress: Callable[[CatalogProgress], None] | None,
             cancelled: Callable[[], bool] | None, batch: int) -> CatalogResult:
        head = self.store.max_position() or 0
        start = self.position()
        pos = start
        t0 = time.perf_counter()
        processed = 0
        last_report = 0.0
        is_cancelled = cancelled or (lambda: False)
        while True:
            if is_cancelled():
                return CatalogResult("cancelled", pos, head, processed, time.perf_counter() - t0)
            page = self.store.log(pos, batch)
            page = [e for e in page if e.position <= head]
            if not page:
                break
            # Cancel within a second: process a page in slices, checking between them.
            done = 0
            for lo in range(0, len(page), 2000):
                if is_cancelled():
                    break
                chunk = page[lo:lo + 2000]
                self._apply(chunk)
                done += len(chunk)
                pos = chunk[-1].position
            processed += done
            now = time.perf_counter()
            if progress is not None and (now - last_report > 0.2 or done < len(page)):
                last_report = now
                progress(_progress(pos or 0, head, processed, now - t0, start or 0))
            if done < len(page):
                return CatalogResult("cancelled", pos, head, processed, now - t0)
        el = time.perf_counter() - t0
        if progress is not None:
            progress(_progress(pos or 0, head, processed, el, start or 0))
        return CatalogResult("done", pos, head, processed, el)

    def _event_fields(self, state: bytes) -> tuple[str | None, bytes | None]:
        """(ISO timestamp, plaintext) of one stored state."""
        if state[:1] == b"{" and not self.codec.has_key:
            text: bytes | None = state
        else:
            text = self.codec.plaintext(state)[0]
        if text is None:
            self._undecoded += 1
            return None, None
        m = _TS.search(text)
        if m is not None:
            return m.group(1).decode("ascii", "replace"), text
        d = self.codec.decode(state)
        if d.error is not None:
            # e.g. one in 256 AES blobs starts with '{' and is not JSON at all
            self._undecoded += 1
            return None, None
        ts = d.data.get("timestamp") if isinstance(d.data, dict) else None
        return (ts if isinstance(ts, str) else None), text

    def _apply(self, events: list[Any]) -> None:
        """One committed transaction: the events' effects plus the new tracking position."""
        agg: dict[str, list[Any]] = {}
        first_text: dict[str, bytes | None] = {}
        before = self._undecoded
        for ev in events:
            if type(ev.version) is not int or ev.stream is None:
                self._undecoded += 1  # a damaged row (see inspector.core.damage)
                continue
            ts, text = self._event_fields(ev.state)
            s = agg.get(ev.stream)
            if s is None:
                agg[ev.stream] = [None, ev.version, ev.version, ts, ts, 1, [(ev.version, ts)]]
                first_text[ev.stream] = text
                continue
            if ev.version < s[1]:
                s[1] = ev.version
                first_text[ev.stream] = text
            if ev.version > s[2]:
                s[2] = ev.version
            if ts is not None:
                if s[3] is None or ts < s[3]:
                    s[3] = ts
                if s[4] is None or ts > s[4]:
                    s[4] = ts
            s[5] += 1
            s[6].append((ev.version, ts))
        conn = self._conn
        known = self._known_types(list(agg))
        for stream, s in agg.items():
            t = known.get(stream)
            if t is None:
                text = first_text.get(stream)
                m = _OT.search(text) if text else None
                t = m.group(1).decode("utf-8", "replace") if m else None
            s[0] = t
        self._batch_undecoded = self._undecoded - before
        days: dict[tuple[str, str], int] = {}
        for s in agg.values():
            typ = s[0] or UNKNOWN_TYPE
            for _, ts in s[6]:
                k = (typ, ts[:10] if ts else UNKNOWN_TYPE)
                days[k] = days.get(k, 0) + 1
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_UPSERT_STREAM, [(k, *s[:6]) for k, s in agg.items()])
            conn.executemany(_UPSERT_DAY, [(t, d, n) for (t, d), n in days.items()])
            conn.execute("INSERT OR REPLACE INTO tracking VALUES (?, ?)",
                         [self.store.name, events[-1].position])
            if self._batch_undecoded:
                conn.execute(
                    "INSERT INTO meta VALUES ('undecoded', ?) ON CONFLICT (key) DO UPDATE SET "
                    "value = CAST(meta.value AS INTEGER) + CAST(excluded.value AS INTEGER)",
                    [self._batch_undecoded])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _known_types(self, streams: list[str]) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for i in range(0, len(streams), 900):
            part = streams[i:i + 900]
            q = ", ".join("?" * len(part))
            sql = f"SELECT stream, type FROM streams WHERE stream IN ({q})"
            for s, t in self._conn.execute(sql, part):
                out[s] = t
        return out

    # -- reading --------------------------------------------------------------------------------
    def types(self) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT coalesce(type, ?), COUNT(*), SUM(events) FROM streams GROUP BY 1 ORDER BY 1",
            [UNKNOWN_TYPE],
        ).fetchall()
        return [{"type": t, "streams": n, "events": e} for t, n, e in rows]

    def streams(self, type_: str | None = None, after: str | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
        sql = "SELECT * FROM streams"
        conds, params = [], []
        if type_ is not None:
            conds.append("type = ?")
            params.append(type_)
        if after is not None:
            conds.append("stream > ?")
            params.append(after)
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += f" ORDER BY stream LIMIT {int(limit)}"
        cols = ("id", "type", "first_version", "last_version", "first_time", "last_time", "events")
        return [dict(zip(cols, r, strict=True)) for r in self._conn.execute(sql, params)]

    def per_day(self, type_: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT type, day, events FROM type_days"
        params: list[Any] = []
        if type_ is not None:
            sql += " WHERE type = ?"
            params.append(type_)
        sql += " ORDER BY day, type"
        return [{"type": t, "day": d, "events": n} for t, d, n in self._conn.execute(sql, params)]

    def summary(self) -> dict[str, Any]:
        row = self._conn.execute(
            "SELECT COUNT(*), SUM(events), MIN(first_time), MAX(last_time) FROM streams"
        ).fetchone()
        head = self.store.max_position()
        pos = self.position()
        return {
            "path": str(self.path),
            "position": pos,
            "head": head,
            "lag": None if head is None else head - (pos or 0),
            "streams": row[0],
            "events": row[1] or 0,
            "first_time": row[2],
            "last_time": row[3],
            "undecoded": int(self._meta("undecoded") or 0),
            "types": self.types(),
        }

    def rows(self, table: str) -> Iterator[tuple[Any, ...]]:
        if table not in VIEW_TABLES:
            raise InspectorError(f"no catalog table {table!r}")
        order = "stream" if table == "streams" else "type, day"
        yield from self._conn.execute(f"SELECT * FROM {table} ORDER BY {order}")


def _progress(position: int, head: int, processed: int, elapsed: float,
              start: int) -> CatalogProgress:
    rate = processed / elapsed if elapsed > 0 else 0.0
    covered = position - start
    prate = covered / elapsed if elapsed > 0 and covered > 0 else 0.0
    eta = (head - position) / prate if prate > 0 else None
    return CatalogProgress(position, head, processed, elapsed, rate, eta)


def dry_run(store: SqlStore, codec: Codec, **kw: Any) -> tuple[CatalogResult, dict[str, Any]]:
    """Build the catalog from 0 into a temporary file and compare it with the cached one."""
    import itertools
    import tempfile

    with tempfile.TemporaryDirectory(prefix="ei-catalog-") as d:
        scratch = Catalog(store, codec, os.path.join(d, "catalog.sqlite"))
        live = Catalog(store, codec)
        try:
            res = scratch.update(**kw)
            diff: dict[str, Any] = {}
            for t in VIEW_TABLES:
                diffs = []
                n_live = n_new = 0
                for i, (a, b) in enumerate(itertools.zip_longest(live.rows(t), scratch.rows(t))):
                    n_live += a is not None
                    n_new += b is not None
                    if a != b and len(diffs) < 5:
                        diffs.append({"index": i, "live": a, "rebuilt": b})
                diff[t] = {"live_rows": n_live, "rebuilt_rows": n_new, "same": not diffs,
                           "first_differences": diffs}
            return res, diff
        finally:
            scratch.close()
            live.close()
