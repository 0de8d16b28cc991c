"""The read queries use index seeks: EXPLAIN (QUERY PLAN) on SQLite and PostgreSQL stores."""

from __future__ import annotations

from typing import Any

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from storefactory import store_env

from inspector.stores.open import open_database


class Counter(Aggregate):
    @event("Started")
    def __init__(self, n: int) -> None:
        self.n = n

    @event("Bumped")
    def bump(self) -> None:
        self.n += 1


def write(h: Any, streams: int = 1500) -> list[str]:
    with h.open_app(Application) as app:
        counters = []
        for i in range(streams):
            c = Counter(i)
            c.bump()
            c.bump()
            counters.append(c)
        app.save(*counters)
        ds = getattr(app.recorder, "datastore", None)
        if hasattr(ds, "engine"):
            ds.engine.dispose()
    return sorted(str(c.id) for c in counters)


def queries(store: Any, ids: list[str]) -> dict[str, tuple[str, list[Any]]]:
    sid = ids[len(ids) // 2]
    first_with_prefix = next(i for i in ids if i.startswith(sid[:2]))
    out = {}
    for name, args in {
        "streams": (None, 100, None, True),
        "streams after": (sid, 100, None, True),
        "streams prefix": (None, 100, sid[:3], True),
        "streams prefix after": (first_with_prefix, 100, sid[:2], True),
    }.items():
        built = store.loose_scan_sql(*args)
        assert built is not None
        assert "DISTINCT" not in built[0].upper()
        out[name] = built
    values = store.id_values(sid)
    p = store.placeholder
    out["stream events"] = (
        f"SELECT {store.pos}, originator_version, topic, state FROM {store.events}"
        f" WHERE originator_id IN ({store._p(len(values))}) AND originator_version >= {p}"
        f" ORDER BY originator_version LIMIT 5000",
        [*values, 1],
    )
    out["log"] = (
        f"SELECT {store.pos}, originator_id, originator_version, topic, state FROM {store.events}"
        f" WHERE {store.pos} > {p} ORDER BY {store.pos} LIMIT 100",
        [1000],
    )
    return out


@pytest.mark.parametrize("kind", ["sqlite", "sa_sqlite"])
def test_sqlite_plans_use_index_seeks(kind: str, tmp_path) -> None:
    h = store_env(kind, tmp_path=tmp_path)
    ids = write(h)
    with open_database(h.location) as db:
        store = db.store()
        table = store.tables.events_table
        for name, (sql, params) in queries(store, ids).items():
            plan = store.explain(sql, params)
            assert "TEMP B-TREE" not in plan, (name, plan)
            for line in plan.splitlines():
                if table in line:
                    assert "SEARCH" in line or "COVERING INDEX" in line, (name, plan)
                    assert "INDEX" in line or "PRIMARY KEY" in line, (name, plan)
            assert store.query(sql, params)


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["postgres", "sa_postgres"])
def test_postgres_plans_use_index_seeks(kind: str, pg) -> None:
    h = store_env(kind, pg=pg)
    ids = write(h)
    with pg.connect() as c:
        c.execute(f'ANALYZE "{h.schema}"."application_events"')
    with open_database(h.location, schema=h.schema) as db:
        store = db.store()
        for name, (sql, params) in queries(store, ids).items():
            plan = store.explain(sql, params)
            assert "Seq Scan" not in plan, (name, plan)
            assert "Index" in plan, (name, plan)
            if name != "stream events":  # a 3-row stream may use a bitmap index scan + sort
                assert "Sort" not in plan, (name, plan)
            assert store.query(sql, params)
