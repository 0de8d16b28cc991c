"""Where the demo store lives, and creating it atomically on first use.

The store is written into a temporary file next to its final place and renamed over it only when
complete (after a WAL checkpoint, so the renamed file is self-contained): a crash or a cancel never
leaves half a store where the inspector looks. A small ``demo.json`` beside it records the demo's
format version and what was written; a store from another format version is rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from inspector.core.errors import InspectorError

APP_DIR_NAME = "event-inspector"
DEMO_FORMAT = 3  # 2: a fixed calendar moved by whole weeks (same events every time)
APP_CLASS = "inspector.demo.shop:ShopApplication"
_lock = threading.Lock()


@dataclass(frozen=True)
class DemoStore:
    """An existing demo store and how to open it in domain mode."""

    location: str  # the SQLite file
    paths: list[str]  # directories to put on sys.path for the demo domain code
    app_class: str  # "module:Class"
    created: bool = False  # written by this call
    facts: dict[str, object] = field(default_factory=dict)  # what demo.json records


def demo_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    base = Path(data_dir) if data_dir is not None else Path(
        platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)
    )
    return base / "demo"


def domain_paths() -> list[str]:
    """The directory that holds the ``inspector`` package (home of ``inspector.demo.shop``)."""
    import inspector

    return [str(Path(inspector.__file__).resolve().parent.parent)]


def ensure_demo_store(
    force: bool = False,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str, float], None] | None = None,
    **sizes: int,
) -> DemoStore:
    """The demo store, created on first use (or when ``force``) with the real library.

    ``data_dir`` overrides the user data directory (the store goes to ``<data_dir>/demo/demo.db``);
    ``sizes`` are passed to :func:`inspector.demo.generate.write_demo` (``customers``, ``orders``,
    ``long_events``, ``days``) and are meant for tests. ``progress(message, fraction)`` is called
    while writing. Errors are InspectorError with one line.
    """
    folder = demo_dir(data_dir)
    target = folder / "demo.db"
    meta_path = folder / "demo.json"
    with _lock:
        if not force:
            meta = _read_meta(meta_path)
            if target.is_file() and meta.get("format") == DEMO_FORMAT:
                return DemoStore(str(target), domain_paths(), APP_CLASS, False, meta)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            meta = _build(folder, target, progress, sizes)
            tmp_meta = meta_path.with_suffix(".json.tmp")
            tmp_meta.write_text(json.dumps(meta, indent=2), encoding="utf-8")
            os.replace(tmp_meta, meta_path)
        except Exception as exc:  # noqa: BLE001 - one line for the user, whatever failed
            raise InspectorError(f"cannot create the demo store in {folder}: {exc}") from exc
    return DemoStore(str(target), domain_paths(), APP_CLASS, True, meta)


def _read_meta(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _build(
    folder: Path, target: Path, progress: Callable[[str, float], None] | None, sizes: dict[str, int]
) -> dict[str, object]:
    from inspector.demo.generate import write_demo

    fd, tmp_name = tempfile.mkstemp(prefix=".demo-", suffix=".db.tmp", dir=folder)
    os.close(fd)
    os.unlink(tmp_name)  # the library creates the file itself
    tmp = Path(tmp_name)
    try:
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp),
        }
        facts = write_demo(env, progress=progress, **sizes)
        _checkpoint(tmp)
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(FileNotFoundError):
                leftover.unlink()
    if progress is not None:
        progress("done", 1.0)
    return {
        "format": DEMO_FORMAT,
        "app_class": APP_CLASS,
        "events": facts.events,
        "aggregates": facts.aggregates,
        "long_streams": facts.long_streams,
        "named_streams": facts.named_streams,  # the streams Go ▸ Demo streams offers
        "projection": {"name": "ProductSales", "position": facts.projection_position},
        "start": facts.start.isoformat() if facts.start else None,
        "end": facts.end.isoformat() if facts.end else None,
    }


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the main file so the file alone is the whole store."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        raise OSError(f"the demo store's WAL was not checkpointed ({wal})")
