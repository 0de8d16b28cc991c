"""Replay failures are data: the replay stops at the failing event, names it, keeps what it has.

Cases: an ``apply`` that raises, a version gap, an id mismatch, an unresolvable topic in domain
mode, a failing upcaster. Plus snapshots that drift from the events (``snapshots --verify``).
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from storefactory import store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

import scenarios  # noqa: E402
from eidomain import failing  # noqa: E402

from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


@pytest.fixture
def switches() -> Iterator[None]:
    yield
    failing.BROKEN_APPLY = False
    failing.WRONG_ID = False
    failing.DRIFT_FACTOR = 1


def replayer(h: Any, mode: str = "domain") -> tuple[Any, Replayer]:
    db = open_database(h.location, schema=h.schema)
    return db, Replayer(
        db.store(), Codec(h.cipher_key), mode, load_domain([DOMAINS], None, h.cipher_key)
    )


def lib_state(h: Any, stream: str, version: int) -> dict[str, Any]:
    from eventsourcing.application import Application

    with h.open_app(Application) as app:
        agg = app.repository.get(UUID(stream), version=version)
        return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


def test_apply_raises(tmp_path: Path, switches: None) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_gadgets(h)
    stream = w.extra["boom"]
    want_v3 = lib_state(h, stream, 3)
    failing.BROKEN_APPLY = True
    db, rp = replayer(h)
    with db:
        res = rp.state(stream)
        assert res.error is not None
        assert res.error.version == 4  # Made=1, p0=2, p1=3, boom=4
        assert res.error.topic == "eidomain.failing:Gadget.PartAdded"
        assert isinstance(res.error.position, int)
        assert "ValueError" in res.error.message and "boom" in res.error.message
        assert res.last_good_version == 3
        assert res.state == want_v3
        # every state before the failure remains available, exactly
        for v in (1, 2, 3):
            r = rp.state(stream, v)
            assert r.error is None and r.state["_version"] == v
        assert rp.state(stream, 3).state == want_v3
    r = run_cli("state", h.location, stream, "--path", DOMAINS, "--mode", "domain", "--json")
    assert r.code == 1
    out = r.json()
    assert out["state"] == want_v3
    assert out["error"]["version"] == 4
    assert "version 4" in r.err and "Gadget.PartAdded" in r.err and "cannot fit" in r.err
    # auto: domain mode only up to the failure; after it, generic mode, saying why (issue 8 §6)
    r = run_cli("state", h.location, stream, "--path", DOMAINS, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["mode"] == "generic" and out["approximate"] is True and out["error"] is None
    assert "version 4" in out["mode_reason"] and "cannot fit" in out["mode_reason"]
    assert "version 4" in r.err and "generic" in r.err
    r = run_cli("state", h.location, stream, "--path", DOMAINS, "--version", "3", "--json")
    assert r.code == 0 and r.json()["mode"] == "domain" and r.json()["state"] == want_v3


def test_version_gap(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_gadgets(h)
    stream = w.extra["plain"]
    want_v2 = lib_state(h, stream, 2)
    with sqlite3.connect(h.location) as c:  # damage the store: lose version 3
        c.execute(
            "DELETE FROM stored_events WHERE originator_id = ? AND originator_version = 3",
            (UUID(stream).hex,),
        )
        c.execute("DELETE FROM stored_snapshots")
    for mode in ("domain", "generic"):
        db, rp = replayer(h, mode)
        with db:
            res = rp.state(stream)
            assert res.error is not None, mode
            assert res.error.version == 4
            assert "version gap" in res.error.message and "expected version 3" in res.error.message
            assert res.last_good_version == 2
            if mode == "domain":
                assert res.state == want_v2
        # the missing version itself: never the state of another version under its number
        _, rp = replayer(h, "domain")
        res = rp.state(stream, 3)
        assert res.error is not None and res.error.version == 3
        assert res.last_good_version == 2 and res.state == want_v2
    r = run_cli("diff", h.location, stream, "--from", "1", "--to", "5", "--path", DOMAINS, "--json")
    assert r.code == 1
    assert "version gap" in r.err


def test_id_mismatch(tmp_path: Path, switches: None) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_gadgets(h)
    stream = w.extra["boom"]  # no snapshot: the replay starts from the created event
    failing.WRONG_ID = True  # the created event's __init__ now sets another id
    db, rp = replayer(h)
    with db:
        res = rp.state(stream, 4)
        assert res.error is not None and res.error.version == 2
        assert "OriginatorIDError" in res.error.message
        assert res.last_good_version == 1
        assert rp.state(stream, 1).error is None


def test_unresolvable_topic_and_failing_upcaster(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = scenarios.write_legacy(h)
    frozen, bad = w.extra["frozen"], w.extra["bad"]
    db, rp = replayer(h)
    with db:
        res = rp.state(frozen)
        assert res.error is not None and res.error.version == 3
        assert res.error.topic == "eidomain.versioned:Account.Frozen"
        assert "unresolvable topic" in res.error.message
        assert res.state["balance_cents"] == 500
        res = rp.state(bad)
        assert res.error is not None and res.error.version == 3
        assert "upcaster upcast_v1_v2 failed" in res.error.message
        assert res.state["balance_cents"] == 100 and res.last_good_version == 2
    r = run_cli("state", h.location, bad, "--path", DOMAINS, "--cipher-key", h.cipher_key,
                "--mode", "domain")
    assert r.code == 1
    assert "balance_cents" in r.out  # prints what it has
    assert "upcast_v1_v2" in r.err and "position" in r.err
    # auto falls back to generic mode after the failure and says why, in the output
    r = run_cli("state", h.location, bad, "--path", DOMAINS, "--cipher-key", h.cipher_key)
    assert r.code == 0, r.err
    assert "mode:    generic (approximate) — the domain replay stops at version 3" in r.out
    assert "upcast_v1_v2" in r.out and "inferred from events:" in r.out
    # generic mode needs no code: the whole stream folds (approximately)
    r = run_cli(
        "state", h.location, frozen, "--mode", "generic", "--cipher-key", h.cipher_key, "--json"
    )
    assert r.code == 0, r.err
    assert r.json()["state"]["_version"] == 4 and r.json()["state"]["amount"] == "6"


def test_snapshot_drift(tmp_path: Path, switches: None) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_gadgets(h)
    scaled, plain = w.extra["scaled"], w.extra["plain"]
    r = run_cli("snapshots", h.location, scaled, "--verify", "--path", DOMAINS, "--json")
    assert r.code == 0, r.err
    rows = r.json()
    assert [row["ok"] for row in rows] == [True]
    assert rows[0]["differences"] == []
    failing.DRIFT_FACTOR = 2  # the code changed after the snapshot was taken
    r = run_cli("snapshots", h.location, scaled, "--verify", "--path", DOMAINS, "--json")
    assert r.code == 1
    rows = r.json()
    assert rows[0]["ok"] is False
    assert rows[0]["differences"] == [["size"]]
    assert rows[0]["changes"][0]["snapshot"] == 6 and rows[0]["changes"][0]["replayed"] == 24
    # the state at the snapshot's version starts from the snapshot, as the library does
    db, rp = replayer(h)
    with db:
        last = rp.state(scaled)
        assert last.state == lib_state(h, scaled, last.version)
        assert last.state["size"] == 6
        assert rp.state(plain, 2).state == lib_state(h, plain, 2)
    # without --verify nothing is judged
    r = run_cli("snapshots", h.location, scaled, "--json")
    assert r.code == 0 and r.json()[0]["ok"] is None and r.json()[0]["size"] > 0


def test_tampered_snapshot_found_in_both_modes(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_bank(h)
    stream = w.streams[0]
    spec = ["--app-class", w.app_class_spec]
    for extra in (spec, ["--mode", "generic"]):
        r = run_cli("snapshots", h.location, stream, "--verify", "--json", *extra)
        assert r.code == 0, r.err
        assert [row["ok"] for row in r.json()] == [True]
    with sqlite3.connect(h.location) as c:  # a stale/tampered snapshot
        key = UUID(stream).hex
        (blob,) = c.execute(
            "SELECT state FROM stored_snapshots WHERE originator_id = ?", (key,)
        ).fetchone()
        assert b'"Ann 0"' in blob
        c.execute(
            "UPDATE stored_snapshots SET state = ? WHERE originator_id = ?",
            (blob.replace(b'"Ann 0"', b'"Bob 0"'), key),
        )
    for extra, mode in ((spec, "domain"), (["--mode", "generic"], "generic")):
        r = run_cli("snapshots", h.location, stream, "--verify", "--json", *extra)
        assert r.code == 1
        row = r.json()[0]
        assert row["ok"] is False and row["mode"] == mode
        assert row["differences"] == [["full_name"]]
        assert row["changes"][0]["replayed"] == "Ann 0" and row["changes"][0]["snapshot"] == "Bob 0"
