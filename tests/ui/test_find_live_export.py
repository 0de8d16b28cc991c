"""Find (Ctrl+F), Live mode with an event appended by the library, exports read back."""

from __future__ import annotations

import csv
import json
import uuid
from pathlib import Path
from typing import Any

from cli_runner import run_cli
from conftest import HERE, BankStore, build_bank
from helpers import open_store, open_stream, wait_changes, wait_state
from PySide6.QtCore import Qt
from uidomain import Bank


def library_events(bank: BankStore) -> list[Any]:
    with bank.handle.open_app(Bank) as app:
        return [
            app.mapper.to_domain_event(n)
            for n in app.recorder.select_notifications(start=1, limit=10_000)
        ]


def test_find_path_value_across_the_log(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    fp = win.find_panel
    assert win.find_dock.isVisible() and fp.query.hasFocus()
    fp.scope.setCurrentIndex(1)  # global log
    qtbot.keyClicks(fp.query, "memo = salary 3")
    qtbot.keyClick(fp.query, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: fp.last_result is not None, timeout=10000)
    want = {
        (str(e.originator_id), e.originator_version)
        for e in library_events(bank)
        if getattr(e, "memo", None) == "salary 3"
    }
    got = {(r["stream"], r["version"]) for r in fp.model.rows}
    assert got == want and len(want) > 1
    assert "end reached" in fp.status.text()
    # activating a result opens its stream at that version
    fp.table.setCurrentIndex(fp.model.index(0, 0))
    fp._activated(fp.model.index(0, 0))
    first = fp.model.rows[0]
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == first["stream"])
    wait_state(qtbot, win, first["version"])


def test_find_text_and_type_in_stream_with_cap_and_continue(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 1)
    win.show_find()
    fp = win.find_panel
    assert fp.scope.currentIndex() == 0  # this stream
    fp.type_edit.setText("Tagged")
    fp.query.setText("tag-1")
    fp.start()
    qtbot.waitUntil(lambda: fp.last_result is not None, timeout=10000)
    want = [
        e.originator_version
        for e in library_events(bank)
        if str(e.originator_id) == bank.long_id
        and type(e).__name__ == "Tagged"
        and "tag-1" in e.tag
    ]
    assert [r["version"] for r in fp.model.rows] == want
    # a small cap: the scan stops, says so, and Continue picks up where it stopped
    from inspector.ui.find import FindQuery

    q = FindQuery("coffee", "", bank.long_id, cap=100)
    fp.last_query = q
    fp.last_result = None
    fp.model.set_rows([])
    win._find(q, False)
    qtbot.waitUntil(lambda: fp.last_result is not None, timeout=10000)
    assert fp.last_result.capped and fp.more_btn.isEnabled()
    assert "cap" in fp.status.text()
    first_batch = len(fp.model.rows)
    assert all(r["version"] <= 100 for r in fp.model.rows)
    fp.more_btn.click()
    qtbot.waitUntil(
        lambda: fp.last_result is not None and fp.last_result.cursor == 200, timeout=10000
    )
    assert len(fp.model.rows) > first_batch
    assert all("coffee" in r["data"]["memo"] for r in fp.model.rows)


def test_live_mode_shows_event_appended_by_the_library(
    qtbot: Any, win: Any, tmp_path: Path
) -> None:
    bank = build_bank(tmp_path, filename="live.db")
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id)
    assert win.version == 300
    win.left_tabs.setCurrentWidget(win.log_panel)  # the log is read once its tab shows
    log = win.log_panel.model
    qtbot.waitUntil(lambda: len(log.rows) > 0)
    while log.canFetchMore():
        log.fetchMore()
        qtbot.waitUntil(lambda: not log.pending)
    before = len(log.rows)
    win.live_timer.setInterval(100)
    win.live_box.setChecked(True)
    with bank.handle.open_app(Bank) as app:
        acc = app.repository.get(uuid.UUID(bank.long_id))
        acc.deposit(12345, "while you were watching")
        app.save(acc)
    qtbot.waitUntil(lambda: win.stream["last"] == 301, timeout=10000)
    wait_state(qtbot, win, 301)  # it was at the end, so it follows
    assert win.state_panel.state()["last_memo"] == "while you were watching"
    assert win.events_panel.model.rowCount() == 301
    qtbot.waitUntil(lambda: len(log.rows) == before + 1, timeout=10000)
    assert log.rows[-1]["data"]["memo"] == "while you were watching"
    qtbot.waitUntil(
        lambda: win.timeline.times is not None and len(win.timeline.times) == 301, timeout=10000
    )
    assert win.timeline.slider.maximum() == 301
    win.live_box.setChecked(False)
    assert not win.live_timer.isActive()


def test_exports_read_back(qtbot: Any, win: Any, bank: BankStore, tmp_path: Path) -> None:
    open_store(qtbot, win, bank.location)
    sid = bank.ids[3]
    open_stream(qtbot, win, sid)
    wait_changes(qtbot, win, win.version)
    out = {k: tmp_path / f"x.{k}" for k in ("events", "csv", "state", "diff")}
    for what, path in out.items():
        win.export(what, str(path))
        qtbot.waitUntil(lambda: not win.runner.is_busy("export"), timeout=10000)
    cli = run_cli("events", bank.location, sid, "--json")
    assert cli.code == 0, cli.err
    exported = json.loads(out["events"].read_text())
    assert [
        {k: e[k] for k in ("position", "stream", "version", "topic", "timestamp", "data", "error")}
        for e in exported
    ] == [
        {k: e[k] for k in ("position", "stream", "version", "topic", "timestamp", "data", "error")}
        for e in cli.json()
    ]
    with out["csv"].open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["version"]) for r in rows] == [e["version"] for e in exported]
    assert [r["topic"] for r in rows] == [e["topic"] for e in exported]
    state = json.loads(out["state"].read_text())
    assert state == json.loads(json.dumps(win.state_result.to_json()))
    assert state["stream"] == sid and state["version"] == win.stream["last"]
    diff = json.loads(out["diff"].read_text())
    assert diff["to"] == win.version
    assert diff["changes"] == json.loads(json.dumps(win.event_changes))
