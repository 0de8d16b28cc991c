"""PostgreSQL stores (eventsourcing.postgres and eventsourcing_sqlalchemy), read-only sessions.

Connections are psycopg 3 connections in a small pool, with ``default_transaction_read_only=on``
for every session, so even a role
that may write cannot write through the inspector. Reads need only SELECT on the tables and the
catalog views every role can read (``information_schema.columns``, ``pg_class``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from inspector.core.errors import InspectorError, StoreOpenError
from inspector.stores.base import (
    ID_TEXT,
    ID_UUID,
    AppTables,
    Count,
    Database,
    SqlStore,
    quote_ident,
)
from inspector.stores.dcb_postgres import LAYOUT as DCB_LAYOUT
from inspector.stores.dcb_postgres import DcbPgStore, discover_dcb
from inspector.stores.schema import (
    TableShape,
    app_prefix,
    is_event_like,
    is_tracking,
    no_tables_message,
)

# Read-only sessions; no JIT: every read is a few index seeks, and on a never-analysed table
# (the DCB tables' autovacuum rarely runs) the planner's estimates make JIT compile each query
# for longer than it runs (measured: 0.5 s of JIT for a 10 ms streams page of 1M events).
READ_ONLY_OPTIONS = "-c default_transaction_read_only=on -c jit=off"
IDLE_TIMEOUT_ENV = "EVENT_INSPECTOR_PG_IDLE_TIMEOUT"
DEFAULT_IDLE_TIMEOUT = 30.0  # seconds without a byte from the server during one request
# TCP keepalives (a dead peer or a broken route is noticed in ~idle + interval * count seconds)
# and tcp_user_timeout (sent data unacknowledged this long, in ms: the connection is dropped).
KEEPALIVE_PARAMS = {
    "keepalives": "1", "keepalives_idle": "10", "keepalives_interval": "5",
    "keepalives_count": "3", "tcp_user_timeout": "30000",
}
ESTIMATE_ABOVE = 200_000


def pg_error_text(exc: BaseException) -> str:
    """One line of a driver error, with any password in it replaced by ``***``."""
    from inspector.core.redact import redact

    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    first = text[0] if text else type(orig).__name__
    detail = next((t for t in text[1:] if t.strip()), "")
    return redact(f"{first} {detail}".strip() if "failed:" in first and detail else first)


class PgConnector:
    """A small pool of read-only psycopg connections to one database.

    Plain psycopg, no SQLAlchemy engine on the read path: importing SQLAlchemy costs about
    150 ms per process, a third of a whole ``event-inspector state`` run. A pooled connection
    that fails with an operational error (server restarted, connection dropped) is discarded
    and the read is retried once on a fresh connection; a fresh one that fails is reported.
    """

    def __init__(
        self, url: str, password: str | None = None, connect_timeout: int = 10, size: int = 4,
        idle_timeout: float | None = None,
    ) -> None:
        from psycopg.conninfo import conninfo_to_dict

        scheme, sep, rest = url.partition("://")
        libpq_url = scheme.split("+", 1)[0] + sep + rest  # postgresql+psycopg:// -> postgresql://
        try:
            params = {k: v for k, v in conninfo_to_dict(libpq_url).items() if v is not None}
        except Exception as exc:  # psycopg.ProgrammingError on a malformed URL
            raise StoreOpenError(f"not a valid PostgreSQL URL ({pg_error_text(exc)})") from None
        if password is not None:
            params["password"] = password
        # What the URL sets wins (``?connect_timeout=2``, ``?keepalives_idle=...``).
        params.setdefault("connect_timeout", str(connect_timeout))
        for key, value in KEEPALIVE_PARAMS.items():
            params.setdefault(key, value)
        self.params = params
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout if idle_timeout is not None else idle_timeout_from_env()
        self.size = size
        self.display = _display(params)
        self.url = _sqlalchemy_url(params)  # with the password: for the writer only, never shown
        self._idle: list[Any] = []
        self._lock = threading.Lock()

    def _connect(self) -> Any:
        import psycopg

        options = " ".join(x for x in (self.params.get("options"), READ_ONLY_OPTIONS) if x)
        params = {**self.params, "options": options}
        try:
            conn = idle_timeout_connection_class().connect(**params)
            conn.idle_timeout = self.idle_timeout
            return conn
        except psycopg.Error as exc:
            raise StoreOpenError(f"{self.display}: {pg_error_text(exc)}") from None

    def _get(self) -> tuple[Any, bool]:
        with self._lock:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn, True
        return self._connect(), False

    def _put(self, conn: Any) -> None:
        if conn.closed or conn.broken:
            return
        with self._lock:
            if len(self._idle) < self.size:
                self._idle.append(conn)
                return
        conn.close()

    def query(
        self, sql: str, params: Sequence[Any] = (), binary: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run one read; rows as tuples. ``binary``: binary result format (bytea, uuid: faster)."""
        import psycopg

        for attempt in (0, 1):
            conn, pooled = self._get()
            try:
                cur = conn.cursor(binary=True) if binary else conn.cursor()
                # Always pass a parameter list: psycopg then reads '%%' as '%' in every query.
                cur.execute(sql, list(params))
                rows = cur.fetchall()
                conn.rollback()
                self._put(conn)
                return rows
            except psycopg.OperationalError as exc:
                conn.close()
                if pooled and attempt == 0 and not isinstance(exc, ServerSilentError):
                    continue  # a stale pooled connection: try once more on a fresh one
                raise InspectorError(f"{self.display}: {pg_error_text(exc)}") from None
            except psycopg.Error as exc:
                try:
                    conn.rollback()
                    self._put(conn)
                except psycopg.Error:
                    conn.close()
                raise InspectorError(f"{self.display}: {pg_error_text(exc)}") from None
            except BaseException:
                conn.close()
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        with self._lock:
            conns, self._idle = self._idle, []
        for conn in conns:
            conn.close()


class ServerSilentError(InspectorError):
    """Marker base; the raised class also derives from psycopg.OperationalError."""


def idle_timeout_from_env() -> float:
    """``EVENT_INSPECTOR_PG_IDLE_TIMEOUT`` seconds (default 30; 0 or less: wait forever)."""
    import os

    raw = os.environ.get(IDLE_TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_IDLE_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise InspectorError(f"{IDLE_TIMEOUT_ENV}={raw!r}: give a number of seconds") from None
    if value != value or value > 1e9:
        raise InspectorError(f"{IDLE_TIMEOUT_ENV}={raw!r}: out of range")
    return value


_CONN_CLASS: Any = None


def idle_timeout_connection_class() -> Any:
    """A ``psycopg.Connection`` whose waits fail when the server sends nothing for a while.

    psycopg waits for the socket in short intervals; this ``wait`` counts how long the socket
    has been silent (nothing to read, nothing writable) and, past ``idle_timeout`` seconds,
    closes the connection and raises an OperationalError ("no data from the server for N s").
    Any byte that arrives resets the clock, so a long scan that keeps streaming is not cut;
    a server that holds the socket open and sends nothing is.
    """
    global _CONN_CLASS
    if _CONN_CLASS is not None:
        return _CONN_CLASS
    import select
    import time

    import psycopg
    from psycopg.waiting import READY_R, READY_W, WAIT_R, WAIT_W

    class _Silent(psycopg.OperationalError, ServerSilentError):
        pass

    class IdleTimeoutConnection(psycopg.Connection):  # type: ignore[type-arg]
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            limit = self.idle_timeout
            if not limit or limit <= 0 or timeout is not None:
                return super().wait(gen, interval, timeout)
            fileno = self.pgconn.socket
            last = time.monotonic()
            try:
                s = next(gen)
                poller = select.poll()
                while True:
                    mask = (select.POLLIN if s & WAIT_R else 0) | (
                        select.POLLOUT if s & WAIT_W else 0)
                    poller.register(fileno, mask)
                    events = poller.poll(int(min(0.1, limit) * 1000))
                    ev = events[0][1] if events else 0
                    if ev & (select.POLLERR | select.POLLNVAL):
                        raise psycopg.OperationalError("connection socket closed")
                    rd = bool(ev & (select.POLLIN | select.POLLHUP))
                    wr = bool(ev & select.POLLOUT)
                    ready = (READY_R if rd else 0) | (READY_W if wr else 0)
                    now = time.monotonic()
                    # Activity: bytes arrived, or a pure write made progress (a socket is
                    # always writable while we wait to read: that is not the server talking).
                    if rd or (wr and not s & WAIT_R):
                        last = now
                    elif now - last >= limit:
                        self.pgconn.finish()
                        raise _Silent(
                            f"no data from the server for {limit:g} s (it holds the connection "
                            f"open but does not answer); giving up (set {IDLE_TIMEOUT_ENV})"
                        )
                    s = gen.send(ready)
            except StopIteration as ex:
                return ex.value
            except KeyboardInterrupt:
                self.pgconn.finish()
                raise

    _CONN_CLASS = IdleTimeoutConnection
    return _CONN_CLASS


def _netloc(params: dict[str, Any], password: str | None) -> str:
    from urllib.parse import quote

    user = params.get("user")
    host = params.get("host", "")
    auth = quote(user, safe="") if user else ""
    if password is not None and user:
        auth += ":" + password
    hostpart = quote(host, safe="") if host.startswith("/") else host
    if params.get("port"):
        hostpart += f":{params['port']}"
    return (auth + "@" if auth else "") + hostpart


def _display(params: dict[str, Any]) -> str:
    """The URL as it may be shown and logged: the password replaced by ``***``."""
    pw = "***" if params.get("password") else None
    return f"postgresql://{_netloc(params, pw)}/{params.get('dbname', '')}"


def _sqlalchemy_url(params: dict[str, Any]) -> str:
    from urllib.parse import quote

    pw = params.get("password")
    pw_q = quote(pw, safe="") if pw else None
    dbname = quote(params.get("dbname", ""), safe="")
    return f"postgresql+psycopg://{_netloc(params, pw_q)}/{dbname}"


def pg_tables(conn: PgConnector, schema: str | None) -> list[TableShape]:
    sql = (
        "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        " AND table_schema NOT LIKE 'pg_toast%%'"
    )
    params: list[Any] = []
    if schema:
        sql += " AND table_schema = %s"
        params.append(schema)
    sql += " ORDER BY table_schema, table_name, ordinal_position"
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for s, t, c, dt in conn.query(sql, params):
        grouped.setdefault((s, t), []).append((c, dt))
    return [
        TableShape(f"{s}\x00{t}", tuple(c for c, _ in cols), tuple(d for _, d in cols))
        for (s, t), cols in grouped.items()
    ]


def unreadable_event_tables(conn: PgConnector, schema: str | None) -> str | None:
    """Why event tables the role cannot read are invisible, or None.

    ``information_schema.columns`` lists only what the role may use, so a role without SELECT
    sees "no tables"; ``pg_class``/``pg_attribute`` list every table to every role, with
    ``has_table_privilege``/``has_schema_privilege`` saying what is missing.
    """
    sql = (
        "SELECT n.nspname, c.relname, has_schema_privilege(n.oid, 'USAGE'),"
        " has_table_privilege(c.oid, 'SELECT') FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
        "             AND a.attname = 'originator_version' AND NOT a.attisdropped)"
        " AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid"
        "             AND a.attname = 'state' AND NOT a.attisdropped)"
    )
    params: list[Any] = []
    if schema:
        sql += " AND n.nspname = %s"
        params.append(schema)
    sql += " ORDER BY 1, 2"
    try:
        rows = conn.query(sql, params)
    except InspectorError:
        return None
    user = conn.params.get("user") or "this role"
    for nsp, rel, usage, select in rows:
        if not usage:
            return (f"permission denied for schema {nsp} (holds event table {rel}): the role "
                    f"{user} needs USAGE on the schema and SELECT on the tables")
        if not select:
            return (f"permission denied for table {nsp}.{rel}: the role {user} needs SELECT on "
                    f"it (GRANT SELECT ON {quote_ident(nsp)}.{quote_ident(rel)} TO ...)")
    return None


def discover(tables: list[TableShape]) -> tuple[str, list[AppTables]]:
    apps: list[AppTables] = []
    aggregates: set[tuple[str, str]] = set()
    tracking: dict[str, list[str]] = {}
    layout = ""
    for t in tables:
        schema, name = t.name.split("\x00", 1)
        if is_tracking(t):
            tracking.setdefault(schema, []).append(name)
            continue
        if not is_event_like(t):
            continue
        cs = t.colset
        id_kind = ID_UUID if t.type_of("originator_id") == "uuid" else ID_TEXT
        extra = sorted(cs - {"originator_id", "originator_version", "topic", "state"})
        if "notification_id" in cs:
            pos, lay = "notification_id", "eventsourcing.postgres"
        elif "id" in cs:
            pos, lay = "id", "eventsourcing_sqlalchemy"
        else:
            aggregates.add((schema, name))
            continue
        extra = [c for c in extra if c != pos]
        layout = layout or lay
        apps.append(AppTables(app_prefix(name), name, pos, id_kind, schema, extra_columns=extra))
    # Snapshot tables are paired with their events table from evidence (stores/pairing.py).
    for app in apps:
        app.tracking_tables = sorted(tracking.get(app.schema or "", []))
    return layout, name_across_schemas(apps)


def name_across_schemas(apps: list[AppTables]) -> list[AppTables]:
    """Qualify the names that occur in several schemas as ``schema.name`` (in place)."""
    names = [a.name.lower() for a in apps]
    for app in apps:
        if names.count(app.name.lower()) > 1 and app.schema and "." not in app.name:
            app.name = f"{app.schema}.{app.name}"
    return apps


class PgStore(SqlStore):
    placeholder = "%s"
    raw_id_expr = "originator_id::text"

    def __init__(
        self, connector: PgConnector, tables: AppTables, all_apps: list[AppTables], layout: str
    ) -> None:
        super().__init__(connector.display, tables, all_apps)
        self.connector = connector
        self.layout = layout
        self._track_cols: dict[str, set[str]] = {}

    def qualified(self, table: str) -> str:
        # '%' is psycopg's placeholder character: double it inside identifiers.
        return super().qualified(table).replace("%", "%%")

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connector.query(sql, params)

    def not_id_form_sql(self, form: str) -> str:
        """SQL true for an id that is not of ``form`` ('hex' or 'dashed')."""
        h = "[0-9a-f]"
        pattern = f"^{h}{{32}}$" if form == "hex" else (
            f"^{h}{{8}}-{h}{{4}}-{h}{{4}}-{h}{{4}}-{h}{{12}}$"
        )
        return f"(originator_id::text !~ '{pattern}')"

    def query_events(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.connector.query(sql, params, binary=True)

    def close(self) -> None:
        self.connector.close()

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        return "\n".join(r[0] for r in self.query("EXPLAIN " + sql, params))

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
        if est is None or est < 0:
            mx = self.max_position() or 0
            if mx > ESTIMATE_ABOVE:
                return Count(mx, False)
        return super().count_events()

    def count_snapshots(self) -> Count:
        if not self.tables.snapshots_table:
            return Count(0, True)
        est = self._estimate(self.tables.snapshots_table)
        if est is not None and est > ESTIMATE_ABOVE:
            return Count(est, False)
        return super().count_snapshots()

    def tracking_columns(self, table: str) -> set[str]:
        if table not in self._track_cols:
            rows = self.query(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = %s AND table_name = %s",
                [self.tables.schema, table],
            )
            self._track_cols[table] = {r[0].lower() for r in rows}
        return self._track_cols[table]


def pair_pg_snapshots(
    connector: PgConnector, tables: list[TableShape], apps: list[AppTables]
) -> None:
    """Pair each application with its snapshots table from schema evidence (bounded reads).
    ``tables`` are named ``schema\x00table`` as :func:`pg_tables` gives them."""
    from inspector.stores.pairing import pair_snapshot_tables

    used = {(a.schema, a.events_table) for a in apps}
    shapes: dict[tuple[str | None, str], TableShape] = {}
    candidates: list[tuple[str | None, TableShape]] = []
    for t in tables:
        schema, name = t.name.split("\x00", 1)
        shape = TableShape(name, t.columns, t.types)
        shapes[(schema, name)] = shape
        if is_event_like(t) and (schema, name) not in used and not is_tracking(t) \
                and "notification_id" not in t.colset and "id" not in t.colset:
            candidates.append((schema, shape))
    if not candidates:
        return

    def qualify(schema: str | None, name: str) -> str:
        q = f"{quote_ident(schema)}.{quote_ident(name)}" if schema else quote_ident(name)
        return q.replace("%", "%%")

    pair_snapshot_tables(apps, {k: v for k, v in shapes.items() if k in used}, candidates,
                         lambda sql, params: connector.query(sql, params), qualify, "%s")


def open_postgres(
    url: str, schema: str | None = None, password: str | None = None,
    idle_timeout: float | None = None,
) -> Database:
    connector = PgConnector(url, password=password, idle_timeout=idle_timeout)
    try:
        tables = pg_tables(connector, schema)
        from inspector.stores import django

        dj_apps, dj_tables = django.pg_apps(connector, tables)
        layout, apps = discover([t for t in tables if t.name not in dj_tables])
        pair_pg_snapshots(connector, [t for t in tables if t.name not in dj_tables], apps)
        dcb_apps = discover_dcb(tables)
        if dcb_apps:
            apps = [*apps, *dcb_apps]
            layout = layout or DCB_LAYOUT
        if dj_apps:
            layout = layout or django.LAYOUT
            apps = name_across_schemas([*dj_apps, *apps])
        if not apps:
            denied = unreadable_event_tables(connector, schema)
            if denied:
                raise StoreOpenError(f"{connector.display}: {denied}")
            where = f"schema {schema!r}" if schema else "any schema"
            msg = no_tables_message(
                [TableShape(t.name.split("\x00", 1)[1], t.columns, t.types) for t in tables]
            )
            raise StoreOpenError(f"{connector.display} ({where}): {msg}")
        return Database(
            layout,
            connector.display,
            apps,
            lambda t: (
                DcbPgStore(connector, t) if t.family == "dcb"
                else django.make_store(PgStore, connector, t, apps, layout)
            ),
            connector.close,
        )
    except BaseException:
        connector.close()
        raise


__all__ = ["open_postgres", "PgStore", "quote_ident"]
