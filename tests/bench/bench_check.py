"""Benchmark ``check`` (whole-store health scan) against a loop of the library's ``repository.get``.

Run under the shared lock:
``flock /work/coord/bench.lock .venv/bin/python tests/bench/bench_check.py``.

Stores are written by the real library (``_benchstore.write_store``: real aggregates, the
library's mapper and recorder) and cached; every 10th stream also gets a snapshot taken by the
library's own ``Application.take_snapshot``. Measured in the same run, each in a fresh process:

* ``check --jobs 1`` and ``--jobs 2`` over the whole store (snapshot checks included): events/s,
  streams/s and peak RSS of the scan (the coordinator and, with jobs, the largest worker);
* the library: ``app.repository.get(id)`` in a loop over a sample of the same ids (streams/s,
  scaled to events by the store's mean stream length);
* peak memory of ``check`` on a 10x smaller store of the same shape (should be about the same);
* an encrypted (AES-GCM) store, smaller.

Targets (issue 12): 2 jobs >= 1.6x the 1-job rate; 1 job >= 2x the library loop.
The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import _benchstore  # noqa: E402

SNAP_EVERY = 10


def build(cache: Path, events: int, streams: int, key: str | None = None) -> tuple[str, dict]:
    """A cached SQLite store: ``events`` over ``streams``, snapshots of every 10th stream."""
    cache.mkdir(parents=True, exist_ok=True)
    tag = f"check_{events}_{streams}" + ("_aes" if key else "")
    path = cache / f"{tag}.db"
    meta_path = cache / f"{tag}.json"
    if path.exists() and meta_path.exists():
        return str(path), json.loads(meta_path.read_text())
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), meta_path):
        p.unlink(missing_ok=True)
    env = _benchstore.sqlite_env(str(path))
    if key:
        env.update(CIPHER_TOPIC="eventsourcing.cipher:AESCipher", CIPHER_KEY=key)
    print(f"building {path} ...", file=sys.stderr)
    t0 = time.perf_counter()
    meta = _benchstore.write_store(env, events, streams, big=min(1000, events // streams * 10))
    app = _benchstore.BenchApp(env={**env, "IS_SNAPSHOTTING_ENABLED": "y"})
    try:
        ids = _ids(str(path))
        import uuid

        n = 0
        for i, sid in enumerate(ids):
            if i % SNAP_EVERY == 0:
                app.take_snapshot(uuid.UUID(sid))
                n += 1
        meta["snapshots"] = n
    finally:
        app.close()
    meta["build_s"] = round(time.perf_counter() - t0, 1)
    meta_path.write_text(json.dumps(meta))
    return str(path), meta


def _ids(path: str) -> list[str]:
    import sqlite3

    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[0] for r in con.execute(
            "SELECT originator_id FROM stored_events WHERE originator_version = 1"
            " ORDER BY originator_id")]
    finally:
        con.close()


_CHECK = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
from inspector.core.health_run import CheckOptions, run_check
opts = CheckOptions({path!r}, paths=[{here!r}], app_class="_benchstore:BenchApp", jobs={jobs},
                    cipher_key={key!r})
t0 = time.perf_counter()
rep = run_check(opts, resume=False)
wall = time.perf_counter() - t0
me = resource.getrusage(resource.RUSAGE_SELF)
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({{"wall": wall, "seconds": rep["seconds"], "events": rep["events"],
                  "streams": rep["streams"], "snapshots": rep["snapshots"],
                  "healthy": rep["healthy"], "rss_kb": me.ru_maxrss,
                  "worker_rss_kb": ch.ru_maxrss,
                  "cpu": me.ru_utime + me.ru_stime + ch.ru_utime + ch.ru_stime}}))
"""

_LIBRARY = """
import json, os, sys, time, uuid
sys.path.insert(0, {here!r})
import _benchstore
ids = json.loads(open({ids!r}).read())
env = _benchstore.sqlite_env({path!r})
env.update(CREATE_TABLE="no", IS_SNAPSHOTTING_ENABLED="y")
if {key!r}:
    env.update(CIPHER_TOPIC="eventsourcing.cipher:AESCipher", CIPHER_KEY={key!r})
app = _benchstore.BenchApp(env=env)
t0 = time.perf_counter()
c0 = time.process_time()
n = 0
for sid in ids:
    agg = app.repository.get(uuid.UUID(sid))
    n += 1
wall = time.perf_counter() - t0
cpu = time.process_time() - c0
app.close()
print(json.dumps({{"wall": wall, "streams": n, "cpu": cpu}}))
"""


def _run(code: str) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=False, cwd=str(ROOT))
    if out.returncode != 0:
        raise SystemExit(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(cache: Path, events: int, streams: int, sample: int, key: str | None = None,
          jobs: tuple[int, ...] = (1, 2)) -> dict[str, Any]:
    path, meta = build(cache, events, streams, key)
    label = "encrypted" if key else "plain"
    print(f"\n{label} store: {events:,} events, {streams:,} streams, "
          f"{meta.get('snapshots', 0):,} snapshots ({path})")
    res: dict[str, Any] = {}
    for j in jobs:
        r = _run(_CHECK.format(here=str(HERE), path=path, jobs=j, key=key))
        rate = r["events"] / r["seconds"]
        res[j] = r | {"rate": rate}
        print(f"  check --jobs {j}: {r['seconds']:.1f} s scan ({r['wall']:.1f} s with set-up), "
              f"{rate:,.0f} events/s, {r['streams'] / r['seconds']:,.0f} streams/s, "
              f"healthy={r['healthy']}, peak RSS {r['rss_kb'] / 1024:.0f} MB"
              + (f" (largest worker {r['worker_rss_kb'] / 1024:.0f} MB)" if j > 1 else "")
              + f"; CPU {r['cpu']:.1f} s in all processes (start-up included)")
    ids = _ids(path)
    step = max(1, len(ids) // sample)
    chosen = ids[::step][:sample]
    ids_file = cache / "ids_sample.json"
    ids_file.write_text(json.dumps(chosen))
    lib = _run(_LIBRARY.format(here=str(HERE), path=path, ids=str(ids_file), key=key))
    lib_streams = lib["streams"] / lib["wall"]
    lib_events = lib_streams * events / streams
    print(f"  library repository.get loop over {lib['streams']:,} of the same ids: "
          f"{lib_streams:,.0f} streams/s (~{lib_events:,.0f} events/s)")
    one = res[jobs[0]]
    ratio_lib = (one["streams"] / one["seconds"]) / lib_streams
    print(f"  check 1 job / library loop: {ratio_lib:.2f}x (target >= 2x)")
    lib_cpu_per_stream = lib["cpu"] / lib["streams"]
    check_cpu_per_stream = one["cpu"] / one["streams"]
    print(f"  CPU per stream: library loop {lib_cpu_per_stream * 1e6:,.0f} us, check 1 job "
          f"{check_cpu_per_stream * 1e6:,.0f} us (start-up included): "
          f"{lib_cpu_per_stream / check_cpu_per_stream:.2f}x")
    if len(jobs) > 1:
        print(f"  check 2 jobs / 1 job: {res[2]['rate'] / res[1]['rate']:.2f}x (target >= 1.6x)")
        # On a busy shared machine wall time says little about parallelism; the CPU both
        # runs spent says whether the work split without overhead (2 free cores: about
        # wall = CPU / 2 for the 2-job run).
        print(f"  CPU seconds, 2 jobs / 1 job: {res[2]['cpu'] / res[1]['cpu']:.2f} "
              f"(1.0 = no overhead from splitting); 2-core estimate of the 2-job speed-up: "
              f"{2 * res[1]['cpu'] / res[2]['cpu']:.2f}x")
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--streams", type=int, default=100_000)
    ap.add_argument("--sample", type=int, default=10_000, help="ids for the library loop")
    ap.add_argument("--cache", default="/tmp/ei-bench-check")
    ap.add_argument("--skip-encrypted", action="store_true")
    ap.add_argument("--skip-memory", action="store_true")
    a = ap.parse_args()
    cache = Path(a.cache)
    big = bench(cache, a.events, a.streams, a.sample)
    if not a.skip_memory:
        small = bench(cache, a.events // 10, a.streams // 10, a.sample // 10, jobs=(1,))
        print(f"\npeak RSS, 1 job: {small[1]['rss_kb'] / 1024:.0f} MB at {a.events // 10:,} "
              f"events vs {big[1]['rss_kb'] / 1024:.0f} MB at {a.events:,} events")
    if not a.skip_encrypted:
        from eventsourcing.cipher import AESCipher

        key_file = cache / "aes.key"
        if not key_file.exists():
            cache.mkdir(parents=True, exist_ok=True)
            key_file.write_text(AESCipher.create_key(32))
        bench(cache, a.events // 10, a.streams // 10, a.sample // 10,
              key=key_file.read_text().strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
