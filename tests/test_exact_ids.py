"""Exact ids (issue 8 section 4; the shared case ``hex-string-ids`` rewritten as tests).

Text ids are shown, accepted and round-tripped exactly as stored: two streams whose ids differ
only in case, or only by dashes, stay two streams; a lone text id that looks like hex is not
rewritten. The dashed canonical form is only for stores that hold UUIDs: a uuid column, or TEXT
when the application's configuration says so (``--app-class``) or every id is 32 lowercase hex.
Any form typed is accepted; an exact stored match wins. Stores are written by the real library.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)
APP = ["--path", DOMAINS, "--app-class", "eidomain.strids:Helpdesk"]

LOWER = "abcdef0123456789abcdef0123456789"
UPPER = LOWER.upper()
DASHED = str(uuid.UUID(hex=LOWER))


def _ok(*argv: str) -> Any:
    r = run_cli(*argv, "--json")
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    return json.loads(r.out)


def _write_tickets(h: Any, ids: list[str]) -> dict[str, Any]:
    """One Ticket per id (the i-th with i + 1 comments); returns the library's state per id."""
    from eidomain.strids import Helpdesk, Ticket

    out = {}
    with h.open_app(Helpdesk) as app:
        for i, tid in enumerate(ids):
            t = Ticket._create(Ticket.Opened, id=tid, title=f"ticket {i}")
            for n in range(i + 1):
                t.comment(f"c{n}")
            app.save(t)
        for tid in ids:
            a = app.repository.get(tid)
            out[tid] = (a.version, a.title, list(a.comments))
    return out


def _text_store(kind: str, tmp_path: Path, request: Any, ids: list[str]) -> tuple[Any, dict]:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, id_type="text")
    return h, _write_tickets(h, ids)


def _round_trip(args: list[str], expected: dict[str, Any], *more: str) -> None:
    """Every id a listing shows is one stored id exactly, and pasted back reaches its stream."""
    listed = [s["id"] for s in _ok("streams", *args, *more)]
    assert sorted(listed) == sorted(expected), listed
    for sid in listed:
        rows = _ok("events", *args, sid, *more)
        assert {r["stream"] for r in rows} == {sid}
        version, title, comments = expected[sid]
        assert rows[-1]["version"] == version and rows[0]["data"]["title"] == title
        st = _ok("state", *args, sid, *more)
        assert st["stream"] == sid and st["state"]["title"] == title, st
        if more:  # domain mode: the library's own state
            assert st["mode"] == "domain" and st["state"]["comments"] == comments
    log_ids = {r["stream"] for r in _ok("log", *args, "--limit", "1000", *more)}
    assert log_ids == set(expected)


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_ids_differing_only_in_case_stay_apart(tmp_path: Path, request: Any, kind: str) -> None:
    h, expected = _text_store(kind, tmp_path, request, [LOWER, UPPER])
    args = inspector_args(h)
    _round_trip(args, expected)
    _round_trip(args, expected, *APP)  # the app's configuration says text: same answer
    st = _ok("state", *args, UPPER, *APP)
    assert st["mode"] == "domain" and st["state"]["_id"] == UPPER
    gen = _ok("state", *args, UPPER, "--mode", "generic")
    assert "_pending_events" not in gen["state"]
    # a UUID typed in another form finds the stored one; the exact match wins
    assert _ok("events", *args, DASHED)[0]["stream"] == LOWER
    assert _ok("events", *args, UPPER)[0]["stream"] == UPPER
    # snapshot take writes the stream's own id (write mode)
    r = run_cli("snapshot", "take", *args, UPPER, *APP, "--write", "--yes")
    assert r.code == 0, r.err
    snaps = _ok("snapshots", *args, UPPER, "--verify", *APP)
    assert len(snaps) == 1 and snaps[0]["ok"] is True
    assert _ok("snapshots", *args, LOWER) == []
    gen = _ok("state", *args, UPPER, "--mode", "generic")  # from the snapshot now
    assert "_pending_events" not in gen["state"] and gen["state"]["_id"] == UPPER


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_ids_differing_only_by_dashes_stay_apart(tmp_path: Path, request: Any, kind: str) -> None:
    h, expected = _text_store(kind, tmp_path, request, [LOWER, DASHED])
    args = inspector_args(h)
    _round_trip(args, expected)
    assert _ok("events", *args, LOWER)[0]["stream"] == LOWER  # the undashed one is reachable


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_lone_hex_text_id_not_rewritten(tmp_path: Path, request: Any, kind: str) -> None:
    # 'abc' lies between the hex ids in id order: only the whole-store check can see it
    ids = ["0" * 32, "abc", LOWER, "f" * 32]
    h, expected = _text_store(kind, tmp_path, request, ids)
    _round_trip(inspector_args(h), expected)
    (tmp_path / "b").mkdir()
    h2, expected2 = _text_store(kind, tmp_path / "b", request, ["ticket-1", LOWER])
    _round_trip(inspector_args(h2), expected2)


def test_all_hex_text_ids_follow_configuration(tmp_path: Path) -> None:
    """Without configuration a store whose every id is 32 lowercase hex holds UUIDs (dashed,
    any form accepted); with the app's ORIGINATOR_ID_TYPE=text they are shown as stored."""
    ids = ["0" * 32, LOWER]
    h = store_env("sqlite", tmp_path=tmp_path, id_type="text")
    expected = _write_tickets(h, ids)
    listed = [s["id"] for s in _ok("streams", h.location)]
    assert listed == [str(uuid.UUID(hex=x)) for x in ids]
    assert _ok("events", h.location, UPPER)[0]["stream"] == DASHED
    _round_trip([h.location], expected, *APP)
    # a non-hex id appended later turns the (cached) answer to text ids on the next open
    from eidomain.strids import Helpdesk, Ticket

    with h.open_app(Helpdesk) as app:
        app.save(Ticket._create(Ticket.Opened, id="later", title="x"))
    assert sorted(s["id"] for s in _ok("streams", h.location)) == sorted([*ids, "later"])


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_uuid_store_dashed_and_any_form_accepted(tmp_path: Path, request: Any, kind: str) -> None:
    from eidomain.values import Vault, Vaults

    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg)
    with h.open_app(Vaults) as app:
        v = Vault(1)
        v.count(2)
        app.save(v)
    args = inspector_args(h)
    sid = str(v.id)
    assert [s["id"] for s in _ok("streams", *args)] == [sid]
    for form in (sid, v.id.hex, sid.upper(), v.id.hex.upper(), "{" + sid + "}", "urn:uuid:" + sid):
        assert _ok("events", *args, form)[0]["stream"] == sid, form
        # every command that names the stream names it as listed, not as typed
        assert _ok("state", *args, form)["stream"] == sid, form
    assert _ok("state", *args, sid.upper(), "--skip", "2")["stream"] == sid
    if kind == "sqlite":
        with sqlite3.connect(h.location) as c:
            assert c.execute("SELECT originator_id FROM stored_events").fetchone()[0] == v.id.hex
