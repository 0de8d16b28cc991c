"""eventsourcing-django stores (SQLite and PostgreSQL) written by the real package 0.6.

Every application shares one table set, so each application's positions have gaps; each must
be listed and read on its own, with its snapshots and its followers' tracking the right way
round. The oracle is what the library itself read back (``tests/gen/django_store.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from cli_runner import run_cli
from djangostores import DjangoStore, pg_store, sqlite_store


@pytest.fixture(scope="session")
def django_sqlite() -> DjangoStore:
    return sqlite_store()


@pytest.fixture(scope="session")
def django_pg(pg: Any, tmp_path_factory: pytest.TempPathFactory) -> DjangoStore:
    return pg_store(pg, tmp_path_factory.mktemp("django-pg"))


@pytest.fixture(params=["sqlite", "postgres"])
def django_store(request: pytest.FixtureRequest) -> DjangoStore:
    name = "django_sqlite" if request.param == "sqlite" else "django_pg"
    return request.getfixturevalue(name)  # type: ignore[no-any-return]


def cli(store: DjangoStore, *args: str) -> Any:
    cmd, rest = args[0], args[1:]
    res = run_cli(cmd, store.location, *rest, *store.options, "--json")
    assert res.code == 0, res.err
    return res.json()


def test_info_lists_each_application_with_exact_counts(django_store: DjangoStore) -> None:
    info = cli(django_store, "info")
    assert info["layout"] == "eventsourcing_django"
    got = {a["name"]: a for a in info["applications"]}
    expected = django_store.apps()
    assert set(got) == set(expected)
    for name, exp in expected.items():
        a = got[name]
        assert (a["events"], a["events_exact"]) == (len(exp["positions"]), True), name
        assert a["streams"] == len(exp["streams"]), name
        assert a["max_position"] == max(exp["positions"]), name
        assert a["snapshots"] == sum(len(s["snapshots"]) for s in exp["streams"].values()), name
    # The positions really interleave: otherwise this test would prove nothing about gaps.
    school = expected["School"]["positions"]
    assert school[-1] - school[0] + 1 > len(school)


def test_streams_per_application_and_paging(django_store: DjangoStore) -> None:
    for name, exp in django_store.apps().items():
        rows = cli(django_store, "streams", "--app", name)
        assert {r["id"]: r["version"] for r in rows} == {
            k: v["version"] for k, v in exp["streams"].items()}
        paged: list[str] = []
        after: list[str] = []
        while True:
            page = cli(django_store, "streams", "--app", name, "--limit", "1", *after)
            if not page:
                break
            paged += [r["id"] for r in page]
            after = ["--after", page[-1]["id"]]
        assert paged == sorted(exp["streams"])


def test_log_pages_across_the_gaps(django_store: DjangoStore) -> None:
    for name, exp in django_store.apps().items():
        whole = cli(django_store, "log", "--app", name, "--limit", "1000")
        assert [e["position"] for e in whole] == exp["positions"]
        assert [e["topic"] for e in whole] == exp["topics"]
        paged: list[int] = []
        after: list[str] = []
        while True:
            page = cli(django_store, "log", "--app", name, "--limit", "3", *after)
            if not page:
                break
            paged += [e["position"] for e in page]
            after = ["--after", str(page[-1]["position"])]
        assert paged == exp["positions"]


def test_events_and_state_equal_the_library(django_store: DjangoStore) -> None:
    checked = 0
    for name, exp in django_store.apps().items():
        positions = set(exp["positions"])
        for sid, st in exp["streams"].items():
            events = cli(django_store, "events", sid, "--app", name)
            assert [e["version"] for e in events] == list(range(1, st["version"] + 1))
            assert all(e["position"] in positions for e in events)
            assert all(e["error"] is None for e in events)
            # Every version of the leaders' streams; the followers' long tally streams (one
            # event per processed upstream event) at their first, middle and last version.
            versions = list(st["states"])
            if name in ("Counters", "Auditor"):
                versions = sorted({versions[0], versions[len(versions) // 2], versions[-1]})
            for v in versions:
                state = st["states"][v]
                got = cli(django_store, "state", sid, "--app", name, "--version", v,
                          "--path", django_store.domain_path, "--mode", "domain")
                assert got["mode"] == "domain"
                assert got["state"] == state, (name, sid, v)
                checked += 1
    assert checked >= 30


def test_snapshots_found_per_application(django_store: DjangoStore) -> None:
    found = 0
    for name, exp in django_store.apps().items():
        for sid, st in exp["streams"].items():
            snaps = cli(django_store, "snapshots", sid, "--app", name)
            assert [s["version"] for s in snaps] == st["snapshots"], (name, sid)
            found += len(snaps)
    assert found == 3


def test_projections_follower_upstream_and_lag(django_store: DjangoStore) -> None:
    rows = cli(django_store, "projections")
    got = {(r["name"], r["upstream"]): r for r in rows}
    apps = django_store.apps()
    assert len(rows) == len(django_store.expected["tracking"])
    for t in django_store.expected["tracking"]:
        r = got[(t["follower"], t["upstream"])]
        assert r["position"] == t["position"]
        assert r["lag"] == t["lag"]
        assert r["head"] == max(apps[t["upstream"]]["positions"])
    lags = {t["follower"]: t["lag"] for t in django_store.expected["tracking"]}
    assert lags["Counters"] == 0 and lags["Auditor"] == 2
    # head minus position would be wrong here: other applications' ids lie in between.
    auditor = got[("Auditor", "Other")]
    assert auditor["head"] - auditor["position"] > auditor["lag"]


def test_one_application_has_no_stream_of_another(django_store: DjangoStore) -> None:
    apps = django_store.apps()
    school_stream = next(iter(apps["School"]["streams"]))
    res = run_cli("events", django_store.location, school_stream, "--app", "Other",
                  *django_store.options)
    assert res.code == 1
    assert "no stream" in res.err and "Traceback" not in res.err


def test_snapshot_take_and_delete_stay_in_the_application(
    django_sqlite: DjangoStore, tmp_path: Any
) -> None:
    import shutil
    import sqlite3

    db = tmp_path / "store.db"
    shutil.copy(django_sqlite.location, db)
    apps = django_sqlite.apps()
    sid = next(k for k, v in apps["School"]["streams"].items() if not v["snapshots"])
    common = ["--app", "School", "--path", django_sqlite.domain_path]
    res = run_cli("snapshot", "take", str(db), sid, "--version", "2", *common, "--write", "--yes")
    assert res.code == 0, res.err
    with sqlite3.connect(db) as c:
        rows = c.execute("SELECT application_name, originator_version FROM snapshots"
                         " WHERE originator_id = ?", [sid.replace("-", "")]).fetchall()
    assert rows == [("School", 2)]
    res = run_cli("snapshots", str(db), sid, *common, "--verify", "--json")
    assert res.code == 0, res.err
    assert [(s["version"], s["ok"]) for s in res.json()] == [(2, True)]
    res = run_cli("snapshot", "delete", str(db), sid, "--version", "2", *common, "--write",
                  "--yes")
    assert res.code == 0, res.err
    info = {a["name"]: a for a in run_cli("info", str(db), "--json").json()["applications"]}
    assert info["School"]["snapshots"] == 2 and info["Other"]["snapshots"] == 1
