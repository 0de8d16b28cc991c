"""DCB stores on PostgreSQL (``eventsourcing.dcb.postgres_tt``, eventsourcing 9.5), read-only.

Layout (written by ``PostgresDCBRecorderTT``): ``{name}_events_tt_main(id bigserial, type text,
data bytea, tags text[])`` with a unique index on ``id`` (including ``type``), and
``{name}_events_tt_tag(tag text, main_id bigint)`` indexed on ``(tag, main_id)``; ``{name}`` is
the application name in lower case followed by ``_events``. Payloads are msgpack (the library's
``MessagePackMapper`` writes msgspec structs). There are no per-stream versions: a position is
global and a "stream" is a tag, whose events are numbered 1, 2, ... in position order (their
ordinal within the tag: the ``version`` the protocol shows). No snapshots, no tracking here.

Every read is bounded and uses the library's own indexes: tags are listed by a loose index scan
over ``(tag, main_id)`` (one seek per distinct tag, never a scan of the main table); a tag's
events are a range of that index joined to the main table by its primary key; the log is a
range of ``id``; a tag/type filter (the library's ``Selector``: any of the types, all of the
tags) walks the first tag's index range.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from inspector.core.errors import StreamNotFoundError
from inspector.core.ids import string_prefix_upper
from inspector.stores.base import AppTables, quote_ident
from inspector.stores.protocol import Count, RawEvent, RowsFromEvents, StreamRow, TrackingRow

LAYOUT = "eventsourcing.dcb.postgres_tt"
MAIN_SUFFIX = "_tt_main"
TAG_SUFFIX = "_tt_tag"
MAIN_COLUMNS = frozenset({"id", "type", "data", "tags"})
TAG_COLUMNS = frozenset({"tag", "main_id"})
ESTIMATE_ABOVE = 200_000
TYPE_SNIFF_MAX_BYTES = 256 * 1024


def discover_dcb(shapes: Sequence[Any]) -> list[AppTables]:
    """DCB applications among PostgreSQL table shapes (names ``schema\\x00table``)."""
    by_name = {t.name: t for t in shapes}
    apps: list[AppTables] = []
    for t in shapes:
        schema, name = t.name.split("\x00", 1)
        if not name.endswith(MAIN_SUFFIX) or not MAIN_COLUMNS <= t.colset:
            continue
        base = name[: -len(MAIN_SUFFIX)]
        tag = by_name.get(f"{schema}\x00{base}{TAG_SUFFIX}")
        if tag is None or not TAG_COLUMNS <= tag.colset:
            continue
        app_name = base[: -len("_events")] if base.endswith("_events") else base
        apps.append(
            AppTables(app_name, name, "id", "text", schema, family="dcb",
                      extra_columns=[f"{base}{TAG_SUFFIX}"])
        )
    return apps


class DcbPgStore(RowsFromEvents):
    """One DCB application's tables, through a read-only :class:`PgConnector`."""

    layout = LAYOUT
    writable = False
    has_snapshots = False
    has_tracking = False
    tagged = True
    payload_format = "msgpack"
    needs_catalog = False

    def __init__(self, connector: Any, tables: AppTables) -> None:
        self.connector = connector
        self.tables = tables
        self.location = connector.display
        self.tag_table = tables.extra_columns[0]
        # (tag, version) -> position of the event before it: where the next page starts
        self._cursors: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.tables.name

    def _q(self, table: str) -> str:
        s = f"{quote_ident(self.tables.schema)}." if self.tables.schema else ""
        return (s + quote_ident(table)).replace("%", "%%")

    @property
    def main(self) -> str:
        return self._q(self.tables.events_table)

    @property
    def tags_t(self) -> str:
        return self._q(self.tag_table)

    def query(self, sql: str, params: Sequence[Any] = (), binary: bool = False) -> list[Any]:
        return self.connector.query(sql, params, binary=binary)

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        return "\n".join(r[0] for r in self.query("EXPLAIN " + sql, params))

    def close(self) -> None:
        self.connector.close()

    def refresh(self) -> None:
        """Every read is its own transaction: new events are visible without reconnecting."""

    def __enter__(self) -> DcbPgStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        return {
            "schema": self.tables.schema,
            "events_table": self.tables.events_table,
            "tags_table": self.tag_table,
            "snapshots_table": None,
            "extra_columns": [],
        }

    def domain_decoder(self, domain: Any, codec: Any) -> Any:
        """Domain mode folds decisions with their own ``mutate`` (DCBRepository.get)."""
        from inspector.core.dcb_decode import DcbDomainDecoder

        return DcbDomainDecoder(domain, codec)

    # -- counts -------------------------------------------------------------------------------
    def max_position(self) -> int | None:
        rows = self.query(f"SELECT MAX(id) FROM {self.main}")
        return rows[0][0] if rows else None

    def _estimate(self, table: str) -> int | None:
        rows = self.query(
            "SELECT c.reltuples::bigint FROM pg_class c JOIN pg_namespace n"
            " ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname = %s",
            [self.tables.schema, table],
        )
        return int(rows[0][0]) if rows and rows[0][0] is not None else None

    def count_events(self) -> Count:
        est = self._estimate(self.tables.events_table)
        if est is not None and est > ESTIMATE_ABOVE:
            return Count(est, False)
        mx = self.max_position() or 0
        if mx > ESTIMATE_ABOVE:
            return Count(mx, False)
        rows = self.query(f"SELECT COUNT(*) FROM {self.main}")
        return Count(int(rows[0][0]), True)

    def count_snapshots(self) -> Count:
        return Count(0, True)

    def count_streams(self, budget_s: float = 0.05) -> Count:
        """Distinct tags by loose index scan; past the time budget, unknown (at least N)."""
        deadline = time.perf_counter() + budget_s
        counted = 0
        after: str | None = None
        while True:
            page = self._tags(after, 2000, None)
            counted += len(page)
            if len(page) < 2000:
                return Count(counted, True)
            after = page[-1]
            if time.perf_counter() > deadline:
                return Count(None, False)

    # -- tags as streams ----------------------------------------------------------------------
    def _scan_sql(self, after: str | None, limit: int, prefix: str | None) -> tuple[str, list[Any]]:
        t = self.tags_t
        first: list[str] = []
        nxt = ["tag > ids.tag"]
        p_first: list[Any] = []
        p_next: list[Any] = []
        if prefix:
            first += ["tag >= %s", "tag < %s"]
            hi = string_prefix_upper(prefix)
            p_first += [prefix, hi]
            nxt.append("tag < %s")
            p_next.append(hi)
        if after is not None:
            first.append("tag > %s")
            p_first.append(after)
        where = ("WHERE " + " AND ".join(first)) if first else ""
        sql = (
            "WITH RECURSIVE ids(tag) AS ("
            f"SELECT (SELECT tag FROM {t} {where} ORDER BY tag LIMIT 1)"
            " UNION ALL "
            f"SELECT (SELECT tag FROM {t} WHERE {' AND '.join(nxt)} ORDER BY tag LIMIT 1)"
            " FROM ids WHERE ids.tag IS NOT NULL"
            f") SELECT ids.tag FROM ids WHERE ids.tag IS NOT NULL LIMIT {int(limit)}"
        )
        return sql, [*p_first, *p_next]

    def _tags(self, after: str | None, limit: int, prefix: str | None) -> list[str]:
        return [r[0] for r in self.query(*self._scan_sql(after, limit, prefix))]

    def stream_ids(self, after: str | None = None, limit: int = 100) -> list[str]:
        return self._tags(after, limit, None)

    def streams(
        self, after: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> list[StreamRow]:
        """A page of tags, each with its event count (= last version) and first event."""
        scan, params = self._scan_sql(after, limit, prefix)
        sql = (
            f"WITH page AS ({scan}) SELECT page.tag, c.n, m.type,"
            f" CASE WHEN length(m.data) <= {TYPE_SNIFF_MAX_BYTES} THEN m.data END"
            f" FROM page"
            f" CROSS JOIN LATERAL (SELECT COUNT(DISTINCT main_id) AS n FROM {self.tags_t} x"
            f" WHERE x.tag = page.tag) c"
            f" LEFT JOIN LATERAL (SELECT main_id FROM {self.tags_t} y WHERE y.tag = page.tag"
            f" ORDER BY main_id LIMIT 1) f ON true"
            f" LEFT JOIN {self.main} m ON m.id = f.main_id"
            f" ORDER BY page.tag"
        )
        return [
            StreamRow(r[0], int(r[1]), r[2], bytes(r[3]) if r[3] is not None else None,
                      events=int(r[1]))
            for r in self.query(sql, params)
        ]

    # -- events of a tag ----------------------------------------------------------------------
    def last_version(self, stream: str) -> int | None:
        rows = self.query(
            f"SELECT COUNT(DISTINCT main_id) FROM {self.tags_t} WHERE tag = %s", [stream]
        )
        n = int(rows[0][0]) if rows else 0
        return n or None

    def require_stream(self, stream: str) -> int:
        v = self.last_version(stream)
        if v is None:
            raise StreamNotFoundError(f"no tag {stream!r} in DCB application {self.name!r}")
        return v

    def version_at_position(self, stream: str, position: int) -> int | None:
        rows = self.query(
            f"SELECT COUNT(DISTINCT main_id) FROM {self.tags_t} WHERE tag = %s AND main_id <= %s",
            [stream, int(position)],
        )
        n = int(rows[0][0]) if rows else 0
        return n or None

    def _tag_rows(
        self, stream: str, offset: int, limit: int | None, after_id: int | None = None
    ) -> list[tuple[int, str, bytes, list[str]]]:
        cond = "tag = %s"
        params: list[Any] = [stream]
        if after_id is not None:
            cond += " AND main_id > %s"
            params.append(int(after_id))
        lim = f" LIMIT {int(limit)}" if limit is not None else ""
        sql = (
            f"SELECT m.id, m.type, m.data, m.tags FROM"
            f" (SELECT DISTINCT main_id FROM {self.tags_t} WHERE {cond}"
            f" ORDER BY main_id OFFSET {int(offset)}{lim}) t"
            f" JOIN {self.main} m ON m.id = t.main_id ORDER BY m.id"
        )
        return [
            (r[0], r[1], r[2] if type(r[2]) is bytes else bytes(r[2] or b""), r[3])
            for r in self.query(sql, params, binary=True)
        ]

    def _range(
        self, stream: str, from_version: int | None, to_version: int | None,
        limit: int | None, desc: bool,
    ) -> tuple[int, int | None] | None:
        """(first, last or None = to the end) versions to read, or None when empty. Counts the
        tag's events only when the end is needed (descending)."""
        lo = max(1, int(from_version)) if from_version is not None else 1
        hi: int | None
        if desc:
            n = self.last_version(stream) or 0
            hi = n if to_version is None else min(int(to_version), n)
            if limit is not None:
                lo = max(lo, hi - int(limit) + 1)
        else:
            hi = int(to_version) if to_version is not None else None
            if limit is not None:
                hi = lo + int(limit) - 1 if hi is None else min(hi, lo + int(limit) - 1)
        return (lo, hi) if hi is None or hi >= lo else None

    def stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[RawEvent]:
        """A tag's events in position order, ``version`` = ordinal within the tag (1, 2...).

        A version is an offset in the tag's index range; paging on (reading from the version
        after the last one returned) continues from that event's position instead (keyset)."""
        rng = self._range(stream, from_version, to_version, limit, desc)
        if rng is None:
            return []
        lo, hi = rng
        n = None if hi is None else hi - lo + 1
        after = self._cursors.get((stream, lo))
        if after is not None:
            rows = self._tag_rows(stream, 0, n, after)
        else:
            rows = self._tag_rows(stream, lo - 1, n)
        out = [
            RawEvent(pos, stream, lo + i, typ, data, tuple(tags or ()))
            for i, (pos, typ, data, tags) in enumerate(rows)
        ]
        if out:
            with self._lock:
                if len(self._cursors) > 1000:
                    self._cursors.clear()
                self._cursors[(stream, out[-1].version + 1)] = out[-1].position
        return out[::-1] if desc else out

    def iter_stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[RawEvent]:
        """All of a tag's events from ``from_version``, in keyset batches on the position."""
        v = max(1, int(from_version)) if from_version is not None else 1
        after: int | None = None
        offset = v - 1
        while to_version is None or v <= to_version:
            n = batch if to_version is None else min(batch, int(to_version) - v + 1)
            rows = self._tag_rows(stream, offset, n, after)
            for pos, typ, data, tags in rows:
                yield RawEvent(pos, stream, v, typ, data, tuple(tags or ()))
                v += 1
            if len(rows) < n:
                return
            after, offset = rows[-1][0], 0

    # -- the log ------------------------------------------------------------------------------
    def log(
        self,
        after: int | None = None,
        limit: int = 100,
        topics: Sequence[str] = (),
        tags: Sequence[str] = (),
    ) -> list[RawEvent]:
        """Events in position order after ``after``: any of ``topics`` (types), all of ``tags``.

        ``stream`` is the event's first tag; ``version`` is None (an ordinal within a tag is
        what ``events`` of that tag shows)."""
        params: list[Any] = []
        if tags:
            sql = (
                f"SELECT m.id, m.type, m.data, m.tags FROM {self.tags_t} t"
                f" JOIN {self.main} m ON m.id = t.main_id WHERE t.tag = %s"
            )
            params.append(tags[0])
            if after is not None:
                sql += " AND t.main_id > %s"
                params.append(int(after))
            if len(tags) > 1:
                sql += " AND m.tags @> %s::text[]"
                params.append(list(tags))
            order = "t.main_id"
        else:
            sql = f"SELECT m.id, m.type, m.data, m.tags FROM {self.main} m WHERE true"
            if after is not None:
                sql += " AND m.id > %s"
                params.append(int(after))
            order = "m.id"
        if topics:
            sql += " AND m.type = ANY(%s)"
            params.append(list(topics))
        sql += f" ORDER BY {order} LIMIT {int(limit)}"
        out = []
        last = None
        for pos, typ, data, tg in self.query(sql, params, binary=True):
            if pos == last:  # the same tag twice on one event: one event
                continue
            last = pos
            tg = tuple(tg or ())
            out.append(RawEvent(pos, tg[0] if tg else "", None, typ,  # type: ignore[arg-type]
                                bytes(data or b""), tg))
        return out

    # -- what DCB tables do not have ----------------------------------------------------------
    def snapshots(self, stream: str, max_version: int | None = None) -> list[RawEvent]:
        return []

    def snapshot_signature(self, stream: str) -> tuple[Any, ...]:
        return ()

    def tracking(self) -> list[TrackingRow]:
        return []

