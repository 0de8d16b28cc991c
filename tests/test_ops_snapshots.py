"""Snapshot take/verify/delete on real stores; the library reads what the inspector wrote.

The oracle is the library itself: ``app.repository.get(id)`` with snapshotting enabled must
return the same state after the inspector took a snapshot as before, and must actually use it.
"""

from __future__ import annotations

import pytest
from cli_runner import run_cli
from opsfixtures import DOGS_APP, PATH_ARGS, audit_entries, scenarios, state_of, uid
from storefactory import inspector_args, store_env

KINDS = ["sqlite", "sa_sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg(kind: str, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return request.getfixturevalue("pg") if kind == "postgres" else None


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["plain", "zlib+aes"])
def test_take_verify_delete_library_reads_it(kind: str, encoding: str, tmp_path, request) -> None:
    h = store_env(kind, tmp_path=tmp_path, pg=_pg(kind, request), encoding=encoding)
    w = scenarios.write_dogs(h)
    stream = w.streams[1]  # 'rex': versions 1..26, library snapshots at 7, 14, 21
    args = inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP)
    with h.open_app(w.app_class) as app:
        before = state_of(app.repository.get(uid(stream)))
        last = before["_version"]
        lib_snaps = [s.originator_version for s in app.snapshots.get(uid(stream))]
    assert lib_snaps, "the scenario should have written snapshots"

    # Delete every snapshot (preview, --write --yes), then the library replays from events.
    r = run_cli("snapshot", "delete", *args, stream, "--all", "--write", "--yes")
    assert r.code == 0, r.err
    for v in lib_snaps:
        assert f"originator_version = {v}" in r.out
    with h.open_app(w.app_class) as app:
        assert list(app.snapshots.get(uid(stream))) == []
        assert state_of(app.repository.get(uid(stream))) == before

    # Take one at the last version and one in the middle.
    mid = last // 2
    for v in (mid, last):
        r = run_cli("snapshot", "take", *args, stream, "--version", str(v), "--write", "--yes")
        assert r.code == 0, r.err
        assert "INSERT" in r.out and "sha256" in r.out

    r = run_cli("snapshots", *args, stream, "--verify", "--json")
    assert r.code == 0, r.err + r.out
    rows = r.json()
    assert [x["version"] for x in rows] == [mid, last]
    assert all(x["ok"] is True for x in rows)

    with h.open_app(w.app_class) as app:
        snaps = list(app.snapshots.get(uid(stream)))
        assert [s.originator_version for s in snaps] == [mid, last]
        # The library decodes our rows with its own mapper and restores the aggregate from them.
        restored = snaps[-1].mutate(None)
        assert state_of(restored) == before
        assert state_of(app.repository.get(uid(stream))) == before
        via_snapshots = {v: state_of(app.repository.get(uid(stream), version=v))
                         for v in (mid, mid + 1, last)}
        mid_snapshot = state_of(snaps[0].mutate(None))
    # The same versions replayed by the library from events alone (no snapshot store).
    with h.open_app(w.app_class, IS_SNAPSHOTTING_ENABLED="n") as plain_app:
        assert plain_app.snapshots is None
        for v, got in via_snapshots.items():
            assert state_of(plain_app.repository.get(uid(stream), version=v)) == got
        assert state_of(plain_app.repository.get(uid(stream), version=mid)) == mid_snapshot

    # Encrypted stores hold encrypted snapshots; the plan says so.
    if encoding == "zlib+aes":
        r = run_cli("snapshots", *inspector_args(h), stream, "--json")
        assert r.code == 0
        assert all(x["error"] is None for x in r.json())  # decodes with the key
        r = run_cli("snapshots", h.location, *(["--schema", h.schema] if h.schema else []),
                    stream, "--json")
        assert all(x["error"] for x in r.json())  # and not without it

    entries = audit_entries()
    assert [e["action"] for e in entries] == ["snapshot delete", "snapshot take", "snapshot take"]
    assert all(e["outcome"] == "done" and e["user"] for e in entries)


def test_generic_mode_refuses_to_take(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    r = run_cli("snapshot", "take", *inspector_args(h), w.streams[0], "--write", "--yes",
                "--mode", "generic")
    assert r.code == 1
    assert "generic mode" in r.err
    assert len(r.err.strip().splitlines()) == 1
    r = run_cli("snapshot", "take", *inspector_args(h), w.streams[0], "--write", "--yes")
    assert r.code == 1 and "generic mode" in r.err  # no domain code given
    assert audit_entries() == []


def test_write_guard_and_audit(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    stream = w.streams[0]
    args = inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP)
    raw = (tmp_path / "store.db").read_bytes()

    r = run_cli("snapshot", "take", *args, stream, "--version", "3")
    assert r.code == 1
    assert "refusing to write without --write" in r.err
    assert "INSERT" in r.out  # the exact preview is shown
    r = run_cli("snapshot", "delete", *args, stream, "--all")
    assert r.code == 1 and "nothing was written" in r.err
    # Answering anything but yes writes nothing either.
    r = run_cli("snapshot", "delete", *args, stream, "--all", "--write", stdin="n\n")
    assert r.code == 1 and "Proceed? [y/N]" in r.out
    assert (tmp_path / "store.db").read_bytes() == raw
    assert audit_entries() == []
    with h.open_app(w.app_class) as app:
        assert len(list(app.snapshots.get(uid(stream)))) == 2

    r = run_cli("snapshot", "delete", *args, stream, "--version", "7", "--write", stdin="y\n")
    assert r.code == 0, r.err
    entries = audit_entries()
    assert len(entries) == 1
    e = entries[0]
    assert e["action"] == "snapshot delete" and e["outcome"] == "done"
    assert e["store"] == h.location and e["row_count"] == 1
    assert e["rows"][0]["values"]["originator_version"] == 7
    state = e["rows"][0]["values"]["state"]
    assert len(state["hex"]) == 2 * state["size"]
    with h.open_app(w.app_class) as app:
        assert [s.originator_version for s in app.snapshots.get(uid(stream))] == [14]


def test_bad_snapshot_requests(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    args = inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP)
    r = run_cli("snapshot", "take", *args, w.streams[0], "--version", "7", "--write", "--yes")
    assert r.code == 1 and "already has a snapshot at version 7" in r.err
    r = run_cli("snapshot", "take", *args, w.streams[0], "--version", "999", "--write", "--yes")
    assert r.code == 1 and "out of range" in r.err
    r = run_cli("snapshot", "delete", *args, w.streams[0], "--version", "5", "--write", "--yes")
    assert r.code == 1 and "no snapshot at version 5" in r.err
    r = run_cli("snapshot", "delete", *args, w.streams[0], "--write", "--yes")
    assert r.code == 1 and "--all" in r.err
    assert audit_entries() == []


@pytest.mark.postgres
def test_read_only_role_and_redacted_audit(pg, tmp_path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    w = scenarios.write_dogs(h)
    stream = w.streams[0]
    user, password = pg.select_only_role(h.schema)
    ro_url = pg.url(user=user, password=password)
    r = run_cli("snapshot", "delete", ro_url, "--schema", h.schema, stream, "--version", "7",
                "--write", "--yes")
    assert r.code == 1
    assert "permission denied" in r.err and "rolled back" in r.err
    assert password not in r.err + r.out
    with h.open_app(w.app_class) as app:
        assert len(list(app.snapshots.get(uid(stream)))) == 2
    [entry] = audit_entries()
    assert entry["outcome"].startswith("failed")
    assert password not in entry["store"] and user in entry["store"]


def test_writer_keeps_the_journal_mode(tmp_path) -> None:
    import sqlite3

    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    c = sqlite3.connect(h.location)
    assert c.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    c.close()
    r = run_cli("snapshot", "delete", *inspector_args(h), w.streams[0], "--version", "7",
                "--write", "--yes")
    assert r.code == 0, r.err
    c = sqlite3.connect(h.location)
    try:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        rows = c.execute("SELECT originator_version FROM stored_snapshots").fetchall()
    finally:
        c.close()
    assert sorted(v for (v,) in rows) == [7, 14, 14, 21]  # rex keeps 7, 14, 21; fido lost 7
