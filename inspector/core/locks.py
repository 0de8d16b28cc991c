"""One writer at a time: a lock per write operation and target that the store itself enforces.

Every write (a projection rebuild, a snapshot take/delete, a catalog update) runs inside
:func:`write_lock` (``operation``, ``target``). A second writer of the same operation and target
— in this process or any other, on this machine or another — gets :class:`BusyError` at once::

    busy: another rebuild of dogstats is running (since 2026-11-30 00:50:01 UTC, pid 4242 on host)

and nothing of its write is done. The holder's lock disappears with it, however it ends:

* **PostgreSQL**: a session-level advisory lock (``pg_try_advisory_lock``) on a 64-bit key
  derived from (database, schema, application, operation, target), held by a dedicated
  connection whose ``application_name`` carries the holder's pid, host and start time (read back
  from ``pg_locks`` joined with ``pg_stat_activity`` for the busy message). The server releases
  it when that connection ends, also when the process is killed.
* **SQLite**: an OS file lock (the ``filelock`` package: ``flock``/``LockFileEx``) on a file in
  the user's cache directory (``platformdirs.user_cache_dir("event-inspector")/locks``) named
  after the store file's device and inode plus the operation and target — never a file beside
  the store, never a long write transaction (the application keeps writing meanwhile). The OS
  releases it when the process ends. Holder details are in a small JSON file next to the lock.

Re-entrant within one thread (the CLI takes the lock before planning, the core again before
executing); another thread of the same process is a second writer like any other.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError

APP_NAME_PREFIX = "event-inspector lock"


class BusyError(InspectorError):
    """Another writer holds the lock of this operation and target; nothing was done."""


@dataclass
class Holder:
    pid: int | None = None
    host: str | None = None
    since: float | None = None  # epoch seconds
    what: str | None = None

    def describe(self) -> str:
        parts = []
        if self.since is not None:
            when = dt.datetime.fromtimestamp(self.since, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            parts.append(f"since {when}")
        if self.pid is not None:
            parts.append(f"pid {self.pid}" + (f" on {self.host}" if self.host else ""))
        elif self.host:
            parts.append(f"on {self.host}")
        return ", ".join(parts) or "holder unknown"


def busy_message(what: str, holder: Holder | None) -> str:
    return f"busy: another {what} is running ({(holder or Holder()).describe()}); nothing was done"


def _me(what: str) -> Holder:
    return Holder(os.getpid(), socket.gethostname(), time.time(), what)


@dataclass
class _Held:
    thread: int
    holder: Holder
    release: Any
    count: int = 1


_HELD: dict[str, _Held] = {}
_GUARD = threading.Lock()


@contextlib.contextmanager
def write_lock(store: Any, operation: str, target: str, what: str | None = None) -> Iterator[None]:
    """Hold the lock of ``operation`` on ``target`` of ``store`` (BusyError when taken)."""
    what = what or f"{operation} of {target}"
    key, acquire = _backend(store, operation, target)
    with _locked(key, what, acquire):
        yield


@contextlib.contextmanager
def file_write_lock(path: str | os.PathLike[str], operation: str, target: str,
                    what: str | None = None) -> Iterator[None]:
    """:func:`write_lock` for a plain file (e.g. the local catalog cache)."""
    what = what or f"{operation} of {target}"
    key = f"file|{_file_id(str(path))}|{operation}|{target}"
    with _locked(key, what, lambda holder, w: _file_acquire(str(path), operation, target,
                                                          holder, w)):
        yield


@contextlib.contextmanager
def _locked(key: str, what: str, acquire: Any) -> Iterator[None]:
    me = threading.get_ident()
    with _GUARD:
        held = _HELD.get(key)
        if held is not None and held.thread != me:
            raise BusyError(busy_message(what, held.holder))
        if held is not None:
            held.count += 1
    if held is not None:
        try:
            yield
        finally:
            with _GUARD:
                held.count -= 1
        return
    holder = _me(what)
    release = acquire(holder, what)
    with _GUARD:
        _HELD[key] = _Held(me, holder, release)
    try:
        yield
    finally:
        with _GUARD:
            _HELD.pop(key, None)
        release()


def _backend(store: Any, operation: str, target: str) -> tuple[str, Any]:
    from inspector.stores.writer import store_kind

    tables = getattr(store, "tables", None)
    if store_kind(store) == "postgres":
        params = store.connector.params
        ident = "|".join(str(x) for x in (
            params.get("host"), params.get("port"), params.get("dbname"),
            getattr(tables, "schema", None),
            store.name, operation, target))
        return f"pg|{ident}", lambda holder, what: _pg_acquire(store, ident, holder, what)
    path = getattr(getattr(store, "connector", None), "path", None)
    if path is None:  # a store family without a write side here: lock on its location
        ident = hashlib.sha256(str(getattr(store, "location", "")).encode()).hexdigest()[:24]
        key = f"other|{ident}|{store.name}|{operation}|{target}"
        lock_dir().mkdir(parents=True, exist_ok=True)
        anchor = lock_dir() / f"store-{ident}.anchor"
        anchor.touch()
        return key, lambda holder, what: _file_acquire(str(anchor), operation,
                                                       f"{store.name}|{target}", holder, what)
    path = str(path)
    ident = f"{getattr(tables, 'schema', None)}|{store.name}"
    key = f"sqlite|{_file_id(path)}|{ident}|{operation}|{target}"
    return key, lambda holder, what: _file_acquire(path, operation, f"{ident}|{target}", holder,
                                                   what)


# -- SQLite (and local files): an OS lock on a file in the cache directory ----------------------
def _file_id(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InspectorError(f"{path}: cannot lock for writing ({exc.strerror})") from None
    return f"{st.st_dev:x}-{st.st_ino:x}"


def lock_dir() -> Path:
    from inspector.core.writes import cache_dir

    return cache_dir() / "locks"


def _file_acquire(path: str, operation: str, target: str, holder: Holder, what: str) -> Any:
    from filelock import FileLock, Timeout

    digest = hashlib.sha256(f"{operation}|{target}".encode()).hexdigest()[:16]
    d = lock_dir()
    d.mkdir(parents=True, exist_ok=True)
    base = d / f"{_file_id(path)}-{operation}-{digest}"
    lock = FileLock(str(base) + ".lock", timeout=0, is_singleton=False, thread_local=False)
    info = Path(str(base) + ".json")
    # Busy: say who holds it. The holder writes its details just after taking the lock and
    # removes them just before letting go, so for a moment a taken lock may have none: look
    # again for a short while, and take the lock if it came free meanwhile.
    deadline = time.monotonic() + 0.5
    while True:
        try:
            lock.acquire(timeout=0)
            break
        except Timeout:
            other = _read_info(info)
            if other is not None or time.monotonic() > deadline:
                raise BusyError(busy_message(what, other)) from None
            time.sleep(0.02)
    try:
        tmp = info.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(vars(holder)))
        os.replace(tmp, info)
    except OSError:
        pass

    def release() -> None:
        with contextlib.suppress(OSError):
            info.unlink()
        lock.release()

    return release


def _read_info(info: Path) -> Holder | None:
    try:
        data = json.loads(info.read_text())
        return Holder(data.get("pid"), data.get("host"), data.get("since"), data.get("what"))
    except (OSError, ValueError, AttributeError):
        return None


# -- PostgreSQL: a session-level advisory lock ---------------------------------------------------
def advisory_key(ident: str) -> int:
    """A signed 64-bit key from the lock's identity (``pg_try_advisory_lock(bigint)``)."""
    return int.from_bytes(hashlib.sha256(ident.encode()).digest()[:8], "big", signed=True)


def _app_name(holder: Holder) -> str:
    # application_name keeps 63 bytes: prefix, pid, start time (epoch s), then the host.
    return f"{APP_NAME_PREFIX} {holder.pid} {int(holder.since or 0)} {holder.host}"[:63]


def _parse_app_name(name: str | None, backend_start: Any) -> Holder:
    if name and name.startswith(APP_NAME_PREFIX + " "):
        parts = name[len(APP_NAME_PREFIX) + 1:].split(" ", 2)
        try:
            return Holder(int(parts[0]), parts[2] if len(parts) > 2 else None, float(parts[1]))
        except (ValueError, IndexError):
            pass
    since = backend_start.timestamp() if backend_start is not None else None
    return Holder(None, None, since)


def _pg_acquire(store: Any, ident: str, holder: Holder, what: str) -> Any:
    import psycopg

    from inspector.stores.postgres import pg_error_text

    key = advisory_key(ident)
    params = {k: v for k, v in store.connector.params.items() if k != "options"}
    params["application_name"] = _app_name(holder)
    try:
        conn = psycopg.connect(**params, autocommit=True)
    except psycopg.Error as exc:
        raise InspectorError(
            f"{store.connector.display}: cannot take the write lock: {pg_error_text(exc)}"
        ) from None
    try:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
        row = None
        if not got:
            row = _pg_holder(conn, key)
            if row is None:  # released between the two queries: once more
                got = conn.execute("SELECT pg_try_advisory_lock(%s)", [key]).fetchone()[0]
                row = None if got else _pg_holder(conn, key)
        if not got:
            conn.close()
            other = _parse_app_name(row[0], row[1]) if row else None
            raise BusyError(busy_message(what, other))
    except psycopg.Error as exc:
        conn.close()
        raise InspectorError(
            f"{store.connector.display}: cannot take the write lock: {pg_error_text(exc)}"
        ) from None

    def release() -> None:
        with contextlib.suppress(Exception):
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])
        with contextlib.suppress(Exception):
            conn.close()

    return release


def _pg_holder(conn: Any, key: int) -> Any:
    """(application_name, backend_start) of the session holding advisory lock ``key``."""
    return conn.execute(
        "SELECT a.application_name, a.backend_start FROM pg_locks l"
        " LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND l.classid::bigint = %s AND l.objid::bigint = %s LIMIT 1",
        [(key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF],
    ).fetchone()
