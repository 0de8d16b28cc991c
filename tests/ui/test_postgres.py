"""The window on a PostgreSQL store written by the library (``pg`` fixture: never skipped in CI)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import HERE
from helpers import open_store, open_stream
from storefactory import store_env
from uidomain import Bank, activity

from inspector.core.normalise import normalise


@pytest.mark.postgres
def test_postgres_store_browse_and_state(qtbot: Any, win: Any, pg: Any) -> None:
    h = store_env("postgres", pg=pg, encoding="zlib")
    with h.open_app(Bank) as app:
        acc = app.open("Pat")
        activity(acc, 40)
        app.save(acc)
        others = [str(app.open(f"o{i}").id) for i in range(3)]
        oracle = {
            v: normalise(
                {
                    k: x
                    for k, x in vars(app.repository.get(acc.id, version=v)).items()
                    if k != "_pending_events"
                }
            )
            for v in (1, 20, 41)
        }
    open_store(qtbot, win, h.location, schema=h.schema, paths=[str(HERE)])
    assert sorted(r["id"] for r in win.streams_panel.model.rows) == sorted([str(acc.id), *others])
    assert "READ-ONLY" in win.conn_status.text()
    open_stream(qtbot, win, str(acc.id), 20)
    assert win.state_result.mode == "domain"
    for v, want in oracle.items():
        win.timeline.slider.setValue(v)
        qtbot.waitUntil(
            lambda v=v: win.state_panel.result is not None and win.state_panel.result.version == v,
            timeout=10000,
        )
        assert win.state_panel.state() == want
    assert uuid.UUID(win.stream["id"]) == acc.id


@pytest.mark.postgres
def test_postgres_live_mode_follows_new_events(qtbot: Any, win: Any, pg: Any) -> None:
    h = store_env("postgres", pg=pg)
    with h.open_app(Bank) as app:
        acc = app.open("Live")
        activity(acc, 5)
        app.save(acc)
    open_store(qtbot, win, h.location, schema=h.schema)
    open_stream(qtbot, win, str(acc.id))
    assert win.stream["last"] == 6
    win.live_timer.setInterval(100)
    win.live_box.setChecked(True)
    with h.open_app(Bank) as app:
        a = app.repository.get(acc.id)
        a.deposit(7, "late")
        app.save(a)
    qtbot.waitUntil(lambda: win.stream["last"] == 7, timeout=10000)
    qtbot.waitUntil(
        lambda: win.state_panel.result is not None and win.state_panel.result.version == 7,
        timeout=10000,
    )
    win.live_box.setChecked(False)
