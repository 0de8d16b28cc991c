"""Operations benchmark (issue 5), figures measured in one run against the library's own code.

Run:  .venv/bin/python tests/bench/bench_ops.py [--events N] [--streams M] [--library-cap S]
      [--skip-pg] [--skip-sqlite]

1. Rebuild of a simple user projection (events per aggregate, ``_opsbenchproj.EventCounts`` with
   a PostgreSQL view) over every event of the PostgreSQL bench store: the inspector's in-place
   rebuild (write mode, batches of 1,000 committed with their tracking) against the library's
   ``ProjectionRunner`` processing the same events into its own tables; ratio = inspector
   throughput / library throughput (target >= 1.0). The library's runner is slow (one commit
   per event), so it is stopped after ``--library-cap`` seconds and its throughput is measured
   over the events it processed by then (the first events of the same log). When it reaches the
   head, both views are compared (must be equal). The views are dropped afterwards.
2. The built-in catalog on a copy of the SQLite bench store: the initial build (target <= 60 s),
   then 1,000 new events written by the library and the incremental update (target <= 1 s).

The stores are the read benchmark's (``_benchstore``: N events over M streams, cached).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for p in (str(HERE), str(HERE.parent), str(ROOT)):
    if p not in sys.path:
        sys.path.insert(0, p)

import _benchstore  # noqa: E402

from inspector.core.codec import Codec  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


def drop_views(dbname: str) -> None:
    from storefactory import pg_connect

    with pg_connect(dbname) as c:
        for t in ("ei_opsbench_counts", "ei_opsbench_tracking", "ei_opsbench_lib_counts",
                  "ei_opsbench_lib_tracking"):
            c.execute(f'DROP TABLE IF EXISTS public."{t}"')


def view_rows(dbname: str, table: str) -> list[tuple[Any, ...]]:
    from storefactory import pg_connect

    with pg_connect(dbname) as c:
        return [tuple(r) for r in c.execute(f'SELECT * FROM public."{table}" ORDER BY 1')]


def library_runner(dbname: str, head: int, cap: float) -> tuple[float, int]:
    """Run the library's ProjectionRunner until the head or ``cap`` seconds: (seconds, position)."""
    from _opsbenchproj import LibraryEventCounts, PgCountsView
    from eventsourcing.projection import ProjectionRunner

    env = _benchstore.pg_env(dbname)
    t0 = time.perf_counter()
    last_print = t0
    with ProjectionRunner(application_class=_benchstore.BenchApp,
                          projection_class=LibraryEventCounts, view_class=PgCountsView,
                          env=env) as runner:
        while True:
            pos = runner.view.max_tracking_id(runner.app_name) or 0
            now = time.perf_counter()
            if pos >= head or now - t0 >= cap:
                break
            if now - last_print > 30:
                last_print = now
                print(f"    library: position {pos:,} after {now - t0:.0f} s", file=sys.stderr)
            time.sleep(0.05)
        elapsed = time.perf_counter() - t0
    return elapsed, pos


def inspector_rebuild(url: str, batch: int) -> tuple[float, Any]:
    from inspector.core import projections as P
    from inspector.core.domain import load_domain

    t0 = time.perf_counter()
    db = open_database(url, schema="public")
    try:
        store = db.store()
        codec = Codec(None)
        pdef = P.find_projection("_opsbenchproj:EventCounts", [str(HERE)], "postgres",
                                 "_opsbenchproj:PgCountsView")
        domain = load_domain([str(HERE)], "_benchstore:BenchApp", None)
        prepared, view = P.prepare_in_place(store, pdef, domain, restart=True)
        last = [0.0]

        def progress(p: Any) -> None:
            if time.perf_counter() - last[0] > 10:
                last[0] = time.perf_counter()
                print(f"    inspector: {p.text()}", file=sys.stderr)

        res = P.run_in_place(store, codec, pdef, domain, prepared, view, write_enabled=True,
                             batch=batch, progress=progress)
    finally:
        db.close()
    return time.perf_counter() - t0, res


def bench_projection(cache: Path, events: int, streams: int, big: int, batch: int,
                     cap: float) -> None:
    url, meta = _benchstore.pg_store(cache, events, streams, big)
    dbname = url.rsplit("/", 1)[1]
    drop_views(dbname)
    try:
        print(f"projection rebuild over {events:,} events (PostgreSQL {dbname})")
        t_ins, res = inspector_rebuild(url, batch)
        assert res.status == "done", res.error
        print(f"  inspector rebuild (in place, batches of {batch}): {t_ins:.1f} s, "
              f"{res.processed / t_ins:,.0f} events/s ({res.processed:,} events)")
        t_lib, lib_pos = library_runner(dbname, res.head, cap)
        lib_rate = lib_pos / t_lib
        ins_rate = res.processed / t_ins
        whole = lib_pos >= res.head
        print(f"  library ProjectionRunner:                     {t_lib:.1f} s, "
              f"{lib_rate:,.0f} events/s ({lib_pos:,} events"
              + ("" if whole else f", stopped at the {cap:.0f} s cap") + ")")
        print(f"  ratio (inspector throughput / library throughput): {ins_rate / lib_rate:.2f}"
              f"  (target >= 1.0)")
        if whole:
            a = view_rows(dbname, "ei_opsbench_counts")
            b = view_rows(dbname, "ei_opsbench_lib_counts")
            print(f"  views equal: {a == b} ({len(a):,} rows)")
    finally:
        drop_views(dbname)


def bench_catalog(cache: Path, events: int, streams: int, big: int) -> None:
    from inspector.core.catalog import Catalog

    src, meta = _benchstore.sqlite_store(cache, events, streams, big)
    with tempfile.TemporaryDirectory(prefix="ei-opsbench-") as d:
        path = Path(d) / "store.db"
        for suffix in ("", "-wal", "-shm"):
            if Path(src + suffix).exists():
                shutil.copyfile(src + suffix, str(path) + suffix)
        cat_path = Path(d) / "catalog.sqlite"
        print(f"catalog over {events:,} events (SQLite copy of {src})")
        db = open_database(str(path))
        try:
            t0 = time.perf_counter()
            with Catalog(db.store(), Codec(None), cat_path) as cat:
                res = cat.update()
                t_build = time.perf_counter() - t0
                s = cat.summary()
            print(f"  initial build: {t_build:.1f} s ({res.processed:,} events, "
                  f"{res.processed / t_build:,.0f}/s; {s['streams']:,} streams)  (target <= 60 s)")
        finally:
            db.close()
        # 1,000 new events by the library, then the incremental update.
        from _benchdomain import Dog

        app = _benchstore.BenchApp(env=_benchstore.sqlite_env(str(path)))
        try:
            dogs = [Dog(f"new {i}") for i in range(100)]
            for dg in dogs:
                for j in range(9):
                    dg.add_trick(f"t{j}", j)
            app.save(*dogs)
        finally:
            app.close()
        db = open_database(str(path))
        try:
            t0 = time.perf_counter()
            with Catalog(db.store(), Codec(None), cat_path) as cat:
                res = cat.update()
            t_inc = time.perf_counter() - t0
        finally:
            db.close()
        print(f"  incremental update after {res.processed:,} new events: {t_inc * 1000:.0f} ms "
              f"(target <= 1 s)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--streams", type=int, default=100_000)
    ap.add_argument("--big", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--cache", default="/tmp/ei-bench")
    ap.add_argument("--library-cap", type=float, default=900.0,
                    help="stop the library's ProjectionRunner after this many seconds")
    ap.add_argument("--skip-pg", action="store_true")
    ap.add_argument("--skip-sqlite", action="store_true")
    a = ap.parse_args()
    cache = Path(a.cache)
    if not a.skip_sqlite:
        bench_catalog(cache, a.events, a.streams, a.big)
    if not a.skip_pg:
        bench_projection(cache, a.events, a.streams, a.big, a.batch, a.library_cap)
    return 0


if __name__ == "__main__":
    sys.exit(main())
