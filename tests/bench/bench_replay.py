"""Replay benchmark: a 100,000-event stream on SQLite and PostgreSQL, ratios against the library.

Run: ``.venv/bin/python tests/bench/bench_replay.py [--events N] [--only sqlite|postgres]``.

The stream (one ``eidomain.dogs:Dog`` with alternating ``Scored``/``Weighed`` events, declarative
``@event`` syntax) is written by the real library (``Application.save`` in batches of 1,000) and
cached (SQLite file under ``$XDG_CACHE_HOME``/``~/.cache``; a PostgreSQL database
``ei_bench_replay``). Measured in the same run:

* in process, first full replay: the library's ``app.repository.get(id)`` vs a fresh
  ``Replayer`` in domain and generic mode (median of 3);
* whole processes: ``event-inspector state STORE STREAM --version N --json`` (domain, generic) vs a
  process that opens the store with the library and calls ``Repository.get`` (median of 3);
* after the first replay, 200 random jumps (median, p95); the checkpoint memory of the stream;
* blame of one path over the whole stream.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
DOMAINS = TESTS / "domains"
REPO = TESTS.parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(DOMAINS))

APP_SPEC = "eidomain.dogs:DogSchool"
PG_DB = "ei_bench_replay"
PG_SCHEMA = "public"
TARGETS = {
    "domain_inproc": 2.0,
    "generic_inproc": 5.0,
    "domain_cli": 2.0,
    "generic_cli": 4.0,
    "jump_median_ms": 10.0,
    "jump_p95_ms": 30.0,
    "memory_mb": 100.0,
    "blame_s": 2.0,
}


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    d = Path(base) / "event-inspector-bench"
    d.mkdir(parents=True, exist_ok=True)
    return d


def write_stream(env: dict[str, str], n: int) -> str:
    from eidomain.dogs import Dog, PlainDogSchool

    app = PlainDogSchool(env=env)
    try:
        d = Dog("bench")
        k = 1
        while k < n:
            for _ in range(min(1000, n - k)):
                k += 1
                if k % 2:
                    d.score(f"judge{k % 20}", Decimal(k) / 100)
                else:
                    d.weigh(Decimal(k % 500) / 10)
            app.save(d)
        return str(d.id)
    finally:
        app.close()


def sqlite_store(n: int) -> dict[str, Any]:
    path = cache_dir() / f"replay_{n}.db"
    meta = path.with_suffix(".json")
    if not (path.exists() and meta.exists()):
        for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            p.unlink(missing_ok=True)
        t = time.perf_counter()
        stream = write_stream(
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}, n
        )
        meta.write_text(json.dumps({"stream": stream}))
        print(f"  wrote {n:,} events to {path} in {time.perf_counter() - t:.1f} s")
    stream = json.loads(meta.read_text())["stream"]
    return {
        "kind": "sqlite",
        "stream": stream,
        "location": str(path),
        "cli": [str(path)],
        "lib_env": {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": f"file:{path}?mode=ro",
            "CREATE_TABLE": "no",
        },
    }


def pg_store(n: int) -> dict[str, Any]:
    from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER, pg_admin_url, pg_connect

    dbname = f"{PG_DB}_{n}"
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": PG_HOST,
        "POSTGRES_PORT": str(PG_PORT),
        "POSTGRES_USER": PG_USER,
        "POSTGRES_PASSWORD": PG_PASSWORD or "x",
    }
    meta = cache_dir() / f"{dbname}.json"
    with pg_connect() as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists or not meta.exists():
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{dbname}"')
            exists = None
    if not exists:
        t = time.perf_counter()
        stream = write_stream(env, n)
        with pg_connect(dbname) as c:
            c.execute("VACUUM ANALYZE")
        meta.write_text(json.dumps({"stream": stream}))
        print(f"  wrote {n:,} events to PostgreSQL {dbname} in {time.perf_counter() - t:.1f} s")
    stream = json.loads(meta.read_text())["stream"]
    url = pg_admin_url(dbname)
    lib_env = dict(env)
    lib_env["CREATE_TABLE"] = "no"
    return {
        "kind": "postgres",
        "stream": stream,
        "location": url,
        "cli": [url, "--schema", PG_SCHEMA, "--app", "PlainDogSchool"],
        "lib_env": lib_env,
    }


LIB_SCRIPT = """
import sys, time
sys.path.insert(0, {domains!r})
from uuid import UUID
from eidomain.dogs import PlainDogSchool
app = PlainDogSchool(env={env!r})
agg = app.repository.get(UUID({stream!r}), version={version})
assert agg.version == {version}
"""


ROUNDS = 5


def timed(fn: Any) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run_process(argv: list[str]) -> float:
    t = time.perf_counter()
    r = subprocess.run(argv, capture_output=True, check=False, cwd=REPO)
    dt_ = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"{argv[:3]} failed: {r.stderr.decode()[-2000:]}")
    return dt_


def bench(store_info: dict[str, Any], n: int) -> dict[str, float]:
    from uuid import UUID

    from eidomain.dogs import PlainDogSchool

    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.core.replay import Replayer
    from inspector.stores.open import open_database

    stream = store_info["stream"]
    res: dict[str, float] = {}

    app = PlainDogSchool(env=store_info["lib_env"])
    lib_state = app.repository.get(UUID(stream))  # warm-up (and the expected state)

    schema = PG_SCHEMA if store_info["kind"] == "postgres" else None
    db = open_database(store_info["location"], schema=schema)
    store = db.store("PlainDogSchool" if store_info["kind"] == "postgres" else None)
    domain = load_domain([str(DOMAINS)], APP_SPEC)
    codec = Codec()
    # Interleaved rounds (library, domain, generic back to back), so that load from other
    # processes hits all three alike; ratios are the medians of the per-round ratios.
    rounds: dict[str, list[float]] = {"lib": [], "domain": [], "generic": []}
    for _ in range(ROUNDS):
        rounds["lib"].append(timed(lambda: app.repository.get(UUID(stream))))
        for mode in ("domain", "generic"):
            rounds[mode].append(
                timed(lambda m=mode: Replayer(store, codec, m, domain).state(stream))
            )
    app.close()
    res["lib_inproc_s"] = statistics.median(rounds["lib"])
    for mode in ("domain", "generic"):
        res[f"{mode}_inproc_s"] = statistics.median(rounds[mode])
        res[f"{mode}_inproc_ratio"] = statistics.median(
            a / b for a, b in zip(rounds["lib"], rounds[mode], strict=True)
        )
    from inspector.core.normalise import normalise

    rp = Replayer(store, codec, "domain", domain)
    last = rp.state(stream)
    want = normalise({k: v for k, v in vars(lib_state).items() if k != "_pending_events"})
    assert last.state == want, "domain-mode state differs from the library's"
    rnd = random.Random(7)
    versions = [rnd.randint(1, n) for _ in range(200)]
    times = []
    for v in versions:
        t = time.perf_counter()
        rp.state(stream, v)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    res["jump_median_ms"] = statistics.median(times)
    res["jump_p95_ms"] = times[int(len(times) * 0.95) - 1]
    res["memory_mb"] = rp.checkpoint_memory(stream) / 1e6
    t = time.perf_counter()
    rows = rp.blame(stream, ["weight"])
    res["blame_s"] = time.perf_counter() - t
    res["blame_rows"] = len(rows)
    grp = Replayer(store, codec, "generic")
    grp.state(stream)
    gtimes = []
    for v in versions:
        t = time.perf_counter()
        grp.state(stream, v)
        gtimes.append((time.perf_counter() - t) * 1000)
    gtimes.sort()
    res["generic_jump_median_ms"] = statistics.median(gtimes)
    res["generic_jump_p95_ms"] = gtimes[int(len(gtimes) * 0.95) - 1]
    res["generic_memory_mb"] = grp.checkpoint_memory(stream) / 1e6
    db.close()

    exe = str(Path(sys.executable).with_name("event-inspector"))
    base = [
        exe,
        "state",
        *store_info["cli"][:1],
        stream,
        *store_info["cli"][1:],
        "--version",
        str(n),
        "--json",
    ]
    script = LIB_SCRIPT.format(
        domains=str(DOMAINS), env=store_info["lib_env"], stream=stream, version=n
    )
    procs: dict[str, list[float]] = {"lib": [], "domain": [], "generic": []}
    for _ in range(ROUNDS):
        procs["lib"].append(run_process([sys.executable, "-c", script]))
        procs["domain"].append(
            run_process([*base, "--path", str(DOMAINS), "--app-class", APP_SPEC])
        )
        procs["generic"].append(run_process([*base, "--mode", "generic"]))
    res["lib_cli_s"] = statistics.median(procs["lib"])
    for mode in ("domain", "generic"):
        res[f"{mode}_cli_s"] = statistics.median(procs[mode])
        res[f"{mode}_cli_ratio"] = statistics.median(
            a / b for a, b in zip(procs["lib"], procs[mode], strict=True)
        )
    return res


def report(kind: str, n: int, r: dict[str, float]) -> list[str]:
    ratios = {
        k: r[f"{k}_ratio"] for k in ("domain_inproc", "generic_inproc", "domain_cli", "generic_cli")
    }
    fails = []
    print(f"\n== {kind}: {n:,}-event stream ==")
    print(f"  library Repository.get, in process   {r['lib_inproc_s']:.3f} s")
    for k in ("domain", "generic"):
        ratio = ratios[f"{k}_inproc"]
        ok = ratio >= TARGETS[f"{k}_inproc"]
        fails += [] if ok else [f"{kind} {k} in-process ratio {ratio:.2f}"]
        print(
            f"  {k:8s} first replay, in process   {r[f'{k}_inproc_s']:.3f} s   "
            f"{ratio:.2f}x  (target >= {TARGETS[f'{k}_inproc']}x) {'ok' if ok else 'FAIL'}"
        )
    print(f"  library process (open + get)         {r['lib_cli_s']:.3f} s")
    for k in ("domain", "generic"):
        ratio = ratios[f"{k}_cli"]
        ok = ratio >= TARGETS[f"{k}_cli"]
        fails += [] if ok else [f"{kind} {k} process ratio {ratio:.2f}"]
        print(
            f"  {k:8s} `event-inspector state`    {r[f'{k}_cli_s']:.3f} s   "
            f"{ratio:.2f}x  (target >= {TARGETS[f'{k}_cli']}x) {'ok' if ok else 'FAIL'}"
        )
    for label, key, gkey in (
        ("median", "jump_median_ms", "generic_jump_median_ms"),
        ("p95", "jump_p95_ms", "generic_jump_p95_ms"),
    ):
        ok = r[key] <= TARGETS[key] and r[gkey] <= TARGETS[key]
        fails += [] if ok else [f"{kind} jump {label}"]
        print(
            f"  200 random jumps {label:6s}  domain {r[key]:6.2f} ms, generic {r[gkey]:6.2f} ms"
            f"  (target <= {TARGETS[key]:.0f} ms) {'ok' if ok else 'FAIL'}"
        )
    ok = max(r["memory_mb"], r["generic_memory_mb"]) <= TARGETS["memory_mb"]
    fails += [] if ok else [f"{kind} memory"]
    print(
        f"  checkpoint memory (pickled states)   domain {r['memory_mb']:.2f} MB, generic "
        f"{r['generic_memory_mb']:.2f} MB  (target <= 100 MB) {'ok' if ok else 'FAIL'}"
    )
    ok = r["blame_s"] <= TARGETS["blame_s"]
    fails += [] if ok else [f"{kind} blame"]
    print(
        f"  blame 'weight' over the stream       {r['blame_s']:.3f} s ({int(r['blame_rows']):,} "
        f"changes)  (target <= 2 s) {'ok' if ok else 'FAIL'}"
    )
    return fails


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--only", choices=("sqlite", "postgres"))
    args = ap.parse_args()
    fails: list[str] = []
    print(
        f"load average at start: {os.getloadavg()[0]:.2f} (2 cores); medians of {ROUNDS} "
        f"interleaved rounds"
    )
    for kind, make in (("sqlite", sqlite_store), ("postgres", pg_store)):
        if args.only and kind != args.only:
            continue
        info = make(args.events)
        fails += report(kind, args.events, bench(info, args.events))
    print("\nall targets met" if not fails else "\nmissed: " + "; ".join(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
