"""Open a store from what a user typed: a SQLite path or a SQLAlchemy-style URL."""

from __future__ import annotations

import os
import urllib.parse

from inspector.core.errors import StoreOpenError
from inspector.stores.base import Database


def open_database(
    location: str,
    schema: str | None = None,
    password: str | None = None,
    *,
    api_key: str | None = None,
    tls_ca: str | None = None,
) -> Database:
    """Open ``location`` read-only and discover its applications.

    The family is chosen here, from the URL (``umadb://``) or the schema found (SQL tables of
    the core library or its extensions, DCB tables); callers only see the store protocol.
    ``api_key``/``tls_ca``: UmaDB's API key (a secret: never shown) and CA certificate file."""
    loc = location.strip()
    lower = loc.lower()
    if lower.startswith(("postgresql", "postgres:")):
        from inspector.stores.postgres import open_postgres

        return open_postgres(loc, schema=schema, password=password)
    if lower.startswith("sqlite:"):
        path = sqlite_url_path(loc)
    elif lower.startswith("file:"):
        path = urllib.parse.unquote(urllib.parse.urlsplit(loc).path)
    elif "://" in loc:
        scheme = loc.split("://", 1)[0]
        raise StoreOpenError(
            f"unsupported database {scheme!r}: give a SQLite file or a postgresql:// URL"
        )
    else:
        path = os.path.expanduser(loc)
    from inspector.stores.sqlite import open_sqlite

    return open_sqlite(path)


def sqlite_url_path(url: str) -> str:
    """The file path of a ``sqlite:///relative`` or ``sqlite:////absolute`` URL."""
    rest = url.split(":", 1)[1]
    if rest.startswith("///"):
        path = rest[3:]
    elif rest.startswith("//"):
        path = rest[2:]
    else:
        path = rest
    path = path.split("?", 1)[0]
    if not path or path == ":memory:":
        raise StoreOpenError("an in-memory SQLite database holds no store to inspect")
    return urllib.parse.unquote(path)
