"""Scrubbing: checkpoints bound the work per jump; state at a time; progress, cancel, memory."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from storefactory import store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

import scenarios  # noqa: E402
from counting import CountingStore  # noqa: E402

from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.errors import InspectorError  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import ReplayCancelled, Replayer  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


def _long_stream(h: Any, n: int = 600) -> str:
    from eidomain.dogs import Dog, PlainDogSchool

    with h.open_app(PlainDogSchool) as app:
        d = Dog("long")
        for i in range(n - 1):
            d.weigh(Decimal(i))
        app.save(d)
    return str(d.id)


def test_jumps_cost_bounded_work(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    stream = _long_stream(h)
    with open_database(h.location) as db:
        store = CountingStore(db.store())
        rp = Replayer(store, Codec(), "domain", load_domain([DOMAINS]), interval=50)
        seen: list[tuple[int, int]] = []
        res = rp.state(stream, progress=lambda done, total: seen.append((done, total)))
        assert res.version == 600 and res.state["weight"] == "598"
        assert seen and seen[-1][0] == 600
        first = store.rows
        assert first >= 600
        for v in (1, 17, 599, 300, 2, 451, 600, 250):
            store.rows = 0
            r = rp.state(stream, v)
            assert r.state["_version"] == v
            assert r.state["weight"] == (str(v - 2) if v > 1 else "0")
            assert store.rows < 50  # never more than one checkpoint interval
        assert 0 < rp.checkpoint_memory(stream) < 1_000_000
        # the live aggregate object, for taking snapshots
        agg = rp.aggregate(stream, 10)
        assert agg.version == 10 and agg.weight == Decimal(8)


def test_memory_budget_thins_checkpoints(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    stream = _long_stream(h, 400)
    with open_database(h.location) as db:
        rp = Replayer(db.store(), Codec(), "generic", interval=1, memory_budget=20_000)
        rp.state(stream)
        assert rp.checkpoint_memory(stream) <= 20_000
        for v in (1, 123, 399, 400):
            assert rp.state(stream, v).state["_version"] == v


def test_cancel_and_resume(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    stream = _long_stream(h, 3000)
    with open_database(h.location) as db:
        rp = Replayer(db.store(), Codec(), "domain", load_domain([DOMAINS]))
        with pytest.raises(ReplayCancelled):
            rp.state(stream, cancelled=lambda: True)
        res = rp.state(stream)  # resumes where it stopped
        assert res.error is None and res.state["_version"] == 3000


def test_state_at_time(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_bank(h)
    stream = w.streams[0]
    with h.open_app(w.app_class) as app:
        events = list(app.events.get(UUID(stream)))
    times = [e.timestamp for e in events]
    with open_database(h.location) as db:
        rp = Replayer(db.store(), Codec(), "domain", load_domain([DOMAINS], w.app_class_spec))
        for e in events:
            # exactly at an event's time: the state after that event
            r = rp.state_at_time(stream, e.timestamp.isoformat())
            assert r.state["_version"] == e.originator_version
            # just before the next event: still that event
            later = e.timestamp + dt.timedelta(microseconds=1)
            if e is not events[-1] and later < times[events.index(e) + 1]:
                assert rp.state_at_time(stream, later).state["_version"] == e.originator_version
        with pytest.raises(InspectorError, match="no event"):
            rp.state_at_time(stream, (times[0] - dt.timedelta(seconds=1)).isoformat())
        with pytest.raises(InspectorError, match="ISO 8601"):
            rp.state_at_time(stream, "yesterday")
    at = times[2].isoformat().replace("+00:00", "Z")
    r = run_cli(
        "state",
        h.location,
        stream,
        "--at",
        at,
        "--path",
        DOMAINS,
        "--app-class",
        w.app_class_spec,
        "--json",
    )
    assert r.code == 0, r.err
    with h.open_app(w.app_class) as app:
        agg = app.repository.get(UUID(stream), version=events[2].originator_version)
        want = normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})
    assert r.json()["state"] == want and r.json()["version"] == events[2].originator_version


def test_upcast_view_in_events_json(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_legacy(h)
    stream = w.streams[0]
    r = run_cli("events", h.location, stream, "--json", "--path", DOMAINS)
    assert r.code == 0, r.err
    rows = r.json()
    opened, dep = rows[0], rows[1]
    assert "class_version" not in opened["data"]  # data stays as stored
    assert opened["upcast"]["currency"] == "EUR" and opened["upcast"]["class_version"] == 2
    assert opened["class_version"] == 1 and opened["current_class_version"] == 2
    assert dep["data"]["amount"] == "10.50"
    assert dep["upcast"]["amount_cents"] == 1050 and "amount" not in dep["upcast"]
    paths = [c["path"] for c in dep["upcast_changes"]]
    assert ["amount"] in paths and ["amount_cents"] in paths
    # generic mode: no upcast key
    r = run_cli("events", h.location, stream, "--json")
    assert all("upcast" not in row for row in r.json())
    # the log too; an event whose upcaster fails says so
    r = run_cli("log", h.location, "--json", "--path", DOMAINS, "--limit", "50")
    bad = [row for row in r.json() if row["stream"] == w.extra["bad"] and row["version"] == 3]
    assert bad and "upcast_v1_v2" in bad[0]["upcast_error"] and "upcast" not in bad[0]


def test_custom_transcoding_decoded_with_app_class(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_bank(h)
    r = run_cli("events", h.location, w.streams[0], "--json", "--app-class", w.app_class_spec)
    assert r.code == 0, r.err
    opened = r.json()[0]
    assert opened["data"]["email_address"] == {"address": "ann0@example.com"}
    assert "upcast" not in opened
    assert set(opened["data"]) >= {"timestamp", "originator_topic", "full_name", "email_address"}


def test_domain_code_only_from_named_paths(tmp_path: Path) -> None:
    """A topic whose module lies outside --path is never imported (fresh process)."""
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    other = tmp_path / "elsewhere"
    other.mkdir()
    env = dict(os.environ)
    env["PYTHONPATH"] = DOMAINS  # importable, but not named with --path
    code = (
        "import sys; from inspector.cli import main; rc = main(sys.argv[1:]); "
        "print('IMPORTED' if 'eidomain.dogs' in sys.modules else 'CLEAN', file=sys.stderr); "
        "print('QT' if any(m.startswith('PySide6') for m in sys.modules) else 'NOQT', "
        "file=sys.stderr); sys.exit(rc)"
    )
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "state",
            h.location,
            w.streams[0],
            "--path",
            str(other),
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert "CLEAN" in r.stderr and "NOQT" in r.stderr
    assert '"mode": "generic"' in r.stdout
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            code,
            "state",
            h.location,
            w.streams[0],
            "--mode",
            "domain",
            "--path",
            str(other),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert r.returncode == 1 and "CLEAN" in r.stderr
    assert "not importable from the given --path" in r.stderr


def test_session_memory_forgets_old_streams(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    streams = [_long_stream(h, 200) for _ in range(4)]
    with open_database(h.location) as db:
        rp = Replayer(db.store(), Codec(), "generic", interval=1, memory_budget=15_000)
        for s in streams:
            rp.state(s)
            assert rp.checkpoint_memory() <= 4 * 15_000
        # a forgotten stream replays again, correctly
        assert rp.state(streams[0], 100).state["_version"] == 100


def test_generic_fast_path_equals_the_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inlined generic loop gives exactly the states of the one-event-at-a-time rule."""
    import inspector.core.replay as replay_mod

    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_bank(h)  # UUID, Decimal, datetime and custom envelopes; a snapshot
    t = scenarios.write_gadgets(h)
    with open_database(h.location) as db:
        for stream in [*w.streams, *t.streams]:
            fast = Replayer(db.store(), Codec(), "generic")
            monkeypatch.setattr(replay_mod, "_FAST", False)
            slow = Replayer(db.store(), Codec(), "generic")
            last = db.store().last_version(stream)
            want = [slow.state(stream, v).state for v in range(1, last + 1)]
            monkeypatch.setattr(replay_mod, "_FAST", True)
            got = [fast.state(stream, v).state for v in range(1, last + 1)]
            assert got == want
            ver_fast = fast.verify_snapshots(stream)  # events-only chains take the fast path
            monkeypatch.setattr(replay_mod, "_FAST", False)
            assert slow.verify_snapshots(stream) == ver_fast
            monkeypatch.setattr(replay_mod, "_FAST", True)
