"""A damaged row damages only itself (issue 9 section 5).

Stores are written by the real library, then single columns of single rows are UPDATEd to what
the library never writes: SQLite (no type enforcement) an ``originator_version`` of 'abc', 1.5
or NULL, a NULL topic, NULL or non-bytes state, a NULL or BLOB id; PostgreSQL what its column
types allow (NULL topic, NULL state, odd text ids). Every command still lists, pages, replays up
to the damaged row and searches; the damaged event is an error value with its raw columns.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

from inspector.core.damage import PREFIX

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)
DOMAIN = ["--path", DOMAINS, "--app-class", "eidomain.values:Vaults"]


def _write(h: Any, n: int, **env: str) -> list[Any]:
    from eidomain.values import Vault, Vaults

    ids = []
    with h.open_app(Vaults, **env) as app:
        for i in range(n):
            v = Vault._create(Vault.Opened, id=f"v-{i}", n=i) if env else Vault(i)
            v.count(10 + i)  # v2: the one damaged
            v.count(20 + i)
            v.write("needle")  # v4
            app.save(v)
            ids.append(v.id)
    return ids


def _ok(*argv: str, code: int = 0) -> Any:
    r = run_cli(*argv, "--json")
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err
    assert r.code == code, r.err
    return json.loads(r.out)


def _check_everything_else(args: list[str], streams: dict[str, str]) -> None:
    """``streams`` maps a shown id to what its v2 was made into ('' for an undamaged stream)."""
    listed = {s["id"]: s["version"] for s in _ok("streams", *args)}
    for sid in streams:
        assert listed.get(sid) == 4, (sid, listed)
    paged: list[str] = []
    after: list[str] = []
    while True:
        page = _ok("streams", *args, "--limit", "2", *after)
        if not page:
            break
        paged += [s["id"] for s in page]
        after = ["--after", page[-1]["id"]]
    assert set(streams) <= set(paged)
    log = _ok("log", *args, "--limit", "1000")
    assert len(log) == 4 * len(streams)
    found = _ok("log", *args, "--contains", "needle")
    assert len(found) == len(streams) and {r["version"] for r in found} == {4}
    for sid, kind in streams.items():
        rows = _ok("events", *args, sid)
        assert len(rows) == 4, sid
        bad = [r for r in rows if r["error"] or not isinstance(r["data"], dict)]
        if not kind:
            assert not bad
            continue
        assert len(bad) == 1, (sid, bad)
        if bad[0]["error"]:  # (a JSON scalar state, 42, is shown as the value it is)
            assert bad[0]["data"] is None
            assert bad[0]["error"].startswith((PREFIX, "empty payload", "not")), bad[0]["error"]
        # replay: exact up to the damaged row, then a named failure (exit 1), no traceback
        first = _ok("state", *args, sid, "--version", "1", "--mode", "generic")
        assert first["state"]["n"] in range(100) and first["error"] is None
        if kind == "topic":  # generic mode does not read the topic: it replays past it
            assert _ok("state", *args, sid, "--mode", "generic")["state"]["note"] == "needle"
            continue
        last = _ok("state", *args, sid, "--mode", "generic", code=1)
        assert last["error"] and last["last_good_version"] == 1, last
        if kind == "version":  # shown with its raw value
            assert type(bad[0]["version"]) is not int


def test_sqlite_damaged_columns(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    ids = _write(h, 8)
    damage = [
        ("originator_version", "abc"),
        ("originator_version", 1.5),
        ("originator_version", None),
        ("topic", None),
        ("topic", b"\xff topic"),
        ("state", None),
        ("state", 42),
        ("state", "not bytes"),
    ]
    with sqlite3.connect(h.location) as c:
        for sid, (col, value) in zip(ids, damage, strict=True):
            c.execute(
                f"UPDATE stored_events SET {col} = ?"
                " WHERE originator_id = ? AND originator_version = 2",
                (value, sid.hex),
            )
        c.execute(  # two more streams whose id is damaged in one row
            "INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " SELECT NULL, 9, topic, state FROM stored_events WHERE originator_version = 3"
            " LIMIT 1"
        )
    streams = {str(sid): "version" if col == "originator_version" else col
               for sid, (col, _) in zip(ids, damage, strict=True)}
    args = [h.location]
    listed = _ok("streams", *args)
    assert len(listed) == 8  # the NULL id is no stream, and hides none
    log = _ok("log", *args, "--limit", "1000")
    null_id = [r for r in log if r["stream"] is None]
    assert len(null_id) == 1 and null_id[0]["error"] == PREFIX + "originator_id is NULL"
    by_error = {r["error"] for r in log if r["error"]}
    assert PREFIX + "originator_version is 'abc', not an integer" in by_error
    assert PREFIX + "topic is NULL, not text" in by_error
    # the rest, minus the extra NULL-id row in the log count
    with sqlite3.connect(h.location) as c:
        c.execute("DELETE FROM stored_events WHERE originator_id IS NULL")
    _check_everything_else(args, streams)
    # domain mode stops at the damaged row too, with the library's classes
    r = run_cli("state", *args, str(ids[0]), *DOMAIN, "--json")
    assert r.code == 1 and "Traceback" not in r.err and json.loads(r.out)["state"]["n"] == 0


def test_postgres_damaged_columns(pg: Any, tmp_path: Path) -> None:
    """PostgreSQL allows a NULL topic or state, and any text id: each damages only its row."""
    from eidomain.strids import Ticket
    from eventsourcing.application import Application

    h = store_env("postgres", pg=pg, tmp_path=tmp_path, id_type="text")
    keys = ["a", "b", "c", "d"]
    with h.open_app(Application) as app:
        for k in keys:
            t = Ticket.open(k, f"title {k}")  # v0
            t.comment("damaged")  # v1
            t.comment("x")
            t.comment("needle")  # v3
            app.save(t)
    ids = [f"ticket-{k}" for k in keys]
    table = f'"{h.schema}"."application_events"'
    with pg.connect() as c:
        c.execute(f"UPDATE {table} SET topic = NULL WHERE originator_id = %s"
                  " AND originator_version = 1", (ids[0],))
        c.execute(f"UPDATE {table} SET state = NULL WHERE originator_id = %s"
                  " AND originator_version = 1", (ids[1],))
        for old, new in ((ids[2], " ticket c\n"), (ids[3], "")):  # odd but valid text ids
            c.execute(f"UPDATE {table} SET originator_id = %s WHERE originator_id = %s",
                      (new, old))
    shown = [ids[0], ids[1], " ticket c\n", ""]
    args = inspector_args(h)
    listed = {s["id"]: s["version"] for s in _ok("streams", *args)}
    assert listed == dict.fromkeys(shown, 3), listed
    assert len(_ok("log", *args, "--limit", "1000")) == 16
    found = _ok("log", *args, "--contains", "needle")
    assert sorted(r["stream"] for r in found) == sorted(shown)
    for sid in shown:
        rows = _ok("events", *args, sid)  # odd ids round-trip exactly
        assert [r["stream"] for r in rows] == [sid] * 4
        bad = [r for r in rows if r["error"]]
        assert len(bad) == (1 if sid in ids[:2] else 0), bad
        assert _ok("state", *args, sid, "--version", "0", "--mode", "generic")["state"]
    rows = _ok("events", *args, ids[0])
    assert rows[1]["topic"] is None and rows[1]["error"] == PREFIX + "topic is NULL, not text"
    rows = _ok("events", *args, ids[1])
    assert rows[1]["data"] is None and rows[1]["error"].startswith("empty payload")
    last = _ok("state", *args, ids[1], "--mode", "generic", code=1)
    assert last["last_good_version"] == 0 and last["error"]


@pytest.mark.parametrize("value", ["abc", 1.5, None])
def test_gui_streams_list_and_stream_open_with_damaged_version(
    tmp_path: Path, qtbot: Any, value: Any
) -> None:
    """The GUI's streams list shows every stream; opening the damaged one settles."""
    from inspector.ui.session import OpenRequest, open_session

    h = store_env("sqlite", tmp_path=tmp_path)
    ids = _write(h, 3)
    with sqlite3.connect(h.location) as c:
        c.execute(
            "UPDATE stored_events SET originator_version = ?"
            " WHERE originator_id = ? AND originator_version = 2", (value, ids[1].hex),
        )
    session = open_session(OpenRequest(location=h.location))
    try:
        from inspector.ui.models.streams import StreamsModel  # noqa: F401 - the GUI's model

        page = session.store.streams(limit=100)
        assert [s.version for s in page] == [4, 4, 4]
        rp = session.replayer
        res = rp.state(str(ids[1]), 4)
        assert res.error is not None and res.last_good_version == 1
        assert rp.state(str(ids[1]), 1).state["n"] == 1
    finally:
        session.close()
