"""Every bad input of issue 2: a clear one-line message, exit 1, no traceback, nothing written.

Damaged payloads (truncated, corrupt, wrong key, no key, bad UTF-8, too deep) are per-event error
values (DESIGN.md: "shown as an error value ..., never a crash"): those commands still succeed,
every other event is decoded, and one warning line on stderr names the first failure.
Bad rows are made by tampering with a COPY of a store written by the real library.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_runner import Result, run_cli
from eventsourcing.domain import Aggregate, event
from eventsourcing.tests.application import BankAccounts
from storefactory import CIPHER_KEY, inspector_args, new_key, store_env

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_BIN = Path("/usr/lib/postgresql")


class Note(Aggregate):
    @event("Written")
    def __init__(self, text: str) -> None:
        self.text = text


# -- helpers -------------------------------------------------------------------------------------
def assert_user_error(r: Result, *needles: str) -> str:
    assert r.code == 1, (r.code, r.out, r.err)
    assert "Traceback" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1, r.err
    line = lines[0]
    assert line.startswith("event-inspector: ")
    for n in needles:
        assert n.lower() in line.lower(), line
    assert r.out == ""
    return line


def dir_state(path: Path) -> dict[str, str]:
    """The files beside the store (the test's XDG user directories are not beside it)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.iterdir())
        if not p.name.startswith("xdg-")
    }


def bank_sqlite(tmp_path: Path, encoding: str = "plain", name: str = "bank.db") -> Any:
    tmp_path.mkdir(parents=True, exist_ok=True)
    h = store_env("sqlite", tmp_path=tmp_path, encoding=encoding, filename=name)
    with h.open_app(BankAccounts) as app:
        ids = [app.open_account(f"Ann {i}", f"a{i}@example.com") for i in range(2)]
        for aid in ids:
            app.credit_account(aid, Decimal("1.5"))
            app.credit_account(aid, Decimal("2.5"))
    h.extra["ids"] = [str(i) for i in ids]
    return h


def tampered_copy(h: Any, dest: Path, *statements: str) -> Path:
    """A copy of the library's SQLite store with ``statements`` applied to the copy only."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.closing(sqlite3.connect(h.location)) as src, contextlib.closing(
        sqlite3.connect(dest)
    ) as dst:
        src.backup(dst)
        for sql in statements:
            dst.execute(sql)
        dst.commit()
        dst.execute("PRAGMA journal_mode=DELETE")
    return dest


def events_of(path: Path | str, stream: str, *more: str) -> Result:
    return run_cli("events", str(path), stream, "--json", *more)


def assert_event_error(r: Result, version: int, *needles: str) -> dict[str, Any]:
    """The command succeeded; event ``version`` is an error value; the others decoded."""
    assert r.code == 0, r.err
    assert "Traceback" not in r.err
    rows = r.json()
    bad = [row for row in rows if row["version"] == version][0]
    assert bad["data"] is None
    for n in needles:
        assert n.lower() in bad["error"].lower(), bad["error"]
    assert all(row["error"] is None for row in rows if row["version"] != version)
    warn = r.err.strip().splitlines()
    assert len(warn) == 1 and "not decoded" in warn[0], r.err
    return bad


# -- files that are not event stores -------------------------------------------------------------
def test_not_a_sqlite_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.db"
    p.write_text("these are my notes, not a database\n" * 50)
    before = dir_state(tmp_path)
    for cmd in (["info"], ["streams"], ["log"], ["events", str(uuid.uuid4())]):
        r = run_cli(cmd[0], str(p), *cmd[1:])
        assert_user_error(r, "not a SQLite database")
    assert dir_state(tmp_path) == before


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.db"
    p.touch()
    assert_user_error(run_cli("info", str(p)), "empty file")
    assert_user_error(run_cli("streams", str(p), "--json"), "empty file")
    assert dir_state(tmp_path) == {"empty.db": hashlib.sha256(b"").hexdigest()}


def test_missing_file_directory_and_unsupported_urls(tmp_path: Path) -> None:
    assert_user_error(run_cli("info", str(tmp_path / "nope.db")), "no such file")
    assert_user_error(run_cli("info", f"sqlite:///{tmp_path}/nope.db"), "no such file")
    assert list(tmp_path.iterdir()) == []
    assert_user_error(run_cli("streams", str(tmp_path)), "directory")
    assert_user_error(run_cli("info", "mysql+pymysql://root@127.0.0.1/test"), "unsupported")
    assert_user_error(run_cli("info", "sqlite:///:memory:"), "in-memory")


def test_sqlite_without_event_tables(tmp_path: Path) -> None:
    p = tmp_path / "app.db"
    with contextlib.closing(sqlite3.connect(p)) as c:
        c.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        c.execute("INSERT INTO users (name) VALUES ('ann')")
        c.commit()
    before = dir_state(tmp_path)
    assert_user_error(run_cli("info", str(p)), "no event tables", "users")
    assert_user_error(run_cli("log", str(p)), "no event tables")
    q = tmp_path / "blank.db"
    with contextlib.closing(sqlite3.connect(q)) as c:
        c.execute("PRAGMA user_version = 7")  # a valid SQLite file with no tables at all
    assert_user_error(run_cli("info", str(q)), "no tables")
    assert dir_state(tmp_path) == {**before, "blank.db": dir_state(tmp_path)["blank.db"]}


def test_events_table_with_extra_columns_still_works(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path / "src")
    p = tampered_copy(
        h, tmp_path / "x" / "extra.db",
        "ALTER TABLE stored_events ADD COLUMN metadata BLOB DEFAULT x'00ff'",
        "ALTER TABLE stored_events ADD COLUMN event_id TEXT DEFAULT 'e'",
    )
    before = dir_state(p.parent)
    base = run_cli("log", h.location, "--json")
    r = run_cli("log", str(p), "--json")
    assert r.code == 0, r.err
    assert r.json() == base.json() and len(r.json()) == 6
    info = run_cli("info", str(p), "--json").json()
    assert info["applications"][0]["extra_columns"] == ["event_id", "metadata"]
    assert info["applications"][0]["events"] == 6
    r = events_of(p, h.extra["ids"][0])
    assert [e["version"] for e in r.json()] == [1, 2, 3]
    assert dir_state(p.parent) == before


def test_events_table_with_missing_column(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path / "src")
    p = tampered_copy(
        h, tmp_path / "x" / "missing.db", "ALTER TABLE stored_events DROP COLUMN topic"
    )
    before = dir_state(p.parent)
    line = assert_user_error(run_cli("info", str(p)), "stored_events", "topic")
    assert "lacks" in line
    assert_user_error(run_cli("events", str(p), h.extra["ids"][0]), "topic")
    assert dir_state(p.parent) == before


@pytest.mark.postgres
def test_pg_events_table_extra_and_missing_columns(pg) -> None:
    h = store_env("postgres", pg=pg)
    with h.open_app(BankAccounts) as app:
        aid = app.open_account("Ann", "a@example.com")
        app.credit_account(aid, Decimal("2"))
    base = run_cli("events", *inspector_args(h), str(aid), "--json")
    assert base.code == 0, base.err
    with pg.connect() as c:
        c.execute(f'ALTER TABLE "{h.schema}".bankaccounts_events ADD COLUMN event_id uuid')
        c.execute(f'ALTER TABLE "{h.schema}".bankaccounts_events ADD COLUMN metadata jsonb')
    r = run_cli("events", *inspector_args(h), str(aid), "--json")
    assert r.code == 0, r.err
    assert r.json() == base.json()
    info = run_cli("info", *inspector_args(h), "--json").json()
    assert info["applications"][0]["extra_columns"] == ["event_id", "metadata"]
    with pg.connect() as c:
        c.execute(f'ALTER TABLE "{h.schema}".bankaccounts_events DROP COLUMN state')
    assert_user_error(run_cli("info", *inspector_args(h)), "bankaccounts_events", "state")


# -- damaged payloads ----------------------------------------------------------------------------
def test_truncated_state_blob(tmp_path: Path) -> None:
    for enc, needle in (("plain", "not JSON"), ("zlib", "corrupt zlib")):
        h = bank_sqlite(tmp_path / enc, encoding=enc)
        sid = h.extra["ids"][0]
        p = tampered_copy(
            h, tmp_path / enc / "x" / "t.db",
            f"UPDATE stored_events SET state = substr(state, 1, length(state) / 2)"
            f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 2",
        )
        before = dir_state(p.parent)
        assert_event_error(events_of(p, sid), 2, needle)
        r = run_cli("log", str(p), "--json")
        assert sum(1 for row in r.json() if row["error"]) == 1
        assert dir_state(p.parent) == before


def test_corrupt_zlib(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path, encoding="zlib")
    sid = h.extra["ids"][1]
    p = tampered_copy(
        h, tmp_path / "x" / "c.db",
        "UPDATE stored_events SET state = CAST(x'789c' || randomblob(60) AS BLOB)"
        f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 3",
        # the same garbage stored as TEXT (SQLite's || makes TEXT): bytes are bytes
        "UPDATE stored_events SET state = x'789c' || randomblob(60)"
        f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 2",
    )
    r = events_of(p, sid)
    assert r.code == 0, r.err
    rows = r.json()
    assert rows[0]["error"] is None
    for row in rows[1:]:
        assert row["data"] is None and "corrupt zlib" in row["error"]
        assert row["size"] == 62
    assert "2 of 3 events not decoded" in r.err


def test_wrong_cipher_key(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path, encoding="zlib+aes")
    before = dir_state(tmp_path)
    sid = h.extra["ids"][0]
    r = run_cli("events", h.location, sid, "--json", "--cipher-key", new_key())
    assert r.code == 0, r.err
    assert all(row["data"] is None and "wrong cipher key" in row["error"] for row in r.json())
    assert len(r.err.strip().splitlines()) == 1 and "3 of 3 events not decoded" in r.err
    r = run_cli("info", h.location, "--json", "--cipher-key", new_key())
    assert r.code == 0 and r.json()["encrypted"] is True
    assert "wrong cipher key" in r.err and len(r.err.strip().splitlines()) == 1
    # a key that is not a key at all is a user error
    assert_user_error(run_cli("log", h.location, "--cipher-key", "not base64!"), "cipher key")
    assert_user_error(run_cli("log", h.location, "--cipher-key", "c2hvcnQ="), "16, 24 or 32")
    r = run_cli("events", h.location, sid, "--json", "--cipher-key", CIPHER_KEY)
    assert r.code == 0 and all(row["error"] is None for row in r.json())
    assert dir_state(tmp_path) == before


def test_encrypted_store_and_no_key(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path, encoding="zlib+aes")
    r = run_cli("log", h.location, "--json")
    assert r.code == 0, r.err
    # every message points to --cipher-key; most say "no cipher key", the ~1/256 blobs whose
    # random nonce starts like JSON or zlib say why they are not that
    assert all(row["data"] is None and "--cipher-key" in row["error"] for row in r.json())
    assert sum("no cipher key" in row["error"] for row in r.json()) >= 3
    r = run_cli("info", h.location, "--json")
    assert r.json()["encrypted"] is True
    r = run_cli("streams", h.location, "--json")
    assert r.code == 0 and len(r.json()) == 2
    # the type is guessed from the (clear) topic when the payload is encrypted
    assert all(s["type"] == "eventsourcing.tests.domain:BankAccount" for s in r.json())


def test_invalid_utf8(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path)
    sid = h.extra["ids"][0]
    p = tampered_copy(
        h, tmp_path / "x" / "u.db",
        "UPDATE stored_events SET state = CAST('{\"name\":\"' AS BLOB) || x'fffe' ||"
        " CAST('\"}' AS BLOB)"
        f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 1",
    )
    assert_event_error(events_of(p, sid), 1, "not UTF-8")


def test_twenty_megabyte_payload(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)  # uncompressed: 20 MB in the row itself
    text = ("Grüße, 世界! " * 2_000_000)[: 20 * 1024 * 1024]
    with h.open_app() as app:
        note = Note(text)
        app.save(note)
        stored = app.recorder.select_events(note.id)[0]
        want = app.mapper.to_domain_event(stored)
    assert want.text == text and len(stored.state) > 20 * 1024 * 1024
    t0 = time.perf_counter()
    r = events_of(h.location, str(note.id))
    took = time.perf_counter() - t0
    assert r.code == 0, r.err
    row = r.json()[0]
    assert row["error"] is None and row["data"]["text"] == text
    assert took < 5.0, took  # typically well under a second
    r = run_cli("log", h.location)  # the readable table shortens it
    assert r.code == 0 and len(r.out) < 2000
    # a streams page does not fetch a huge first event: the type comes from its topic
    t0 = time.perf_counter()
    r = run_cli("streams", h.location, "--json")
    assert r.code == 0, r.err
    assert r.json() == [{"id": str(note.id), "version": 1, "type": "test_bad_input:Note",
                         "type_source": "topic"}]
    assert time.perf_counter() - t0 < 1.0


def test_ten_thousand_deep_json(tmp_path: Path) -> None:
    h = bank_sqlite(tmp_path)
    sid = h.extra["ids"][1]
    deep = '{"timestamp":"x","a":' + "[" * 10_000 + "]" * 10_000 + "}"
    mid = '{"timestamp":"x","a":' + '{"b":' * 1000 + "1" + "}" * 1000 + "}"
    p = tampered_copy(
        h, tmp_path / "x" / "d.db",
        f"UPDATE stored_events SET state = CAST('{deep}' AS BLOB)"
        f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 2",
        f"UPDATE stored_events SET state = CAST('{mid}' AS BLOB)"
        f" WHERE originator_id = '{uuid.UUID(sid).hex}' AND originator_version = 3",
    )
    r = events_of(p, sid)
    assert r.code == 0, r.err
    rows = r.json()
    for row in rows[1:3]:  # kept to the codec's depth, the rest cut with the one marker
        assert row["error"] is None
        assert "nested deeper than" in json.dumps(row["data"]) and '"_inspector_"' in json.dumps(
            row["data"]
        )
    assert rows[0]["error"] is None
    assert run_cli("log", str(p)).code == 0  # the table view too


# -- servers -------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_pg_unreachable() -> None:
    port = free_port()
    t0 = time.perf_counter()
    r = run_cli("info", f"postgresql://postgres@127.0.0.1:{port}/nodb")
    line = assert_user_error(r, f"127.0.0.1:{port}")
    assert "refused" in line.lower() or "connect" in line.lower()
    assert time.perf_counter() - t0 < 10
    r = run_cli("events", f"postgresql://postgres@127.0.0.1:{port}/nodb", str(uuid.uuid4()))
    assert_user_error(r)


@pytest.fixture(scope="module")
def scram_cluster() -> Iterator[tuple[int, str]]:
    """A throwaway PostgreSQL cluster with password (scram) auth: the test server trusts 127.0.0.1,
    where a wrong password cannot be provoked. Yields (port, the superuser's password)."""
    versions = sorted(PG_BIN.iterdir(), key=lambda p: int(p.name)) if PG_BIN.exists() else []
    assert versions, "PostgreSQL server binaries not found under /usr/lib/postgresql"
    bindir = versions[-1] / "bin"
    base = Path(tempfile.mkdtemp(prefix="ei-scram-", dir="/tmp"))
    data, pwfile = base / "data", base / "pw"
    password = uuid.uuid4().hex
    pwfile.write_text(password)
    port = free_port()
    as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_pg:
        shutil.chown(base, "postgres")
        shutil.chown(pwfile, "postgres")
    subprocess.run(
        [*as_pg, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
         "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync"],
        check=True, capture_output=True,
    )
    subprocess.run(
        [*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(base / "log"), "-o",
         f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
        check=True, capture_output=True,
    )
    try:
        yield port, password
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.postgres
def test_pg_wrong_password(scram_cluster: tuple[int, str]) -> None:
    port, password = scram_cluster
    url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
    ok = run_cli("info", url)
    assert_user_error(ok, "no tables")  # the right password gets in (an empty database)
    wrong = f"postgresql://postgres:not-{password}@127.0.0.1:{port}/postgres"
    line = assert_user_error(run_cli("info", wrong), "password authentication failed")
    assert password not in line and "***" in line
    line = assert_user_error(
        run_cli("streams", f"postgresql://postgres@127.0.0.1:{port}/postgres",
                "--password", "nope"), "password authentication failed")
    assert "nope" not in line
    assert_user_error(run_cli("info", f"postgresql://postgres@127.0.0.1:{port}/postgres"),
                      "password")


@pytest.mark.postgres
def test_table_name_with_quotes(pg) -> None:
    schema = pg.new_schema()  # the library cannot use a schema with a quote (its type names)
    h = store_env("postgres", pg=pg, schema=schema)
    cls = type("Weird", (BankAccounts,), {"name": 'We"ird App'})
    with h.open_app(cls) as app:
        aid = app.open_account("Ann", "a@example.com")
        app.credit_account(aid, Decimal("4.5"))
        expected = [app.mapper.to_domain_event(n) for n in
                    app.recorder.select_notifications(start=1, limit=10)]

    def tables() -> list[str]:
        with pg.connect() as c:
            return [r[0] for r in c.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                [schema])]

    assert 'we"ird app_events' in tables()
    for name in ('we"ird app', 'we"%s%%ird'):
        if name != 'we"ird app':  # '%' (psycopg's placeholder) too: the library can't write it
            with pg.connect() as c:
                c.execute(f'ALTER TABLE "{schema}"."we""ird app_events"'
                          f' RENAME TO "we""%s%%ird_events"')
            assert 'we"%s%%ird_events' in tables()
        r = run_cli("info", *inspector_args(h), "--json")
        assert r.code == 0, r.err
        a = r.json()["applications"][0]
        assert (a["name"], a["events"], a["streams"]) == (name, 2, 1)
        r = run_cli("log", *inspector_args(h), "--json")
        assert [row["version"] for row in r.json()] == [e.originator_version for e in expected]
        r = run_cli("events", *inspector_args(h), str(aid), "--json", "--app", name.upper())
        assert r.code == 0, r.err
        assert r.json()[1]["data"]["amount"] == "4.5"
        r = run_cli("streams", *inspector_args(h), "--json", "--prefix", str(aid)[:6])
        assert [s["id"] for s in r.json()] == [str(aid)]


# -- a SQLite file in a read-only directory ------------------------------------------------------
def run_in_readonly_dir(directory: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI with ``directory`` mounted read-only (a private mount namespace: we are root,
    so plain permission bits would not stop us)."""
    d = str(directory)
    script = (
        f'mount --bind "{d}" "{d}" && mount -o remount,bind,ro "{d}" && '
        f'touch "{d}/probe" 2>/dev/null && exit 99; '
        f'exec "$@"'
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, "sh", PYTHON, "-m", "inspector.cli", *argv],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


@pytest.mark.parametrize("kind", ["sqlite", "sa_sqlite"])
def test_sqlite_in_read_only_directory(kind: str, tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("this test needs root and unshare(1) for a read-only bind mount")
    (tmp_path / "ro").mkdir()
    h = store_env(kind, tmp_path=tmp_path / "ro", encoding="zlib")
    with h.open_app(BankAccounts) as app:
        aid = app.open_account("Ann", "a@example.com")
        app.credit_account(aid, Decimal("7"))
        if kind == "sa_sqlite":
            app.recorder.datastore.engine.dispose()  # its pool would keep -wal/-shm open
    before = dir_state(tmp_path / "ro")
    assert list(before) == ["store.db"]
    for argv in (["info", h.location, "--json"], ["streams", h.location, "--json"],
                 ["events", h.location, str(aid), "--json"], ["log", h.location, "--json"]):
        p = run_in_readonly_dir(tmp_path / "ro", *argv)
        assert p.returncode != 99, "the directory was not read-only"
        assert p.returncode == 0, p.stderr
        assert "Traceback" not in p.stderr
    assert '"amount": "7"' in p.stdout
    assert dir_state(tmp_path / "ro") == before


def test_sqlite_wal_with_side_files_in_read_only_directory(tmp_path: Path) -> None:
    """A WAL file with the -wal/-shm a writer left (copied while it was open, as after a crash),
    in a read-only directory: read through the -wal (its events are there), nothing changes."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.fail("this test needs root and unshare(1) for a read-only bind mount")
    (tmp_path / "src").mkdir()
    h = store_env("sqlite", tmp_path=tmp_path / "src")
    d = tmp_path / "ro"
    d.mkdir()
    with h.open_app(BankAccounts) as app:
        aid = app.open_account("Ann", "a@example.com")
        app.credit_account(aid, Decimal("9"))
        for name in ("store.db", "store.db-wal", "store.db-shm"):
            shutil.copy(tmp_path / "src" / name, d / name)
    assert (d / "store.db-wal").stat().st_size > 0
    before = dir_state(d)
    p = run_in_readonly_dir(d, "events", str(d / "store.db"), str(aid), "--json")
    assert p.returncode == 0, p.stderr
    assert '"amount": "9"' in p.stdout
    assert dir_state(d) == before


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_huge_arguments_are_not_echoed_whole(tmp_path: Path) -> None:
    """A 100 kB stream name or --contains text is named in the one-line message, cut in the
    middle, not typed back in full."""
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app() as app:
        app.save(Note("x"))
    huge = "q" * 100_000
    for argv in (("state", h.location, huge), ("log", h.location, "--contains", huge)):
        r = run_cli(*argv)
        assert r.code in (0, 1)
        assert "Traceback" not in r.err
        assert len(r.err) < 5000 and "characters cut" in r.err, argv
