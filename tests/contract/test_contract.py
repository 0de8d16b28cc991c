"""One contract, every store family (as the library tests its recorders with shared classes).

The same stored events are written to each family by its own library code (see
``families.py``); the inspector must show identical normalised ``events``, ``log`` and
``state`` JSON for all of them, equal to the library's own ``Repository.get``; page through
streams and the log without loss or repetition; answer a position with the stream's version
at that point; and refuse an unknown stream with one line and exit 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli

from contract.families import (
    DOMAINS,
    Family,
    Scenario,
    sql_family,
    umadb_family,
    write_source,
)
from inspector.core.normalise import normalise

FAMILIES = ["sqlite", "sa_sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
            "umadb"]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Family, Scenario]:
    return write_source(tmp_path_factory.mktemp("source"))


@pytest.fixture(scope="module")
def reference(source: tuple[Family, Scenario]) -> dict[str, Any]:
    """The reference family's CLI output for every stream and the whole log."""
    fam, sc = source
    out: dict[str, Any] = {"events": {}, "log": run_cli("log", *fam.args, "--limit", "1000",
                                                          "--json").json()}
    for s in sc.streams:
        out["events"][s] = run_cli("events", *fam.args, s, "--json").json()
    return out


@pytest.fixture(scope="module", params=FAMILIES)
def family(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
    source: tuple[Family, Scenario],
) -> Iterator[Family]:
    fam_src, sc = source
    kind = request.param
    if kind == "sqlite":
        yield fam_src
        return
    pg = request.getfixturevalue("pg") if kind in ("postgres", "sa_postgres") else None
    fam = make_family(kind, tmp_path_factory.mktemp(kind), pg, sc, request)
    try:
        yield fam
    finally:
        for c in fam.cleanup:
            c()


def make_family(kind: str, tmp: Any, pg: Any, sc: Scenario, request: Any) -> Family:
    """A family by name (other families register here)."""
    maker = EXTRA_FAMILIES.get(kind)
    if maker is not None:
        return maker(tmp, sc, request)
    return sql_family(kind, tmp, pg, sc)


EXTRA_FAMILIES: dict[str, Any] = {
    "umadb": lambda tmp, sc, request: umadb_family(tmp, sc),
}


def untagged(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows without ``tags`` (an extra key of the tagged families: UmaDB)."""
    return [{k: v for k, v in r.items() if k != "tags"} for r in rows]


def oracle_state(app: Any, stream: str, version: int) -> dict[str, Any]:
    agg = app.repository.get(UUID(stream), version=version)
    return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


class TestStoreContract:
    def test_streams_pages(self, family: Family, source: tuple[Family, Scenario]) -> None:
        _, sc = source
        whole = run_cli("streams", *family.args, "--json")
        assert whole.code == 0, whole.err
        rows = whole.json()
        assert [r["id"] for r in rows] == sc.streams
        assert all(r["type"] == "eidomain.dogs:Dog" for r in rows)
        seen: list[str] = []
        after: list[str] = []
        while True:
            page = run_cli("streams", *family.args, "--limit", "2", *after, "--json").json()
            if not page:
                break
            seen += [r["id"] for r in page]
            after = ["--after", page[-1]["id"]]
        assert seen == sc.streams
        pre = run_cli("streams", *family.args, "--prefix", sc.streams[1][:6], "--json").json()
        assert sc.streams[1] in [r["id"] for r in pre]

    def test_events_identical(self, family: Family, reference: dict[str, Any],
                              source: tuple[Family, Scenario]) -> None:
        _, sc = source
        for s in sc.streams:
            res = run_cli("events", *family.args, s, "--json")
            assert res.code == 0, res.err
            assert untagged(res.json()) == reference["events"][s], (family.name, s)

    def test_log_identical_and_paged(self, family: Family, reference: dict[str, Any]) -> None:
        whole = run_cli("log", *family.args, "--limit", "1000", "--json").json()
        assert untagged(whole) == reference["log"]
        positions = [r["position"] for r in whole]
        assert positions == sorted(positions) and len(set(positions)) == len(positions)
        paged: list[dict[str, Any]] = []
        after: list[str] = []
        while True:
            page = run_cli("log", *family.args, "--limit", "7", *after, "--json").json()
            if not page:
                break
            paged += page
            after = ["--after", str(page[-1]["position"])]
        assert paged == whole
        topic = whole[-1]["topic"]
        only = run_cli("log", *family.args, "--topic", topic, "--json").json()
        assert only and {r["topic"] for r in only} == {topic}
        assert len(only) == sum(1 for r in whole if r["topic"] == topic)

    def test_state_equals_library(self, family: Family, source: tuple[Family, Scenario]) -> None:
        _, sc = source
        path = ["--path", DOMAINS, "--app-class", "eidomain.dogs:PlainDogSchool"]
        with family.app() as app:
            for s in sc.streams:
                events = run_cli("events", *family.args, s, "--json").json()
                for ev in events:
                    v = ev["version"]
                    res = run_cli("state", *family.args, s, "--version", str(v), *path,
                                  "--json")
                    assert res.code == 0, res.err
                    got = res.json()
                    assert got["mode"] == "domain"
                    assert got["state"] == oracle_state(app, s, v), (family.name, s, v)
                    # the same state reached by the event's global position
                    by_pos = run_cli("state", *family.args, s, "--position",
                                     str(ev["position"]), *path, "--json").json()
                    assert by_pos["version"] == v and by_pos["state"] == got["state"]

    def test_unknown_stream_is_one_line(self, family: Family) -> None:
        res = run_cli("events", *family.args, "00000000-0000-4000-8000-000000000000", "--json")
        assert res.code == 1
        assert res.err.count("\n") == 1 and "Traceback" not in res.err

    def test_tag_filter(self, family: Family, source: tuple[Family, Scenario]) -> None:
        """Tagged families filter by tag (UmaDB: ``originator:<id>``); the others refuse."""
        res = run_cli("log", *family.args, "--tag", "x", "--json")
        if family.name != "umadb":
            assert res.code == 1 and "no tags" in res.err
            return
        assert res.code == 0 and res.json() == []
        s = source[1].streams[0]
        got = run_cli("log", *family.args, "--tag", f"originator:{s}", "--json").json()
        assert [e["stream"] for e in got] == [s] * len(got) and got
        assert [e["version"] for e in got] == list(range(1, len(got) + 1))



# -- the protocol's shape for every family, whatever its events are ------------------------
SHAPED = ["sqlite", pytest.param("dcb_postgres", marks=pytest.mark.postgres), "umadb"]


@pytest.fixture(scope="module", params=SHAPED)
def shaped(
    request: pytest.FixtureRequest, source: tuple[Family, Scenario]
) -> tuple[list[str], list[str]]:
    """(STORE args, every stream id in order) of a family."""
    if request.param == "sqlite":
        fam, sc = source
        return fam.args, sc.streams
    if request.param == "dcb_postgres":
        from dcbstores import write_courses

        st = write_courses(request.getfixturevalue("pg"), n_courses=2, n_students=3)
        return st.args, sorted(st.courses + st.students)
    fam = request.getfixturevalue("uma_family")
    return fam.args, source[1].streams


@pytest.fixture(scope="module")
def uma_family(
    tmp_path_factory: pytest.TempPathFactory, source: tuple[Family, Scenario]
) -> Iterator[Family]:
    fam = umadb_family(tmp_path_factory.mktemp("uma_shaped"), source[1])
    try:
        yield fam
    finally:
        for c in fam.cleanup:
            c()


class TestProtocolShape:
    def test_streams_pages_cover_all(self, shaped: tuple[list[str], list[str]]) -> None:
        args, streams = shaped
        seen: list[str] = []
        after: list[str] = []
        while page := run_cli("streams", *args, "--limit", "2", *after, "--json").json():
            assert len(page) <= 2
            seen += [r["id"] for r in page]
            after = ["--after", page[-1]["id"]]
        assert seen == streams

    def test_events_versions_and_log_positions(
        self, shaped: tuple[list[str], list[str]]
    ) -> None:
        args, streams = shaped
        log = run_cli("log", *args, "--limit", "1000", "--json").json()
        positions = [e["position"] for e in log]
        assert positions == sorted(set(positions))
        total = 0
        for s in streams:
            evs = run_cli("events", *args, s, "--json").json()
            assert [e["version"] for e in evs][:1] in ([1], [0])
            vs = [e["version"] for e in evs]
            assert vs == list(range(vs[0], vs[0] + len(vs)))
            ps = [e["position"] for e in evs]
            assert ps == sorted(ps) and set(ps) <= set(positions)
            last = run_cli("state", *args, s, "--position", str(ps[-1]), "--json").json()
            assert last["version"] == vs[-1]
            total += len(evs)
        assert total >= len(log)

    def test_unknown_stream(self, shaped: tuple[list[str], list[str]]) -> None:
        args, _ = shaped
        res = run_cli("events", *args, "nope-0000", "--json")
        assert res.code == 1 and res.err.count("\n") == 1 and "Traceback" not in res.err
