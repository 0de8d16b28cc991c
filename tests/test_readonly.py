"""Read-only at the connection level: SQLite files stay byte-identical with no new side files;
PostgreSQL works for a role with only SELECT and refuses writes through the inspector's session."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import store_env

from inspector.core.errors import InspectorError
from inspector.stores.open import open_database


def dir_state(path: Path) -> dict[str, str]:
    """The files beside the store (the test's XDG user directories are not beside it)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.iterdir())
        if not p.name.startswith("xdg-")
    }


def write_bank(app: BankAccounts, n: int = 3) -> list[str]:
    ids = [app.open_account(f"Ann {i}", f"a{i}@example.com") for i in range(n)]
    for aid in ids:
        app.credit_account(aid, Decimal("2.5"))
    app.take_snapshot(ids[0])
    return [str(i) for i in ids]


def read_session(args: list[str], ids: list[str]) -> dict[str, Any]:
    """info, streams (all pages), events of every stream, the whole log; all must succeed."""
    out: dict[str, Any] = {}
    r = run_cli("info", *args, "--json")
    assert r.code == 0, r.err
    out["info"] = r.json()
    seen: list[str] = []
    after: list[str] = []
    while True:
        r = run_cli("streams", *args, "--json", "--limit", "2", *after)
        assert r.code == 0, r.err
        page = [s["id"] for s in r.json()]
        if not page:
            break
        seen += page
        after = ["--after", page[-1]]
    assert seen == sorted(ids)
    for sid in ids:
        r = run_cli("events", *args, sid, "--json")
        assert r.code == 0, r.err
        assert [e["version"] for e in r.json()] == [1, 2]
        assert all(e["error"] is None for e in r.json())
    r = run_cli("log", *args, "--json", "--limit", "1000")
    assert r.code == 0, r.err
    out["log"] = r.json()
    assert len(out["log"]) == 2 * len(ids)
    r = run_cli("log", *args, "--json", "--contains", "Ann 1")
    assert r.code == 0 and len(r.json()) == 1
    return out


def test_wal_file_from_eventsourcing_sqlite(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib")
    with h.open_app(BankAccounts) as app:
        ids = write_bank(app)
    header = Path(h.location).read_bytes()[:20]
    assert header[18] == 2 and header[19] == 2  # the library left it in WAL mode
    before = dir_state(tmp_path)
    assert list(before) == ["store.db"]
    read_session([h.location], ids)
    assert dir_state(tmp_path) == before


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_file_from_eventsourcing_sqlalchemy(journal: str, tmp_path: Path) -> None:
    """eventsourcing_sqlalchemy 1.0.1 switches SQLite files to WAL; a rollback-journal file is the
    same store converted (``PRAGMA journal_mode=DELETE``), as older writers or tools leave it."""
    h = store_env("sa_sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        ids = write_bank(app)
        app.recorder.datastore.engine.dispose()
    if journal == "delete":
        with contextlib.closing(sqlite3.connect(h.location)) as c:
            assert c.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    header = Path(h.location).read_bytes()[:20]
    assert (header[18], header[19]) == ((2, 2) if journal == "wal" else (1, 1))
    before = dir_state(tmp_path)
    assert list(before) == ["store.db"]
    out = read_session([h.location], ids)
    assert out["info"]["layout"] == "eventsourcing_sqlalchemy"
    assert dir_state(tmp_path) == before


def test_while_the_writer_has_the_wal_open(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        ids = write_bank(app)
        names = sorted(p.name for p in tmp_path.iterdir())
        assert names == ["store.db", "store.db-shm", "store.db-wal"]  # the writer's side files
        main_before = Path(h.location).read_bytes()
        wal_before = (tmp_path / "store.db-wal").read_bytes()
        read_session([h.location], ids)
        beside = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("xdg-"))
        assert beside == names  # (the test's XDG user directories are not beside the store)
        assert Path(h.location).read_bytes() == main_before
        assert (tmp_path / "store.db-wal").read_bytes() == wal_before
        # the writer goes on; a new read sees its commit
        more = app.open_account("Late", "late@example.com")
        r = run_cli("events", h.location, str(more), "--json")
        assert r.code == 0, r.err
        assert r.json()[0]["data"]["full_name"] == "Late"


def test_sqlite_connection_refuses_writes(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        write_bank(app, 1)
    before = dir_state(tmp_path)
    with open_database(h.location) as db:
        store = db.store()
        for sql in ("DELETE FROM stored_events", "CREATE TABLE x (a)", "PRAGMA user_version = 5"):
            with pytest.raises(InspectorError, match="readonly"):
                store.query(sql)
        # an immutable open answers a journal-mode switch without touching the file
        store.query("PRAGMA journal_mode=DELETE")
    assert dir_state(tmp_path) == before
    assert Path(h.location).read_bytes()[18:20] == b"\x02\x02"


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["postgres", "sa_postgres"])
def test_select_only_role(kind: str, pg) -> None:
    h = store_env(kind, pg=pg, encoding="zlib+aes")
    with h.open_app(BankAccounts) as app:
        ids = write_bank(app)
    user, password = pg.select_only_role(h.schema)
    url = pg.url(user, password)
    args = [url, "--schema", h.schema, "--cipher-key", h.cipher_key]
    out = read_session(args, ids)
    a = out["info"]["applications"][0]
    assert (a["events"], a["streams"], a["snapshots"]) == (6, 3, 1)
    # without --schema too (the role sees only what it may read)
    r = run_cli("streams", url, "--cipher-key", h.cipher_key, "--json")
    assert r.code == 0 and len(r.json()) == 3


@pytest.mark.postgres
def test_pg_session_is_read_only_even_for_a_superuser(pg) -> None:
    h = store_env("postgres", pg=pg)
    with h.open_app(BankAccounts) as app:
        write_bank(app, 1)
    with open_database(h.location, schema=h.schema) as db:
        store = db.store()
        assert store.query("SHOW default_transaction_read_only") == [("on",)]
        with pytest.raises(InspectorError, match="read-only transaction"):
            store.query(f"DELETE FROM {store.events}")
        with pytest.raises(InspectorError, match="read-only transaction"):
            store.query(f'CREATE TABLE "{h.schema}".x (a int)')
        assert store.count_events().value == 2  # the failed writes changed nothing
    # a select-only role: the write fails too (privileges and the read-only session)
    user, password = pg.select_only_role(h.schema)
    with open_database(pg.url(user, password), schema=h.schema) as db:
        store = db.store()
        with pytest.raises(InspectorError):
            store.query(f"DELETE FROM {store.events}")
        assert store.count_events().value == 2

