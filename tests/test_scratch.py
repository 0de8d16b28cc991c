"""PostgreSQL dry runs and their scratch schemas: a write needs write mode (or a scratch database
the user names), scratch schemas are marked, and a crashed run's schema is dropped later."""

from __future__ import annotations

from typing import Any

import pytest
from cli_runner import run_cli
from opsfixtures import DOGS_APP, PATH_ARGS, audit_entries, scenarios
from storefactory import inspector_args, pg_admin_url, pg_connect, store_env

from inspector.core.scratch import MARK, PREFIX

pytestmark = pytest.mark.postgres


def schemas(dbname: str) -> list[str]:
    with pg_connect(dbname) as c:
        return sorted(r[0] for r in c.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ei\\_%%'").fetchall())


def dry(h: Any, *more: str, stdin: str = "") -> Any:
    return run_cli("rebuild", *inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP),
                   "dogstats", "--dry-run", "--json", *more, stdin=stdin)


@pytest.fixture
def dogs(pg, tmp_path):  # type: ignore[no-untyped-def]
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    scenarios.write_dogs(h)
    return h


def test_dry_run_without_write_mode_refuses_with_advice(dogs, pg) -> None:
    r = dry(dogs)
    assert r.code == 1 and "--scratch" in r.err and "--write" in r.err
    assert "nothing was written" in r.err and len(r.err.strip().splitlines()) == 1
    assert schemas(pg.dbname) == [] and audit_entries() == []


def test_write_mode_previews_creates_and_drops_a_marked_schema(dogs, pg) -> None:
    r = dry(dogs, "--write", "--yes")
    assert r.code in (0, 1), r.err  # 1: the live view was never built, it differs
    assert r.json()["status"] == "done"
    assert f"creates a scratch schema {PREFIX}" in r.err  # the preview (stderr with --json)
    assert schemas(pg.dbname) == []
    assert [e["action"] for e in audit_entries()] == ["dry run (scratch schema)"]
    r = dry(dogs, "--write", stdin="n\n")  # not confirmed: nothing created
    assert r.code == 1 and schemas(pg.dbname) == []


def test_a_crashed_runs_schema_is_dropped_by_the_next_run(dogs, pg) -> None:
    import psycopg

    stale, legacy, held, foreign = (f"{PREFIX}0123456789ab", "ei_dryrun_0123456789",
                                    f"{PREFIX}aaaaaaaaaaaa", "ei_mine")
    with pg_connect(pg.dbname) as c:
        for name in (stale, legacy, held, foreign):
            c.execute(f'CREATE SCHEMA "{name}"')
            c.execute(f'CREATE TABLE "{name}".t (x int)')
        for name in (stale, held):
            c.execute(f"COMMENT ON SCHEMA \"{name}\" IS '{MARK} (pid 1 on gone)'")
    # a live dry run holds its schema's lock: that one must survive
    from inspector.core.scratch import _key

    keeper = psycopg.connect(pg_admin_url(pg.dbname), autocommit=True)
    try:
        keeper.execute("SELECT pg_advisory_lock(%s)", [_key(held)])
        r = dry(dogs, "--write", "--yes")
        assert r.json()["status"] == "done", r.err
        left = schemas(pg.dbname)
        assert stale not in left and legacy not in left  # dropped: no live run holds them
        assert held in left and foreign in left  # a running dry run's, and not ours at all
    finally:
        keeper.close()
        with pg_connect(pg.dbname) as c:
            for name in (held, foreign):
                c.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


def test_scratch_database_named_by_the_user(dogs, pg) -> None:
    import uuid

    other = f"ei_scratch_db_{uuid.uuid4().hex[:6]}"
    with pg_connect() as c:
        c.execute(f'CREATE DATABASE "{other}"')
    try:
        r = dry(dogs, "--scratch", pg_admin_url(other))
        assert r.json()["status"] == "done", r.err
        assert r.json()["processed"] > 0
        assert schemas(pg.dbname) == [] and schemas(other) == []  # nothing here, cleaned there
        assert audit_entries() == []  # the store's database was not written
        r = run_cli("rebuild", *inspector_args(dogs, *PATH_ARGS), "dogstats", "--write",
                    "--scratch", pg_admin_url(other))
        assert r.code == 1 and "--scratch is for --dry-run" in r.err
    finally:
        with pg_connect() as c:
            c.execute(f'DROP DATABASE IF EXISTS "{other}" WITH (FORCE)')
