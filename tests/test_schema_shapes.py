"""Schemas as applications shape them: snapshot tables of any name paired with their events
table from evidence (never a naming habit), an ambiguous pairing said and chosen
(``--snapshots-table``), one application name in several schemas, and every command that
shows nothing says why. Stores written by the real library (eventsourcing-sqlalchemy with
table names of the application's choosing; eventsourcing.postgres in two schemas)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER, store_env

DOMAIN = str(Path(__file__).parent / "h5domains")


def shelves() -> Any:
    if DOMAIN not in sys.path:
        sys.path.insert(0, DOMAIN)
    from tablenames import shelves as m

    return m


def write_shelves(url: str, events: str, snaps: str, n: int = 3, **more: str) -> list[Any]:
    """n shelves; shelf i stocked i+1 times; snapshots of shelves 1.. at their last version.
    Returns the library's own snapshot versions per shelf id."""
    m = shelves()
    env = {"PERSISTENCE_MODULE": "tablenames.shelves:NamedTables", "SQLALCHEMY_URL": url,
           "SHELF_EVENTS": events, "SHELF_SNAPSHOTS": snaps, **more}
    app = m.Shelves(env=env)
    out = []
    try:
        for i in range(n):
            s = m.Shelf(f"shelf {i}")
            for j in range(i + 1):
                s.stock(f"book {j}")
            app.save(s)
            if i:
                app.take_snapshot(s.id)
            out.append((str(s.id), [x.originator_version for x in app.snapshots.get(s.id)]))
    finally:
        app.close()
    return out


def cli(*args: str) -> Any:
    res = run_cli(*args, "--json")
    assert res.code == 0, res.err
    return res.json()


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_snapshot_tables_of_any_name_are_paired_by_evidence(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        loc = str(tmp_path / "s.db")
        url, opts = f"sqlite:///{loc}", []
    else:
        pg = request.getfixturevalue("pg")
        schema = pg.new_schema("shape")
        auth = PG_USER + (f":{PG_PASSWORD}" if PG_PASSWORD else "")
        url = (f"postgresql+psycopg://{auth}@{PG_HOST}:{PG_PORT}/{pg.dbname}"
               f"?options=-csearch_path%3D{schema}")
        loc, opts = pg.url(), ["--schema", schema]
    # Two applications in one database, each naming both of its tables its own way.
    a = write_shelves(url, "qx_ledger", "zz_frozen_states", n=3)
    b = write_shelves(url, "pantry_journal", "attic", n=2)
    info = {x["name"]: x for x in cli("info", loc, *opts)["applications"]}
    assert info["qx_ledger"]["snapshots_table"] == "zz_frozen_states"
    assert info["pantry_journal"]["snapshots_table"] == "attic"
    assert info["qx_ledger"]["snapshots"] == sum(len(v) for _, v in a) == 2
    for app, written in (("qx_ledger", a), ("pantry_journal", b)):
        for sid, versions in written:
            got = cli("snapshots", loc, sid, "--app", app, *opts)
            assert [s["version"] for s in got] == versions


def test_ambiguous_pairing_is_said_and_chosen(tmp_path: Path) -> None:
    loc = str(tmp_path / "amb.db")
    url = f"sqlite:///{loc}"
    # The same application's snapshots written into two tables (e.g. a renamed table).
    first = write_shelves(url, "qx_ledger", "keep_one", n=2)
    m = shelves()
    env = {"PERSISTENCE_MODULE": "tablenames.shelves:NamedTables", "SQLALCHEMY_URL": url,
           "SHELF_EVENTS": "qx_ledger", "SHELF_SNAPSHOTS": "keep_two"}
    app = m.Shelves(env=env)
    sid = first[1][0]
    try:
        shelf = app.repository.get(sid)
        shelf.stock("late")
        app.save(shelf)
        app.take_snapshot(shelf.id)
        second = [x.originator_version for x in app.snapshots.get(shelf.id)]
    finally:
        app.close()
    info = cli("info", loc)["applications"][0]
    assert info["snapshots_table"] is None
    assert "ambiguous" in info["snapshots_note"]
    assert set(info["snapshots_choices"]) == {"keep_one", "keep_two"}
    res = run_cli("snapshots", loc, sid)
    assert res.code == 1 and "ambiguous" in res.err and "--snapshots-table" in res.err
    assert "keep_one" in res.err and "keep_two" in res.err and "Traceback" not in res.err
    one = cli("snapshots", loc, sid, "--snapshots-table", "keep_one")
    two = cli("snapshots", loc, sid, "--snapshots-table", "keep_two")
    assert [s["version"] for s in one] == first[1][1] and [s["version"] for s in two] == second
    assert first[1][1] != second
    res = run_cli("snapshots", loc, sid, "--snapshots-table", "qx_ledger")
    assert res.code == 1 and "not a snapshots table" in res.err and "keep_one" in res.err


def test_open_dialog_snapshots_table_choice(tmp_path: Path) -> None:
    from inspector.ui.session import OpenRequest, open_session

    loc = str(tmp_path / "amb.db")
    url = f"sqlite:///{loc}"
    write_shelves(url, "qx_ledger", "keep_one", n=2)
    write_shelves(url, "qx_ledger", "keep_two", n=2)
    session = open_session(OpenRequest(location=loc, snapshots_table="keep_two"))
    try:
        assert session.store.tables.snapshots_table == "keep_two"
    finally:
        session.close()


def test_same_application_in_two_schemas(pg: Any, tmp_path: Path) -> None:
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate

    class Orders(Application):
        pass

    sales, other = pg.new_schema("sales"), pg.new_schema("other")
    ids = {}
    for schema in (sales, other):
        h = store_env("postgres", tmp_path=tmp_path, pg=pg, schema=schema)
        with h.open_app(Orders) as app:
            agg = Aggregate()
            app.save(agg)
            ids[schema] = str(agg.id)
    loc = pg.url()
    res = run_cli("streams", loc, "--app", "Orders")
    assert res.code == 1 and "ambiguous" in res.err and "--schema" in res.err
    assert sales in res.err and other in res.err and "Traceback" not in res.err
    got = cli("streams", loc, "--app", "Orders", "--schema", sales)
    assert [r["id"] for r in got] == [ids[sales]]
    got = cli("streams", loc, "--app", f"{other}.orders")
    assert [r["id"] for r in got] == [ids[other]]


def test_commands_that_show_nothing_say_why(tmp_path: Path) -> None:
    loc = str(tmp_path / "s.db")
    written = write_shelves(f"sqlite:///{loc}", "qx_ledger", "zz_frozen_states", n=2)
    sid = written[0][0]  # shelf 0: no snapshot
    res = run_cli("streams", loc, "--prefix", "zzzz")
    assert res.code == 0 and "no streams with id prefix 'zzzz'" in res.err
    res = run_cli("log", loc, "--after", "1000")
    assert res.code == 0 and "no events after position 1000" in res.err
    res = run_cli("log", loc, "--topic", "nope:Nothing")
    assert res.code == 0 and "no events with topic nope:Nothing" in res.err
    res = run_cli("events", loc, sid, "--from", "50", "--json")
    assert res.code == 0 and res.json() == [] and "versions up to 2" in res.err
    res = run_cli("snapshots", loc, sid)
    assert res.code == 0 and f"stream {sid} has no snapshots in zz_frozen_states" in res.err


def test_info_on_encrypted_store_without_key(tmp_path: Path) -> None:
    from eventsourcing.tests.application import BankAccounts

    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    res = run_cli("info", h.location, "--json")
    info = res.json()
    assert info["encrypted"] is True and info["compression"] == "unknown"
    assert "cipher key" in info["compression_note"]
    res = run_cli("info", h.location)
    assert "compression: unknown" in res.out and "none" not in res.out.split("\n")[2]
    with_key = run_cli("info", h.location, "--cipher-key", h.cipher_key or "", "--json").json()
    assert with_key["compression"] == "zlib" and with_key["compression_note"] is None

