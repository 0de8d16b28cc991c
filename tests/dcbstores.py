"""Write DCB stores with the library's own DCB classes (``eventsourcing.dcb.postgres_tt``).

The library's tag table references its main table without a schema, so it can only be created
with the store's schema first on the ``search_path``; the writer sets ``PGOPTIONS`` for that
while the application runs (the inspector reads any schema).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER, PgServer

DOMAINS = str(Path(__file__).resolve().parent / "domains")
if DOMAINS not in sys.path:
    sys.path.insert(0, DOMAINS)

from dcbdomain.courses import Course, CourseSchool, Enrolment, Student  # noqa: E402


def dcb_env(pg: PgServer, schema: str) -> dict[str, str]:
    return dict(
        PERSISTENCE_MODULE="eventsourcing.dcb.postgres_tt",
        POSTGRES_DBNAME=pg.dbname, POSTGRES_HOST=PG_HOST, POSTGRES_PORT=str(PG_PORT),
        POSTGRES_USER=PG_USER, POSTGRES_PASSWORD=PG_PASSWORD or "x", POSTGRES_SCHEMA=schema,
    )


@contextlib.contextmanager
def dcb_app(pg: PgServer, schema: str, app_class: type = CourseSchool) -> Iterator[Any]:
    old = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = f"-c search_path={schema}"
    app = app_class(env=dcb_env(pg, schema))
    try:
        yield app
    finally:
        app.close()
        if old is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = old


@dataclass
class DcbStore:
    pg: PgServer
    schema: str
    courses: list[str] = field(default_factory=list)
    students: list[str] = field(default_factory=list)

    @property
    def args(self) -> list[str]:
        return [self.pg.url(), "--schema", self.schema]

    @contextlib.contextmanager
    def app(self) -> Iterator[Any]:
        with dcb_app(self.pg, self.schema) as app:
            yield app


def write_courses(pg: PgServer, n_courses: int = 3, n_students: int = 4) -> DcbStore:
    """Courses and students, renamed, places changed (datetime, Decimal), enrolments that tag
    a student and a course together; interleaved so each tag's positions have gaps."""
    store = DcbStore(pg, pg.new_schema("dcb"))
    t0 = dt.datetime(2026, 1, 2, 3, 4, 5, 123456, tzinfo=dt.UTC)
    with store.app() as app:
        for i in range(n_courses):
            c = Course(name=f"Course {i}", places=10 + i)
            app.repository.save(c)
            store.courses.append(c.id)
        for i in range(n_students):
            s = Student(name=f"Student {i}", max_courses=3)
            app.repository.save(s)
            store.students.append(s.id)
        for k in range(3):
            for i, cid in enumerate(store.courses):
                c = app.repository.get(cid)
                if (i + k) % 2:
                    c.rename(f"Course {i} v{k}")
                else:
                    c.change_places(20 + k, t0 + dt.timedelta(days=k), Decimal(f"{k}.{i}5"))
                app.repository.save(c)
            for j, sid in enumerate(store.students):
                if (j + k) % 3 == 0:
                    g = app.repository.get_group(Enrolment, sid, store.courses[(j + k) % n_courses])
                    g.join()
                    app.repository.save(g)
                elif k == 1:
                    s = app.repository.get(sid)
                    s.rename(f"Student {j} renamed")
                    app.repository.save(s)
    return store


def oracle_at(app: Any, tag: str, *, version: int | None = None,
              position: int | None = None) -> Any:
    """The library's ``DCBRepository.get(tag)`` fold, cut after the tag's N-th event or at a
    global position (its ``get`` reads them all; the cut is the only difference)."""
    from eventsourcing.dcb.domain import Selector

    obj = None
    n = 0
    for sequenced in app.recorder.read(app.events._cb_to_dcb_query(Selector(tags=[tag]))):  # noqa: SLF001
        if position is not None and sequenced.position > position:
            break
        n += 1
        if version is not None and n > version:
            break
        decision = app.mapper.to_domain_event(sequenced.event).decision
        obj = decision.mutate(obj)
    return obj
