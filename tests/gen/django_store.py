"""Write an eventsourcing-django store with the REAL package, and what the library reads back.

eventsourcing-django 0.6 pins ``eventsourcing<9.5`` and ``Django<5.2``, so this runs in its own
environment, never in the project's venv::

    uv run --no-project --python 3.11 --with 'eventsourcing-django==0.6' \
        --with 'eventsourcing<9.5' --with 'Django<5.2' --with 'psycopg[binary]' \
        python tests/gen/django_store.py OUT_DIR sqlite
    ... python tests/gen/django_store.py OUT_DIR postgres HOST PORT USER PASSWORD DBNAME SCHEMA

Django is configured programmatically (no project), its migrations create the three tables,
then a ``System`` of two leaders (``School``, ``Other``) and two followers (``Counters``
follows School, ``Auditor`` follows Other) writes interleaved events through the library, so
every application's notification ids have gaps; snapshots are taken by the applications;
after the runner stops, Other writes two more events that Auditor has not processed.
``OUT_DIR/expected.json`` holds what the library itself reads back: per application its
notification ids, streams, every state at every version (``Repository.get(id, version=V)``),
snapshot versions; per follower its tracking position and lag (events it has not processed).
With ``sqlite`` the store is ``OUT_DIR/store.db``.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import uuid
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def configure(argv: list[str]) -> dict[str, Any]:
    import django
    from django.conf import settings

    out, kind = argv[0], argv[1]
    if kind == "sqlite":
        path = os.path.join(out, "store.db")
        if os.path.exists(path):
            os.remove(path)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
        info: dict[str, Any] = {"kind": "sqlite", "path": path}
    elif kind == "postgres":
        host, port, user, password, dbname, schema = argv[2:8]
        import psycopg

        with psycopg.connect(host=host, port=int(port), user=user, password=password or None,
                             dbname=dbname, autocommit=True) as c:
            c.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            c.execute(f'CREATE SCHEMA "{schema}"')
        db = {"ENGINE": "django.db.backends.postgresql", "NAME": dbname, "HOST": host,
              "PORT": port, "USER": user, "PASSWORD": password,
              "OPTIONS": {"options": f"-c search_path={schema}"}}
        info = {"kind": "postgres", "dbname": dbname, "schema": schema}
    else:
        raise SystemExit(f"unknown store kind {kind!r}")
    settings.configure(DATABASES={"default": db}, INSTALLED_APPS=["eventsourcing_django"],
                       USE_TZ=True, DEFAULT_AUTO_FIELD="django.db.models.BigAutoField")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return info


def build() -> dict[str, Any]:
    from django_domain import Order, Student, Tally
    from eventsourcing.application import AggregateNotFoundError, Application
    from eventsourcing.system import ProcessApplication, SingleThreadedRunner, System

    class Follower(ProcessApplication):
        def policy(self, domain_event: Any, processing_event: Any) -> None:
            upstream = type(self).UPSTREAM
            tid = Tally.create_id(upstream=upstream)
            try:
                tally = self.repository.get(tid)
            except AggregateNotFoundError:
                tally = Tally(upstream=upstream)
            tally.count(type(domain_event).__qualname__)
            processing_event.collect_events(tally)

    class School(Application):
        is_snapshotting_enabled = True

    class Other(Application):
        is_snapshotting_enabled = True

    class Counters(Follower):
        UPSTREAM = "School"

    class Auditor(Follower):
        UPSTREAM = "Other"

    env = {"PERSISTENCE_MODULE": "eventsourcing_django"}
    runner = SingleThreadedRunner(System(pipes=[[School, Counters], [Other, Auditor]]), env=env)
    runner.start()
    school, other = runner.get(School), runner.get(Other)
    students, orders = [], []
    for i in range(4):
        s = Student(name=f"student-{i}")
        school.save(s)
        o = Order(item=f"item-{i}")
        other.save(o)
        for c in range(i + 1):
            s.enrol(f"course-{c}")
        school.save(s)
        o.change(qty=i + 2)
        other.save(o)
        students.append(s.id)
        orders.append(o.id)
    school.take_snapshot(students[2], version=2)
    school.take_snapshot(students[3])
    other.take_snapshot(orders[1])
    runner.stop()
    # Other goes on without its follower: Auditor falls two events behind.
    other = Other(env=env)
    o = other.repository.get(orders[0])
    o.change(qty=10)
    o.change(qty=11)
    other.save(o)

    apps = {a.name: a for a in (School(env=env), Other(env=env), Counters(env=env),
                                Auditor(env=env))}
    out: dict[str, Any] = {"apps": {}, "tracking": []}
    for name, app in apps.items():
        notes = app.recorder.select_notifications(start=1, limit=10**6)
        streams: dict[str, Any] = {}
        for n in notes:
            sid = str(n.originator_id)
            streams.setdefault(sid, {"version": 0, "states": {}, "snapshots": []})
            streams[sid]["version"] = max(streams[sid]["version"], n.originator_version)
        for sid, st in streams.items():
            for v in range(1, st["version"] + 1):
                agg = app.repository.get(uuid.UUID(sid), version=v)
                st["states"][str(v)] = state_json(agg)
            st["type"] = type(app.repository.get(uuid.UUID(sid))).__qualname__
            if app.snapshots is not None:
                st["snapshots"] = [s.originator_version for s in app.snapshots.get(uuid.UUID(sid))]
        out["apps"][name] = {
            "positions": [n.id for n in notes],
            "topics": [n.topic for n in notes],
            "streams": streams,
        }
    for follower, upstream in (("Counters", "School"), ("Auditor", "Other")):
        pos = apps[follower].recorder.max_tracking_id(upstream)
        later = apps[upstream].recorder.select_notifications(
            start=pos, limit=10**6, inclusive_of_start=False)
        out["tracking"].append({"follower": follower, "upstream": upstream, "position": pos,
                                "lag": len(later)})
    return out


def _default(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__}")


def state_json(agg: Any) -> Any:
    state = {k: v for k, v in vars(agg).items() if k != "_pending_events"}
    return json.loads(json.dumps(state, default=_default))


def main(argv: list[str]) -> None:
    os.makedirs(argv[0], exist_ok=True)
    info = configure(argv)
    out = build()
    out["store"] = info
    with open(os.path.join(argv[0], "expected.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
