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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from inspector.core import schema_history, storage_stats
from inspector.core.codec import Codec, loads_fast
from inspector.core.errors import InspectorError
from inspector.core.ids import canonical_id
from inspector.stores.base import SqlStore, as_bytes
from inspector.stores.writer import redacted_location

CATALOG = "catalog"
BATCH = 20_000
UNKNOWN_TYPE = "?"


SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS streams (stream TEXT PRIMARY KEY, type TEXT, first_version "
    "INTEGER, last_version INTEGER, first_time TEXT, last_time TEXT, events INTEGER NOT NULL, "
    "bytes INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS streams_by_type ON streams (type, stream)",
    "CREATE TABLE IF NOT EXISTS type_days (type TEXT, day TEXT, events INTEGER NOT NULL, "
    "PRIMARY KEY (type, day)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS tracking (application_name TEXT PRIMARY KEY, notification_id "
    "INTEGER) WITHOUT ROWID",
)
VIEW_TABLES = ("streams", "type_days")
# Tables a clean rebuild empties (the views above plus storage and schema statistics).
DATA_TABLES = (*VIEW_TABLES, *storage_stats.TABLES, *schema_history.TABLES)
# Bumped whenever what the catalog records changes: an older cache is rebuilt.
CATALOG_SCHEMA = "3"  # 3: DCB decisions (no per-event version) were counted as undecoded

_UPSERT_STREAM = (
    "INSERT INTO streams VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (stream) DO UPDATE SET "
    "type = coalesce(streams.type, excluded.type), "
    "first_version = min(coalesce(streams.first_version, excluded.first_version), "
    "coalesce(excluded.first_version, streams.first_version)), "
    "last_version = max(coalesce(streams.last_version, excluded.last_version), "
    "coalesce(excluded.last_version, streams.last_version)), "
    "first_time = min(coalesce(streams.first_time, excluded.first_time), "
    "coalesce(excluded.first_time, streams.first_time)), "
    "last_time = max(coalesce(streams.last_time, excluded.last_time), "
    "coalesce(excluded.last_time, streams.last_time)), "
    "events = streams.events + excluded.events, bytes = streams.bytes + excluded.bytes"
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

    schema = store.describe().get("schema")
    key = f"{redacted_location(store)}|{schema}|{store.name}".encode()
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
        self._migrate()

    def _migrate(self) -> None:
        """Create the tables; a cache written by an older catalog is emptied (rebuilt later)."""
        conn = self._conn
        with self._lock:
            for s in (*SCHEMA, *storage_stats.SCHEMA, *schema_history.SCHEMA):
                conn.execute(s)
            if self._meta("schema") == CATALOG_SCHEMA:
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                for t in DATA_TABLES:
                    conn.execute(f"DROP TABLE IF EXISTS {t}")
                conn.execute("DELETE FROM tracking")
                conn.execute("DELETE FROM meta")
                for s in (*SCHEMA, *storage_stats.SCHEMA, *schema_history.SCHEMA):
                    conn.execute(s)
                conn.execute("INSERT INTO meta VALUES ('schema', ?)", [CATALOG_SCHEMA])
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

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

    def _write_lock(self) -> Any:
        """The cross-process lock of updating this catalog file (:mod:`inspector.core.locks`)."""
        from inspector.core.locks import file_write_lock

        return file_write_lock(self.path, "catalog", self.store.name,
                               f"catalog update of {redacted_location(self.store)}")

    def clear(self) -> None:
        with self._lock, self._write_lock():
            self._conn.execute("BEGIN IMMEDIATE")
            for t in (*DATA_TABLES, "tracking"):
                self._conn.execute(f"DELETE FROM {t}")
            self._conn.execute("DELETE FROM meta WHERE key <> 'schema'")
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
        """Process the events after the tracked position (rebuilds first if the cache is stale).

        Another process updating the same catalog: :class:`~inspector.core.locks.BusyError`.
        """
        with self._lock, self._write_lock():
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
            page = self._page(pos, batch, head)
            if not page:
                break
            # Cancel within a second: process a page in slices, checking between them.
            done = 0
            for lo in range(0, len(page), 5000):
                if is_cancelled():
                    break
                chunk = page[lo:lo + 5000]
                self._apply(chunk)
                done += len(chunk)
                pos = chunk[-1][0]
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

    def _page(self, pos: int | None, batch: int, head: int) -> list[Any]:
        """Log rows ``(position, id, version, topic, state)`` after ``pos`` up to ``head``."""
        rows = getattr(self.store, "log_rows", None)
        if rows is not None:
            return rows(pos, batch, max_position=head, raw=True)
        return [(e.position, e.stream, e.version, e.topic, e.state)
                for e in self.store.log(pos, batch) if e.position <= head]

    def _apply(self, rows: list[Any]) -> None:
        """One committed transaction: the rows' effects plus the new tracking position.

        ``rows`` are ``(position, stored id, version, topic, state)`` in position order. Each
        payload is decrypted/decompressed when needed and parsed once (orjson); its time,
        aggregate topic (created events) and shape are read from the parsed object.
        """
        agg: dict[str, list[Any]] = {}
        first_ot: dict[str, str | None] = {}
        before = self._undecoded
        verbatim = getattr(self.store, "_text_ids", lambda: False)()  # text ids as stored
        names: dict[Any, str] = {}
        topics: dict[Any, str] = {}
        tables = getattr(self.store, "tables", None)
        text_ids = getattr(tables, "id_kind", "text") == "text"
        no_key = not self.codec.has_key
        plaintext = self.codec.plaintext
        loads = loads_fast  # orjson where exact; else the codec's exact parse
        bytes_batch = storage_stats.BytesBatch()
        cells = bytes_batch.cells
        shapes = schema_history.ShapeBatch()
        shape_map = shapes.shapes
        new_shape = shapes.new
        unknown = UNKNOWN_TYPE
        msgpack = getattr(self.codec, "payload_format", "json") == "msgpack"  # DCB payloads
        # a tagged store's log has no per-event version (a decision's ordinal is per tag)
        versionless = bool(getattr(self.store, "tagged", False))
        for pos, raw, version, raw_topic, state in rows:
            if raw is None or (type(version) is not int
                               and not (versionless and version is None)):
                self._undecoded += 1  # a damaged row (see inspector.core.damage)
                continue
            if type(state) is not bytes:
                state = as_bytes(state)
            stream = names.get(raw)
            if stream is None:
                stream = names[raw] = _stream_name(raw, text_ids, verbatim)
            topic = topics.get(raw_topic)
            if topic is None:
                topic = topics[raw_topic] = (
                    raw_topic.decode("utf-8", "replace")
                    if isinstance(raw_topic, (bytes, memoryview)) and not isinstance(
                        raw_topic, str) else raw_topic)
            size = len(state)
            unpacked = None
            if msgpack:
                unpacked = self.codec.decode(state)
                text: bytes | None = state if unpacked.error is None else None
            elif no_key and state[:1] == b"{":
                text = state
            else:
                text = plaintext(state)[0]
            data: Any = None
            ts: str | None = None
            if text is not None:
                try:
                    if unpacked is not None:
                        data = unpacked.data
                    else:
                        data = loads(text)
                except orjson.JSONDecodeError:
                    d = self.codec.decode(state)
                    data = d.data if d.error is None else None
                if type(data) is dict:
                    t = data.get("timestamp")
                    if type(t) is dict:
                        t = t.get("_data_")
                    ts = t if type(t) is str else None
                    key = (topic, tuple(data), tuple(map(type, data.values())),
                           data.get("class_version", 1))
                    sh = shape_map.get(key)
                    if sh is None:
                        new_shape(key, data, pos, ts)
                    else:
                        sh[0] += 1
                        sh[3] = pos
                        sh[4] = ts
                else:
                    data = None
            day = ts[:10] if ts else unknown
            if data is None:
                self._undecoded += 1
                dec = 0
            else:
                dec = len(text)  # type: ignore[arg-type]
            cell_key = (topic, day)
            c = cells.get(cell_key)
            if c is None:
                cells[cell_key] = [1, size, dec]
            else:
                c[0] += 1
                c[1] += size
                c[2] += dec
            s = agg.get(stream)
            if s is None:
                agg[stream] = [None, version, version, ts, ts, 1, {day: 1}, size]
                first_ot[stream] = _origin_topic(data)
                continue
            if version is not None and (s[1] is None or version < s[1]):
                s[1] = version
                first_ot[stream] = _origin_topic(data)
            if version is not None and (s[2] is None or version > s[2]):
                s[2] = version
            if ts is not None:
                if s[3] is None or ts < s[3]:
                    s[3] = ts
                if s[4] is None or ts > s[4]:
                    s[4] = ts
            s[5] += 1
            sd = s[6]
            sd[day] = sd.get(day, 0) + 1
            s[7] += size
        conn = self._conn
        known = self._known_types(list(agg))
        for stream, s in agg.items():
            t = known.get(stream)
            if t is None:
                t = first_ot.get(stream)
            s[0] = t
        self._batch_undecoded = self._undecoded - before
        days: dict[tuple[str, str], int] = {}
        for s in agg.values():
            typ = s[0] or UNKNOWN_TYPE
            for day, n in s[6].items():
                k = (typ, day)
                days[k] = days.get(k, 0) + n
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany(_UPSERT_STREAM, [(k, *s[:6], s[7]) for k, s in agg.items()])
            conn.executemany(_UPSERT_DAY, [(t, d, n) for (t, d), n in days.items()])
            bytes_batch.write(conn)
            shapes.write(conn)
            conn.execute("INSERT OR REPLACE INTO tracking VALUES (?, ?)",
                         [self.store.name, rows[-1][0]])
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
                limit: int = 100, prefix: str | None = None) -> list[dict[str, Any]]:
        sql = ("SELECT stream, type, first_version, last_version, first_time, last_time, events, "
               "bytes FROM streams")
        conds, params = [], []
        if prefix:
            from inspector.core.ids import string_prefix_upper

            conds.append("stream >= ? AND stream < ?")
            params += [prefix, string_prefix_upper(prefix)]
        if type_ is not None:
            conds.append("type = ?")
            params.append(type_)
        if after is not None:
            conds.append("stream > ?")
            params.append(after)
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += f" ORDER BY stream LIMIT {int(limit)}"
        cols = ("id", "type", "first_version", "last_version", "first_time", "last_time", "events",
                "bytes")
        return [dict(zip(cols, r, strict=True)) for r in self._conn.execute(sql, params)]

    def per_day(self, type_: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT type, day, events FROM type_days"
        params: list[Any] = []
        if type_ is not None:
            sql += " WHERE type = ?"
            params.append(type_)
        sql += " ORDER BY day, type"
        return [{"type": t, "day": d, "events": n} for t, d, n in self._conn.execute(sql, params)]

    def undecoded(self) -> int:
        """How many of the catalogued events could not be decoded (no key, damaged), in all
        the updates so far: they have no time, shape or decoded size."""
        return int(self._meta("undecoded") or 0)

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
            "undecoded": self.undecoded(),
            "types": self.types(),
        }

    def storage(self, top: int = 20) -> dict[str, Any]:
        """The ``stats`` contract (see :mod:`inspector.core.storage_stats`)."""
        with self._lock:
            return storage_stats.storage_stats(self.store, self._conn, top)

    def bytes_per_day_by_type(self) -> list[dict[str, Any]]:
        with self._lock:
            return storage_stats.bytes_per_day_by_type(self._conn)

    def type_history(self, topic: str | None = None) -> list[dict[str, Any]]:
        """The ``types`` contract (see :mod:`inspector.core.schema_history`)."""
        with self._lock:
            return schema_history.type_history(self._conn, topic)

    def rows(self, table: str) -> Iterator[tuple[Any, ...]]:
        if table not in VIEW_TABLES:
            raise InspectorError(f"no catalog table {table!r}")
        order = "stream" if table == "streams" else "type, day"
        yield from self._conn.execute(f"SELECT * FROM {table} ORDER BY {order}")


_HEX32 = re.compile(r"[0-9a-f]{32}")
_DASHED = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _stream_name(raw: Any, text_ids: bool, verbatim: bool = False) -> str:
    """The display id of a raw log id (bytes of a TEXT column decoded first); ``verbatim``: a
    store of text ids, shown exactly as stored (see ``inspector.stores.id_forms``)."""
    if isinstance(raw, memoryview):
        raw = bytes(raw)
    if type(raw) is bytes and text_ids:
        raw = raw.decode("utf-8", "replace")
    if verbatim and type(raw) is str:
        return raw
    return _fast_canonical(raw)


def _fast_canonical(raw: Any) -> str:
    """``canonical_id`` with the common case (32 lowercase hex, as eventsourcing.sqlite stores
    UUIDs) done by slicing."""
    if type(raw) is str:
        if len(raw) == 32 and _HEX32.fullmatch(raw):
            return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
        if len(raw) == 36 and _DASHED.fullmatch(raw):
            return raw
    if type(raw) is uuid.UUID:
        return str(raw)
    return canonical_id(raw)


def _origin_topic(data: Any) -> str | None:
    """The aggregate topic a created event carries (None for other events)."""
    if data is None:
        return None
    t = data.get("originator_topic")
    return t if isinstance(t, str) else None


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


def ensure_catalog(
    store: Any,
    codec: Codec,
    *,
    update: bool = True,
    progress: Callable[[CatalogProgress], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CatalogResult | None:
    """For a store that lists its streams from the local catalog (``needs_catalog``): open
    its catalog, attach it to the store and (``update``) bring it up to the head first: the
    first time one scan of the whole log (progress, cancel), then only the new events.
    Without ``update`` an existing catalog is attached as it is (nothing read)."""
    if not getattr(store, "needs_catalog", False):
        return None
    cat = getattr(store, "catalog", None)
    if cat is None:
        path = catalog_path(store)
        if not update and not path.exists():
            return None
        cat = Catalog(store, codec, path)
        store.attach_catalog(cat)
    if not update:
        return None
    res = cat.update(progress=progress, cancelled=cancelled)
    if res.status == "cancelled":
        raise InspectorError(
            f"catalog scan cancelled at position {res.position or 0:,} of {res.head:,}"
            " (what was read is kept; the next run continues)"
        )
    return res
