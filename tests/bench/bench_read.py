"""Read-path benchmark (issue 2): a 1,000,000-event / 100,000-stream store written by the library.

Run:  .venv/bin/python tests/bench/bench_read.py [--pg] [--events N --streams M] [--cache DIR]

Prints, measured in the same run, for SQLite (and PostgreSQL with --pg):
* ``info`` + the first page of 100 streams (open the store, store_info, streams_page):
  target <= 150 ms;
* later pages of 100 streams (keyset ``--after`` at random places): target <= 50 ms;
* decoding a 10,000-event stream: the inspector (keyset reads + Codec + the ``events`` JSON rows)
  against the library's ``recorder.select_events`` + ``mapper.to_domain_event``; ratio = library
  time / inspector time, target >= 1.0;
* peak RSS of a fresh process paging through all streams: target <= 250 MB (ru_maxrss);
* the wall time of the real CLI process ``event-inspector info`` and ``streams`` (Python start-up
  and imports included), for reference.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT))

import _benchstore  # noqa: E402

from inspector.core.browse import events_json, store_info, streams_page  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def first_page(location: str) -> float:
    t0 = time.perf_counter()
    db = open_database(location)
    try:
        codec = Codec(None)
        store_info(db, codec)
        page = streams_page(db.store(None), codec, limit=100)
        assert len(page.rows) == 100
    finally:
        db.close()
    return time.perf_counter() - t0


def later_pages(location: str, ids: list[str], samples: int) -> list[float]:
    db = open_database(location)
    try:
        store = db.store(None)
        codec = Codec(None)
        out = []
        rng = random.Random(7)
        for _ in range(samples):
            after = rng.choice(ids)
            t0 = time.perf_counter()
            page = streams_page(store, codec, after=after, limit=100)
            out.append(time.perf_counter() - t0)
            assert page.rows and page.rows[0]["id"] > after
        return out
    finally:
        db.close()


def sample_ids(location: str, n_streams: int) -> list[str]:
    """Stream ids spread over the keyspace (from the log, bounded)."""
    db = open_database(location)
    try:
        store = db.store(None)
        mx = store.max_position() or 0
        rng = random.Random(3)
        ids = []
        for _ in range(50):
            ev = store.log(after=rng.randrange(0, mx), limit=1)
            if ev:
                ids.append(ev[0].stream)
        return ids
    finally:
        db.close()


def decode_compare(kind: str, location: str, stream: str, rounds: int) -> dict[str, Any]:
    import uuid

    app = _benchstore.library_app(kind, location)
    db = open_database(location)
    try:
        store = db.store(None)
        codec = Codec(None)
        sid = uuid.UUID(stream)
        lib_times, insp_times = [], []
        n_lib = n_insp = 0
        for _ in range(rounds):
            gc.collect()
            t0 = time.perf_counter()
            events = [app.mapper.to_domain_event(s) for s in app.recorder.select_events(sid)]
            lib_times.append(time.perf_counter() - t0)
            n_lib = len(events)
            del events
            gc.collect()
            t0 = time.perf_counter()
            rows = events_json(store.iter_stream_events(stream), codec)
            insp_times.append(time.perf_counter() - t0)
            n_insp = len(rows)
            assert all(r["error"] is None for r in rows)
            del rows
        assert n_lib == n_insp, (n_lib, n_insp)
        lib, insp = statistics.median(lib_times), statistics.median(insp_times)
        return {"events": n_insp, "library_s": lib, "inspector_s": insp, "ratio": lib / insp,
                "best_ratio": min(lib_times) / min(insp_times)}
    finally:
        db.close()
        app.close()


def rss_child(location: str) -> None:
    """In a fresh process: page through every stream, print peak RSS (MB) and the time."""
    t0 = time.perf_counter()
    db = open_database(location)
    store = db.store(None)
    codec = Codec(None)
    after = None
    total = 0
    worst = 0.0
    while True:
        p0 = time.perf_counter()
        page = streams_page(store, codec, after=after, limit=100)
        worst = max(worst, time.perf_counter() - p0)
        total += len(page.rows)
        if page.exhausted or not page.rows:
            break
        after = page.scanned_to
    db.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"streams": total, "peak_rss_mb": round(peak_mb, 1),
                      "seconds": round(time.perf_counter() - t0, 2), "worst_page_s": worst}))


def cli_wall(location: str, *cmd: str) -> float:
    exe = ROOT / ".venv" / "bin" / "event-inspector"
    t0 = time.perf_counter()
    r = subprocess.run([str(exe), *cmd, location, "--json"], capture_output=True, text=True)
    took = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"CLI failed: {r.stderr}")
    return took


def run(kind: str, location: str, meta: dict[str, Any], rounds: int) -> dict[str, Any]:
    print(f"\n== {kind}: {meta['events']:,} events, {meta['streams']:,} streams ({location})")
    cold = first_page(location)  # the first call in this process (driver imports, cold caches)
    firsts = [first_page(location) for _ in range(5)]
    print(f"info + first page of 100 streams: median {ms(statistics.median(firsts))}, "
          f"max {ms(max(firsts))}, first call in the process {ms(cold)}  (target <= 150 ms)")
    ids = sample_ids(location, meta["streams"])
    pages = later_pages(location, ids, 40)
    print(f"later pages of 100 streams (40 random --after): median {ms(statistics.median(pages))}, "
          f"max {ms(max(pages))}  (target <= 50 ms)")
    dec = decode_compare(kind, location, meta["big_id"], rounds)
    print(f"decode a {dec['events']:,}-event stream: inspector {ms(dec['inspector_s'])}, library "
          f"select_events+to_domain_event {ms(dec['library_s'])} (medians of {rounds}), ratio "
          f"{dec['ratio']:.2f} (best-of-{rounds} ratio {dec['best_ratio']:.2f})  (target >= 1.0)")
    child = subprocess.run(
        [sys.executable, __file__, "--rss-child", location], capture_output=True, text=True
    )
    if child.returncode != 0:
        raise SystemExit(child.stderr)
    rss = json.loads(child.stdout)
    print(f"paging all {rss['streams']:,} streams in a fresh process: peak RSS "
          f"{rss['peak_rss_mb']} MB, {rss['seconds']} s, worst page {ms(rss['worst_page_s'])}  "
          f"(target <= 250 MB)")
    info_cli = cli_wall(location, "info")
    streams_cli = cli_wall(location, "streams")
    print(f"CLI processes (start-up + imports included): info {ms(info_cli)}, streams "
          f"{ms(streams_cli)}")
    return {"first": firsts, "pages": pages, "decode": dec, "rss": rss}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", action="store_true", help="also benchmark PostgreSQL")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--streams", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=10_000, help="events in the big stream")
    ap.add_argument("--cache", default="/tmp/ei-bench", help="where the SQLite store is cached")
    ap.add_argument("--rounds", type=int, default=7, help="decode rounds (median)")
    ap.add_argument("--rss-child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.rss_child:
        rss_child(a.rss_child)
        return 0
    cache = Path(a.cache)
    path, meta = _benchstore.sqlite_store(cache, a.events, a.streams, a.big)
    run("sqlite", path, meta, a.rounds)
    if a.pg:
        url, meta = _benchstore.pg_store(cache, a.events, a.streams, a.big)
        run("postgres", url, meta, a.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
