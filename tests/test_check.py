"""``check``: whole-store replay health, against the library's own replay as the oracle."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from checkdomain import write_package, write_store
from cli_runner import run_cli
from storefactory import close_app, store_env

from inspector.core import health_run
from inspector.core.health import BatchScanner

SQLITE_ENV = {"PERSISTENCE_MODULE": "eventsourcing.sqlite"}


def _changed_store(tmp_path: Path, n: int = 40, pg: Any = None) -> tuple[Any, dict, str, Path]:
    name = f"hc{uuid.uuid4().hex[:8]}"
    if pg is None:
        h = store_env("sqlite", tmp_path=tmp_path)
    else:
        h = store_env("postgres", pg=pg)
    ids = write_store(tmp_path / "code", name, h.env, n)
    new_root = write_package(tmp_path / "code" / "new", name, "new")
    return h, ids, name, new_root


def _args(h: Any, name: str, root: Path, *more: str) -> list[str]:
    args = ["check", h.location, "--path", str(root), "--app-class", f"{name}.model:Store"]
    if h.schema:
        args += ["--schema", h.schema]
    return [*args, *more]


def _library_oracle(h: Any, name: str, root: Path, ids: dict) -> dict[str, set[str]]:
    """With the library and the new code: the streams whose replay from version 1 raises, and
    those whose Repository.get (newest snapshot) differs from the replay from version 1."""
    sys.path.insert(0, str(root))
    try:
        mod = __import__(f"{name}.model", fromlist=["Store"])
        env = {k: v for k, v in h.env.items()}
        plain = mod.Store(env={**env, "IS_SNAPSHOTTING_ENABLED": "n"})
        snapping = mod.Store(env={**env, "IS_SNAPSHOTTING_ENABLED": "y"})
        failing: set[str] = set()
        drift: set[str] = set()
        snap_drift = 0
        all_ids = {i for v in ids.values() for i in v}
        for sid in all_ids:
            u = uuid.UUID(sid)
            try:
                a = plain.repository.get(u)
            except Exception:  # noqa: BLE001 - the library's own failure
                failing.add(sid)
                continue
            b = snapping.repository.get(u)
            if _vars(a) != _vars(b):
                drift.add(sid)
            for snap in snapping.snapshots.get(u):
                at = plain.repository.get(u, version=snap.originator_version)
                if _vars(snap.mutate(None)) != _vars(at):
                    snap_drift += 1
        close_app(plain)
        close_app(snapping)
        return {"failing": failing, "drift": drift, "snap_drift": {str(snap_drift)}}
    finally:
        sys.path.remove(str(root))


def _vars(agg: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(agg).items() if k != "_pending_events"}


def _by_kind(rep: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for g in rep["groups"]:
        out.setdefault(g["kind"], []).append(g)
    return out


def _stable(rep: dict) -> dict:
    return {k: v for k, v in rep.items() if k not in ("seconds", "rate", "resumed", "jobs")}


def test_check_groups_each_kind_as_the_library_fails(tmp_path: Path) -> None:
    h, ids, name, root = _changed_store(tmp_path)
    junit = tmp_path / "check.xml"
    before = {p.name: p.read_bytes() for p in Path(h.location).parent.glob("store.db*")}
    r = run_cli(*_args(h, name, root, "--json", "--junit", str(junit)))
    after = {p.name: p.read_bytes() for p in Path(h.location).parent.glob("store.db*")}
    assert after == before  # read-only: not a byte of the store (or a side file) changed
    assert r.code == 1, r.err
    rep = r.json()
    assert not rep["healthy"]
    kinds = _by_kind(rep)
    oracle = _library_oracle(h, name, root, ids)

    # every stream the library cannot replay from version 1 is in exactly one failure group
    failing_kinds = ("apply", "topic", "upcast", "version")
    found = {
        e["stream"] for k in failing_kinds for g in kinds.get(k, []) for e in g["examples"]
    }
    counted = sum(g["count"] for k in failing_kinds for g in kinds.get(k, []))
    meters = set(ids["meter"])  # stored class_version newer than the code: the library loads it
    assert counted == len(oracle["failing"]) + len(meters)
    assert found <= oracle["failing"] | meters
    assert {g["topic"].rsplit(":", 1)[1] for g in kinds["apply"]} == {"Box.Put"}
    assert kinds["apply"][0]["count"] == len(ids["boom"])
    assert kinds["topic"][0]["count"] == len(ids["note"])
    assert kinds["upcast"][0]["count"] == len(ids["gauge"])
    versions = {g["topic"].rsplit(":", 1)[1]: g for g in kinds["version"]}
    assert versions["Meter.Read"]["count"] == len(meters)
    assert versions["Ledger.Added"]["count"] == len(ids["ledger"])
    assert "upcast_v1_v2" in versions["Ledger.Added"]["error"]
    # drift: the streams whose Repository.get differs from the replay from version 1
    assert sum(g["count"] for g in kinds["replay-drift"]) == len(oracle["drift"]) > 0
    assert {e["stream"] for g in kinds["replay-drift"] for e in g["examples"]} <= oracle["drift"]
    assert sum(g["count"] for g in kinds["snapshot-drift"]) == int(*oracle["snap_drift"]) > 0
    # examples carry the failing event
    ex = kinds["apply"][0]["examples"][0]
    ev = run_cli("events", h.location, ex["stream"], "--json").json()
    bad = [e for e in ev if e["version"] == ex["version"]][0]
    assert bad["position"] == ex["position"] and bad["data"]["item"] == "boom"
    # a same-named class elsewhere in the code: a register_topic suggestion
    sug = {s["topic"]: s for s in rep["suggestions"]}
    note_topic = kinds["topic"][0]["topic"]
    assert sug[note_topic]["new_topic"] == f"{name}.notes:Note.Written"
    assert "register_topic(" in sug[note_topic]["suggest"]
    # totals
    con = sqlite3.connect(h.location)
    assert rep["events"] == con.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    assert rep["streams"] == len({i for v in ids.values() for i in v})
    assert rep["snapshots"] == con.execute("SELECT COUNT(*) FROM stored_snapshots").fetchone()[0]
    con.close()
    # JUnit: one failing case per group
    suite = ET.parse(junit).getroot()
    assert int(suite.get("failures")) == len(rep["groups"])
    assert len(suite.findall("testcase/failure")) == len(rep["groups"])
    # the readable form exits 1 too and names each kind
    t = run_cli(*_args(h, name, root))
    assert t.code == 1 and "UNHEALTHY" in t.out and "replay-drift" in t.out


def test_check_workers_filters_and_healthy_store(tmp_path: Path) -> None:
    h, ids, name, root = _changed_store(tmp_path, n=30)
    # the code the store was written with (another process: this one imports the changed
    # code under the same module name): healthy, exit 0, a passing JUnit case
    old = tmp_path / "code" / "old"
    junit = tmp_path / "ok.xml"
    ok = subprocess.run(
        [sys.executable, "-m", "inspector.cli", "check", h.location, "--path", str(old),
         "--app-class", f"{name}.model:Store", "--json", "--junit", str(junit), "--jobs", "2"],
        capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    okj = json.loads(ok.stdout)
    assert okj["healthy"] and okj["groups"] == [] and okj["events"] > 0
    suite = ET.parse(junit).getroot()
    assert suite.get("failures") == "0" and len(suite.findall("testcase")) == 1
    one = run_cli(*_args(h, name, root, "--json", "--batch-events", "25")).json()
    two = run_cli(*_args(h, name, root, "--json", "--jobs", "2", "--batch-events", "25")).json()
    assert _stable(one) == _stable(two)
    assert one["events"] == okj["events"]
    # --type keeps only that aggregate's streams
    t = run_cli(*_args(h, name, root, "--json", "--type", "Ledger"))
    assert t.code == 1
    rep = t.json()
    assert rep["streams"] == len(ids["ledger"])
    assert {g["kind"] for g in rep["groups"]} == {"version"}
    # a type that matches nothing says so (a typo must not read as a healthy check)
    none = run_cli(*_args(h, name, root, "--type", "NoSuchAggregate"))
    assert "no stream of type 'NoSuchAggregate'" in none.err, none.err
    assert "no stream of type" not in t.err
    # --prefix: only ids starting so
    pre = ids["box"][0][:2]
    want = {i for v in ids.values() for i in v if i.startswith(pre)}
    p = run_cli(*_args(h, name, root, "--json", "--prefix", pre)).json()
    assert p["streams"] == len(want)


def test_check_resume_after_cancel_replays_only_unfinished(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    h, ids, name, root = _changed_store(tmp_path, n=40)
    opts = health_run.CheckOptions(h.location, paths=[str(root)],
                                   app_class=f"{name}.model:Store", batch_events=15)
    full = health_run.run_check(opts, resume=False)
    calls: list[Any] = []
    real = BatchScanner.scan

    def counting(self: BatchScanner, *a: Any, **k: Any) -> Any:
        calls.append(a[0])
        return real(self, *a, **k)

    monkeypatch.setattr(BatchScanner, "scan", counting)
    health_run.run_check(opts, resume=False)
    total_batches = len(calls)
    assert total_batches >= 5
    calls.clear()
    stop_at = {"n": 4}

    def interrupting(self: BatchScanner, *a: Any, **k: Any) -> Any:
        calls.append(a[0])
        if len(calls) == stop_at["n"]:
            raise KeyboardInterrupt  # Ctrl+C in the middle of the 4th batch
        return real(self, *a, **k)

    monkeypatch.setattr(BatchScanner, "scan", interrupting)
    with pytest.raises(health_run.CheckInterrupted):
        health_run.run_check(opts)
    monkeypatch.setattr(BatchScanner, "scan", counting)
    first = len(calls)
    calls.clear()
    notes: list[str] = []
    resumed = health_run.run_check(opts, notes=notes.append)
    assert resumed["resumed"] is True and any("resuming" in n for n in notes)
    assert _stable(resumed) == _stable(full)
    # the interrupted batch (one worker) is replayed again; finished ones are not
    assert first == 4
    assert len(calls) == total_batches - 3
    # the checkpoint is gone once a scan completes: the next run starts afresh
    again = health_run.run_check(opts)
    assert again["resumed"] is False and _stable(again) == _stable(full)


def test_check_kill9_then_resume_same_report(tmp_path: Path) -> None:
    h, ids, name, root = _changed_store(tmp_path, n=300)
    args = _args(h, name, root, "--json", "--jobs", "2", "--batch-events", "40")
    fresh = run_cli(*args[:], "--restart")
    assert fresh.code == 1
    cache = Path(os.environ["XDG_CACHE_HOME"])
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspector.cli", *args], env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    done = 0
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:
        files = list(cache.rglob("check/*.jsonl"))
        if files:
            done = sum('"done"' in ln for ln in files[0].read_text().splitlines())
            if done >= 2:
                break
        time.sleep(0.05)
    assert proc.poll() is None, "the scan ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the scan and its workers: our own process group
    proc.wait()
    resumed = run_cli(*args)
    assert resumed.code == 1, resumed.err
    assert "resuming" in resumed.err and "Traceback" not in resumed.err
    rj = resumed.json()
    assert rj["resumed"] is True
    assert _stable(rj) == _stable(fresh.json())


def test_check_postgres(tmp_path: Path, pg: Any) -> None:
    h, ids, name, root = _changed_store(tmp_path, n=30, pg=pg)
    r = run_cli(*_args(h, name, root, "--json", "--jobs", "2", "--batch-events", "30"))
    assert r.code == 1, r.err
    rep = r.json()
    kinds = _by_kind(rep)
    oracle = _library_oracle(h, name, root, ids)
    assert kinds["apply"][0]["count"] == len(ids["boom"])
    assert sum(g["count"] for g in kinds["replay-drift"]) == len(oracle["drift"])
    assert rep["streams"] == len({i for v in ids.values() for i in v})


def test_check_bad_input_and_interrupt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h, ids, name, root = _changed_store(tmp_path, n=10)
    cases = [
        ["check", h.location, "--path", str(tmp_path / "nope"), "--app-class", "x:Y"],
        ["check", h.location, "--path", str(root), "--app-class", "nosuchmod_zz:App"],
        ["check", h.location],
        ["check", h.location, "--path", str(root), "--mode", "generic"],
        _args(h, name, root, "--jobs", "0"),
        _args(h, name, root, "--prefix", "zz-not-hex"),
    ]
    for argv in cases:
        r = run_cli(*argv)
        assert r.code == 1, (argv, r.out, r.err)
        assert r.err.startswith("event-inspector: ") and "Traceback" not in r.err
        assert len(r.err.strip().splitlines()) == 1
    # Ctrl+C during a scan: one clean line, exit 130, resumable
    real = BatchScanner.scan
    n = {"calls": 0}

    def interrupting(self: BatchScanner, *a: Any, **k: Any) -> Any:
        n["calls"] += 1
        if n["calls"] == 2:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(BatchScanner, "scan", interrupting)
    r = run_cli(*_args(h, name, root, "--batch-events", "10"))
    assert r.code == 130 and "interrupted" in r.err and "Traceback" not in r.err
    monkeypatch.setattr(BatchScanner, "scan", real)
    again = run_cli(*_args(h, name, root, "--batch-events", "10", "--json"))
    assert again.code == 1 and again.json()["resumed"] is True
    assert json.loads(again.out)["events"] == run_cli(
        *_args(h, name, root, "--json", "--restart")).json()["events"]


def test_check_store_growing_during_the_scan_and_page_plan(tmp_path: Path) -> None:
    from checkdomain import write_more_with_new_code

    h, ids, name, root = _changed_store(tmp_path, n=20)
    opts = health_run.CheckOptions(h.location, paths=[str(root)],
                                   app_class=f"{name}.model:Store", batch_events=10)
    before = health_run.run_check(opts, resume=False)
    grown = {"done": False}
    notes: list[str] = []

    def progress(p: Any) -> None:
        if p.batches >= 1 and not grown["done"]:
            grown["done"] = True
            write_more_with_new_code(tmp_path / "code", name, h.env, 3)

    rep = health_run.run_check(opts, resume=False, progress=progress, notes=notes.append)
    assert grown["done"]
    # the scan covers the store as it was when it started, and says it grew
    changed = rep.pop("store_changed")
    assert _stable(rep) == _stable(before)
    assert changed["head_now"] > changed["head_at_start"] == before["head"]
    assert any("grew" in n for n in notes)
    # the keyset page is one index range (no sort of the rest of a batch)
    from inspector.stores.open import open_database

    db = open_database(h.location)
    try:
        st = db.store()
        lo = st.id_after_offset(None, 0)
        rows = st.range_rows(lo, None, after=(lo, 1), limit=5)
        assert rows and all((r[1], r[2]) > (lo, 1) for r in rows)
        p = st.placeholder
        plan = st.explain(
            f"SELECT originator_id FROM {st.events} WHERE (originator_id, originator_version)"
            f" > ({p}, {p}) ORDER BY originator_id, originator_version LIMIT 5", [lo, 1])
        assert "TEMP B-TREE" not in plan.upper() and "INDEX" in plan.upper()
    finally:
        db.close()
