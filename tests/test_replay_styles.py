"""Every aggregate style the library documents replays exactly as ``Repository.get`` gives it.

Styles (``tests/domains/stylesdomain``): the ``@aggregate`` class decorator; functional frozen
dataclasses with a projector named in ``snapshotting_projectors`` (and a ``slots=True`` one);
immutable pydantic models with a ``singledispatch`` projector; mutable aggregates with pydantic
events and snapshots; a custom ``BaseAggregate``/``Can*`` base with string ids and
``INITIAL_VERSION = 0``. Their states hold sets, tuples, enums, Decimal, dates, datetimes with
offsets, UUIDs, bytes, nested dataclasses and pydantic models. Each store is written by the real
library on SQLite and PostgreSQL, plain and zlib+AES; the oracle is
``app.repository.get(id, version=V, projector_func=...)`` at every version, and the stored
snapshots verify clean.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ENCODINGS = ["plain", "zlib+aes"]


@dataclass
class Written:
    app_class: type
    spec: str
    streams: list[str]
    projectors: dict[str, Any]  # stream -> projector_func the app uses for it
    snapshots: bool  # whether the library took snapshots of the first stream


def write_decorated(h: Any) -> Written:
    from stylesdomain.decorated import Shop, Till

    with h.open_app(Shop) as app:
        ids = []
        for n in range(2):
            t = Till(500 + n, note=f"n{n}")
            for i in range(4 + n):
                t.ring(cents=i, **_ring_values(i))
            app.save(t)
            ids.append(str(t.id))
    return Written(Shop, "stylesdomain.decorated:Shop", ids, {}, False)


def _ring_values(i: int) -> dict[str, Any]:
    from stylesdomain import values

    v = values.sample(i)
    return {k: v[k] for k in ("tags", "pair", "colour", "amount", "day", "at", "ref", "blob",
                              "point", "badge")}


def write_functional(h: Any) -> Written:
    from stylesdomain.functional import Lamps, project_lamp, project_switch

    with h.open_app(Lamps) as app:
        lamp = app.install(1)
        for i in range(2, 11):
            app.use(lamp, i)
        switch = app.make_switch(7, 3)
    return Written(
        Lamps,
        "stylesdomain.functional:Lamps",
        [str(lamp), str(switch)],
        {str(lamp): project_lamp, str(switch): project_switch},
        True,
    )


def write_pydantic_immutable(h: Any) -> Written:
    from stylesdomain.pydanticimmutable import DogSchool, project_dog

    with h.open_app(DogSchool) as app:
        dog = app.register_dog("fido")
        for i in range(7):
            app.add_trick(dog, i)
    return Written(
        DogSchool, "stylesdomain.pydanticimmutable:DogSchool", [str(dog)], {str(dog): project_dog},
        True,
    )


def write_pydantic_mutable(h: Any) -> Written:
    from stylesdomain.pydanticmutable import DogSchool

    with h.open_app(DogSchool) as app:
        dog = app.register_dog("rex")
        for i in range(7):
            app.add_trick(dog, i)
    return Written(DogSchool, "stylesdomain.pydanticmutable:DogSchool", [str(dog)], {}, True)


def write_custombase(h: Any) -> Written:
    from stylesdomain.custombase import Books, Ledger

    with h.open_app(Books) as app:
        ids = []
        for k in ("a", "b"):
            led = Ledger.open(k, f"owner {k}")
            app.save(led)
            for i in range(7):
                led = app.repository.get(led.id)
                led.post(i)
                app.save(led)
            ids.append(led.id)
    return Written(Books, "stylesdomain.custombase:Books", ids, {}, True)


STYLES = {
    "decorated": (write_decorated, "uuid"),
    "functional": (write_functional, "uuid"),
    "pydantic_immutable": (write_pydantic_immutable, "uuid"),
    "pydantic_mutable": (write_pydantic_mutable, "uuid"),
    "custombase": (write_custombase, "text"),
}


def _key(stream: str) -> Any:
    try:
        return UUID(stream)
    except ValueError:
        return stream


def oracle_fields(agg: Any) -> dict[str, Any]:
    """The library object's fields, read independently of inspector.core.state_fields."""
    from pydantic import BaseModel

    if isinstance(agg, BaseModel):
        d = dict(agg)  # fields and extras
    else:
        state = object.__getstate__(agg)  # the default pickle state: dict or (dict, slots)
        if isinstance(state, tuple):
            d = {**(state[0] or {}), **state[1]}
        else:
            d = dict(state)
    d.pop("_pending_events", None)
    return d


def oracle_state(app: Any, stream: str, version: int, projector: Any) -> dict[str, Any]:
    kw = {"projector_func": projector} if projector is not None else {}
    agg = app.repository.get(_key(stream), version=version, **kw)
    return normalise(oracle_fields(agg))


def versions_of(app: Any, stream: str) -> list[int]:
    return [e.originator_version for e in app.recorder.select_events(_key(stream))]


def _handle(kind: str, encoding: str, tmp_path: Path, request: Any, id_type: str) -> Any:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    return store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding, id_type=id_type)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("style", sorted(STYLES))
def test_style_every_version(
    style: str, kind: str, encoding: str, tmp_path: Path, request: Any
) -> None:
    writer, id_type = STYLES[style]
    h = _handle(kind, encoding, tmp_path, request, id_type)
    w = writer(h)
    domain = load_domain([DOMAINS], w.spec, h.cipher_key)
    checked = 0
    with open_database(h.location, schema=h.schema) as db, h.open_app(w.app_class) as app:
        store = db.store(w.app_class.name if kind == "postgres" else None)
        rp = Replayer(store, Codec(h.cipher_key), "auto", domain)
        for stream in w.streams:
            assert rp.mode_for(stream) == "domain", rp.mode_reason(stream)
            versions = versions_of(app, stream)
            assert len(versions) >= 4
            # the last version first (the first replay), then every version, jumping around
            for v in [versions[-1], *versions[::2], *reversed(versions[1::2])]:
                res = rp.state(stream, v)
                assert res.error is None, res.error
                assert res.mode == "domain" and not res.approximate
                assert res.state == oracle_state(app, stream, v, w.projectors.get(stream)), (
                    stream, v)
                checked += 1
        snaps = store.snapshots(w.streams[0])
        assert bool(snaps) == w.snapshots
        for stream in w.streams:
            rows = rp.verify_snapshots(stream)
            assert len(rows) == len(store.snapshots(stream))
            assert all(r["ok"] is True for r in rows), rows
    assert checked >= 8


# -- the shared cases, as regression tests ---------------------------------------------------------
def test_decorated_class_cli_state_diff_blame(tmp_path: Path) -> None:
    """``aggregate-decorator``: a traceback (``vars()`` does not apply) before; now the state,
    with ``--app-class`` or with ``--path`` alone; diff and blame too."""
    from stylesdomain.cases import Shop, Till

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(Shop) as app:
        t = Till(500)
        for c in (25, 0, 75):
            t.ring(c)
        app.save(t)
        stream = str(t.id)
        want = {v: oracle_state(app, stream, v, None) for v in versions_of(app, stream)}
    assert want[1]["cents"] == 500 and max(want) == 4
    # (a --projector for other aggregates, as the GUI's session-wide field may give, does not
    # apply to a stream it cannot build)
    for extra in (["--app-class", "stylesdomain.cases:Shop"], [],
                  ["--projector", "stylesdomain.cases:project_lamp"]):
        r = run_cli("state", h.location, stream, "--path", DOMAINS, *extra, "--json")
        assert r.code == 0, r.err
        out = r.json()
        assert out["mode"] == "domain" and out["state"] == want[4]
        assert "_pending_events" not in out["state"]
        r = run_cli("state", h.location, stream, "--path", DOMAINS, *extra, "--version", "1")
        assert r.code == 0 and "Traceback" not in r.err, r.err
        assert "cents         500" in r.out
    r = run_cli("diff", h.location, stream, "--from", "1", "--to", "3", "--path", DOMAINS,
                "--json")
    assert r.code == 0, r.err
    assert [c["path"] for c in r.json()["changes"]] == [
        [k] for k in want[3] if want[3][k] != want[1][k]
    ]
    r = run_cli("blame", h.location, stream, "cents", "--path", DOMAINS, "--json")
    assert r.code == 0, r.err
    assert [(b["version"], b["new"]) for b in r.json()] == [
        (v, want[v]["cents"])
        for v in sorted(want)
        if v == 1 or want[v]["cents"] != want[v - 1]["cents"]
    ]


def test_functional_case_projector_choices(tmp_path: Path) -> None:
    """``functional-aggregate``: "no state" before; now the projector the app names, or
    ``--projector``; without either, auto mode says why it fell back to generic mode."""
    from stylesdomain.cases import Lamps, project_lamp

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(Lamps) as app:
        lamp = str(app.install_and_switch(1))
        want = oracle_state(app, lamp, 2, project_lamp)
    assert want == {"id": lamp, "version": 2, "on": True}
    args = [h.location, lamp, "--path", DOMAINS, "--json"]
    for opts in (["--app-class", "stylesdomain.cases:Lamps"],
                 ["--projector", "stylesdomain.cases:project_lamp"]):
        r = run_cli("state", *args, *opts)
        assert r.code == 0, r.err
        assert r.json()["mode"] == "domain" and r.json()["state"] == want
    # --path alone: generic (approximate), and the reason names the way out
    r = run_cli("state", *args)
    assert r.code == 0, r.err
    assert r.json()["mode"] == "generic" and "--projector" in r.json()["mode_reason"]
    # --mode domain without a projector: a clear failure, no traceback
    r = run_cli("state", h.location, lamp, "--path", DOMAINS, "--mode", "domain")
    assert r.code == 1 and "--projector" in r.err and "Traceback" not in r.err


def test_functional_cli_diff_blame_verify(tmp_path: Path) -> None:
    """The rich functional store (snapshots every 4 versions) through diff, blame and
    ``snapshots --verify``, with the app's projector and with ``--projector``."""
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = write_functional(h)
    lamp = w.streams[0]
    with h.open_app(w.app_class) as app:
        want = {v: oracle_state(app, lamp, v, w.projectors[lamp]) for v in versions_of(app, lamp)}
    base = inspector_args(h, "--path", DOMAINS, "--app-class", w.spec, "--json")
    loc, rest = base[0], base[1:]
    proj = ["--projector", "stylesdomain.functional:project_lamp"]
    for opts in ([], proj):
        r = run_cli("diff", loc, lamp, *rest, *opts, "--from", "3", "--to", "6")
        assert r.code == 0, r.err
        assert r.json()["mode"] == "domain"
        changed = [c["path"][0] for c in r.json()["changes"]]
        assert set(changed) == {k for k in want[6] if want[6][k] != want[3][k]}
        r = run_cli("blame", loc, lamp, "on", *rest, *opts)
        assert r.code == 0, r.err
        assert [b["version"] for b in r.json()] == [
            v for v in sorted(want) if v == 1 or want[v]["on"] != want[v - 1]["on"]
        ]
        r = run_cli("snapshots", loc, lamp, *rest, *opts, "--verify")
        assert r.code == 0, r.err
        rows = r.json()
        assert [x["version"] for x in rows] == [4, 8] and all(x["ok"] is True for x in rows)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "expected MODULE:FUNCTION"),
        ("stylesdomain.functional:missing", "has no 'missing'"),
        ("no_such_module_h2:f", "cannot import"),
        ("stylesdomain.functional:Lamps.snapshot_class.__doc__", "not a function"),
    ],
)
def test_bad_projector_is_one_line(spec: str, message: str, tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = write_functional(h)
    r = run_cli("state", h.location, w.streams[0], "--path", DOMAINS, "--projector", spec)
    assert r.code == 1
    assert message in r.err and "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) == 1


# -- check and what-if on every style --------------------------------------------------------------
@pytest.mark.parametrize("style", sorted(STYLES))
def test_check_every_style_is_healthy(style: str, tmp_path: Path) -> None:
    """``check`` replays every stream with the same rules (projectors included) and finds the
    stored snapshots equal to the replay: a store written by the code is healthy."""
    writer, id_type = STYLES[style]
    h = store_env("sqlite", tmp_path=tmp_path, id_type=id_type)
    w = writer(h)
    r = run_cli("check", h.location, "--path", DOMAINS, "--app-class", w.spec, "--json")
    assert r.code == 0, (r.err, r.out[-2000:])
    rep = r.json()
    assert rep["healthy"] and rep["groups"] == []
    assert rep["streams"] >= len(w.streams) and rep["snapshots"] >= (1 if w.snapshots else 0)


def test_whatif_functional_leaves_events_out_of_the_projector(tmp_path: Path) -> None:
    """``state --skip`` on a functional aggregate: the projector over the events without the
    skipped ones (the library's ``project_lamp`` over that list), nothing shared mutated."""
    from stylesdomain.cases import Lamps, project_lamp

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(Lamps) as app:
        lamp = app.install_and_switch(4)
        events = list(app.events.get(lamp))
        want = normalise(vars(project_lamp(None, [e for e in events if e.originator_version != 5])))
        real = oracle_state(app, str(lamp), 5, project_lamp)
    args = [h.location, str(lamp), "--path", DOMAINS, "--app-class", "stylesdomain.cases:Lamps"]
    assert want != real  # the skipped event changes the state
    r = run_cli("state", *args, "--skip", "5", "--json")
    assert r.code in (0, 1), r.err
    out = r.json()
    assert out["mode"] == "domain" and out["error"] is None
    assert out["state"] == want and out["real_state"] == real
    # the real replay is untouched by the what-if (checkpoints shared with immutable states)
    r = run_cli("state", *args, "--json")
    assert r.code == 0 and r.json()["state"] == real


@pytest.mark.parametrize("style", ["functional", "pydantic_immutable"])
def test_snapshot_take_of_a_functional_aggregate_reads_back_in_the_library(
    style: str, tmp_path: Path
) -> None:
    """``snapshot take`` of a functional aggregate: the application's snapshot class and
    mapper, so the library's ``Repository.get(..., projector_func=...)`` starts from it and gives
    the same state; ``snapshots --verify`` stays clean."""
    writer, id_type = STYLES[style]
    h = store_env("sqlite", tmp_path=tmp_path, id_type=id_type)
    w = writer(h)
    stream = w.streams[0]
    proj = w.projectors[stream]
    with h.open_app(w.app_class) as app:
        last = versions_of(app, stream)[-1]
        taken = {s.originator_version for s in app.snapshots.get(_key(stream))}
        version = next(v for v in range(last - 1, 0, -1) if v not in taken)
        before = {v: oracle_state(app, stream, v, proj) for v in (version, last)}
    opts = ["--path", DOMAINS, "--app-class", w.spec]
    r = run_cli("snapshot", "take", h.location, stream, "--version", str(version), *opts,
                "--write", "--yes")
    assert r.code == 0, r.err
    with h.open_app(w.app_class) as app:
        now = {s.originator_version for s in app.snapshots.get(_key(stream))}
        assert now == taken | {version}
        for v in (version, last):
            assert oracle_state(app, stream, v, proj) == before[v]
    r = run_cli("snapshots", h.location, stream, *opts, "--verify", "--json")
    assert r.code == 0, r.err
    assert all(x["ok"] is True for x in r.json()) and version in [x["version"] for x in r.json()]
