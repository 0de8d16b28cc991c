"""``stats`` and ``types``: storage statistics and schema history, against the store's own SQL
and the library's own decoding of every stored event."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from checkdomain import write_more_with_new_code, write_package, write_store
from cli_runner import run_cli
from storefactory import close_app, inspector_args, pg_connect, store_env

from inspector.core.codec import Codec


def _rows(h: Any, table: str) -> list[tuple[Any, ...]]:
    """(position or None, id text, version, topic, state bytes) straight from the store."""
    if h.kind == "sqlite":
        con = sqlite3.connect(h.location)
        try:
            pos = "rowid" if table == "stored_events" else "NULL"
            return [(p, str(uuid.UUID(i)), v, t, bytes(s)) for p, i, v, t, s in con.execute(
                f"SELECT {pos}, originator_id, originator_version, topic, state FROM {table}")]
        finally:
            con.close()
    db = h.env["POSTGRES_DBNAME"]
    with pg_connect(db) as c:
        name = "store_events" if table == "stored_events" else "store_snapshots"
        pos = "notification_id" if table == "stored_events" else "NULL"
        return [(p, str(i), v, t, bytes(s)) for p, i, v, t, s in c.execute(
            f'SELECT {pos}, originator_id, originator_version, topic, state '
            f'FROM "{h.schema}"."{name}"').fetchall()]


def _sql_total(h: Any) -> int:
    if h.kind == "sqlite":
        con = sqlite3.connect(h.location)
        try:
            return con.execute("SELECT SUM(length(state)) FROM stored_events").fetchone()[0]
        finally:
            con.close()
    with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
        return c.execute(
            f'SELECT SUM(length(state)) FROM "{h.schema}"."store_events"').fetchone()[0]


def _library_plaintexts(h: Any, root: Path, name: str) -> dict[int, tuple[bytes, Any]]:
    """position -> (plaintext JSON, timestamp) as the library's own mapper undoes it."""
    import sys

    sys.path.insert(0, str(root))
    try:
        mod = __import__(f"{name}.model", fromlist=["Store"])
        app = mod.Store(env={**h.env, "IS_SNAPSHOTTING_ENABLED": "n"})
        out = {}
        try:
            for n in app.recorder.select_notifications(start=1, limit=100_000):
                st = n.state
                if app.mapper.cipher is not None:
                    st = app.mapper.cipher.decrypt(st)
                if app.mapper.compressor is not None:
                    st = app.mapper.compressor.decompress(st)
                out[n.id] = (st, app.mapper.to_domain_event(n).timestamp)
        finally:
            close_app(app)
        return out
    finally:
        sys.path.remove(str(root))


@pytest.mark.parametrize(("kind", "encoding"), [
    ("sqlite", "plain"), ("sqlite", "zlib+aes"),
    pytest.param("postgres", "plain", marks=pytest.mark.postgres),
])
def test_stats_match_the_store(kind: str, encoding: str, tmp_path: Path, request: Any) -> None:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding, app_name="Store")
    name = f"st{uuid.uuid4().hex[:8]}"
    write_store(tmp_path / "code", name, h.env, 30)
    old_root = tmp_path / "code" / "old"
    r = run_cli("stats", *inspector_args(h), "--json", "--top", "5")
    assert r.code == 0, r.err
    out = r.json()
    rows = _rows(h, "stored_events")
    assert out["bytes"] == _sql_total(h) == sum(len(x[4]) for x in rows)
    assert out["events"] == len(rows)
    per_topic: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    lib = _library_plaintexts(h, old_root, name)
    per_day: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    per_stream: Counter = Counter()
    for pos, sid, _v, topic, state in rows:
        text, ts = lib[pos]
        per_topic[topic][0] += 1
        per_topic[topic][1] += len(state)
        per_topic[topic][2] += len(text)
        day = ts.astimezone(ts.tzinfo).isoformat()[:10]
        per_day[day][0] += 1
        per_day[day][1] += len(state)
        per_stream[sid] += len(state)
    got = {t["topic"]: [t["events"], t["bytes"], t["decoded_bytes"]] for t in out["by_type"]}
    assert got == dict(per_topic)
    assert {d["day"]: [d["events"], d["bytes"]] for d in out["by_day"]} == dict(per_day)
    assert out["growth"][-1]["bytes"] == out["bytes"]
    assert out["decoded_bytes"] == sum(v[2] for v in per_topic.values())
    if encoding != "plain":
        assert out["bytes"] != out["decoded_bytes"]
    biggest = sorted(per_stream.values(), reverse=True)[:5]
    assert [s["bytes"] for s in out["largest_streams"]] == biggest
    assert all(per_stream[s["id"]] == s["bytes"] for s in out["largest_streams"])
    # snapshots and how many events a load replays (the library's Repository.get rule)
    snaps = _rows(h, "stored_snapshots")
    assert out["snapshots"]["count"] == len(snaps) > 0
    assert out["snapshots"]["bytes"] == sum(len(s[4]) for s in snaps)
    newest: dict[str, int] = {}
    for _, sid, v, _, _ in snaps:
        newest[sid] = max(v, newest.get(sid, 0))
    last: dict[str, int] = {}
    for _, sid, v, _, _ in rows:
        last[sid] = max(v, last.get(sid, 0))
    replays = [last[s] - newest.get(s, 0) for s in last]
    assert out["snapshots"]["mean_events_replayed_per_load"] == pytest.approx(
        sum(replays) / len(replays), abs=1e-3)

    # incremental: only new events are processed, totals still exact
    write_more_with_new_code(tmp_path / "code", name, h.env, 3)
    r2 = run_cli("stats", *inspector_args(h), "--json")
    assert r2.code == 0, r2.err
    assert r2.json()["bytes"] == _sql_total(h)
    c = run_cli("catalog", *inspector_args(h), "--json").json()
    assert c["update"]["processed"] == 0 and c["events"] == r2.json()["events"]


def test_types_history_and_code_mismatch(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    name = f"ty{uuid.uuid4().hex[:8]}"
    write_store(tmp_path / "code", name, h.env, 30)
    new_root = write_package(tmp_path / "code" / "new", name, "new")
    args = ["types", h.location, "--json"]
    out = {t["topic"]: t for t in run_cli(*args).json()}
    # against every stored payload: fields, shares, first/last position, class_versions
    rows = sorted(_rows(h, "stored_events"))
    by_topic: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for pos, _sid, _v, topic, state in rows:
        by_topic[topic].append((pos, json.loads(state)))
    assert set(out) == set(by_topic)
    for topic, evs in by_topic.items():
        t = out[topic]
        assert t["events"] == len(evs)
        assert t["first"]["position"] == evs[0][0] and t["last"]["position"] == evs[-1][0]
        assert t["class_versions"] == sorted({d.get("class_version", 1) for _, d in evs})
        fields = {f["name"]: f for f in t["fields"]}
        names = {k for _, d in evs for k in d if k != "class_version"}
        assert set(fields) == names
        for n, f in fields.items():
            having = [p for p, d in evs if n in d]
            assert f["share"] == pytest.approx(len(having) / len(evs))
            assert f["first"]["position"] == having[0] and f["last"]["position"] == having[-1]
        assert t["changes"] == []
    assert out[f"{name}.model:Box.Made"]["fields"][0]["types"] in (["string"], ["datetime_iso"])
    ts_field = {f["name"]: f for f in out[f"{name}.model:Box.Put"]["fields"]}["timestamp"]
    assert ts_field["types"] == ["datetime_iso"]
    # domain mode: Meter.Installed's class now declares `serial`, which no stored event has
    dom = {t["topic"]: t for t in run_cli(*args, "--path", str(new_root),
                                          "--app-class", f"{name}.model:Store").json()}
    installed = dom[f"{name}.model:Meter.Installed"]["code"]
    assert installed["matches"] is False and installed["missing_in_store"] == ["serial"]
    assert dom[f"{name}.model:Box.Put"]["code"]["matches"] is True
    assert dom[f"{name}.model:Note.Written"]["code"]["resolves"] is False
    txt = run_cli("types", h.location, "--path", str(new_root), "--app-class",
                  f"{name}.model:Store")
    assert txt.code == 0 and "MISMATCH" in txt.out
    # new code writes the new field: a shape change at the first such event, then it matches
    write_more_with_new_code(tmp_path / "code", name, h.env, 2)
    first_new = max(p for p, *_ in rows) + 1
    dom = {t["topic"]: t for t in run_cli(*args, "--path", str(new_root),
                                          "--app-class", f"{name}.model:Store").json()}
    t = dom[f"{name}.model:Meter.Installed"]
    assert [(c["position"], c["added"], c["removed"]) for c in t["changes"]] == [
        (first_new, ["serial"], [])]
    assert t["code"]["matches"] is True
    serial = {f["name"]: f for f in t["fields"]}["serial"]
    assert serial["share"] == pytest.approx(2 / t["events"])
    one = run_cli(*args, "--topic", f"{name}.model:Meter.Installed").json()
    assert [x["topic"] for x in one] == [f"{name}.model:Meter.Installed"]


def test_codec_aes_backend_matches_the_library() -> None:
    """The fast AES-GCM path decrypts exactly what the library's AESCipher wrote, and refuses
    what it would refuse (wrong key, tampering, too short)."""
    from eventsourcing.cipher import AESCipher
    from eventsourcing.utils import Environment

    key = AESCipher.create_key(32)
    lib = AESCipher(Environment(env={"CIPHER_KEY": key}))
    codec = Codec(key)
    for n in (0, 1, 15, 16, 17, 1000):
        pt = bytes(range(256))[:n] * 3
        blob = lib.encrypt(pt)
        assert codec.decrypt(blob) == pt == lib.decrypt(blob)
    blob = lib.encrypt(b'{"a":1}')
    bad = blob[:30] + bytes([blob[30] ^ 1]) + blob[31:]
    with pytest.raises(ValueError):
        codec.decrypt(bad)
    with pytest.raises(ValueError):
        Codec(AESCipher.create_key(32)).decrypt(blob)
    with pytest.raises(ValueError):
        codec.decrypt(blob[:20])
    for size in (16, 24):
        k = AESCipher.create_key(size)
        b = AESCipher(Environment(env={"CIPHER_KEY": k})).encrypt(b"xyz")
        assert Codec(k).decrypt(b) == b"xyz"


@pytest.mark.parametrize(("kind", "id_type"), [("sa_sqlite", "uuid"), ("sqlite", "text")])
def test_stats_stream_ids_in_every_id_form(kind: str, id_type: str, tmp_path: Path) -> None:
    """16-byte BLOB ids and string ids reach the catalog in the form ``streams`` shows."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "domains"))
    import scenarios

    h = store_env(kind, tmp_path=tmp_path, id_type=id_type)
    w = scenarios.write_tickets(h) if id_type == "text" else scenarios.write_dogs(h)
    out = run_cli("stats", h.location, "--json").json()
    streams = {s["id"] for s in run_cli("streams", h.location, "--json").json()}
    assert {s["id"] for s in out["largest_streams"]} == streams == set(w.streams)


def test_undecoded_events_are_named_on_every_run(tmp_path: Path) -> None:
    """Without the key, `stats`/`types` say on every run (not only the one that built the
    catalog) that events could not be decoded; `types` would otherwise print nothing, silently."""
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes", app_name="Store")
    write_store(tmp_path / "code", f"st{uuid.uuid4().hex[:8]}", h.env, 5)
    for command in ("stats", "stats", "types", "catalog"):
        r = run_cli(command, h.location)
        assert r.code == 0, r.err
        assert "could not be decoded" in r.err, (command, r.err)
    r = run_cli("types", h.location, "--json")
    assert r.json() == [] and "could not be decoded" in r.err
    keyed = run_cli("types", *inspector_args(h))
    assert keyed.code == 0 and "could not be decoded" not in keyed.err
