"""Where a projection's view lives, how it is built, batched and compared.

The view object is the one the library's ``ProjectionRunner`` builds: the library's
``InfrastructureFactory`` in an environment named after the projection. :class:`BatchSession`
points the view's datastore at one held connection so that a batch of events (view rows and
tracking rows together) commits in one transaction. :func:`compare_views` compares a scratch
view with the live one (row counts, first differing rows per table, rows sorted by all columns).
"""

from __future__ import annotations

import contextlib
import itertools
import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.projection_defs import ProjectionDef
from inspector.stores.base import SqlStore, quote_ident
from inspector.stores.writer import store_kind, store_url

MAX_DIFF_ROWS = 5


@dataclass
class ViewTarget:
    """Where a view lives: the library's environment for its factory, plus how to reach it."""

    kind: str  # sqlite | postgres
    env: dict[str, str]
    schema: str | None = None
    path: str | None = None
    scratch: bool = False
    # reads of a view in another database (a --scratch database): (sql, params) -> rows
    query: Any = None


def live_target(store: SqlStore) -> ViewTarget:
    kind = store_kind(store)
    if kind == "sqlite":
        path = store_url(store)
        return ViewTarget("sqlite", {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                     "SQLITE_DBNAME": path}, path=path)
    return pg_target(store, store.tables.schema or "public")


def pg_target(store: SqlStore, schema: str, scratch: bool = False) -> ViewTarget:
    from sqlalchemy.engine import make_url

    u = make_url(store_url(store))
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": u.database or "",
        "POSTGRES_HOST": u.host or "localhost",
        "POSTGRES_PORT": str(u.port or 5432),
        "POSTGRES_USER": u.username or "",
        "POSTGRES_PASSWORD": u.password or "x",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "2",
    }
    return ViewTarget("postgres", env, schema=schema, scratch=scratch)


def build_view(pdef: ProjectionDef, target: ViewTarget, create_table: bool) -> Any:
    """The view object the library's ``ProjectionRunner`` would build, on ``target``."""
    from eventsourcing.persistence import InfrastructureFactory
    from eventsourcing.utils import Environment

    env = dict(target.env)
    env["CREATE_TABLE"] = "y" if create_table else "n"
    try:
        factory = InfrastructureFactory.construct(env=Environment(pdef.name, env))
        return factory.tracking_recorder(pdef.view_class)
    except Exception as exc:  # noqa: BLE001 - user view constructors, DDL
        raise InspectorError(f"cannot build view {pdef.view_class.__qualname__}: "  # type: ignore[union-attr]
                             f"{type(exc).__name__}: {first_line(exc)}") from None


_CREATE_RE = re.compile(
    r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:\"[^\"]+\"|\w+)(?:\.(?:\"[^\"]+\"|\w+))?)",
    re.IGNORECASE,
)


def view_tables(view: Any) -> list[str]:
    """The view's own tables (unqualified names), from its CREATE TABLE statements."""
    statements: list[str] = []
    if hasattr(view, "sql_create_statements"):
        with view.datastore.get_connection() as conn:
            statements = [
                s.as_string(conn) if hasattr(s, "as_string") else str(s)
                for s in view.sql_create_statements
            ]
    else:
        statements = list(getattr(view, "create_table_statements", []))
    tracking = getattr(view, "tracking_table_name", "tracking")
    names: list[str] = []
    for s in statements:
        m = _CREATE_RE.search(s)
        if not m:
            continue
        name = m.group(1).split(".")[-1].strip('"')
        if name != tracking and name not in names:
            names.append(name)
    return names


def tracking_table_of(view: Any) -> str:
    return str(getattr(view, "tracking_table_name", "tracking"))


class BatchSession:
    """Point a library view's datastore at one held connection; commit batches explicitly.

    With the library's own single-row tracking, a batch records only its last tracking position
    (written just before COMMIT): single-row tracking keeps only the highest position anyway, so
    the committed state is the same as recording every event's, with one statement per event
    fewer. A view that overrides ``_insert_tracking`` keeps its own behaviour.
    """

    def __init__(self, view: Any, kind: str) -> None:
        self.view = view
        self.kind = kind
        self.ds = view.datastore
        self._orig = {k: self.ds.__dict__.get(k) for k in ("transaction", "get_connection")}
        self._held_cm: Any = None
        self.raw: Any = None
        self.in_tx = False
        self._pending: Any = None
        self._insert_tracking: Any = None
        self._open()
        self._patch()
        self._coalesce_tracking()

    def _coalesce_tracking(self) -> None:
        from eventsourcing.postgres import PostgresTrackingRecorder
        from eventsourcing.sqlite import SQLiteTrackingRecorder

        library_methods = (PostgresTrackingRecorder._insert_tracking,
                           SQLiteTrackingRecorder._insert_tracking)
        if not getattr(self.ds, "single_row_tracking", False) or \
                getattr(type(self.view), "_insert_tracking", None) not in library_methods:
            return
        self._insert_tracking = self.view._insert_tracking
        sess = self

        def defer(curs: Any, tracking: Any) -> None:
            sess._pending = tracking

        self.view._insert_tracking = defer

    def _open(self) -> None:
        if self.kind == "postgres":
            self._held_cm = type(self.ds).get_connection(self.ds)
            self.raw = self._held_cm.__enter__()
        else:
            self._held_conn = self.ds.pool.get_connection(is_writer=True)
            self.raw = self._held_conn._sqlite_conn

    def _patch(self) -> None:
        sess = self

        if self.kind == "postgres":
            @contextlib.contextmanager
            def transaction(*, commit: bool = False) -> Iterator[Any]:
                with sess.raw.cursor() as cur:
                    yield cur

            @contextlib.contextmanager
            def get_connection() -> Iterator[Any]:
                yield sess.raw

            self.ds.transaction = transaction
            self.ds.get_connection = get_connection
        else:
            from eventsourcing.sqlite import SQLiteCursor

            @contextlib.contextmanager
            def transaction(*, commit: bool = False) -> Iterator[Any]:
                cur = SQLiteCursor(sess.raw.cursor())
                try:
                    yield cur
                finally:
                    cur.sqlite_cursor.close()

            self.ds.transaction = transaction

    def begin(self) -> None:
        self.raw.execute("BEGIN")
        self.in_tx = True

    def commit(self) -> None:
        if self._pending is not None:
            with self.ds.transaction(commit=True) as curs:
                self._insert_tracking(curs, self._pending)
            self._pending = None
        self.raw.execute("COMMIT")
        self.in_tx = False

    def rollback(self) -> None:
        self._pending = None
        with contextlib.suppress(Exception):
            if self.kind == "sqlite":
                if self.raw.in_transaction:
                    self.raw.execute("ROLLBACK")
            else:
                self.raw.execute("ROLLBACK")
        self.in_tx = False

    def close(self) -> None:
        if self.in_tx:
            self.rollback()
        if self._insert_tracking is not None:
            self.view.__dict__.pop("_insert_tracking", None)
        for k, v in self._orig.items():
            if v is None:
                self.ds.__dict__.pop(k, None)
            else:
                self.ds.__dict__[k] = v
        with contextlib.suppress(Exception):
            if self.kind == "postgres":
                self._held_cm.__exit__(None, None, None)
            else:
                self.ds.pool.put_connection(self._held_conn)


def existing_tables(store: SqlStore, names: list[str]) -> set[str]:
    if store_kind(store) == "sqlite":
        rows = store.query("SELECT name FROM sqlite_master WHERE type = 'table'")
    else:
        rows = store.query("SELECT table_name FROM information_schema.tables"
                           " WHERE table_schema = %s",
                           [store.tables.schema])
    have = {r[0] for r in rows}
    return {n for n in names if n in have}


def compare_views(store: SqlStore, scratch: ViewTarget, tables: list[str]) -> dict[str, Any]:
    """Per table: live and rebuilt row counts, the first differing rows (sorted by all columns)."""
    out: dict[str, Any] = {}
    live_have = existing_tables(store, tables)
    for t in tables:
        rebuilt_rows = _iter_rows(store, scratch, t)
        live_rows: Iterator[list[Any]] = _iter_live_rows(store, t) if t in live_have else iter(())
        diffs = []
        n_live = n_rebuilt = 0
        for i, (a, b) in enumerate(itertools.zip_longest(live_rows, rebuilt_rows)):
            n_live += a is not None
            n_rebuilt += b is not None
            if a != b and len(diffs) < MAX_DIFF_ROWS:
                diffs.append({"index": i, "live": a, "rebuilt": b})
        out[t] = {"live_rows": n_live if t in live_have else None, "rebuilt_rows": n_rebuilt,
                  "same": not diffs and t in live_have, "first_differences": diffs}
    return out


def _order_all(n: int) -> str:
    return ", ".join(str(i + 1) for i in range(n))


def _iter_live_rows(store: SqlStore, table: str) -> Iterator[list[Any]]:
    cols = _columns(store, table)
    rows = store.query(f"SELECT * FROM {store.qualified(table)} ORDER BY {_order_all(len(cols))}")
    for r in rows:
        yield [_plain(v) for v in r]


def _iter_rows(store: SqlStore, target: ViewTarget, table: str) -> Iterator[list[Any]]:
    if target.kind == "sqlite":
        conn = sqlite3.connect(target.path or "")
        try:
            n = len(conn.execute(f"PRAGMA table_info({quote_ident(table)})").fetchall())
            for r in conn.execute(f"SELECT * FROM {quote_ident(table)} ORDER BY {_order_all(n)}"):
                yield [_plain(v) for v in r]
        finally:
            conn.close()
        return
    q = f"{quote_ident(target.schema or '')}.{quote_ident(table)}".replace("%", "%%")
    query = target.query or store.query
    n = len(query("SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
                  " AND table_name = %s", [target.schema, table]))
    for r in query(f"SELECT * FROM {q} ORDER BY {_order_all(n)}", []):
        yield [_plain(v) for v in r]


def _columns(store: SqlStore, table: str) -> list[str]:
    if store_kind(store) == "sqlite":
        return [r[1] for r in store.query(f"PRAGMA table_info({quote_ident(table)})")]
    return [r[0] for r in store.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s"
        " AND table_name = %s ORDER BY ordinal_position", [store.tables.schema, table])]


def _plain(v: Any) -> Any:
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).hex()
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


def first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


