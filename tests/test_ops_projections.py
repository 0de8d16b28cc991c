"""Projections: listing with lag, dry-run and in-place rebuilds of a user projection, failures.

The live view is made by the library's own ``ProjectionRunner`` (PostgreSQL), so "the rebuilt
view equals the live one" compares the inspector's rebuild with the library's processing.
"""

from __future__ import annotations

from typing import Any

import pytest
from cli_runner import run_cli
from opsfixtures import DOGS_APP, PATH_ARGS, audit_entries, scenarios
from storefactory import inspector_args, store_env

pytestmark = pytest.mark.postgres


def library_view(h: Any, app_class: type) -> tuple[list[tuple[Any, ...]], int]:
    """Run the library's ProjectionRunner to the head; (view rows, head)."""
    from eventsourcing.projection import ProjectionRunner
    from opsproj.dogstats import DogStats, PgDogStatsView

    with h.open_app(app_class) as app:
        head = app.recorder.max_notification_id()
    with ProjectionRunner(application_class=app_class, projection_class=DogStats,
                          view_class=PgDogStatsView, env=h.env) as runner:
        runner.wait(head, timeout=20)
    return view_rows(h), head


def view_rows(h: Any) -> list[tuple[Any, ...]]:
    from storefactory import pg_connect

    with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
        return [tuple(r) for r in c.execute(
            f'SELECT * FROM "{h.schema}".dogstats_dogs ORDER BY dog_id').fetchall()]


def tracking(h: Any) -> dict[str, int]:
    from storefactory import pg_connect

    with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
        return dict(c.execute(f'SELECT * FROM "{h.schema}".dogstats_tracking').fetchall())


def execute(h: Any, sql: str) -> None:
    from storefactory import pg_connect

    with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
        c.execute(sql)


def more_dogs(h: Any, app_class: type, names: list[str]) -> None:
    from eidomain.dogs import Dog, Trick

    with h.open_app(app_class) as app:
        for n in names:
            d = Dog(n)
            d.add_trick(Trick("sit", 1))
            app.save(d)


@pytest.fixture
def dogs_pg(pg, tmp_path):  # type: ignore[no-untyped-def]
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    w = scenarios.write_dogs(h)
    return h, w


def rebuild(h: Any, *more: str, stdin: str = "") -> Any:
    return run_cli("rebuild", *inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP),
                   "dogstats", *more, stdin=stdin)


def test_projections_list_with_lag(dogs_pg) -> None:
    h, w = dogs_pg
    rows, head = library_view(h, w.app_class)
    more_dogs(h, w.app_class, ["a", "b"])  # 4 new events the view has not seen
    r = run_cli("projections", *inspector_args(h), "--json")
    assert r.code == 0, r.err
    [entry] = [e for e in r.json() if e["table"] == "dogstats_tracking"]
    with h.open_app(w.app_class) as app:
        new_head = app.recorder.max_notification_id()
    assert entry["name"] == "dogstats" and entry["upstream"] == "DogSchool"
    assert entry["position"] == head == tracking(h)["DogSchool"]
    assert entry["head"] == new_head
    assert entry["lag"] == new_head - head == 4
    assert entry["multi_row"] is False
    r = run_cli("projections", *inspector_args(h, *PATH_ARGS), "--definitions", "--json")
    assert r.code == 0, r.err
    [d] = r.json()["definitions"]
    assert d["class"] == "opsproj.dogstats:DogStats"
    assert d["view"] == "opsproj.dogstats:PgDogStatsView"


def test_dry_run_and_in_place_rebuild(dogs_pg) -> None:
    h, w = dogs_pg
    expected, head = library_view(h, w.app_class)
    assert len(expected) == 2
    # A dry run over an intact view finds no difference and writes nothing to the view (its
    # scratch schema in this database needs write mode: previewed, audited, dropped).
    r = rebuild(h, "--dry-run", "--write", "--yes", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["status"] == "done" and out["processed"] == head
    assert out["differences"]["dogstats_dogs"]["same"] is True
    # Corrupt the live view: the dry run reports it, leaves it alone.
    execute(h, f'UPDATE "{h.schema}".dogstats_dogs SET tricks = 99')
    corrupted = view_rows(h)
    r = rebuild(h, "--dry-run", "--write", "--yes", "--json")
    assert r.code == 1 and "differs from a clean rebuild" in r.err
    diff = r.json()["differences"]["dogstats_dogs"]
    assert diff["same"] is False and diff["live_rows"] == diff["rebuilt_rows"] == 2
    assert diff["first_differences"][0]["live"][2] == 99
    assert view_rows(h) == corrupted
    assert [e["action"] for e in audit_entries()] == ["dry run (scratch schema)"] * 2
    # Without --write: refused, nothing changes. With it: the view equals the library's again.
    r = rebuild(h)
    assert r.code == 1 and "give --dry-run" in r.err
    r = rebuild(h, "--write", "--batch", "7", stdin="n\n")
    assert r.code == 1 and "DELETE 2 row(s)" in r.out and view_rows(h) == corrupted
    r = rebuild(h, "--write", "--yes", "--batch", "7")
    assert r.code == 0, r.err
    assert "done" in r.out
    assert view_rows(h) == expected
    assert tracking(h)["DogSchool"] == head
    actions = [(e["action"], e["outcome"]) for e in audit_entries()
               if e["action"] != "dry run (scratch schema)"]
    assert actions == [("rebuild", "done"), ("rebuild", "done")]


def test_failing_projection_stops_keeps_and_resumes(dogs_pg, monkeypatch) -> None:
    h, w = dogs_pg
    more_dogs(h, w.app_class, ["good", "BOOM", "after"])
    expected, head = library_view(h, w.app_class)
    monkeypatch.setenv("OPSPROJ_FAIL_ON", "BOOM")
    r = rebuild(h, "--write", "--yes", "--batch", "1000")
    assert r.code == 1
    assert "raised on the event at position" in r.err and "ValueError: cannot project dog 'BOOM'" \
        in r.err and "version 1" in r.err
    fail_pos = int(r.err.split("at position ")[1].split()[0])
    # Everything before the failing event is committed, nothing after it.
    assert tracking(h)["DogSchool"] == fail_pos - 1
    names = [row[1] for row in view_rows(h)]
    assert "good" in names and "BOOM" not in names and "after" not in names
    # After the fix, the next rebuild resumes there and ends equal to the library's view.
    monkeypatch.delenv("OPSPROJ_FAIL_ON")
    r = rebuild(h, "--write", "--yes", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["resumed_from"] == fail_pos - 1 and out["processed"] == head - fail_pos + 1
    assert view_rows(h) == expected


def test_lost_connection_mid_rebuild_then_resume(dogs_pg) -> None:
    from opsfixtures import DOMAINS, OPSDOMAIN
    from storefactory import pg_connect

    from inspector.core import projections as P
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.stores.open import open_database

    h, w = dogs_pg
    expected, head = library_view(h, w.app_class)
    db = open_database(h.location, schema=h.schema)
    try:
        store = db.store()
        codec = Codec(None)
        dom = load_domain([DOMAINS, OPSDOMAIN], DOGS_APP, None)
        pdef = P.find_projection("dogstats", [DOMAINS, OPSDOMAIN], "postgres")
        prepared, view = P.prepare_in_place(store, pdef, dom)
        killed: list[int] = []

        def kill_view_connection(p: Any) -> None:
            if killed:
                return
            with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
                pids = c.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND "
                    "pid <> pg_backend_pid() AND query = 'COMMIT'").fetchall()
                for (pid,) in pids:
                    c.execute("SELECT pg_terminate_backend(%s)", [pid])
                    killed.append(pid)

        res = P.run_in_place(store, codec, pdef, dom, prepared, view, write_enabled=True,
                             batch=5, progress=kill_view_connection)
        assert killed
        assert res.status == "failed" and "connection lost" in (res.error or "")
        assert res.position is not None and res.position < head
        assert tracking(h)["DogSchool"] == res.position  # what was committed stays
        prepared, view = P.prepare_in_place(store, pdef, dom)
        assert prepared.resume_from == res.position
        res2 = P.run_in_place(store, codec, pdef, dom, prepared, view, write_enabled=True,
                              batch=5)
        assert res2.status == "done", res2.error
        assert view_rows(h) == expected
    finally:
        db.close()


def test_multi_row_tracking_and_bad_view(pg, tmp_path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    scenarios.write_dogs(h)
    execute(h, f'CREATE TABLE "{h.schema}".dogstats_tracking (application_name text, '
               f'notification_id bigint, PRIMARY KEY (application_name, notification_id))')
    execute(h, f"INSERT INTO \"{h.schema}\".dogstats_tracking VALUES ('DogSchool', 3), "
               f"('DogSchool', 5)")
    r = run_cli("projections", *inspector_args(h), "--json")
    [entry] = r.json()
    assert entry["multi_row"] is True and entry["position"] == 5
    r = rebuild(h, "--write", "--yes")
    assert r.code == 1 and "multi-row layout" in r.err
    r = rebuild(h, "--write", "--yes", "--view", "nosuch.module:View")
    assert r.code == 1 and "--view nosuch.module:View: cannot import 'nosuch.module'" in r.err
    r = run_cli("rebuild", *inspector_args(h, *PATH_ARGS), "opsproj.dogstats:NoSuch", "--dry-run")
    assert r.code == 1 and "has no 'NoSuch'" in r.err
    r = run_cli("rebuild", *inspector_args(h, *PATH_ARGS), "nosuchprojection", "--dry-run")
    assert r.code == 1 and "no projection 'nosuchprojection' found" in r.err
    assert audit_entries() == []


def test_dry_run_with_a_read_only_role(dogs_pg, pg) -> None:
    h, w = dogs_pg
    user, password = pg.select_only_role(h.schema)
    r = run_cli("rebuild", pg.url(user=user, password=password), "--schema", h.schema,
                *PATH_ARGS, "--app-class", DOGS_APP, "dogstats", "--dry-run", "--write", "--yes")
    assert r.code == 1
    assert "permission denied" in r.err and password not in r.err
    assert len(r.err.strip().splitlines()) <= 2
