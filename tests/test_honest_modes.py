"""Issue 8 §6: ``--mode auto`` uses domain mode only where the given code replays the stream up
to the requested version, and otherwise falls back to generic mode saying why; generic state
tells values read from a stored snapshot apart from values inferred from later events (CLI JSON
``provenance``, the GUI's state view), and the GUI says how to get the exact state."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

H1 = str(Path(__file__).parent / "h1domains")
sys.path.insert(0, H1)

import honest_h1  # noqa: E402

from inspector.core.normalise import normalise  # noqa: E402


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def counter_any(request: Any, tmp_path: Path) -> Iterator[tuple[Any, str]]:
    pg = request.getfixturevalue("pg") if request.param == "postgres" else None
    h = store_env(request.param, tmp_path=tmp_path, pg=pg,
                  encoding="zlib+aes" if pg else "plain")
    with h.open_app(honest_h1.Counters) as app:
        cid = honest_h1.write(app)
    yield h, cid
    honest_h1.FAIL_CREATE = False
    honest_h1.FAIL_TICK = None


@pytest.fixture
def counter(tmp_path: Path) -> Iterator[tuple[Any, str]]:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(honest_h1.Counters) as app:
        cid = honest_h1.write(app)
    yield h, cid
    honest_h1.FAIL_CREATE = False
    honest_h1.FAIL_TICK = None


def _lib(h: Any, cid: str, v: int) -> dict[str, Any]:
    with h.open_app(honest_h1.Counters) as app:
        agg = app.repository.get(UUID(cid), version=v)
    return normalise({k: x for k, x in vars(agg).items() if k != "_pending_events"})


def _state(h: Any, cid: str, *more: str) -> Any:
    loc, *rest = inspector_args(h)
    r = run_cli("state", loc, cid, *rest, "--path", H1, "--json", *more)
    assert r.code == 0, r.err
    return r.json()


def test_code_that_cannot_start_the_stream_falls_back_to_generic(counter) -> None:
    h, cid = counter
    honest_h1.FAIL_CREATE = True
    for v in ("1", "3", "10"):
        out = _state(h, cid, "--version", v)
        generic = run_cli("state", h.location, cid, "--mode", "generic", "--version", v,
                          "--json").json()
        assert out["mode"] == "generic" and out["approximate"] is True
        assert "stops at version 1" in out["mode_reason"]
        assert "cannot start counters" in out["mode_reason"]
        assert out["state"] == generic["state"]
    # explicit domain mode keeps the failure (exit 1)
    r = run_cli("state", h.location, cid, "--path", H1, "--mode", "domain", "--json")
    assert r.code == 1 and r.json()["mode"] == "domain"


def test_domain_mode_up_to_the_failure_generic_after_it(counter_any) -> None:
    h, cid = counter_any
    loc, *rest = inspector_args(h)
    honest_h1.FAIL_TICK = 6  # version 7 (Started=1, tick n at version n+1)
    for v in range(1, 7):
        out = _state(h, cid, "--version", str(v))
        assert out["mode"] == "domain" and out["mode_reason"] is None
        assert out["state"] == _lib(h, cid, v)
    for v in (7, 10):
        out = _state(h, cid, "--version", str(v))
        assert out["mode"] == "generic" and "stops at version 7" in out["mode_reason"]
        assert out["state"]["_version"] == v
    # a diff across the failure is taken in one mode (no domain/generic mixture)
    r = run_cli("diff", loc, cid, *rest, "--from", "3", "--to", "8", "--path", H1, "--json")
    assert r.code == 0, r.err
    assert r.json()["mode"] == "generic" and "stops at version 7" in r.json()["mode_reason"]
    paths = {tuple(c["path"]) for c in r.json()["changes"]}
    assert ("n",) in paths and ("_version",) in paths
    # times: before the failure domain mode answers, after it generic mode
    t6 = _state(h, cid, "--version", "6")["state"]["_modified_on"]
    assert _state(h, cid, "--at", t6)["mode"] == "domain"
    t9 = run_cli("state", loc, cid, *rest, "--mode", "generic", "--version", "9",
                 "--json").json()["state"]["_modified_on"]
    out = _state(h, cid, "--at", t9)
    assert out["mode"] == "generic" and out["version"] == 9
    # blame follows the mode that replays the whole stream
    r = run_cli("blame", loc, cid, *rest, "n", "--path", H1)
    assert r.code == 0, r.err
    assert "mode: generic — the domain replay stops at version 7" in r.out


def test_generic_state_tells_snapshot_values_from_inferred_ones(counter) -> None:
    h, cid = counter
    out = run_cli("state", h.location, cid, "--version", "8", "--json").json()
    prov = out["provenance"]
    assert prov["snapshot_version"] == 4
    snap = {p[0] for p in prov["from_snapshot"]}
    inferred = {p[0] for p in prov["inferred"]}
    assert snap | inferred == set(out["state"]) and not snap & inferred
    assert {"name", "count", "_id"} <= snap  # ticks carry n, not count: stale, from the snapshot
    assert {"n", "_version", "_modified_on"} <= inferred
    below = run_cli("state", h.location, cid, "--version", "3", "--json").json()["provenance"]
    assert below["snapshot_version"] is None and below["from_snapshot"] == []
    r = run_cli("state", h.location, cid, "--version", "8")
    assert "from the snapshot at version 4:" in r.out and "inferred from events:" in r.out
    assert "--path DIR" in r.out
    # domain mode: exact, no provenance
    assert "provenance" not in _state(h, cid, "--version", "8")


def test_gui_banner_and_snapshot_values(counter, qtbot, tmp_path) -> None:
    from PySide6.QtCore import QSettings, Qt

    from inspector.ui.main_window import MainWindow
    from inspector.ui.session import OpenRequest

    h, cid = counter
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    w.open_store(OpenRequest(h.location))
    qtbot.waitUntil(lambda: w.session is not None and len(w.streams_panel.model.rows) > 0,
                    timeout=15_000)
    w.open_stream(cid, 8)
    sp = w.state_panel
    qtbot.waitUntil(lambda: sp.result is not None and sp.result.version == 8, timeout=15_000)
    assert sp.banner.isVisible()
    text = sp.banner.text()
    assert "Approximate" in text and "Domain paths" in text and "Application class" in text
    assert "snapshot at version 4" in text
    model = sp.tree.json_model
    tips = {}
    for row in range(model.rowCount()):
        key = model.data(model.index(row, 0), Qt.ItemDataRole.DisplayRole)
        tips[key] = model.data(model.index(row, 1), Qt.ItemDataRole.ToolTipRole)
    assert "read from the stored snapshot at version 4" in tips["count"]
    assert "inferred from the events" in tips["n"]
    w.close()
    # with the code: exact, no banner
    w2 = MainWindow(settings=QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    w2.show()
    w2.open_store(OpenRequest(h.location, paths=[H1]))
    qtbot.waitUntil(lambda: w2.session is not None and len(w2.streams_panel.model.rows) > 0,
                    timeout=15_000)
    w2.open_stream(cid, 8)
    sp2 = w2.state_panel
    qtbot.waitUntil(lambda: sp2.result is not None and sp2.result.version == 8, timeout=15_000)
    assert sp2.result.mode == "domain" and not sp2.banner.isVisible()
    w2.close()
