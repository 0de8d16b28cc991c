"""Families benchmark (issue 10): DCB tables on PostgreSQL and a UmaDB server.

Run (under the shared bench lock):
    flock /work/coord/bench.lock .venv/bin/python tests/bench/bench_families.py [--events N]

Both stores are written by the library's own code in bulk: DCB events by
``PostgresDCBRecorderTT.append`` (decisions encoded by ``MessagePackMapper``), aggregate events
by eventsourcing-umadb's ``UmaDBApplicationRecorder.insert_events``. Each store holds N events:
one 10,000-event stream (a tag / an aggregate) and the rest in streams of 10 events.

Printed, measured in this run:
* the first page of 100 streams (open, then ``streams_page``; UmaDB: from its local catalog,
  once built): target <= 150 ms; later pages (``--after`` at random places): target <= 50 ms;
* UmaDB's one-off catalog scan: events per second;
* decoding the 10,000-event stream: the inspector (reads + codec + ``events`` JSON rows) against
  the library's own read + decode (DCB: ``recorder.read`` of the tag + ``mapper.to_domain_event``;
  UmaDB: ``recorder.select_events`` + ``mapper.to_domain_event``); ratio = library / inspector,
  target >= 1.0.
The machine is shared: figures are noisy.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
for p in (HERE.parent, ROOT, HERE.parent / "domains"):
    sys.path.insert(0, str(p))

from inspector.core.browse import events_json, streams_page  # noqa: E402
from inspector.core.catalog import Catalog, ensure_catalog  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402

BIG = 10_000
PER_STREAM = 10


def ms(s: float) -> str:
    return f"{s * 1000:.1f} ms"


def timed(fn: Any, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def pages(store: Any, codec: Codec, ids: list[str], label: str) -> None:
    t_first = timed(lambda: streams_page(store, codec, limit=100))
    rnd = random.Random(7)
    later = []
    for _ in range(20):
        after = rnd.choice(ids)
        t0 = time.perf_counter()
        page = streams_page(store, codec, after=after, limit=100)
        later.append(time.perf_counter() - t0)
        assert page.rows
    print(f"{label}: first page of 100 streams {ms(t_first)} (target <= 150 ms); later pages "
          f"median {ms(statistics.median(later))}, max {ms(max(later))} (target <= 50 ms)")


# -- DCB on PostgreSQL ----------------------------------------------------------------------
def build_dcb(pg: Any, n: int) -> tuple[str, str, str, list[str]]:
    from dcbdomain.courses import Course, StudentJoinedCourse
    from dcbstores import dcb_app
    from eventsourcing.dcb.domain import Tagged

    schema = pg.new_schema("bench_dcb")
    big = f"course-{uuid.uuid4()}"
    tags: list[str] = []
    with dcb_app(pg, schema) as app:
        mapper, rec = app.mapper, app.recorder
        batch: list[Any] = []

        def flush() -> None:
            if batch:
                rec.append(batch)
                batch.clear()

        reg = Course.Registered(originator_topic="dcbdomain.courses:Course", course_id=big,
                                name="big", places=1)
        batch.append(mapper.to_dcb_event(Tagged([big], reg)))
        for i in range(BIG - 1):
            d = StudentJoinedCourse(student_id=f"s{i}", course_id=big)
            batch.append(mapper.to_dcb_event(Tagged([big], d)))
            if len(batch) >= 2000:
                flush()
        flush()
        rest = max(0, n - BIG)
        for _ in range(rest // PER_STREAM):
            tag = f"course-{uuid.uuid4()}"
            tags.append(tag)
            reg = Course.Registered(originator_topic="dcbdomain.courses:Course", course_id=tag,
                                    name="c", places=3)
            batch.append(mapper.to_dcb_event(Tagged([tag], reg)))
            for k in range(PER_STREAM - 1):
                batch.append(mapper.to_dcb_event(Tagged([tag], Course.Renamed(name=f"n{k}"))))
            if len(batch) >= 5000:
                flush()
        flush()
    return schema, big, pg.url(), tags


def bench_dcb(pg: Any, n: int) -> None:
    from dcbstores import dcb_app
    from eventsourcing.dcb.api import DCBQuery, DCBQueryItem

    t0 = time.perf_counter()
    schema, big, url, tags = build_dcb(pg, n)
    print(f"DCB: wrote {n:,} events ({len(tags) + 1:,} tags) in {time.perf_counter() - t0:.0f} s")
    t0 = time.perf_counter()
    db = open_database(url, schema=schema)
    store = db.store()
    codec = Codec().for_store(store)
    first = streams_page(store, codec, limit=100)
    print(f"DCB: open + first page of 100 tags (cold) {ms(time.perf_counter() - t0)}")
    assert len(first.rows) == 100
    pages(store, codec, tags, "DCB")

    def inspector() -> None:
        rows = 0
        for ev_batch in _batches(store, big):
            rows += len(events_json(ev_batch, codec))
        assert rows == BIG

    with dcb_app(pg, schema) as app:
        def library() -> None:
            q = DCBQuery(items=[DCBQueryItem(tags=[big])])
            out = [app.mapper.to_domain_event(e.event) for e in app.recorder.read(q)]
            assert len(out) == BIG

        t_lib = timed(library, 3)
    t_ins = timed(inspector, 3)
    print(f"DCB: decode the {BIG:,}-event tag: inspector {ms(t_ins)}, library {ms(t_lib)}, "
          f"ratio {t_lib / t_ins:.2f} (target >= 1.0)")
    db.close()


def _batches(store: Any, stream: str) -> Any:
    lo = 1
    while True:
        page = store.stream_events(stream, lo, None, limit=2000)
        if page:
            yield page
        if len(page) < 2000:
            return
        lo = page[-1].version + 1


# -- UmaDB ------------------------------------------------------------------------------------
def build_uma(server: Any, n: int) -> tuple[str, list[str]]:
    from eidomain.dogs import Dog, PlainDogSchool, Trick
    from eventsourcing.persistence import StoredEvent
    from eventsourcing_umadb.recorders import UmaDBApplicationRecorder
    from umadb import Client

    with PlainDogSchool(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}) as app:
        d = Dog(name="template")
        d.add_trick(Trick("sit", 1))
        app.save(d)
        created, added = [n_.state for n_ in app.recorder.select_notifications(1, 10)][:2]
        topics = [n_.topic for n_ in app.recorder.select_notifications(1, 10)][:2]
    rec = UmaDBApplicationRecorder(Client(server.client_url))
    big = uuid.uuid4()
    batch: list[StoredEvent] = []

    def flush() -> None:
        if batch:
            rec.insert_events(batch)
            batch.clear()

    for v in range(1, BIG + 1):
        batch.append(StoredEvent(big, v, topics[v > 1], created if v == 1 else added))
        if len(batch) >= 1000:
            flush()
    flush()
    ids = []
    for _ in range(max(0, n - BIG) // PER_STREAM):
        sid = uuid.uuid4()
        ids.append(str(sid))
        for v in range(1, PER_STREAM + 1):
            batch.append(StoredEvent(sid, v, topics[v > 1], created if v == 1 else added))
        if len(batch) >= 1000:
            flush()
    flush()
    return str(big), ids


def bench_uma(n: int, tmp: Path) -> None:
    from eidomain.dogs import PlainDogSchool
    from umadbserver import start_server, uma_env

    server = start_server(tmp / "uma")
    try:
        t0 = time.perf_counter()
        big, ids = build_uma(server, n)
        print(f"UmaDB: wrote {n:,} events ({len(ids) + 1:,} streams) in "
              f"{time.perf_counter() - t0:.0f} s")
        db = open_database(server.url)
        store = db.store()
        codec = Codec().for_store(store)
        t0 = time.perf_counter()
        res = ensure_catalog(store, codec)
        dt_scan = time.perf_counter() - t0
        assert res is not None
        print(f"UmaDB: one-off catalog scan of {res.processed:,} events in {dt_scan:.1f} s "
              f"({res.processed / dt_scan:,.0f} events/s)")
        db.close()
        t0 = time.perf_counter()
        db = open_database(server.url)
        store = db.store()
        codec = Codec().for_store(store)
        first = streams_page(store, codec, limit=100)
        assert len(first.rows) == 100
        print(f"UmaDB: open + first page of 100 streams from the catalog (incremental update "
              f"included) {ms(time.perf_counter() - t0)}")
        pages(store, codec, ids, "UmaDB")

        def inspector() -> None:
            rows = 0
            for ev_batch in _batches(store, big):
                rows += len(events_json(ev_batch, codec))
            assert rows == BIG

        with PlainDogSchool(env=uma_env(server)) as app:
            def library() -> None:
                evs = app.recorder.select_events(uuid.UUID(big))
                out = [app.mapper.to_domain_event(e) for e in evs]
                assert len(out) == BIG

            t_lib = timed(library, 3)
        t_ins = timed(inspector, 3)
        print(f"UmaDB: decode the {BIG:,}-event stream: inspector {ms(t_ins)}, library "
              f"{ms(t_lib)}, ratio {t_lib / t_ins:.2f} (target >= 1.0)")
        cat = store.catalog
        if isinstance(cat, Catalog):
            print(f"UmaDB: catalog file {cat.path} ({os.path.getsize(cat.path) / 1e6:.1f} MB)")
        db.close()
    finally:
        server.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--only", choices=("dcb", "umadb"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("XDG_CACHE_HOME", str(Path(tmp) / "cache"))
        if args.only in (None, "dcb"):
            from storefactory import PgServer

            pg = PgServer()
            try:
                bench_dcb(pg, args.events)
            finally:
                pg.drop()
        if args.only in (None, "umadb"):
            bench_uma(args.events, Path(tmp))


if __name__ == "__main__":
    main()
