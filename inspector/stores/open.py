"""Open a store from what a user typed: a SQLite path or a SQLAlchemy-style URL."""

from __future__ import annotations

import errno
import os
import stat
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
    if lower.startswith("umadb:"):
        from inspector.stores.umadb import open_umadb

        # The API key is a secret like a password: the GUI's password field carries it.
        key = api_key or password or os.environ.get("EVENT_INSPECTOR_UMADB_API_KEY") or None
        return open_umadb(loc, api_key=key, tls_ca=tls_ca)
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
    check_regular_file(path)
    from inspector.stores.sqlite import open_sqlite

    return open_sqlite(path)


_KINDS = (
    (stat.S_ISDIR, "is a directory, not a SQLite file"),
    (stat.S_ISFIFO, "is a FIFO (named pipe), not a SQLite file"),
    (stat.S_ISSOCK, "is a socket, not a SQLite file"),
    (stat.S_ISCHR, "is a character device, not a SQLite file"),
    (stat.S_ISBLK, "is a block device, not a SQLite file"),
)


def check_regular_file(path: str) -> None:
    """Refuse anything that does not resolve to a regular file, naming what it is.

    Checked with ``stat`` (never ``open``: opening a FIFO blocks until a writer comes). A
    symbolic link to a regular file is fine; a loop of links, a dangling link, a missing file,
    a directory, a FIFO, a socket or a device each get their own message (StoreOpenError).
    """
    try:
        st = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreOpenError(f"{path}: symbolic link loop (too many levels of links)") from None
        if exc.errno == errno.ENOENT:
            if os.path.islink(path):
                raise StoreOpenError(
                    f"{path}: dangling symbolic link (to {os.readlink(path)}: no such file)"
                ) from None
            raise StoreOpenError(f"{path}: no such file") from None
        if exc.errno == errno.EACCES:
            raise StoreOpenError(f"{path}: permission denied") from None
        if exc.errno == errno.ENAMETOOLONG:
            raise StoreOpenError("the file name is too long") from None
        raise StoreOpenError(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError:  # an embedded NUL byte
        raise StoreOpenError("the file name holds a NUL byte") from None
    for test, what in _KINDS:
        if test(st.st_mode):
            raise StoreOpenError(f"{path}: {what}")
    if not stat.S_ISREG(st.st_mode):
        raise StoreOpenError(f"{path}: not a regular file")


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
