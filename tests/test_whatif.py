"""What-if replay (``state --skip``) against the library: ``project_aggregate`` over the stored
events with each skipped event replaced by a no-op event of the same version and timestamp."""

from __future__ import annotations

import hashlib
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

from inspector.commands.support import open_store  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.core.whatif import whatif  # noqa: E402

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

import scenarios  # noqa: E402

DOG_ARGS = ("--path", DOMAINS, "--app-class", "eidomain.dogs:DogSchool")


_EVENTS: dict[tuple[str, str], list[Any]] = {}


def _library_events(h: Any, stream: str) -> list[Any]:
    key = (h.location + str(h.schema), stream)
    if key not in _EVENTS:
        from eidomain.dogs import DogSchool

        with h.open_app(DogSchool) as app:
            _EVENTS[key] = list(app.events.get(uuid.UUID(stream)))
    return _EVENTS[key]


def _state_of(agg: Any) -> dict[str, Any]:
    return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


def _library_whatif(h: Any, stream: str, skip: set[int], version: int) -> dict[str, Any]:
    """The oracle: the library's own events and mutate, skipped events as no-ops."""
    from eidomain.dogs import Dog

    agg = None
    for e in _library_events(h, stream):
        if e.originator_version > version:
            break
        if e.originator_version in skip:
            e = Dog.Event(originator_id=e.originator_id,  # noqa: PLW2901
                          originator_version=e.originator_version, timestamp=e.timestamp)
        agg = e.mutate(agg)
    return _state_of(agg)


def _library_state(h: Any, stream: str, version: int) -> dict[str, Any]:
    """The library's replay of the stored events up to ``version`` (its project_aggregate)."""
    return _library_whatif(h, stream, set(), version)


def _sha(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_whatif_equals_library_replay_with_noops(kind: str, tmp_path: Path, request: Any) -> None:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding="zlib+aes")
    w = scenarios.write_dogs(h)
    stream = w.streams[1]
    before = _sha(h.location) if kind == "sqlite" else None
    ns = type("A", (), {"store": None, "app": None, "schema": h.schema,
                        "cipher_key": h.cipher_key, "password": None})()
    ns.store = h.location
    store, db, codec = open_store(ns)
    with db:
        rp = Replayer(store, codec, "domain",
                      load_domain([DOMAINS], "eidomain.dogs:DogSchool", h.cipher_key))
        last = store.require_stream(stream)
        for skip in ({2}, {3, 5}, {last}, {9, 10}, {2, 16}):
            for v in sorted({max(skip), last, (max(skip) + last) // 2}):
                got = whatif(rp, stream, skip=skip, version=v)
                assert got["error"] is None
                assert got["state"] == _library_whatif(h, stream, skip, v), (skip, v)
                assert got["real_state"] == _library_state(h, stream, v)
                # never from a snapshot at or after the first skipped event
                assert got["from_snapshot"] is None or got["from_snapshot"] < min(skip)
                # a diff against the real state at every version from the first change
                assert [x["version"] for x in got["versions"]] == list(range(min(skip), v + 1))
                assert [c["path"] for c in got["differences"]] == got["versions"][-1][
                    "differences"]
        # a stored snapshot below the change is used; one above is not
        late = whatif(rp, stream, skip={last - 1})
        assert late["from_snapshot"] is not None and late["from_snapshot"] < last - 1
        assert late["state"] == _library_whatif(h, stream, {last - 1}, last)
    if before is not None:
        assert _sha(h.location) == before  # nothing written

    # the CLI: JSON state contract plus the what-if, exit 0
    r = run_cli("state", *inspector_args(h), stream, *DOG_ARGS, "--skip", "3,5", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["state"] == _library_whatif(h, stream, {3, 5}, last)
    assert out["mode"] == "domain" and out["skip"] == [3, 5]


def test_whatif_failures_refusals_and_generic(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    stream = w.streams[0]  # fido: tricks 0..5 added at versions 2.., forget_trick(1) later
    base = ("state", h.location, stream, *DOG_ARGS)
    # skipping the created event is refused, with a message
    r = run_cli(*base, "--skip", "1")
    assert r.code == 1 and "created" in r.err and "Traceback" not in r.err
    for bad in ("x", "0", "999"):
        r = run_cli(*base, "--skip", bad)
        assert r.code == 1 and r.err.startswith("event-inspector: ") and "Traceback" not in r.err
    # a failure the change causes: without the first two add_trick events, forget_trick(1)
    # finds one trick only and raises (the real replay does not)
    events = run_cli("events", h.location, stream, "--json").json()
    adds = [e["version"] for e in events if e["topic"].endswith("TrickAdded")]
    forget = next(e["version"] for e in events if e["topic"].endswith("TrickForgotten"))
    skip = [v for v in adds if v < forget]
    skip = skip[: len(skip) - 1]  # leave one trick: index 1 is out of range
    r = run_cli(*base, "--skip", ",".join(map(str, skip)), "--json")
    assert r.code == 1 and "caused by the change" in r.err
    out = r.json()
    assert out["error"]["version"] == forget and out["error"]["caused_by_change"] is True
    assert out["real_error"] is None and out["state_version"] == forget - 1
    # generic mode: the skipped event's attributes are gone, the version still advances
    first_trick = adds[0]
    g = run_cli("state", h.location, stream, "--mode", "generic", "--skip",
                ",".join(map(str, [v for v in adds if v != adds[-1]])), "--json").json()
    assert g["approximate"] is True and g["state"]["_version"] == events[-1]["version"]
    assert g["versions"][0]["version"] == first_trick
    # edits (the GUI's "edit payload"): a score given as text becomes the stored Decimal
    codec = Codec(None)
    ns = type("A", (), {"store": h.location, "app": None, "schema": None,
                        "cipher_key": None, "password": None})()
    store, db, _ = open_store(ns)
    with db:
        rp = Replayer(store, codec, "domain",
                      load_domain([DOMAINS], "eidomain.dogs:DogSchool", None))
        scored = next(e for e in events if e["topic"].endswith("Scored"))
        out = whatif(rp, stream, edits={scored["version"]: {"points": "99.5"}})
        judge = scored["data"]["judge"]
        assert out["state"]["scores"][judge] == "99.5"
        assert {"path": ["scores", judge], "op": "change",
                "old": out["real_state"]["scores"][judge], "new": "99.5"} in out["differences"]
