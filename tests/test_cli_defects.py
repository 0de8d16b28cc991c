"""CLI defects a tester found: empty output says why, short type names, a declined write
prompt, text-id snapshot advice, a mistyped command (stores written by the real library)."""

from __future__ import annotations

import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import inspector_args, store_env

from inspector.cli import _looks_like_a_mistyped_command
from inspector.demo import APP_CLASS, ensure_demo_store

DOMAINS = str(Path(__file__).parent / "domains")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    store = ensure_demo_store(data_dir=tmp_path_factory.mktemp("demo-data"))
    return store.location, list(store.paths)


def _first_stream(db: str, *more: str) -> str:
    r = run_cli("streams", db, "--json", *more)
    assert r.code == 0, r.err
    return str(r.json()[0]["id"])


# -- 1. empty output says why on stderr ----------------------------------------------------
def test_blame_of_an_unknown_field_says_why(demo_db: tuple[str, list[str]]) -> None:
    db, _ = demo_db
    sid = _first_stream(db, "--type", "inspector.demo.shop:Customer")
    r = run_cli("blame", db, sid, "nosuchfield")
    assert r.code == 0, r.err
    assert "nosuchfield" in r.err and sid in r.err
    r = run_cli("blame", db, sid, "nosuchfield", "--json")
    assert r.code == 0 and r.json() == []
    assert "nosuchfield" in r.err
    r = run_cli("blame", db, sid, "name")  # a field that is set: no such note
    assert r.code == 0 and "sets or changes" not in r.err


def test_catalog_of_an_unknown_type_says_why(demo_db: tuple[str, list[str]]) -> None:
    db, _ = demo_db
    r = run_cli("catalog", db, "--type", "NoSuch", "--json")
    assert r.code == 0, r.err
    assert r.json()["streams_of_type"] == []
    assert "no streams of type 'NoSuch'" in r.err and "inspector.demo.shop:Order" in r.err
    r = run_cli("catalog", db, "--type", "inspector.demo.shop:Order")
    assert r.code == 0 and "no streams of type" not in r.err


def test_projections_json_without_tracking_says_why(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    r = run_cli("projections", *inspector_args(h), "--json")
    assert r.code == 0, r.err
    assert r.json() == []
    assert "no tracking rows" in r.err


# -- 3. declining the write prompt -----------------------------------------------------------
def test_declined_prompt_writes_nothing_and_exits_1(
    demo_db: tuple[str, list[str]], tmp_path: Path
) -> None:
    src, paths = demo_db
    db = str(tmp_path / "demo.db")
    shutil.copy(src, db)
    raw = Path(db).read_bytes()
    more = ["--app-class", APP_CLASS, *[a for p in paths for a in ("--path", p)]]
    sid = _first_stream(db)
    r = run_cli("snapshot", "take", db, sid, *more, "--version", "1", "--write", stdin="n\n")
    assert r.code == 1, r.err
    assert "Proceed? [y/N]" in r.out
    assert "cancelled: nothing written" in r.err
    assert Path(db).read_bytes() == raw


# -- 4. text ids, no --app-class: the advice names it -------------------------------------------
NOTES = textwrap.dedent('''
    from eventsourcing.application import Application
    from eventsourcing.domain import BaseAggregate
    from eidomain.strids import StrCreated, StrEvent, StrSnapshot


    class Note(BaseAggregate[str]):
        INITIAL_VERSION = 0

        class Event(StrEvent):
            pass

        class Opened(StrCreated, Event):
            text: str

        def __init__(self, text: str) -> None:
            self.text = text


    class Notes(Application[str]):
        snapshot_class = StrSnapshot
        env = {"ORIGINATOR_ID_TYPE": "text"}
''')


def test_text_id_snapshot_without_app_class_advises_it(tmp_path: Path) -> None:
    (tmp_path / "dom").mkdir()
    (tmp_path / "dom" / "t2_textnotes.py").write_text(NOTES)
    sys.path[:0] = [str(tmp_path / "dom"), DOMAINS]
    try:
        from t2_textnotes import Note, Notes  # type: ignore[import-not-found]

        h = store_env("sqlite", tmp_path=tmp_path, id_type="text")
        with h.open_app(Notes) as app:
            app.save(Note._create(Note.Opened, id="note-1", text="hello"))
        args: list[Any] = [*inspector_args(h), "--path", str(tmp_path / "dom"), "--path", DOMAINS]
        r = run_cli("snapshot", "take", *args, "note-1", "--write", "--yes")
        assert r.code == 1
        assert "non-UUID originator_id" in r.err and "--app-class" in r.err
        assert "ORIGINATOR_ID_TYPE" in r.err and len(r.err.strip().splitlines()) == 1
        # with the application class, its snapshot_class takes the snapshot
        r = run_cli("snapshot", "take", *args, "--app-class", "t2_textnotes:Notes", "note-1")
        assert r.code == 1 and "refusing to write without --write" in r.err, r.err
    finally:
        sys.path.remove(str(tmp_path / "dom"))
        sys.path.remove(DOMAINS)
        sys.modules.pop("t2_textnotes", None)


# -- 5. a mistyped command -------------------------------------------------------------------
def test_mistyped_command_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = run_cli("nosuchcmd")
    assert r.code == 2
    assert "unknown command 'nosuchcmd'" in r.err and "streams" in r.err and "log" in r.err
    (tmp_path / "nosuchcmd").write_bytes(b"")  # an existing file is a STORE for the GUI
    assert not _looks_like_a_mistyped_command("nosuchcmd")
    for store in ("shop.db", "./x", "postgresql://h/db", "--demo"):
        assert not _looks_like_a_mistyped_command(store)
    assert _looks_like_a_mistyped_command("stream")


# -- 2. short type names in log --type/--topic -------------------------------------------------
def test_log_accepts_short_topic_names(demo_db: tuple[str, list[str]]) -> None:
    import sqlite3

    db, _ = demo_db
    with sqlite3.connect(db) as con:  # the oracle: the rows as the library stored them
        want = [p for (p,) in con.execute(
            "SELECT rowid FROM stored_events WHERE topic = ? ORDER BY rowid"
            " LIMIT 40", ("inspector.demo.shop:Order.Shipped",))]
    assert want
    for name in ("inspector.demo.shop:Order.Shipped", "Order.Shipped", "Shipped"):
        for flag in ("--type", "--topic"):
            r = run_cli("log", db, flag, name, "--limit", "40", "--json")
            assert r.code == 0, r.err
            assert [row["position"] for row in r.json()] == want, (name, flag)
    r = run_cli("log", db, "--type", "Order.Shipped", "--after", str(want[4]), "--limit", "3")
    assert r.code == 0 and str(want[5]) in r.out and str(want[4]) not in r.out
    r = run_cli("log", db, "--type", "Shippe", "--json")  # not a dotted-part suffix
    assert r.code == 0 and r.json() == [] and "no events with topic Shippe" in r.err
