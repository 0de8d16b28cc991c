"""DCB stores on PostgreSQL (``eventsourcing.dcb.postgres_tt``), written by the library's own
DCB application: tags listed as streams, a tag's events, the log with the library's Selector
semantics, and domain-mode state equal to folding the tag's decisions as
``DCBRepository.get(tag)`` does, cut at a version or a global position."""

from __future__ import annotations

from typing import Any

import pytest
from cli_runner import run_cli
from dcbstores import DOMAINS, DcbStore, oracle_at, write_courses

from inspector.core.normalise import normalise
from inspector.core.replay import bookkeeping_attrs

pytestmark = pytest.mark.postgres

PATH = ["--path", DOMAINS]


@pytest.fixture(scope="module")
def dcb(pg: Any) -> DcbStore:
    return write_courses(pg)


def state_json(obj: Any) -> dict[str, Any] | None:
    if obj is None:
        return None
    hidden = bookkeeping_attrs(obj)
    return normalise({k: v for k, v in vars(obj).items() if k not in hidden})


def library_read(app: Any, types: list[str] = (), tags: list[str] = ()) -> list[Any]:  # type: ignore[assignment]
    from eventsourcing.dcb.api import DCBQuery, DCBQueryItem

    if len(types) > 1 and not tags:
        # postgres_tt reads several types only with tags; the recorder's documented
        # semantics (an event matches when its type is one of them) on the whole read
        return [e for e in app.recorder.read() if e.event.type in types]
    q = DCBQuery(items=[DCBQueryItem(types=list(types), tags=list(tags))]) if (types or tags) \
        else None
    return list(app.recorder.read(q))


def decoded(app: Any, ev: Any) -> dict[str, Any]:
    return normalise(app.mapper.to_domain_event(ev.event).decision.as_dict())


def test_info_and_tags_as_streams(dcb: DcbStore) -> None:
    info = run_cli("info", *dcb.args, "--json").json()
    assert info["layout"] == "eventsourcing.dcb.postgres_tt"
    (a,) = info["applications"]
    with dcb.app() as app:
        events = library_read(app)
    assert a["events"] == len(events) and a["max_position"] == events[-1].position
    assert a["streams"] == len(dcb.courses) + len(dcb.students)
    rows = run_cli("streams", *dcb.args, "--json").json()
    assert [r["id"] for r in rows] == sorted(dcb.courses + dcb.students)
    for r in rows:
        n = sum(1 for e in events if r["id"] in e.event.tags)
        assert r["events"] == r["version"] == n
        kind = "Course" if r["id"].startswith("course-") else "Student"
        assert r["type"] == f"dcbdomain.courses:{kind}"
    paged: list[str] = []
    after: list[str] = []
    while page := run_cli("streams", *dcb.args, "--limit", "2", *after, "--json").json():
        paged += [r["id"] for r in page]
        after = ["--after", page[-1]["id"]]
    assert paged == [r["id"] for r in rows]
    students = run_cli("streams", *dcb.args, "--prefix", "student-", "--json").json()
    assert [r["id"] for r in students] == sorted(dcb.students)
    typed = run_cli("streams", *dcb.args, "--type", "Course", "--json").json()
    assert [r["id"] for r in typed] == sorted(dcb.courses)


def test_events_of_a_tag(dcb: DcbStore) -> None:
    with dcb.app() as app:
        for tag in dcb.courses + dcb.students:
            want = library_read(app, tags=[tag])
            got = run_cli("events", *dcb.args, tag, "--json").json()
            assert [e["version"] for e in got] == list(range(1, len(want) + 1))
            assert [e["position"] for e in got] == [e.position for e in want]
            assert [e["topic"] for e in got] == [e.event.type for e in want]
            assert [e["tags"] for e in got] == [e.event.tags for e in want]
            assert [e["data"] for e in got] == [decoded(app, e) for e in want]
            assert all(e["error"] is None and e["stream"] == tag for e in got)
            part = run_cli("events", *dcb.args, tag, "--from", "2", "--to", "3", "--json").json()
            assert part == got[1:3]


def test_log_and_selector(dcb: DcbStore) -> None:
    with dcb.app() as app:
        everything = library_read(app)
        whole = run_cli("log", *dcb.args, "--limit", "1000", "--json").json()
        assert [e["position"] for e in whole] == [e.position for e in everything]
        assert [e["tags"] for e in whole] == [e.event.tags for e in everything]
        assert [e["data"] for e in whole] == [decoded(app, e) for e in everything]
        paged: list[dict[str, Any]] = []
        after: list[str] = []
        while page := run_cli("log", *dcb.args, "--limit", "4", *after, "--json").json():
            paged += page
            after = ["--after", str(page[-1]["position"])]
        assert paged == whole
        joined = "dcbdomain.courses:StudentJoinedCourse"
        for tags, types in (
            ([dcb.courses[0]], []),
            ([dcb.courses[0]], [joined]),
            ([dcb.students[0], dcb.courses[0]], []),
            ([], ["dcbdomain.courses:Course.Renamed", "dcbdomain.courses:Student.Renamed"]),
        ):
            want = library_read(app, types=types, tags=tags)
            args = [a for t in tags for a in ("--tag", t)]
            args += [a for t in types for a in ("--type", t)]
            got = run_cli("log", *dcb.args, *args, "--json").json()
            assert [e["position"] for e in got] == [e.position for e in want], (tags, types)
            after2 = run_cli("log", *dcb.args, *args, "--after", str(want[0].position),
                             "--json").json()
            assert [e["position"] for e in after2] == [e.position for e in want[1:]]


def test_state_equals_dcb_repository(dcb: DcbStore) -> None:
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.core.replay import Replayer
    from inspector.stores.open import open_database

    with dcb.app() as app, open_database(dcb.args[0], schema=dcb.schema) as db:
        store = db.store()
        rp = Replayer(store, Codec().for_store(store), "auto", load_domain([DOMAINS]))
        positions = [e.position for e in library_read(app)]
        for tag in dcb.courses + dcb.students:
            n = len(library_read(app, tags=[tag]))
            # the whole fold is DCBRepository.get itself (through the CLI)
            full = app.repository.get(tag)
            last = run_cli("state", *dcb.args, tag, *PATH, "--json").json()
            assert last["mode"] == "domain" and last["version"] == n
            assert last["state"] == state_json(full)
            mid = run_cli("state", *dcb.args, tag, "--version", "2", *PATH, "--json")
            assert mid.json()["state"] == state_json(oracle_at(app, tag, version=2))
            # every version, then every global position, in one session (cut folds)
            for v in [*range(n, 0, -1)]:
                got = rp.state(tag, v)
                assert got.error is None and got.mode == "domain"
                assert got.state == state_json(oracle_at(app, tag, version=v)), (tag, v)
            for p in positions:
                want = oracle_at(app, tag, position=p)
                v = store.version_at_position(tag, p)
                if want is None:
                    assert v is None
                else:
                    assert rp.state(tag, v).state == state_json(want), (tag, p)
            p = positions[len(positions) // 2]
            res = run_cli("state", *dcb.args, tag, "--position", str(p), *PATH, "--json")
            want = oracle_at(app, tag, position=p)
            if want is None:
                assert res.code == 1 and "no event at or before position" in res.err
            else:
                assert res.code == 0 and res.json()["state"] == state_json(want)


def test_generic_mode_diff_blame(dcb: DcbStore) -> None:
    tag = dcb.courses[0]
    g = run_cli("state", *dcb.args, tag, "--json").json()
    assert g["mode"] == "generic" and g["approximate"] is True
    events = run_cli("events", *dcb.args, tag, "--json").json()
    n = len(events)
    d = run_cli("diff", *dcb.args, tag, "--from", "1", "--to", str(n), *PATH, "--json")
    assert d.code == 0, d.err
    with dcb.app() as app:
        first, last = oracle_at(app, tag, version=1), oracle_at(app, tag, version=n)
        changed = {c["path"][0] for c in d.json()["changes"]}
        assert changed == {k for k in set(vars(first)) | set(vars(last))
                           if k not in bookkeeping_attrs(last)
                           and normalise(getattr(first, k, None))
                           != normalise(getattr(last, k, None))}
        b = run_cli("blame", *dcb.args, tag, "name", *PATH, "--json")
        assert b.code == 0, b.err
        names = [normalise(oracle_at(app, tag, version=v).name)
                 for v in range(1, n + 1)]
        want = [v for v in range(1, n + 1) if v == 1 or names[v - 1] != names[v - 2]]
        assert [r["version"] for r in b.json()] == want


def test_unknown_tag_and_wrong_family(dcb: DcbStore) -> None:
    res = run_cli("events", *dcb.args, "course-nope", "--json")
    assert res.code == 1 and res.err.count("\n") == 1 and "course-nope" in res.err
    res = run_cli("state", *dcb.args, "course-nope", *PATH)
    assert res.code == 1 and res.err.count("\n") == 1
    res = run_cli("snapshots", *dcb.args, dcb.courses[0], "--json")
    assert res.code == 0 and res.json() == []


def test_damaged_payloads(pg: Any) -> None:
    """A truncated msgpack payload and one that is not msgpack: error values, one warning
    line; domain replay stops at the bad event with a one-line reason; nothing written."""
    st = write_courses(pg, n_courses=1, n_students=1)
    tag = st.courses[0]
    with st.app() as app:
        evs = library_read(app, tags=[tag])
    bad_trunc, bad_json = evs[1].position, evs[2].position
    with pg.connect() as c:
        main = f'"{st.schema}".courseschool_events_tt_main'
        c.execute(f"UPDATE {main} SET data = substring(data from 1 for 5) WHERE id = %s",
                  [bad_trunc])
        c.execute(f"UPDATE {main} SET data = %s WHERE id = %s", [b'{"a": 1}', bad_json])
        before = c.execute(f"SELECT md5(string_agg(data::text, ',' ORDER BY id)) FROM {main}"
                           ).fetchone()
    res = run_cli("events", *st.args, tag, "--json")
    assert res.code == 0
    rows = res.json()
    assert "not msgpack (truncated" in rows[1]["error"] and rows[1]["data"] is None
    assert "not msgpack" in rows[2]["error"]
    assert res.err.count("\n") == 1 and "2 of" in res.err
    s = run_cli("state", *st.args, tag, *PATH)
    assert s.code == 1 and "Traceback" not in s.err and "version 2" in s.err
    with pg.connect() as c:
        after = c.execute(f"SELECT md5(string_agg(data::text, ',' ORDER BY id)) FROM {main}"
                          ).fetchone()
    assert after == before


def test_no_writes_no_projections(dcb: DcbStore) -> None:
    tag = dcb.courses[0]
    for args in (["snapshot", "take", *dcb.args, tag, "--write", "--yes"],
                 ["snapshot", "delete", *dcb.args, tag, "--all", "--write", "--yes"]):
        res = run_cli(*args)
        assert res.code == 1 and res.err.count("\n") == 1 and "only reads" in res.err
    assert run_cli("projections", *dcb.args, "--json").json() == []


def test_stats_and_types_read_every_decision(dcb: DcbStore) -> None:
    """The catalog behind `stats`/`types` reads DCB decisions (msgpack, no per-event version):
    it used to count every one as undecoded ("encrypted?") and report 0 events."""
    with dcb.app() as app:
        n = len(library_read(app))
    r = run_cli("stats", *dcb.args, "--json")
    assert r.code == 0, r.err
    assert "could not be decoded" not in r.err
    out = r.json()
    assert out["events"] == n > 0
    assert out["decoded_bytes"] > 0
    t = run_cli("types", *dcb.args, "--json")
    assert t.code == 0 and "could not be decoded" not in t.err
    assert sum(x["events"] for x in t.json()) == n
