"""Domain-mode replay equals the library's ``Repository.get(id, version=V)`` at every version.

Six aggregate styles (declarative ``@event``; explicit event classes with ``apply``; string ids
with ``INITIAL_VERSION = 0``; renamed topics via ``register_topic``; class_version 1 events read
by a class at version 2; snapshots in the store), on SQLite and PostgreSQL, plain and zlib+AES.
Generic mode runs on the same stores.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

import scenarios  # noqa: E402

from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
ENCODINGS = ["plain", "zlib+aes"]


def oracle_state(app: Any, stream: str, version: int) -> dict[str, Any]:
    key: Any = stream
    try:
        key = UUID(stream)
    except ValueError:
        pass
    agg = app.repository.get(key, version=version)
    return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


def versions_of(app: Any, stream: str) -> list[int]:
    key: Any = stream
    try:
        key = UUID(stream)
    except ValueError:
        pass
    return [e.originator_version for e in app.recorder.select_events(key)]


def check_every_version(
    h: Any, app_class: type, app_name: str, spec: str | None, streams: list[str]
) -> int:
    """Compare the inspector with the oracle at every version; returns versions checked."""
    domain = load_domain([DOMAINS], spec, h.cipher_key)
    checked = 0
    with open_database(h.location, schema=h.schema) as db, h.open_app(app_class) as app:
        store = db.store(app_name if h.kind == "postgres" else None)
        rp = Replayer(store, Codec(h.cipher_key), "auto", domain)
        generic = Replayer(store, Codec(h.cipher_key), "generic")
        for stream in streams:
            assert rp.mode_for(stream) == "domain"
            versions = versions_of(app, stream)
            assert len(versions) >= 3
            # Jump around: last first (the first replay), then every version in a shuffled order.
            order = [versions[-1], *versions[::2], *reversed(versions[1::2])]
            for v in order:
                res = rp.state(stream, v)
                assert res.error is None, res.error
                assert res.mode == "domain" and not res.approximate
                want = oracle_state(app, stream, v)
                assert res.state == want, (stream, v)
                checked += 1
                # generic mode on the same store: labelled approximate; ids, versions and
                # times follow the events (and the snapshots) exactly
                g = generic.state(stream, v)
                assert g.error is None and g.mode == "generic" and g.approximate
                for k in ("_id", "_version", "_created_on", "_modified_on"):
                    assert g.state[k] == want[k], (stream, v, k)
    return checked


def _handle(
    kind: str, encoding: str, tmp_path: Path, request: Any, name: str, id_type: str = "uuid"
) -> Any:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    return store_env(
        kind, tmp_path=tmp_path, pg=pg, encoding=encoding, filename=f"{name}.db", id_type=id_type
    )


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_six_styles_every_version(kind: str, encoding: str, tmp_path: Path, request: Any) -> None:
    total = 0
    # 1 declarative @event (+ automatic snapshots every 7 versions: style 6)
    h = _handle(kind, encoding, tmp_path, request, "dogs")
    w = scenarios.write_dogs(h)
    with open_database(h.location, schema=h.schema) as db:
        store = db.store(w.app_name if kind == "postgres" else None)
        assert store.snapshots(w.streams[0]), "the dogs store must hold snapshots"
    total += check_every_version(h, w.app_class, w.app_name, w.app_class_spec, w.streams)
    # 2 explicit event classes with apply; a custom transcoding that needs the app class
    h = _handle(kind, encoding, tmp_path, request, "bank")
    w = scenarios.write_bank(h)
    total += check_every_version(h, w.app_class, w.app_name, w.app_class_spec, w.streams)
    # 3 string ids, INITIAL_VERSION = 0
    h = _handle(kind, encoding, tmp_path, request, "tickets", id_type="text")
    w = scenarios.write_tickets(h)
    total += check_every_version(h, w.app_class, w.app_name, w.app_class_spec, w.streams)
    # 4 renamed topics and 5 class_version 1 -> 2, written by the old code
    h = _handle(kind, encoding, tmp_path, request, "legacy")
    w = scenarios.write_legacy(h)
    total += check_every_version(h, w.app_class, w.app_name, w.app_class_spec, w.streams)
    from eidomain.renamed import Cattery

    total += check_every_version(
        h, Cattery, "Cattery", "eidomain.renamed:Cattery", [w.extra["kitten"]]
    )
    assert total > 60


@pytest.mark.parametrize(
    ("kind", "encoding"), [("sqlite", "plain"), ("sqlite", "zlib+aes"), ("sa_sqlite", "zlib+aes")]
)
def test_cli_state_matches_library(kind: str, encoding: str, tmp_path: Path) -> None:
    h = store_env(kind, tmp_path=tmp_path, encoding=encoding)
    w = scenarios.write_bank(h)
    stream = w.streams[1]
    with h.open_app(w.app_class) as app:
        last = versions_of(app, stream)[-1]
        want_mid = oracle_state(app, stream, 4)
        want_last = oracle_state(app, stream, last)
    base = inspector_args(h, "--path", DOMAINS, "--app-class", w.app_class_spec, "--json")
    r = run_cli("state", *base[:1], stream, *base[1:], "--version", "4")
    assert r.code == 0, r.err
    out = r.json()
    assert out["mode"] == "domain" and out["version"] == 4
    assert out["state"] == want_mid
    # the email address is a value object: decoded by the app's transcoding, normalised
    assert out["state"]["email_address"] == {"address": "ann1@example.com"}
    r = run_cli("state", *base[:1], stream, *base[1:])
    assert r.code == 0, r.err
    assert r.json()["state"] == want_last


def test_generic_mode_on_the_same_stores(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = scenarios.write_bank(h)
    stream = w.streams[0]
    with open_database(h.location) as db, h.open_app(w.app_class) as app:
        rp = Replayer(db.store(), Codec(h.cipher_key), "generic")
        versions = versions_of(app, stream)
        for v in versions:
            res = rp.state(stream, v)
            assert res.mode == "generic" and res.approximate
            want = oracle_state(app, stream, v)
            # the rule: ids, versions and times follow the events (or the snapshot)
            for k in ("_id", "_version", "_created_on", "_modified_on"):
                assert res.state[k] == want[k], (v, k)
        # created event attributes start the state; the snapshot at 3 replaces it
        assert rp.state(stream, 1).state["full_name"] == "Ann 0"
        s3 = rp.state(stream, 3).state
        assert s3["balance"] == oracle_state(app, stream, 3)["balance"]
        # a later TransactionAppended sets its own attribute ('amount'), not 'balance'
        s4 = rp.state(stream, 4).state
        assert s4["amount"] == "2.25" and s4["balance"] == s3["balance"]
        assert rp.mode_for(stream) == "generic"


def test_auto_mode_says_which_mode(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    r = run_cli("state", h.location, w.streams[0], "--json")
    assert r.code == 0, r.err
    assert r.json()["mode"] == "generic" and r.json()["approximate"] is True
    assert "no domain code" in r.json()["mode_reason"]
    r = run_cli(
        "state",
        h.location,
        w.streams[0],
        "--path",
        DOMAINS,
        "--app-class",
        "eidomain.dogs:DogSchool",
    )
    assert r.code == 0, r.err
    assert "mode:    domain" in r.out
    r = run_cli("state", h.location, w.streams[0], "--mode", "generic", "--path", DOMAINS)
    assert "mode:    generic (approximate)" in r.out
