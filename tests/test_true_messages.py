"""Say what is true: a role without SELECT is told so (not "no event store"), empty and scalar
payloads are not "encrypted", one odd blob does not make a store encrypted, and a write on a
read-only SQLite file is refused before SQLite leaves -wal/-shm files beside it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import PgServer, store_env

ROOT = Path(__file__).resolve().parent.parent


def _bank(tmp_path: Path, n: int = 4) -> tuple[str, str]:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        aid = app.open_account("Ann", "ann@example.com")
        for i in range(n - 1):
            app.credit_account(aid, i + 1)
        app.take_snapshot(aid, version=2)
    return h.location, str(aid)


def _set_state(path: str, version: int, state: object) -> None:
    c = sqlite3.connect(path)
    try:
        cols = [r[1] for r in c.execute("PRAGMA table_info(stored_events)")]
        assert "state" in cols
        c.execute("UPDATE stored_events SET state = ? WHERE originator_version = ?",
                  [state, version])
        c.commit()
    finally:
        c.close()


@pytest.mark.postgres
def test_role_without_select_is_told_permission_denied(pg: PgServer, tmp_path: Path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    user, password = pg.select_only_role(h.schema or "public")
    with pg.connect() as c:
        c.execute(f'REVOKE SELECT ON ALL TABLES IN SCHEMA "{h.schema}" FROM "{user}"')
    url = pg.url(user=user, password=password)
    r = run_cli("info", url, "--schema", h.schema or "public")
    assert r.code == 1 and "permission denied for table" in r.err, r.err
    assert "holds no event store" not in r.err and password not in r.err
    with pg.connect() as c:
        c.execute(f'REVOKE USAGE ON SCHEMA "{h.schema}" FROM "{user}"')
    r = run_cli("info", url)
    assert r.code == 1 and "permission denied for schema" in r.err, r.err


def test_empty_and_scalar_payloads_are_said_as_they_are(tmp_path: Path) -> None:
    loc, aid = _bank(tmp_path)
    _set_state(loc, 2, b"")
    _set_state(loc, 3, b"42")
    _set_state(loc, 4, b"\x00\x01junk")
    r = run_cli("events", loc, aid, "--json")
    assert r.code == 0, r.err
    rows = {row["version"]: row for row in r.json()}
    assert "empty payload" in rows[2]["error"] and "encrypted" not in rows[2]["error"]
    assert rows[3]["error"] is None and rows[3]["data"] == 42
    assert "too short to be encrypted" in rows[4]["error"]
    r = run_cli("info", loc, "--json")
    assert r.json()["encrypted"] is False


def test_one_random_blob_does_not_make_a_store_encrypted(tmp_path: Path) -> None:
    loc, aid = _bank(tmp_path)
    _set_state(loc, 4, os.urandom(256 * 1024))  # the newest event: random bytes
    r = run_cli("info", loc, "--json")
    assert r.code == 0, r.err
    assert r.json()["encrypted"] is False, r.json()
    r = run_cli("events", loc, aid, "--json")
    row = r.json()[-1]
    assert row["data"] is None and "or damaged" in row["error"]


def test_write_on_a_read_only_file_leaves_no_side_files(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("this test needs root and unshare(1) for a read-only bind mount")
    loc, aid = _bank(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("xdg-"))
    assert before == ["store.db"]
    script = (f'mount --bind "{loc}" "{loc}" && mount -o remount,bind,ro "{loc}" && '
              f'exec "$@"')
    p = subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", sys.executable, "-m", "inspector.cli",
         "snapshot", "delete", loc, aid, "--all", "--write", "--yes"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    after = sorted(x.name for x in tmp_path.iterdir() if not x.name.startswith("xdg-"))
    assert after == before  # no -wal, -shm or -journal left beside it
    assert p.returncode == 1, p
    assert "read-only" in p.stderr and "Traceback" not in p.stderr, p.stderr
