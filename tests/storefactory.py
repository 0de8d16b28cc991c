"""Write real event stores with the real ``eventsourcing`` library, for tests and benchmarks.

Every store here is written by the library itself (an Application with the chosen persistence
module), never by hand, so the inspector is tested against exactly what users have on disk.
PostgreSQL stores live in a fresh schema of a per-session database (see ``PgServer``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from eventsourcing.application import Application
from eventsourcing.cipher import AESCipher

PG_HOST = os.environ.get("EI_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("EI_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("EI_TEST_PG_USER", "postgres")
PG_PASSWORD = os.environ.get("EI_TEST_PG_PASSWORD", "")

# A fixed key, so failures reproduce; tests that need a wrong key make another one.
CIPHER_KEY = "mVm3DB5kbAJH+oUcZ8pJAzDf0eJ/RRq8hkNiYV6o3sY="

ENCODINGS = {
    "plain": {},
    "zlib": {"COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor"},
    "zlib+aes": {
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
        "CIPHER_KEY": CIPHER_KEY,
    },
    "aes": {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher", "CIPHER_KEY": CIPHER_KEY},
}


def new_key() -> str:
    return AESCipher.create_key(32)


def pg_admin_url(dbname: str = "postgres") -> str:
    auth = PG_USER + (f":{PG_PASSWORD}" if PG_PASSWORD else "")
    return f"postgresql://{auth}@{PG_HOST}:{PG_PORT}/{dbname}"


def pg_connect(dbname: str = "postgres", autocommit: bool = True) -> psycopg.Connection:
    return psycopg.connect(
        host=PG_HOST,
        port=PG_PORT,
        user=PG_USER,
        password=PG_PASSWORD or None,
        dbname=dbname,
        autocommit=autocommit,
    )


class PgServer:
    """A throwaway database on the test server; schemas inside it per store."""

    def __init__(self) -> None:
        self.dbname = f"ei_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with pg_connect() as c:
            c.execute(f'CREATE DATABASE "{self.dbname}"')

    def url(self, user: str | None = None, password: str | None = None) -> str:
        u = user or PG_USER
        p = password if password is not None else (PG_PASSWORD if user is None else "")
        auth = u + (f":{p}" if p else "")
        return f"postgresql://{auth}@{PG_HOST}:{PG_PORT}/{self.dbname}"

    def connect(self) -> psycopg.Connection:
        return pg_connect(self.dbname)

    def new_schema(self, prefix: str = "s") -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with self.connect() as c:
            c.execute(f'CREATE SCHEMA "{name}"')
        return name

    def drop(self) -> None:
        with pg_connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')

    def select_only_role(self, schema: str) -> tuple[str, str]:
        """A login role that may only SELECT in ``schema``. Returns (user, password)."""
        user = f"ro_{uuid.uuid4().hex[:8]}"
        password = uuid.uuid4().hex
        with self.connect() as c:
            c.execute(f"CREATE ROLE \"{user}\" LOGIN PASSWORD '{password}'")
            c.execute(f'GRANT CONNECT ON DATABASE "{self.dbname}" TO "{user}"')
            c.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{user}"')
            c.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{user}"')
            c.execute('REVOKE CREATE ON SCHEMA public FROM PUBLIC')
        return user, password


@dataclass
class StoreHandle:
    """Where a written store is, how the library reaches it, and how the inspector should."""

    kind: str  # sqlite | postgres | sa_sqlite | sa_postgres
    location: str  # what to pass as STORE to the inspector
    env: dict[str, str]  # the library's environment for this store (without read-only bits)
    schema: str | None = None
    app_name: str | None = None
    cipher_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def app(self, app_class: type[Application] = Application, **env: str) -> Application:
        """An application of ``app_class`` on this store (the library's view: the oracle)."""
        e = dict(self.env)
        e.update(env)
        e.setdefault("IS_SNAPSHOTTING_ENABLED", "y")
        return app_class(env=e)

    @contextlib.contextmanager
    def open_app(self, app_class: type[Application] = Application, **env: str) -> Iterator[Any]:
        app = self.app(app_class, **env)
        try:
            yield app
        finally:
            close_app(app)


def close_app(app: Application) -> None:
    with contextlib.suppress(Exception):
        app.close()
    gc.collect()


def store_env(
    kind: str,
    *,
    tmp_path: Any = None,
    pg: PgServer | None = None,
    encoding: str = "plain",
    id_type: str = "uuid",
    app_name: str | None = None,
    schema: str | None = None,
    filename: str = "store.db",
) -> StoreHandle:
    """The environment for an Application that writes a ``kind`` store."""
    env: dict[str, str] = dict(ENCODINGS[encoding])
    if kind == "sqlite":
        path = str(tmp_path / filename)
        env.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=path)
        if id_type != "uuid":
            env["ORIGINATOR_ID_TYPE"] = id_type
        loc = path
    elif kind == "sa_sqlite":
        path = str(tmp_path / filename)
        env.update(PERSISTENCE_MODULE="eventsourcing_sqlalchemy", SQLALCHEMY_URL=f"sqlite:///{path}")
        loc = path
    elif kind == "postgres":
        assert pg is not None
        schema = schema or pg.new_schema()
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=pg.dbname, POSTGRES_HOST=PG_HOST, POSTGRES_PORT=str(PG_PORT),
            POSTGRES_USER=PG_USER, POSTGRES_PASSWORD=PG_PASSWORD or "x", POSTGRES_SCHEMA=schema,
        )
        if id_type != "uuid":
            env["ORIGINATOR_ID_TYPE"] = id_type
        loc = pg.url()
    elif kind == "sa_postgres":
        assert pg is not None
        schema = schema or pg.new_schema()
        auth = PG_USER + (f":{PG_PASSWORD}" if PG_PASSWORD else "")
        env.update(
            PERSISTENCE_MODULE="eventsourcing_sqlalchemy",
            SQLALCHEMY_URL=f"postgresql+psycopg://{auth}@{PG_HOST}:{PG_PORT}/{pg.dbname}",
            SQLALCHEMY_SCHEMA=schema,
        )
        loc = pg.url()
    else:  # pragma: no cover - a typo in a test
        raise ValueError(kind)
    key = env.get("CIPHER_KEY")
    return StoreHandle(kind, loc, env, schema, app_name, key)


def inspector_args(handle: StoreHandle, *more: str) -> list[str]:
    """Common CLI arguments to reach ``handle`` (store, schema, key)."""
    args = [handle.location]
    if handle.schema:
        args += ["--schema", handle.schema]
    if handle.cipher_key:
        args += ["--cipher-key", handle.cipher_key]
    return [*args, *more]


def merged(env: Mapping[str, str], **more: str) -> dict[str, str]:
    out = dict(env)
    out.update(more)
    return out
