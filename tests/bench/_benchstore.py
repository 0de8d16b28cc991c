"""Build (and cache) the benchmark store with the real library: N events over M streams.

Events are produced by real aggregates (``_benchdomain.Dog``), turned into ``StoredEvent`` by the
library's own mapper and written by the library's own recorder (``insert_events``) in large
batches: that is exactly what ``Application.save`` does, without one transaction per aggregate.
Stream 0 is the "big" stream (``big`` events, default 10,000); the other M-1 streams share the
rest. The store is cached: a SQLite file under the cache dir, a PostgreSQL database named after
N and M; a JSON sidecar file records what was built.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

from _benchdomain import Dog  # noqa: E402
from eventsourcing.application import Application  # noqa: E402

BATCH_AGGREGATES = 2000


class BenchApp(Application):
    name = "BenchDogs"


def sqlite_env(path: str) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": path}


def pg_env(dbname: str) -> dict[str, str]:
    from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER

    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": PG_HOST,
        "POSTGRES_PORT": str(PG_PORT),
        "POSTGRES_USER": PG_USER,
        "POSTGRES_PASSWORD": PG_PASSWORD or "x",
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
    }


def pg_url(dbname: str) -> str:
    from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER

    auth = PG_USER + (f":{PG_PASSWORD}" if PG_PASSWORD else "")
    return f"postgresql://{auth}@{PG_HOST}:{PG_PORT}/{dbname}"


def _sizes(n_events: int, n_streams: int, big: int) -> list[int]:
    rest = n_events - big
    per, extra = divmod(rest, n_streams - 1)
    return [big] + [per + (1 if i < extra else 0) for i in range(n_streams - 1)]


def write_store(env: dict[str, str], n_events: int, n_streams: int, big: int) -> dict[str, Any]:
    """Write the events with the library; return the sidecar metadata."""
    t0 = time.perf_counter()
    app = BenchApp(env=env)
    try:
        sizes = _sizes(n_events, n_streams, big)
        big_id = None
        written = 0
        pending = []
        for i, size in enumerate(sizes):
            dog = Dog(f"dog {i}")
            for j in range(size - 1):
                dog.add_trick(f"trick {j}", j)
            if i == 0:
                big_id = str(dog.id)
            pending.extend(app.mapper.to_stored_event(e) for e in dog.collect_events())
            if (i + 1) % BATCH_AGGREGATES == 0 or i == len(sizes) - 1 or len(pending) >= 20000:
                app.recorder.insert_events(pending)
                written += len(pending)
                pending = []
                if (i + 1) % 20000 == 0:
                    print(f"  wrote {written:,} events ({i + 1:,} streams), "
                          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
        assert written == n_events, (written, n_events)
    finally:
        app.close()
    return {"events": n_events, "streams": n_streams, "big": big, "big_id": big_id,
            "build_s": round(time.perf_counter() - t0, 1)}


def sqlite_store(cache: Path, n_events: int, n_streams: int, big: int) -> tuple[str, dict]:
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"bench_{n_events}_{n_streams}.db"
    meta_path = path.with_suffix(".json")
    if path.exists() and meta_path.exists():
        return str(path), json.loads(meta_path.read_text())
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), meta_path):
        p.unlink(missing_ok=True)
    print(f"building SQLite store {path} ...", file=sys.stderr)
    meta = write_store(sqlite_env(str(path)), n_events, n_streams, big)
    meta_path.write_text(json.dumps(meta))
    return str(path), meta


def pg_store(cache: Path, n_events: int, n_streams: int, big: int) -> tuple[str, dict]:
    from storefactory import pg_connect

    dbname = f"ei_bench_{n_events}_{n_streams}"
    meta_path = cache / f"{dbname}.json"
    with pg_connect() as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if exists and meta_path.exists():
            return pg_url(dbname), json.loads(meta_path.read_text())
        c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{dbname}"')
    print(f"building PostgreSQL store {dbname} ...", file=sys.stderr)
    meta = write_store(pg_env(dbname), n_events, n_streams, big)
    with pg_connect(dbname) as c:
        c.execute("VACUUM ANALYZE")
    cache.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta))
    return pg_url(dbname), meta


def library_app(kind: str, location: str) -> Application:
    """The library's own application on the bench store (for the decode comparison)."""
    if kind == "sqlite":
        env = sqlite_env(location)
    else:
        env = pg_env(location.rsplit("/", 1)[1])
    env["CREATE_TABLE"] = "no"
    return BenchApp(env=env)


if __name__ == "__main__":  # pragma: no cover - manual use
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
