"""Benchmark the catalog with storage statistics and schema history (``stats``/``types``).

Run under the shared lock:
``flock /work/coord/bench.lock .venv/bin/python tests/bench/bench_stats.py``.

* the whole build (catalog + bytes + shapes, then reading ``stats`` and ``types``) from an empty
  cache over 1,000,000 unencrypted events, on SQLite (a copy of ``bench_check``'s store) and on
  PostgreSQL (``_benchstore.pg_store``); target <= 15 s each;
* the incremental update after 1,000 new events written by the library; target <= 1 s;
* AES-GCM decryption per event: pycryptodome (the library's ``AESCipher`` backend) vs the
  ``cryptography`` package's AESGCM that the codec uses, on the same stored blobs, and the
  catalog build of an encrypted store.

The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import _benchstore  # noqa: E402

from inspector.core.catalog import Catalog  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


def build_all(location: str, cat_path: Path, key: str | None = None) -> tuple[float, Any]:
    db = open_database(location)
    try:
        t0 = time.perf_counter()
        c0 = time.process_time()
        with Catalog(db.store(), Codec(key), cat_path) as cat:
            res = cat.update()
            t_cat = time.perf_counter() - t0
            stats = cat.storage()
            types = cat.type_history()
        total = time.perf_counter() - t0
        cpu = time.process_time() - c0
        print(f"  (this process's CPU time for all of it: {cpu:.1f} s; the machine is shared)")
        print(f"  catalog pass {t_cat:.1f} s ({res.processed:,} events, "
              f"{res.processed / t_cat:,.0f}/s) + stats/types read {total - t_cat:.2f} s = "
              f"{total:.1f} s (target <= 15 s); {len(types)} types, {stats['bytes']:,} bytes")
        return total, stats
    finally:
        db.close()


def add_events(env: dict[str, str], n_aggregates: int = 100, per: int = 10) -> None:
    from _benchdomain import Dog

    app = _benchstore.BenchApp(env=env)
    try:
        dogs = [Dog(f"new {i}") for i in range(n_aggregates)]
        for d in dogs:
            for j in range(per - 1):
                d.add_trick(f"t{j}", j)
        app.save(*dogs)
    finally:
        app.close()


def incremental(location: str, cat_path: Path) -> None:
    db = open_database(location)
    try:
        t0 = time.perf_counter()
        with Catalog(db.store(), Codec(None), cat_path) as cat:
            res = cat.update()
            cat.storage()
            cat.type_history()
        t = time.perf_counter() - t0
    finally:
        db.close()
    print(f"  update after {res.processed:,} new events (with stats/types read): "
          f"{t * 1000:.0f} ms (target <= 1 s)")


def bench_sqlite(check_cache: Path, events: int, streams: int) -> None:
    import bench_check

    src, _ = bench_check.build(check_cache, events, streams)  # the check benchmark's store
    with tempfile.TemporaryDirectory(prefix="ei-stats-") as d:
        path = Path(d) / "store.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(src + suffix).exists():
                shutil.copyfile(src + suffix, str(path) + suffix)
        print(f"SQLite, {events:,} events ({src})")
        cat = Path(d) / "catalog.sqlite"
        build_all(str(path), cat)
        add_events(_benchstore.sqlite_env(str(path)))
        incremental(str(path), cat)


def bench_pg(cache: Path, events: int, streams: int) -> None:
    from storefactory import pg_connect

    url, _ = _benchstore.pg_store(cache, events, streams, 10_000)
    dbname = url.rsplit("/", 1)[1]
    print(f"PostgreSQL, {events:,} events ({dbname})")
    with tempfile.TemporaryDirectory(prefix="ei-stats-") as d:
        build_all(url, Path(d) / "catalog.sqlite")
    # The incremental update in a scratch database (the cached bench store stays as built):
    # its cost depends on the new events only (a keyset read after the tracked position).
    scratch = "ei_stats_incremental"
    with pg_connect() as c:
        c.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{scratch}"')
    try:
        env = _benchstore.pg_env(scratch)
        add_events(env, 1000, 10)
        surl = _benchstore.pg_url(scratch)
        with tempfile.TemporaryDirectory(prefix="ei-stats-") as d:
            cat = Path(d) / "catalog.sqlite"
            db = open_database(surl)
            try:
                with Catalog(db.store(), Codec(None), cat) as c2:
                    c2.update()
            finally:
                db.close()
            add_events(env)
            print("  PostgreSQL scratch store of 10,000 events:")
            incremental(surl, cat)
    finally:
        with pg_connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def bench_aes(check_cache: Path) -> None:
    import base64

    from Crypto.Cipher import AES

    sys.path.insert(0, str(HERE))
    import bench_check

    key_file = check_cache / "aes.key"
    if not key_file.exists():
        from eventsourcing.cipher import AESCipher

        check_cache.mkdir(parents=True, exist_ok=True)
        key_file.write_text(AESCipher.create_key(32))
    key = key_file.read_text().strip()
    path, meta = bench_check.build(check_cache, 100_000, 10_000, key=key)
    db = open_database(path)
    try:
        blobs = [e.state for e in db.store().log(None, 20_000)]
    finally:
        db.close()
    raw = base64.b64decode(key)
    t0 = time.process_time()
    for b in blobs:
        AES.new(raw, AES.MODE_GCM, nonce=b[:12]).decrypt_and_verify(b[28:], b[12:28])
    t1 = time.process_time()
    codec = Codec(key)
    for b in blobs:
        codec.decrypt(b)
    t2 = time.process_time()
    n = len(blobs)
    print(f"AES-GCM decrypt per event ({n:,} stored blobs, CPU time): pycryptodome "
          f"{(t1 - t0) / n * 1e6:.1f} us, cryptography AESGCM (the codec) "
          f"{(t2 - t1) / n * 1e6:.1f} us")
    print(f"encrypted SQLite store, {meta['events']:,} events")
    with tempfile.TemporaryDirectory(prefix="ei-stats-") as d:
        build_all(path, Path(d) / "catalog.sqlite", key)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--streams", type=int, default=100_000)
    ap.add_argument("--cache", default="/tmp/ei-bench")
    ap.add_argument("--check-cache", default="/tmp/ei-bench-check")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-aes", action="store_true")
    a = ap.parse_args()
    if not a.skip_sqlite:
        bench_sqlite(Path(a.check_cache), a.events, a.streams)
    if not a.skip_pg:
        bench_pg(Path(a.cache), a.events, a.streams)
    if not a.skip_aes:
        bench_aes(Path(a.check_cache))
    return 0


if __name__ == "__main__":
    sys.exit(main())
