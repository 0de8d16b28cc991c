"""The write side: a separate read-write connection, opened only in write mode.

The read path (``stores/sqlite.py``, ``stores/postgres.py``) never writes. A :class:`StoreWriter`
is a second connection to the same database, made only when the user switched write mode on:

* SQLite: ``sqlite3`` on a ``mode=rw`` URI (never creates a file), autocommit off at the driver
  level and explicit ``BEGIN IMMEDIATE``/``COMMIT``; the journal mode is left as it is (no
  ``PRAGMA journal_mode``); a busy writer is waited for up to ``timeout`` seconds.
* PostgreSQL: psycopg 3 with ``default_transaction_read_only=off`` for this connection only
  (the read engine keeps ``on``); ``lock_timeout`` bounds how long a write waits for a lock.

Everything runs inside :meth:`StoreWriter.transaction`: commit at the end, rollback on any error,
so a failure leaves nothing half-written. Driver errors become one-line :class:`WriteError`s
("permission denied for table ...", "connection lost ...").
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

from inspector.core.errors import InspectorError
from inspector.stores.base import ID_BYTES16, ID_UUID, SqlStore, quote_ident


class WriteError(InspectorError):
    """A write failed; the transaction was rolled back."""


class ConnectionLostError(WriteError):
    """The database connection went away during a write."""


def store_kind(store: SqlStore) -> str:
    """'sqlite' or 'postgres' (the write side knows only these two)."""
    if hasattr(store, "connector") and hasattr(store.connector, "params"):
        return "postgres"
    return "sqlite"


def store_url(store: SqlStore) -> str:
    """The store's location with credentials (for the writer only; never printed)."""
    if store_kind(store) == "postgres":
        return str(store.connector.url)  # type: ignore[attr-defined]
    return str(store.connector.path)  # type: ignore[attr-defined]


def redacted_location(store: SqlStore) -> str:
    """The store's location as it may be shown and logged (password hidden)."""
    if store_kind(store) == "postgres":
        return str(store.connector.display)  # type: ignore[attr-defined]
    return str(store.location)


class StoreWriter:
    """One read-write connection to the store's database. Use as a context manager."""

    def __init__(self, store: SqlStore, *, timeout: float = 5.0) -> None:
        self.store = store
        self.kind = store_kind(store)
        self.placeholder = "?" if self.kind == "sqlite" else "%s"
        self.timeout = timeout
        self._conn: Any = None
        self._in_tx = False
        self._connect()

    # -- connection ---------------------------------------------------------------------------
    def _connect(self) -> None:
        if self.kind == "sqlite":
            path = store_url(self.store)
            check_sqlite_writable(path)
            uri = f"file:{urllib.parse.quote(os.path.abspath(path))}?mode=rw"
            try:
                self._conn = sqlite3.connect(
                    uri, uri=True, timeout=self.timeout, isolation_level=None,
                    check_same_thread=False,
                )
            except sqlite3.Error as exc:
                raise WriteError(f"{path}: cannot open for writing ({exc})") from None
            return
        import psycopg
        from sqlalchemy.engine import make_url

        u = make_url(store_url(self.store))
        try:
            self._conn = psycopg.connect(
                host=u.host or None, port=u.port or None, user=u.username or None,
                password=u.password or None, dbname=u.database or None,
                options="-c default_transaction_read_only=off",
                connect_timeout=int(self.timeout) + 5, autocommit=False,
            )
        except psycopg.Error as exc:
            raise WriteError(f"{redacted_location(self.store)}: cannot connect for writing: "
                             f"{_first_line(exc)}") from None

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def __enter__(self) -> StoreWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def connection(self) -> Any:
        return self._conn

    # -- transactions -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[StoreWriter]:
        """One transaction: committed when the block ends, rolled back on any exception."""
        if self._conn is None:
            raise WriteError("the write connection is closed")
        try:
            if self.kind == "sqlite":
                self._conn.execute("BEGIN IMMEDIATE")
            else:
                ms = int(self.timeout * 1000)
                self._conn.execute(f"SET LOCAL lock_timeout = {ms}")
            self._in_tx = True
            yield self
            self._conn.commit() if self.kind == "postgres" else self._conn.execute("COMMIT")
        except BaseException as exc:
            self._in_tx = False
            self._rollback()
            if _is_db_error(exc):
                raise self._translate(exc) from None
            raise
        finally:
            self._in_tx = False

    def _rollback(self) -> None:
        with contextlib.suppress(Exception):
            if self.kind == "sqlite":
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
            else:
                self._conn.rollback()

    def _translate(self, exc: BaseException) -> BaseException:
        if not _is_db_error(exc):
            return exc
        where = redacted_location(self.store)
        if self.kind == "postgres":
            import psycopg

            if isinstance(exc, psycopg.OperationalError) and (
                self._conn is None or self._conn.closed or self._conn.broken
            ):
                return ConnectionLostError(
                    f"{where}: connection lost ({_first_line(exc)}); nothing of the current "
                    f"transaction was written"
                )
        text = _first_line(exc)
        if self.kind == "sqlite" and "readonly" in text.lower():
            text += " (the file or its directory is not writable)"
        return WriteError(f"{where}: write failed, rolled back: {text}")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement inside the current transaction; rows if it returns any."""
        if not self._in_tx:
            raise WriteError("internal: write outside a transaction")
        cur = self._conn.cursor()
        cur.execute(sql, list(params))
        try:
            return list(cur.fetchall()) if cur.description else []
        finally:
            cur.close()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not self._in_tx:
            raise WriteError("internal: write outside a transaction")
        cur = self._conn.cursor()
        try:
            cur.executemany(sql, [list(r) for r in rows])
        finally:
            cur.close()

    # -- store-shaped writes ------------------------------------------------------------------
    def id_value(self, stream: str) -> Any:
        """The originator_id column value for ``stream`` as the library writes it here."""
        from inspector.core.ids import parse_uuid

        kind = self.store.tables.id_kind
        u = parse_uuid(stream)
        if kind == ID_UUID:
            if u is None:
                raise InspectorError(f"stream {stream!r}: this store's ids are UUIDs")
            return u
        if kind == ID_BYTES16:
            if u is None:
                raise InspectorError(f"stream {stream!r}: this store's ids are UUIDs")
            return u.bytes
        # TEXT column: the library writes uuid.hex for UUID ids, else the string itself.
        existing = self.store.id_values(stream)
        rows = self.store.query(
            f"SELECT originator_id FROM {self.store.events} WHERE originator_id IN "
            f"({', '.join([self.placeholder] * len(existing))}) LIMIT 1",
            existing,
        )
        if rows:
            return rows[0][0]
        return u.hex if (u is not None and self.store.hex_ids()) else stream

    def qualified(self, table: str) -> str:
        return self.store.qualified(table)

    def insert_row(self, table: str, row: dict[str, Any]) -> None:
        cols = list(row)
        self.execute(
            f"INSERT INTO {self.qualified(table)} ({', '.join(quote_ident(c) for c in cols)})"
            f" VALUES ({', '.join([self.placeholder] * len(cols))})",
            [row[c] for c in cols],
        )

    def delete_rows(self, table: str, where: dict[str, Any]) -> int:
        conds = " AND ".join(f"{quote_ident(c)} = {self.placeholder}" for c in where)
        cur = self._conn.cursor()
        try:
            cur.execute(f"DELETE FROM {self.qualified(table)} WHERE {conds}", list(where.values()))
            return int(cur.rowcount)
        finally:
            cur.close()


def check_sqlite_writable(path: str) -> None:
    """Refuse before connecting when SQLite could not write: nothing is created beside the file.

    A write transaction on a read-only file (permissions, a read-only mount) fails only after
    SQLite created its ``-wal``/``-shm`` (or ``-journal``) files next to it, which then stay
    behind, empty. Checked with ``os.access`` (a read-only mount refuses root too).
    """
    full = os.path.abspath(path)
    if not os.access(full, os.W_OK):
        raise WriteError(f"{path}: the file is read-only (permissions or a read-only mount); "
                         f"nothing was written")
    directory = os.path.dirname(full) or "."
    if not os.access(directory, os.W_OK | os.X_OK):
        raise WriteError(f"{path}: its directory is not writable, and SQLite writes its journal "
                         f"(-wal/-shm or -journal) there; nothing was written")


def _is_db_error(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.Error):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.Error)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
