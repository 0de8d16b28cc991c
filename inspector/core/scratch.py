"""Scratch schemas for PostgreSQL dry runs: marked, held while in use, and cleaned up later.

A dry run of a projection on PostgreSQL rebuilds the view into a scratch schema. Creating a
schema is a write, so it happens only in write mode (in the store's own database; the preview
says so), or in a scratch database the user names (``--scratch URL``). Each scratch schema is

* named ``ei_scratch_<hex>`` and marked with ``COMMENT ON SCHEMA ... IS 'event-inspector dry-run
  scratch ...'`` (who, when);
* held by a session-level advisory lock on a key derived from its name, on a connection kept
  open for the whole dry run, so the server releases it if the process dies;
* dropped at the end. A dry run killed with -9 leaves its schema behind, but its lock is gone:
  the next dry run on that database (:func:`drop_stale`) drops every marked schema whose lock it
  can take. Schemas of the inspector's earlier releases (``ei_dryrun_`` + 10 hex digits, no mark)
  are dropped the same way.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import socket
import uuid
from typing import Any

from inspector.core.errors import InspectorError

PREFIX = "ei_scratch_"
MARK = "event-inspector dry-run scratch"
_LEGACY = re.compile(r"^ei_dryrun_[0-9a-f]{10}$")


def _key(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(f"scratch|{schema}".encode()).digest()[:8], "big",
                          signed=True)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def drop_stale(conn: Any) -> list[str]:
    """Drop the marked scratch schemas no live dry run holds; their names."""
    rows = conn.execute(
        "SELECT n.nspname, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n"
        " WHERE n.nspname LIKE 'ei\\_scratch\\_%%' OR n.nspname LIKE 'ei\\_dryrun\\_%%'"
    ).fetchall()
    dropped = []
    for name, comment in rows:
        ours = (name.startswith(PREFIX) and (comment or "").startswith(MARK)) or bool(
            _LEGACY.match(name))
        if not ours:
            continue
        if not conn.execute("SELECT pg_try_advisory_lock(%s)", [_key(name)]).fetchone()[0]:
            continue  # a running dry run holds it
        try:
            conn.execute(f"DROP SCHEMA IF EXISTS {_q(name)} CASCADE")
            dropped.append(name)
        except Exception:  # noqa: BLE001 - not ours to drop (another role): leave it
            pass
        finally:
            with contextlib.suppress(Exception):
                conn.execute("SELECT pg_advisory_unlock(%s)", [_key(name)])
    return dropped


class ScratchSchema:
    """One marked scratch schema, created by :meth:`create`, dropped by :meth:`drop`."""

    def __init__(self, params: dict[str, Any], display: str) -> None:
        self.params = {k: v for k, v in params.items() if k != "options"}
        self.display = display
        self.name = PREFIX + uuid.uuid4().hex[:12]
        self.dropped_stale: list[str] = []
        self._conn: Any = None

    def create(self) -> str:
        import psycopg

        from inspector.stores.postgres import pg_error_text

        try:
            conn = psycopg.connect(**self.params, autocommit=True,
                                   application_name="event-inspector dry run")
        except psycopg.Error as exc:
            raise InspectorError(f"{self.display}: cannot connect for the scratch schema: "
                                 f"{pg_error_text(exc)}") from None
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", [_key(self.name)])
            self.dropped_stale = drop_stale(conn)
            when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            conn.execute(f"CREATE SCHEMA {_q(self.name)}")
            mark = f"{MARK} (pid {os.getpid()} on {socket.gethostname()}, {when}); safe to drop"
            conn.execute(f"COMMENT ON SCHEMA {_q(self.name)} IS "
                         + "'" + mark.replace("'", "''") + "'")
        except psycopg.Error as exc:
            conn.close()
            raise InspectorError(
                f"dry run: cannot create a scratch schema in {self.display} "
                f"({pg_error_text(exc)}); the role needs CREATE on that database"
            ) from None
        self._conn = conn
        return self.name

    def drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            conn.execute(f"DROP SCHEMA IF EXISTS {_q(self.name)} CASCADE")
        with contextlib.suppress(Exception):
            conn.close()  # the advisory lock goes with the session


def scratch_params(url: str, password: str | None = None) -> tuple[dict[str, Any], str]:
    """psycopg connection parameters and the shown (redacted) form of a ``--scratch`` URL."""
    from inspector.core.redact import strip_password
    from inspector.stores.postgres import PgConnector

    if not url.lower().startswith(("postgresql", "postgres:")):
        raise InspectorError("--scratch: give a PostgreSQL URL (postgresql://user@host/db)")
    loc, pw = strip_password(url)
    connector = PgConnector(loc, password=password or pw)
    return dict(connector.params), connector.display


def pg_env(params: dict[str, Any], schema: str) -> dict[str, str]:
    """The library's environment for a view in ``schema`` of the database ``params`` name."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(params.get("dbname") or ""),
        "POSTGRES_HOST": str(params.get("host") or "localhost"),
        "POSTGRES_PORT": str(params.get("port") or 5432),
        "POSTGRES_USER": str(params.get("user") or ""),
        "POSTGRES_PASSWORD": str(params.get("password") or "x"),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "2",
    }
