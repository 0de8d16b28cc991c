"""SQLite stores (eventsourcing.sqlite and eventsourcing_sqlalchemy on SQLite), opened read-only.

Read-only at the connection level: ``mode=ro`` URIs plus ``PRAGMA query_only``. A WAL-mode file
with no ``-wal``/``-shm`` beside it (no writer has it open, fully checkpointed) is opened with
``immutable=1`` so that SQLite creates no side files; as soon as a ``-wal`` file appears (a writer
started), :meth:`SqliteStore.refresh` and every new connection switch to a plain ``mode=ro`` open,
which uses the writer's side files. The main database file is never written.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse
from collections.abc import Sequence
from typing import Any

from inspector.core.errors import StoreOpenError
from inspector.stores.base import (
    ID_BYTES16,
    ID_TEXT,
    AppTables,
    Database,
    SqlStore,
    quote_ident,
)
from inspector.stores.schema import (
    TableShape,
    app_prefix,
    is_event_like,
    is_tracking,
    no_tables_message,
)

SQLITE_MAGIC = b"SQLite format 3\x00"


def check_sqlite_file(path: str) -> bool:
    """Validate the file; return True if it is in WAL mode. StoreOpenError with a reason if not."""
    if not os.path.exists(path):
        raise StoreOpenError(f"{path}: no such file")
    if os.path.isdir(path):
        raise StoreOpenError(f"{path}: is a directory, not a SQLite file")
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError as exc:
        raise StoreOpenError(f"{path}: cannot read ({exc.strerror})") from None
    if not header:
        raise StoreOpenError(f"{path}: empty file, not an event store")
    if not header.startswith(SQLITE_MAGIC) or len(header) < 100:
        raise StoreOpenError(f"{path}: not a SQLite database")
    return header[18] == 2 and header[19] == 2


def _text(value: bytes) -> str:
    """TEXT columns as str even when they hold bytes that are not UTF-8 (shown, never fatal)."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace")


def _uri(path: str, immutable: bool) -> str:
    q = urllib.parse.quote(os.path.abspath(path))
    return f"file:{q}?mode=ro" + ("&immutable=1" if immutable else "")


class SqliteConnector:
    """Per-thread read-only connections to one file."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.wal = check_sqlite_file(self.path)
        self._local = threading.local()
        self._generation = 0
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []

    def _immutable(self) -> bool:
        return (
            self.wal
            and not os.path.exists(self.path + "-wal")
            and not os.path.exists(self.path + "-shm")
        )

    def connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                _uri(self.path, self._immutable()), uri=True, check_same_thread=False, timeout=5
            )
            conn.execute("PRAGMA query_only = 1")
            conn.text_factory = _text
        except sqlite3.Error as exc:
            raise StoreOpenError(f"{self.path}: cannot open read-only ({exc})") from None
        with self._lock:
            self._all.append(conn)
        return conn

    def conn(self) -> sqlite3.Connection:
        loc = self._local
        if getattr(loc, "gen", None) != self._generation or getattr(loc, "conn", None) is None:
            old = getattr(loc, "conn", None)
            if old is not None:
                self._forget(old)
            loc.conn = self.connect()
            loc.gen = self._generation
        return loc.conn

    def _forget(self, conn: sqlite3.Connection) -> None:
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()

    def refresh(self) -> None:
        """Reconnect (next use, per thread) so a writer's new commits become visible."""
        self._generation += 1

    def close(self) -> None:
        with self._lock:
            conns, self._all = self._all, []
        for c in conns:
            try:
                c.close()
            except sqlite3.Error:
                pass


def sqlite_tables(conn: sqlite3.Connection) -> list[TableShape]:
    out = []
    rows = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    for name, sql in rows:
        info = conn.execute(f"PRAGMA table_info({quote_ident(name)})").fetchall()
        cols = tuple(r[1] for r in info)
        types = tuple(r[2] or "" for r in info)
        without_rowid = bool(sql) and "WITHOUT ROWID" in sql.upper()
        out.append(TableShape(name, cols, types, has_rowid=not without_rowid))
    return out


def discover(tables: list[TableShape]) -> tuple[str, list[AppTables]]:
    """(layout, applications) from SQLite table shapes."""
    apps: list[AppTables] = []
    aggregates: dict[str, TableShape] = {}
    tracking: list[str] = []
    layout = ""
    # eventsourcing_sqlalchemy keeps the notification id in an ``id`` column; in such a file the
    # four-column tables are its aggregate (snapshot) tables, rowid or not.
    sa_layout = any(is_event_like(t) and "id" in t.colset for t in tables)
    for t in tables:
        if is_tracking(t):
            tracking.append(t.name)
            continue
        if not is_event_like(t):
            continue
        cs = t.colset
        extra = sorted(cs - {"originator_id", "originator_version", "topic", "state", "id"})
        if "id" in cs:
            id_kind = ID_TEXT if "char" in t.type_of("originator_id") or "text" in t.type_of(
                "originator_id"
            ) else ID_BYTES16
            apps.append(
                AppTables(app_prefix(t.name), t.name, "id", id_kind, extra_columns=extra)
            )
            layout = layout or "eventsourcing_sqlalchemy"
        elif "notification_id" in cs:
            apps.append(
                AppTables(
                    app_prefix(t.name), t.name, "notification_id", ID_TEXT, extra_columns=extra
                )
            )
            layout = layout or "eventsourcing.sqlite"
        elif t.has_rowid and not sa_layout:
            apps.append(
                AppTables(app_prefix(t.name), t.name, "rowid", ID_TEXT, extra_columns=extra)
            )
            layout = layout or "eventsourcing.sqlite"
        else:
            aggregates[t.name] = t
    # Snapshot tables are paired with their events table from evidence (stores/pairing.py).
    for app in apps:
        prefix = app_prefix(app.events_table)
        for tr in tracking:
            if tr in ("tracking", f"{prefix}_tracking", "notification_tracking"):
                app.tracking_tables.append(tr)
    return layout, apps


class SqliteStore(SqlStore):
    placeholder = "?"
    state_expr = "CAST(state AS BLOB)"
    raw_id_expr = "CAST(originator_id AS BLOB)"
    raw_topic_expr = "CAST(topic AS BLOB)"

    def __init__(
        self, connector: SqliteConnector, tables: AppTables, all_apps: list[AppTables], layout: str
    ) -> None:
        super().__init__(connector.path, tables, all_apps)
        self.connector = connector
        self.layout = layout
        self._track_cols: dict[str, set[str]] = {}
        self.all_tracking_tables = sorted({t for a in all_apps for t in a.tracking_tables})

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.connector.conn().execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreOpenError(f"{self.location}: {exc}") from None

    def refresh(self) -> None:
        self.connector.refresh()

    def id_form_cache_key(self) -> str | None:
        try:
            st = os.stat(self.connector.path)
        except OSError:
            return None
        return f"sqlite|{self.connector.path}|{st.st_dev}|{st.st_ino}|{self.tables.events_table}"

    def explain(self, sql: str, params: Sequence[Any] = ()) -> str:
        rows = self.query("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(r[-1]) for r in rows)

    def close(self) -> None:
        self.connector.close()

    def tracking_columns(self, table: str) -> set[str]:
        if table not in self._track_cols:
            rows = self.query(f"PRAGMA table_info({quote_ident(table)})")
            self._track_cols[table] = {r[1].lower() for r in rows}
        return self._track_cols[table]


def pair_sqlite_snapshots(
    connector: SqliteConnector, tables: list[TableShape], apps: list[AppTables]
) -> None:
    """Pair each application with its snapshots table from schema evidence (bounded reads)."""
    from inspector.stores.pairing import pair_snapshot_tables

    used = {a.events_table for a in apps}
    shapes = {t.name: t for t in tables}
    candidates = [(None, t) for t in tables
                  if is_event_like(t) and t.name not in used and not is_tracking(t)]
    if not candidates:
        return
    conn = connector.conn()

    def query(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return conn.execute(sql, list(params)).fetchall()

    pair_snapshot_tables(
        apps, {(None, a.events_table): shapes[a.events_table] for a in apps}, candidates,
        query, lambda _schema, name: quote_ident(name), "?")


def open_sqlite(path: str) -> Database:
    connector = SqliteConnector(path)
    try:
        conn = connector.conn()
        try:
            tables = sqlite_tables(conn)
        except sqlite3.DatabaseError as exc:
            raise StoreOpenError(f"{path}: not a readable SQLite database ({exc})") from None
        from inspector.stores import django

        django_apps = django.sqlite_apps(connector, tables)
        if django_apps is not None:
            layout, apps = django.LAYOUT, django_apps
        else:
            layout, apps = discover(tables)
            pair_sqlite_snapshots(connector, tables, apps)
        if not apps:
            raise StoreOpenError(f"{path}: {no_tables_message(tables)}")
        return Database(
            layout,
            connector.path,
            apps,
            lambda t: django.make_store(SqliteStore, connector, t, apps, layout),
            connector.close,
        )
    except BaseException:
        connector.close()
        raise
