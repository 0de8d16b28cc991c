"""UmaDB (``umadb://host:port``): a real server started per module, written by
eventsourcing-umadb. The streams come from the local catalog (one scan, then incremental from
the head, cancellable); API key and TLS as the client takes them; a server that is down, goes
away, or is not UmaDB, and a wrong key: one line, exit 1, the key never shown; never appended to.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from umadbserver import UmaServer, free_port, start_server, uma_env

DOMAINS = str(Path(__file__).parent / "domains")
if DOMAINS not in sys.path:
    sys.path.insert(0, DOMAINS)

from eidomain.dogs import Dog, PlainDogSchool, Trick  # noqa: E402

from inspector.core.catalog import ensure_catalog  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.core.errors import InspectorError  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402

API_KEY = "s3cret-key-do-not-print"
DOMAIN = ["--path", DOMAINS, "--app-class", "eidomain.dogs:PlainDogSchool"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[UmaServer]:
    srv = start_server(tmp_path_factory.mktemp("uma"))
    try:
        yield srv
    finally:
        srv.stop()


def write_dogs(app: Any, n: int, prefix: str = "dog") -> list[str]:
    ids = []
    for i in range(n):
        d = Dog(name=f"{prefix}{i}", owner="o")
        for k in range(i % 4):
            d.add_trick(Trick(f"t{k}", k))
        app.save(d)
        ids.append(str(d.id))
    return ids


def test_catalog_once_then_incremental(server: UmaServer) -> None:
    with PlainDogSchool(env=uma_env(server)) as app:
        first = write_dogs(app, 12)
        with open_database(server.url) as db:
            store = db.store()
            codec = Codec().for_store(store)
            head = store.max_position()
            # cancelled at once: an error line, what was read is kept, the next run finishes
            with pytest.raises(InspectorError, match="cancelled"):
                ensure_catalog(store, codec, cancelled=lambda: True)
            seen: list[Any] = []
            res = ensure_catalog(store, codec, progress=seen.append)
            assert res is not None and res.position == head
            assert store.count_streams().value == 12 and store.count_streams().exact
            more = write_dogs(app, 3, "late")
            res2 = ensure_catalog(store, codec)
            new = (store.max_position() or 0) - (head or 0)
            assert res2 is not None and res2.processed == new == 6  # only the new events
            rows = run_cli("streams", server.url, "--json").json()
            assert [r["id"] for r in rows] == sorted(first + more)
            assert {r["type"] for r in rows} == {"eidomain.dogs:Dog"}
            for r in rows:
                assert r["version"] == app.repository.get(UUID(r["id"])).version
            page = run_cli("streams", server.url, "--limit", "5", "--after", rows[4]["id"],
                           "--json").json()
            assert [r["id"] for r in page] == [r["id"] for r in rows[5:10]]
            pre = run_cli("streams", server.url, "--prefix", rows[3]["id"][:8], "--json").json()
            assert rows[3]["id"] in [r["id"] for r in pre]


def test_read_only_search_and_versions(server: UmaServer) -> None:
    with PlainDogSchool(env=uma_env(server)) as app:
        (sid,) = write_dogs(app, 1, "searchme")
        d = app.repository.get(UUID(sid))
        for k in range(5):
            d.score(f"j{k}", k)
        app.save(d)
        head = app.recorder.max_notification_id()
    found = run_cli("log", server.url, "--contains", "searchme0", "--json").json()
    assert [e["stream"] for e in found] == [sid]
    evs = run_cli("events", server.url, sid, "--from", "2", "--to", "4", "--json").json()
    assert [e["version"] for e in evs] == [2, 3, 4]
    for e in evs:
        st = run_cli("state", server.url, sid, "--position", str(e["position"]), *DOMAIN,
                     "--json").json()
        assert st["version"] == e["version"] and st["mode"] == "domain"
    d2 = run_cli("diff", server.url, sid, "--from", "1", "--to", "6", *DOMAIN, "--json")
    assert d2.code == 0 and {c["path"][0] for c in d2.json()["changes"]} >= {"scores"}
    b = run_cli("blame", server.url, sid, "scores", *DOMAIN, "--json")
    assert b.code == 0 and [r["version"] for r in b.json()] == [1, 2, 3, 4, 5, 6]
    with PlainDogSchool(env=uma_env(server)) as app:
        assert app.recorder.max_notification_id() == head  # nothing appended by the reads


def one_line(res: Any) -> None:
    assert res.code == 1, (res.out, res.err)
    assert res.err.count("\n") == 1 and "Traceback" not in res.err
    assert API_KEY not in res.err and API_KEY not in res.out


def write_keyed(srv: UmaServer) -> str:
    """A dog written by eventsourcing-umadb's recorder through a client with the key and CA
    (the library's factory takes neither): the app runs in memory, its stored events are
    inserted by ``UmaDBApplicationRecorder``."""
    import umadb
    from eventsourcing.persistence import StoredEvent
    from eventsourcing_umadb.recorders import UmaDBApplicationRecorder

    with PlainDogSchool(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}) as app:
        d = Dog(name="keyed")
        d.add_trick(Trick("sit", 1))
        app.save(d)
        stored = [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)
                  for n in app.recorder.select_notifications(1, 100)]
    client = umadb.Client(srv.client_url, ca_path=str(srv.ca), api_key=API_KEY)
    UmaDBApplicationRecorder(client).insert_events(stored)
    return str(d.id)


def test_api_key_and_tls(tmp_path: Path) -> None:
    srv = start_server(tmp_path / "keyed", api_key=API_KEY)
    try:
        sid = write_keyed(srv)
        ok = run_cli("info", *srv.args, "--api-key", API_KEY, "--json")
        assert ok.code == 0, ok.err
        assert ok.json()["layout"] == "umadb" and API_KEY not in ok.out
        evs = run_cli("events", *srv.args, sid, "--api-key", API_KEY, "--json")
        assert evs.code == 0 and [e["version"] for e in evs.json()] == [1, 2]
        wrong = run_cli("info", *srv.args, "--api-key", "nope", "--json")
        one_line(wrong)
        assert "API key" in wrong.err
        one_line(run_cli("info", *srv.args, "--json"))  # no key at all
        no_tls = run_cli("info", srv.url, "--api-key", API_KEY, "--json")
        one_line(no_tls)
        assert "TLS" in no_tls.err
        missing_ca = run_cli("info", srv.url, "--tls-ca", str(tmp_path / "nope.pem"))
        one_line(missing_ca)
    finally:
        srv.stop()


def test_api_key_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = start_server(tmp_path / "envkey", api_key=API_KEY)
    try:
        monkeypatch.setenv("EVENT_INSPECTOR_UMADB_API_KEY", API_KEY)
        res = run_cli("log", *srv.args, "--json")
        assert res.code == 0 and res.json() == []
    finally:
        srv.stop()


def test_server_down_wrong_family_and_going_away(tmp_path: Path, pg: Any) -> None:
    down = run_cli("streams", f"umadb://127.0.0.1:{free_port()}", "--json")
    one_line(down)
    assert "cannot connect" in down.err
    not_uma = run_cli("info", "umadb://127.0.0.1:5432", "--json")  # a PostgreSQL server
    one_line(not_uma)
    one_line(run_cli("info", "umadb://", "--json"))
    srv = start_server(tmp_path / "goes")
    try:
        with PlainDogSchool(env=uma_env(srv)) as app:
            (sid,) = write_dogs(app, 1)
        db = open_database(srv.url)
        store = db.store()
        assert store.stream_events(sid)
    finally:
        srv.stop()
    with pytest.raises(InspectorError) as info:
        store.stream_events(sid)
    assert "\n" not in str(info.value)
    with pytest.raises(InspectorError):
        store.log(None, 10)
    db.close()


def test_unknown_stream(server: UmaServer) -> None:
    one_line(run_cli("events", server.url, "00000000-0000-4000-8000-000000000000"))
    one_line(run_cli("state", server.url, "no-such-stream"))


def test_no_writes_no_projections(server: UmaServer) -> None:
    with PlainDogSchool(env=uma_env(server)) as app:
        (sid,) = write_dogs(app, 1, "ro")
        head = app.recorder.max_notification_id()
    res = run_cli("snapshot", "take", server.url, sid, "--write", "--yes")
    assert res.code == 1 and res.err.count("\n") == 1 and "only reads" in res.err
    assert run_cli("projections", server.url, "--json").json() == []
    wrong = run_cli("info", f"postgresql://postgres@127.0.0.1:{server.port}/x")  # wrong family
    assert wrong.code == 1 and wrong.err.count("\n") == 1
    with PlainDogSchool(env=uma_env(server)) as app:
        assert app.recorder.max_notification_id() == head
