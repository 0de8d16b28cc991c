"""The store protocol: bounded reads over one application's tables, whatever the layout.

Every layout (eventsourcing.sqlite, eventsourcing.postgres, eventsourcing_sqlalchemy) has the same
shape: an events table with ``originator_id, originator_version, topic, state`` and a notification
position (SQLite ``rowid``, ``notification_id`` or ``id``), optional aggregate tables (snapshots)
with the same four columns, and tracking tables ``(application_name, notification_id)``.
:class:`SqlStore` implements every read with keyset paging and index seeks over those columns;
the per-database modules only open connections and discover tables.
"""

from __future__ import annotations

import functools
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from inspector.core.errors import InspectorError, StreamNotFoundError
from inspector.core.ids import canonical_id, hex_prefix, hex_range, parse_uuid, string_prefix_upper
from inspector.stores.protocol import (
    Count,
    EventStore,
    RawEvent,
    StreamRow,
    TrackingRow,
    check_tags_supported,
)

EXACT_COUNT_CAP = 200_000  # count rows exactly up to this many
LAG_SCAN_CAP = 100_000  # a lag reads at most this many later events (then "at least")
# A stream page reads each stream's first state (for its aggregate type) only up to this size;
# a bigger one is not fetched and the type is guessed from the topic.
TYPE_SNIFF_MAX_BYTES = 256 * 1024

# How the originator_id column stores ids.
ID_TEXT = "text"  # TEXT: 32-hex (core sqlite) or arbitrary strings
ID_UUID = "uuid"  # native uuid (PostgreSQL)
ID_BYTES16 = "bytes16"  # 16-byte BLOB (eventsourcing_sqlalchemy on SQLite)


@dataclass(slots=True)
class AppTables:
    """The tables of one application as found in the schema."""

    name: str
    events_table: str
    position_column: str  # 'rowid', 'notification_id' or 'id'
    id_kind: str
    schema: str | None = None
    snapshots_table: str | None = None
    tracking_tables: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    family: str = "sql"  # which store module reads these tables ("sql", "dcb", "django")
    # The snapshot-shaped tables that fit the events table (stores/pairing.py), and why none
    # was chosen when the pairing is ambiguous (the user picks with --snapshots-table).
    snapshots_choices: list[str] = field(default_factory=list)
    snapshots_note: str | None = None


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (SQLite and PostgreSQL agree on double quotes)."""
    return '"' + name.replace('"', '""') + '"'


class SqlStore:
    """Bounded reads over one application's tables. Subclasses provide connections.

    Implements :class:`inspector.stores.protocol.EventStore` for the SQL families."""

    layout: str = ""
    writable: bool = True
    has_snapshots: bool = True
    has_tracking: bool = True
    tagged: bool = False
    payload_format: str = "json"
    needs_catalog: bool = False
    placeholder: str = "?"
    # The state column as selected: SQLite may hold a TEXT value there (CAST gives its bytes).
    state_expr: str = "state"
    # The id and topic columns in the cheapest form the driver returns, for whole-log passes
    # (``log_rows(raw=True)``): SQLite gives TEXT's bytes without its text converter,
    # PostgreSQL a uuid as its canonical text.
    raw_id_expr: str = "originator_id"
    raw_topic_expr: str = "topic"

    def __init__(self, location: str, tables: AppTables, all_apps: list[AppTables]) -> None:
        self.location = location
        self.tables = tables
        self.all_apps = all_apps
        self._text_form: str | None = None
        # "uuid" / "text": the application's ORIGINATOR_ID_TYPE (--app-class), when known
        self.id_type_hint: str | None = None
        self._resolved: dict[str, Any] = {}

    # -- connection plumbing (subclasses) -----------------------------------------------------
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        """The database's query plan for ``sql`` as text (for checks of index use)."""
        raise NotImplementedError

    def query_events(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Like :meth:`query`, for the hot event-row queries (a backend may use a faster path)."""
        return self.query(sql, params)

    def close(self) -> None:
        raise NotImplementedError

    def refresh(self) -> None:
        """Make new commits by other processes visible (live mode). Default: nothing to do."""

    def __enter__(self) -> SqlStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers ------------------------------------------------------------------------------
    def qualified(self, table: str) -> str:
        if self.tables.schema:
            return f"{quote_ident(self.tables.schema)}.{quote_ident(table)}"
        return quote_ident(table)

    @property
    def events(self) -> str:
        return self.qualified(self.tables.events_table)

    @property
    def pos(self) -> str:
        col = self.tables.position_column
        return "rowid" if col == "rowid" else quote_ident(col)

    @property
    def name(self) -> str:
        return self.tables.name

    @property
    def row_scope(self) -> dict[str, Any]:
        """Column values every row this application writes must carry, and every row it
        deletes must match (a table shared by applications); empty for the other layouts."""
        return {}

    def _p(self, n: int = 1) -> str:
        return ", ".join([self.placeholder] * n)

    def text_id_form(self) -> str:
        """How a TEXT id column holds ids: 'hex' (32 lowercase hex digits, as
        eventsourcing.sqlite writes UUIDs), 'dashed' (canonical UUID strings) or 'string' (text
        ids, shown exactly as stored). Decided once per store: see :mod:`.id_forms`."""
        if self._text_form is None:
            from inspector.stores.id_forms import decide

            self._text_form = decide(self)
        return self._text_form

    def id_form_cache_key(self) -> str | None:
        """Where :mod:`.id_forms` keeps this store's answer (no secret in it), or None."""
        return f"{self.layout}|{self.location}|{self.tables.schema}|{self.tables.events_table}"

    def not_id_form_sql(self, form: str) -> str:
        """SQL true for an id that is not of ``form`` ('hex' or 'dashed'); SQLite syntax."""
        h = "[0-9a-f]"
        pattern = h * 32 if form == "hex" else "-".join(h * n for n in (8, 4, 4, 4, 12))
        return f"(typeof(originator_id) = 'text' AND originator_id NOT GLOB '{pattern}')"

    def _text_ids(self) -> bool:
        return self.tables.id_kind == ID_TEXT and self.text_id_form() == "string"

    def display_id(self, raw: Any) -> str:
        """An id as shown: text ids exactly as stored; UUIDs (a uuid or 16-byte column, or a
        TEXT column that holds UUIDs) in the dashed canonical form."""
        if type(raw) is str and self._text_ids():
            return raw
        return canonical_id(raw)

    def hex_ids(self) -> bool:
        """Whether ids are UUIDs stored natively or as 32-hex TEXT (the form to write back)."""
        if self.tables.id_kind != ID_TEXT:
            return self.tables.id_kind in (ID_UUID, ID_BYTES16)
        return self.text_id_form() == "hex"

    def uuid_ids(self) -> bool:
        """Whether the ids are UUIDs, in whatever column form."""
        return self.tables.id_kind != ID_TEXT or self.text_id_form() != "string"

    def id_values(self, stream: str) -> list[Any]:
        """The column value(s) that hold the stream a user named, in any common UUID form.

        One value when the store's id form is known; for string-id stores a UUID-looking name
        is looked up in its forms (one index seek) and the one found is returned."""
        kind = self.tables.id_kind
        u = parse_uuid(stream)
        if kind == ID_UUID:
            if u is None:
                raise StreamNotFoundError(f"stream {stream!r}: this store's ids are UUIDs")
            return [u]
        if kind == ID_BYTES16:
            if u is None:
                raise StreamNotFoundError(f"stream {stream!r}: this store's ids are UUIDs")
            return [u.bytes]
        if u is None:
            return [stream]
        form = self.text_id_form()
        if form == "hex":
            return [u.hex]
        if form == "dashed":
            return [str(u)]
        # Text ids: the exact stored match wins; else the UUID forms (dashed, 32 hex), in turn.
        found = self._resolved.get(stream)
        if found is None:
            found = stream
            for cand in dict.fromkeys([stream, str(u), u.hex]):
                rows = self.query(
                    f"SELECT originator_id FROM {self.events}"
                    f" WHERE originator_id = {self.placeholder} LIMIT 1",
                    [cand],
                )
                if rows:
                    found = rows[0][0]
                    break
            if len(self._resolved) > 1000:
                self._resolved.clear()
            self._resolved[stream] = found
        return [found]

    def _id_key(self, stream: str) -> Any:
        """The column value for a keyset bound (``--after``)."""
        kind = self.tables.id_kind
        u = parse_uuid(stream)
        if kind in (ID_UUID, ID_BYTES16):
            if u is None:
                raise InspectorError(f"--after {stream!r}: this store's stream ids are UUIDs")
            return u if kind == ID_UUID else u.bytes
        if u is not None:
            form = self.text_id_form()
            if form == "hex":
                return u.hex
            if form == "dashed":
                return str(u)
        return stream

    def _prefix_bounds(self, prefix: str) -> tuple[Any, Any, bool] | None:
        """(low, high, high_inclusive) column bounds for ids starting with ``prefix``."""
        kind = self.tables.id_kind
        hp = hex_prefix(prefix)
        if kind in (ID_UUID, ID_BYTES16):
            if hp is None:
                return None
            lo, hi = hex_range(hp)
            if kind == ID_UUID:
                return uuid.UUID(hex=lo), uuid.UUID(hex=hi), True
            return bytes.fromhex(lo), bytes.fromhex(hi), True
        form = self.text_id_form()
        if form != "string":
            if hp is None:
                return None
            lo, hi = hex_range(hp)
            if form == "dashed":
                return str(uuid.UUID(hex=lo)), str(uuid.UUID(hex=hi)), True
            return lo, hi, True
        return prefix, string_prefix_upper(prefix), False

    # -- reads --------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        """Where this application's events are: ``{"schema", "events_table", "snapshots_table",
        "extra_columns", "snapshots_note", "snapshots_choices"}`` (the last two: why no
        snapshots table was chosen, and the tables that fit; see ``stores/pairing.py``)."""
        t = self.tables
        return {
            "schema": t.schema,
            "events_table": t.events_table,
            "snapshots_table": t.snapshots_table,
            "extra_columns": t.extra_columns,
            "snapshots_note": t.snapshots_note,
            "snapshots_choices": list(t.snapshots_choices),
        }

    def max_position(self) -> int | None:
        rows = self.query(f"SELECT MAX({self.pos}) FROM {self.events}")
        return rows[0][0] if rows else None

    def count_events(self) -> Count:
        """Exact below ``EXACT_COUNT_CAP`` rows; above it the highest position (no deletes in an
        event store, so close), marked approximate: counting millions of rows is not bounded."""
        mx = self.max_position()
        if mx is not None and mx > EXACT_COUNT_CAP:
            return Count(int(mx), False)
        rows = self.query(f"SELECT COUNT(*) FROM {self.events}")
        return Count(int(rows[0][0]), True)

    def count_snapshots(self) -> Count:
        if not self.tables.snapshots_table:
            return Count(0, True)
        return self.capped_count(self.qualified(self.tables.snapshots_table))

    def capped_count(self, table_sql: str, cap: int = EXACT_COUNT_CAP) -> Count:
        """COUNT(*) that stops after ``cap`` rows (then approximate: at least ``cap``)."""
        rows = self.query(f"SELECT COUNT(*) FROM (SELECT 1 FROM {table_sql} LIMIT {cap + 1}) t")
        n = int(rows[0][0])
        return Count(min(n, cap), n <= cap)

    def count_streams(self, budget_s: float = 0.05) -> Count:
        """Distinct streams by loose index scan; past the time budget, an estimate."""
        deadline = time.perf_counter() + budget_s
        counted = 0
        after: str | None = None
        while True:
            page = self.stream_ids(after=after, limit=2000)
            counted += len(page)
            if len(page) < 2000:
                return Count(counted, True)
            after = page[-1]
            if time.perf_counter() > deadline:
                break
        frac = _keyspace_fraction(after) if self.uuid_ids() else None
        if frac:
            return Count(int(counted / frac), False)
        return Count(None, False)

    def stream_ids(self, after: str | None = None, limit: int = 100) -> list[str]:
        """Distinct stream ids in id order after ``after``: one index seek per id."""
        rows = self._loose_scan(after, limit, None, with_details=False)
        return [self.display_id(r[0]) for r in rows]

    def _loose_scan(
        self, after: str | None, limit: int, prefix: str | None, with_details: bool
    ) -> list[tuple[Any, ...]]:
        built = self.loose_scan_sql(after, limit, prefix, with_details)
        return self.query(*built) if built is not None else []

    def loose_scan_sql(
        self, after: str | None, limit: int, prefix: str | None, with_details: bool
    ) -> tuple[str, list[Any]] | None:
        """The streams query: a recursive CTE doing one index seek per distinct stream id.

        None when nothing can match (a non-hex prefix on a UUID column)."""
        t = self.events
        p = self.placeholder
        conds_first: list[str] = []
        conds_next: list[str] = ["originator_id > ids.id"]
        params_first: list[Any] = []
        params_next: list[Any] = []
        if prefix:
            bounds = self._prefix_bounds(prefix)
            if bounds is None:
                return None
            lo, hi, hi_incl = bounds
            op = "<=" if hi_incl else "<"
            conds_first.append(f"originator_id >= {p}")
            params_first.append(lo)
            conds_first.append(f"originator_id {op} {p}")
            params_first.append(hi)
            conds_next.append(f"originator_id {op} {p}")
            params_next.append(hi)
        if after:
            key = self._id_key(after)
            if key is not None:
                conds_first.append(f"originator_id > {p}")
                params_first.append(key)
        if not conds_first:
            conds_first.append("originator_id IS NOT NULL")  # a damaged row's NULL id sorts first
        where_first = "WHERE " + " AND ".join(conds_first)
        details = ""
        if with_details:
            details = (
                f", (SELECT MAX(originator_version) FROM {t} WHERE originator_id = ids.id)"
                f", (SELECT topic FROM {t} WHERE originator_id = ids.id"
                f" ORDER BY originator_version LIMIT 1)"
                f", (SELECT CASE WHEN length(state) <= {TYPE_SNIFF_MAX_BYTES}"
                f" THEN {self.state_expr} END FROM {t} WHERE originator_id = ids.id"
                f" ORDER BY originator_version LIMIT 1)"
            )
        sql = (
            f"WITH RECURSIVE ids(id) AS ("
            f"SELECT (SELECT originator_id FROM {t} {where_first} ORDER BY originator_id LIMIT 1)"
            f" UNION ALL "
            f"SELECT (SELECT originator_id FROM {t} WHERE {' AND '.join(conds_next)}"
            f" ORDER BY originator_id LIMIT 1) FROM ids WHERE ids.id IS NOT NULL"
            f") SELECT ids.id{details} FROM ids WHERE ids.id IS NOT NULL LIMIT {int(limit)}"
        )
        return sql, [*params_first, *params_next]

    def streams(
        self, after: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> list[StreamRow]:
        """One page of streams (id order), each with its last version and first event."""
        rows = self._loose_scan(after, limit, prefix, with_details=True)
        out = []
        for r in rows:
            version = r[1]
            if type(version) is not int:  # a damaged row's version ('abc', 1.5) is the MAX
                version = self._last_int_version([r[0]])
            first_topic = r[2] if type(r[2]) is str else None
            out.append(
                StreamRow(
                    self.display_id(r[0]), version, first_topic,
                    as_bytes(r[3]) if r[3] is not None else None,
                )
            )
        return out

    def _row(self, r: tuple[Any, ...]) -> RawEvent:
        """A row as stored; a damaged one (NULL id, odd version or topic) keeps its raw values
        (see ``inspector.core.damage``)."""
        raw_id = r[1]
        if type(raw_id) is memoryview:
            stream = canonical_id(raw_id)
        elif raw_id is None:
            stream = None  # type: ignore[assignment]  # a damaged row: shown as null
        elif type(raw_id) is str and self._text_ids():
            stream = raw_id  # text ids exactly as stored
        else:
            stream = _canonical_cached(raw_id)
        state = r[4]
        if type(state) is not bytes:
            state = as_bytes(state)
        return RawEvent(r[0], stream, r[2], r[3], state)

    def stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[tuple[int | None, int, str, bytes]]:
        """``(position, version, topic, state)`` of a stream's events in version order: the one
        index-seek query behind :meth:`stream_events` and replay."""
        values = self.id_values(stream)
        p = self.placeholder
        sql = (
            f"SELECT {self.pos}, originator_version, topic, {self.state_expr} FROM {self.events}"
            f" WHERE originator_id IN ({self._p(len(values))})"
        )
        params: list[Any] = list(values)
        if from_version is not None:
            sql += f" AND originator_version >= {p}"
            params.append(int(from_version))
        if to_version is not None:
            sql += f" AND originator_version <= {p}"
            params.append(int(to_version))
        sql += " ORDER BY originator_version" + (" DESC" if desc else "")
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [
            r if type(r[3]) is bytes else (r[0], r[1], r[2], as_bytes(r[3]))
            for r in self.query_events(sql, params)
        ]

    def iter_stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[tuple[int | None, int, str, bytes]]:
        """All of a stream's rows (as :meth:`stream_rows`) in version order, in keyset batches."""
        lo = from_version
        while True:
            page = self.stream_rows(stream, lo, to_version, limit=batch)
            yield from page
            if len(page) < batch:
                return
            lo = page[-1][1]
            if type(lo) is not int:  # damaged rows (text versions) sort last in SQLite
                return
            lo += 1

    def stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[RawEvent]:
        canon = self.display_id(self.id_values(stream)[0])
        return [
            RawEvent(pos, canon, v, topic, state)
            for pos, v, topic, state in self.stream_rows(
                stream, from_version, to_version, limit, desc
            )
        ]

    def iter_stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[RawEvent]:
        """All events of a stream in version order, fetched in keyset batches."""
        canon = self.display_id(self.id_values(stream)[0])
        for pos, v, topic, state in self.iter_stream_rows(stream, from_version, to_version, batch):
            yield RawEvent(pos, canon, v, topic, state)

    def last_version(self, stream: str) -> int | None:
        values = self.id_values(stream)
        rows = self.query(
            f"SELECT MAX(originator_version) FROM {self.events}"
            f" WHERE originator_id IN ({self._p(len(values))})",
            values,
        )
        v = rows[0][0] if rows else None
        if v is None or type(v) is int:
            return v
        return self._last_int_version(values)  # a damaged row's 'abc' or 1.5 is the MAX

    def _last_int_version(self, values: list[Any]) -> int | None:
        """The highest integer version of a stream whose MAX is a damaged row's value (SQLite
        sorts TEXT and BLOB after numbers): the rows from the top down, in bounded pages."""
        p = self.placeholder
        sql = (
            f"SELECT originator_version FROM {self.events}"
            f" WHERE originator_id IN ({self._p(len(values))})"
        )
        below: Any = None
        for _ in range(100):
            cond = f" AND originator_version < {p}" if below is not None else ""
            params = [*values, below] if below is not None else list(values)
            rows = self.query(sql + cond + " ORDER BY originator_version DESC LIMIT 200", params)
            for (v,) in rows:
                if type(v) is int:
                    return v
            if len(rows) < 200:
                return None
            below = rows[-1][0]
        return None

    def version_at_position(self, stream: str, position: int) -> int | None:
        """The stream's last version at or before global ``position`` (None: none yet)."""
        values = self.id_values(stream)
        rows = self.query(
            f"SELECT MAX(originator_version) FROM {self.events}"
            f" WHERE originator_id IN ({self._p(len(values))})"
            f" AND {self.pos} <= {self.placeholder}",
            [*values, int(position)],
        )
        return rows[0][0] if rows and rows[0][0] is not None else None

    def log(
        self,
        after: int | None = None,
        limit: int = 100,
        topics: Sequence[str] = (),
        tags: Sequence[str] = (),
    ) -> list[RawEvent]:
        """The global log (notification order) after position ``after``; ``topics``: any of."""
        check_tags_supported(self, tags)
        p = self.placeholder
        sql = (
            f"SELECT {self.pos}, originator_id, originator_version, topic, {self.state_expr}"
            f" FROM {self.events}"
        )
        conds: list[str] = []
        params: list[Any] = []
        if after is not None:
            conds.append(f"{self.pos} > {p}")
            params.append(int(after))
        if topics:
            conds.append(f"topic IN ({self._p(len(topics))})")
            params.extend(topics)
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += f" ORDER BY {self.pos} LIMIT {int(limit)}"
        return [self._row(r) for r in self.query_events(sql, params)]

    def log_rows(
        self, after: int | None = None, limit: int = 100, max_position: int | None = None,
        raw: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The global log as tuples ``(position, stored id, version, topic, state)``: the
        :meth:`log` query without building events (for whole-log passes like the catalog).
        With ``raw`` the id and topic come as ``raw_id_expr``/``raw_topic_expr`` select them
        (SQLite: bytes; PostgreSQL: text), for the caller to decode once per distinct value."""
        p = self.placeholder
        ids, topic = (self.raw_id_expr, self.raw_topic_expr) if raw else ("originator_id", "topic")
        sql = (
            f"SELECT {self.pos}, {ids}, originator_version, {topic}, {self.state_expr}"
            f" FROM {self.events}"
        )
        conds: list[str] = []
        params: list[Any] = []
        if after is not None:
            conds.append(f"{self.pos} > {p}")
            params.append(int(after))
        if max_position is not None:
            conds.append(f"{self.pos} <= {p}")
            params.append(int(max_position))
        if conds:
            sql += " WHERE " + " AND ".join(conds)
        sql += f" ORDER BY {self.pos} LIMIT {int(limit)}"
        return self.query_events(sql, params)

    def snapshots(self, stream: str, max_version: int | None = None) -> list[RawEvent]:
        """The stored snapshots of a stream, oldest first."""
        if not self.tables.snapshots_table:
            return []
        values = self.id_values(stream)
        sql = (
            f"SELECT NULL, originator_id, originator_version, topic, {self.state_expr}"
            f" FROM {self.qualified(self.tables.snapshots_table)}"
            f" WHERE originator_id IN ({self._p(len(values))})"
        )
        params: list[Any] = list(values)
        if max_version is not None:
            sql += f" AND originator_version <= {self.placeholder}"
            params.append(int(max_version))
        sql += " ORDER BY originator_version"
        return [self._row(r) for r in self.query(sql, params)]

    def snapshot_signature(self, stream: str) -> tuple[Any, ...]:
        """(count, max version, sum of versions) of the stream's stored snapshots: one indexed
        aggregate query, so a replayer notices snapshots taken or deleted since it read them."""
        table = self.tables.snapshots_table
        if not table:
            return ()
        values = self.id_values(stream)
        rows = self.query(
            "SELECT COUNT(*), MAX(originator_version), SUM(originator_version)"
            f" FROM {self.qualified(table)} WHERE originator_id IN ({self._p(len(values))})",
            values,
        )
        return tuple(int(x) if x is not None else None for x in rows[0]) if rows else ()

    def tracking(self) -> list[TrackingRow]:
        """Every tracking row of this application's tracking tables (no ``__migration__``)."""
        out: list[TrackingRow] = []
        for table in self.tables.tracking_tables:
            out.extend(self.tracking_rows(table))
        return out

    def tracking_rows(self, table: str) -> list[TrackingRow]:
        cols = self.tracking_columns(table)
        name_col = "application_name" if "application_name" in cols else "context_name"
        rows = self.query(
            f"SELECT {quote_ident(name_col)}, MAX(notification_id) FROM {self.qualified(table)}"
            f" GROUP BY {quote_ident(name_col)} ORDER BY 1"
        )
        return [TrackingRow(table, r[0], r[1]) for r in rows if r[0] != "__migration__"]

    def tracking_columns(self, table: str) -> set[str]:
        raise NotImplementedError

    def count_after(
        self, position: int | None, topics: Sequence[str] | None = None,
        scan_cap: int = LAG_SCAN_CAP,
    ) -> Count:
        """How many events lie after ``position`` (with one of ``topics``, when given).

        Bounded: reads at most ``scan_cap`` events after ``position`` in position order (an
        index range); past that the count is a lower bound, marked approximate. Exact
        whatever gaps the positions have (a shared table, rolled-back sequence values)."""
        p = self.placeholder
        where, params = "", []
        if position is not None:
            where = f" WHERE {self.pos} > {p}"
            params.append(int(position))
        inner = (
            f"SELECT topic FROM {self.events}{where} ORDER BY {self.pos} LIMIT {int(scan_cap)}"
        )
        if topics:
            match = f"CASE WHEN topic IN ({self._p(len(topics))}) THEN 1 ELSE 0 END"
            params = [*topics, *params]
        else:
            match = "1"
        rows = self.query(f"SELECT COUNT(*), SUM({match}) FROM ({inner}) t", params)
        scanned, matched = int(rows[0][0]), int(rows[0][1] or 0)
        return Count(matched, scanned < scan_cap)

    def range_rows(
        self,
        lo: Any,
        hi: Any,
        *,
        hi_inclusive: bool = False,
        after: tuple[Any, int] | None = None,
        limit: int = 5000,
        max_position: int | None = None,
    ) -> list[tuple[Any, Any, int, str, bytes]]:
        """``(position, raw id, version, topic, state)`` of the events whose stored id lies in
        ``[lo, hi)`` (``hi`` included with ``hi_inclusive``; None = unbounded), in
        ``(originator_id, originator_version)`` order after the keyset ``after`` (a raw id and
        a version): one index range scan per page, for whole-store scans. ``max_position``
        leaves out events appended after a scan started. Ids are the column values as stored.
        """
        p = self.placeholder
        conds: list[str] = []
        params: list[Any] = []
        if after is not None:
            # a row-value keyset: one index range on both SQLite (3.15+) and PostgreSQL (an
            # OR of the two conditions makes SQLite read and sort the rest of the range)
            conds.append(f"(originator_id, originator_version) > ({p}, {p})")
            params += [after[0], int(after[1])]
        elif lo is not None:
            conds.append(f"originator_id >= {p}")
            params.append(lo)
        if hi is not None:
            conds.append(f"originator_id {'<=' if hi_inclusive else '<'} {p}")
            params.append(hi)
        if max_position is not None:
            conds.append(f"{self.pos} <= {p}")
            params.append(int(max_position))
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        sql = (
            f"SELECT {self.pos}, originator_id, originator_version, topic, {self.state_expr}"
            f" FROM {self.events}{where} ORDER BY originator_id, originator_version"
            f" LIMIT {int(limit)}"
        )
        return [
            r if type(r[4]) is bytes else (r[0], r[1], r[2], r[3], as_bytes(r[4]))
            for r in self.query_events(sql, params)
        ]

    def id_after_offset(self, lo: Any, offset: int, hi: Any = None,
                        hi_inclusive: bool = False) -> Any:
        """The stored id ``offset`` events after the first event with id >= ``lo`` (None
        when the range ends first): an index-only walk, for cutting a scan into batches."""
        p = self.placeholder
        conds, params = [], []
        if lo is not None:
            conds.append(f"originator_id >= {p}")
            params.append(lo)
        if hi is not None:
            conds.append(f"originator_id {'<=' if hi_inclusive else '<'} {p}")
            params.append(hi)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        rows = self.query(
            f"SELECT originator_id FROM {self.events}{where} ORDER BY originator_id"
            f" LIMIT 1 OFFSET {int(offset)}",
            params,
        )
        return rows[0][0] if rows else None

    def next_id(self, after: Any, hi: Any = None, hi_inclusive: bool = False) -> Any:
        """The smallest stored id greater than ``after`` (below ``hi``), or None."""
        p = self.placeholder
        sql = f"SELECT originator_id FROM {self.events} WHERE originator_id > {p}"
        params: list[Any] = [after]
        if hi is not None:
            sql += f" AND originator_id {'<=' if hi_inclusive else '<'} {p}"
            params.append(hi)
        rows = self.query(sql + " ORDER BY originator_id LIMIT 1", params)
        return rows[0][0] if rows else None

    def snapshot_rows(
        self, raw_id: Any, after_version: int | None = None, limit: int = 50
    ) -> list[tuple[int, str, bytes]]:
        """``(version, topic, state)`` of one stream's snapshots (raw stored id), by keyset."""
        if not self.tables.snapshots_table:
            return []
        p = self.placeholder
        sql = (
            f"SELECT originator_version, topic, {self.state_expr}"
            f" FROM {self.qualified(self.tables.snapshots_table)} WHERE originator_id = {p}"
        )
        params: list[Any] = [raw_id]
        if after_version is not None:
            sql += f" AND originator_version > {p}"
            params.append(int(after_version))
        sql += f" ORDER BY originator_version LIMIT {int(limit)}"
        return [
            (r[0], r[1], r[2] if type(r[2]) is bytes else as_bytes(r[2]))
            for r in self.query(sql, params)
        ]

    def snapshot_ids_in_range(
        self, lo: Any, hi: Any, hi_inclusive: bool = False
    ) -> list[Any]:
        """Raw ids of the streams with snapshots whose id lies in ``[lo, hi)`` (keys only)."""
        if not self.tables.snapshots_table:
            return []
        p = self.placeholder
        conds, params = [], []
        if lo is not None:
            conds.append(f"originator_id >= {p}")
            params.append(lo)
        if hi is not None:
            conds.append(f"originator_id {'<=' if hi_inclusive else '<'} {p}")
            params.append(hi)
        where = (" WHERE " + " AND ".join(conds)) if conds else ""
        return [
            r[0]
            for r in self.query(
                f"SELECT DISTINCT originator_id FROM"
                f" {self.qualified(self.tables.snapshots_table)}{where}",
                params,
            )
        ]

    def require_stream(self, stream: str) -> int:
        """The last version of ``stream``; StreamNotFoundError if it has no events."""
        v = self.last_version(stream)
        if v is None:
            raise StreamNotFoundError(f"no stream {stream!r} in application {self.name!r}")
        return v




def as_bytes(value: Any) -> bytes:
    """A state column value as bytes (NULL -> empty, TEXT -> its UTF-8 bytes)."""
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return bytes(value)


_canonical_cached = functools.lru_cache(maxsize=4096)(canonical_id)


def _keyspace_fraction(last_id: str | None) -> float | None:
    """How far through the UUID keyspace ``last_id`` lies (for extrapolating counts)."""
    if not last_id:
        return None
    u = parse_uuid(last_id)
    if u is None:
        return None
    frac = u.int / float(1 << 128)
    return frac if frac > 0.0005 else None


class Database:
    """An opened database: its layout, the applications found in it, and a store per app."""

    def __init__(
        self,
        layout: str,
        location: str,
        apps: list[AppTables],
        make_store: Callable[[AppTables], EventStore],
        close: Callable[[], None],
    ) -> None:
        self.layout = layout
        self.location = location
        self.apps = apps
        self._make_store = make_store
        self._close = close
        self._stores: dict[str, EventStore] = {}

    def store(self, app: str | None = None) -> EventStore:
        """The store of application ``app`` (case-insensitive), or of the only one."""
        tables = check_app_choice(self.apps, app)
        key = f"{tables.schema}.{tables.name}"
        if key not in self._stores:
            self._stores[key] = self._make_store(tables)
        return self._stores[key]

    def all_stores(self) -> list[EventStore]:
        return [self.store_for(t) for t in self.apps]

    def store_for(self, tables: AppTables) -> EventStore:
        key = f"{tables.schema}.{tables.name}"
        if key not in self._stores:
            self._stores[key] = self._make_store(tables)
        return self._stores[key]

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_app_choice(apps: list[AppTables], app: str | None) -> AppTables:
    """Pick the application named ``app`` (case-insensitive) or the only one."""
    if not apps:
        raise InspectorError("no event tables found")
    if app is None:
        if len(apps) == 1:
            return apps[0]
        from inspector.core.errors import AmbiguousApplicationError

        raise AmbiguousApplicationError([a.name for a in apps])
    wanted = app.lower()
    for a in apps:
        if a.name.lower() == wanted:
            return a
    # The same application in several schemas is listed as schema.name: say which to pick.
    same = [a for a in apps if a.schema and a.name.lower() == f"{a.schema}.{wanted}".lower()]
    if len(same) == 1:
        return same[0]
    if len(same) > 1:
        raise InspectorError(
            f"application {app!r} is ambiguous: it is in schemas "
            + ", ".join(str(a.schema) for a in same)
            + f"; pick one with --schema {same[0].schema} or --app {same[0].name}"
        )
    raise InspectorError(
        f"no application {app!r} here; found: " + ", ".join(a.name for a in apps)
    )
