"""Main window browsing: lazy filtered streams, events, keyboard, slider, diff, blame, timeline."""

from __future__ import annotations

from typing import Any

from conftest import HERE, BankStore
from helpers import core_state, open_store, open_stream, wait_changes, wait_state
from PySide6.QtCore import QPoint, QPointF, Qt
from uidomain import Bank

from inspector.core.normalise import normalise
from inspector.ui.models.json_tree import PATH_ROLE


def library_state(bank: BankStore, stream: str, version: int) -> dict[str, Any]:
    """The oracle: the library's own Repository.get at that version."""
    import uuid

    with bank.handle.open_app(Bank) as app:
        agg = app.repository.get(uuid.UUID(stream), version=version)
        return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


def test_streams_lazy_pages_and_counts(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    model = win.streams_panel.model
    assert len(model.rows) == 200  # the first page only
    assert model.canFetchMore()
    win.streams_panel.view.scrollToBottom()  # the view asks for more
    qtbot.waitUntil(lambda: len(model.rows) == len(bank.ids), timeout=10000)
    assert [r["id"] for r in model.rows] == sorted(bank.ids)
    assert not model.canFetchMore()
    assert all(r["type"] == "uidomain:Account" for r in model.rows)
    qtbot.waitUntil(lambda: "260 streams" in win.streams_panel.count.text())
    assert "READ-ONLY" in win.conn_status.text() and win.ro_badge.isVisible()


def test_filter_by_prefix_and_type(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    panel = win.streams_panel
    prefix = bank.ids[5][:2]
    qtbot.keyClicks(panel.prefix, prefix)
    want = sorted(i for i in bank.ids if i.startswith(prefix))
    qtbot.waitUntil(lambda: [r["id"] for r in panel.model.rows] == want, timeout=10000)
    panel.prefix.clear()
    panel.type_box.setEditText("NoSuchType")
    qtbot.waitUntil(
        lambda: panel.model.type_filter == "NoSuchType" and not panel.model.pending, timeout=10000
    )
    assert panel.model.rows == []
    assert "No stream matches" in panel.stack.message()
    panel.type_box.setEditText("Account")
    qtbot.waitUntil(
        lambda: panel.model.type_filter == "Account" and len(panel.model.rows) == 200, timeout=10000
    )


def test_select_stream_event_detail_and_keyboard(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    view = win.streams_panel.view
    while win.streams_panel.model.row_of(bank.long_id) < 0:  # scroll until its page is loaded
        n = len(win.streams_panel.model.rows)
        view.scrollToBottom()
        qtbot.waitUntil(lambda n=n: len(win.streams_panel.model.rows) > n)
    row = win.streams_panel.model.row_of(bank.long_id)
    view.scrollTo(win.streams_panel.model.index(row, 0))
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=view.visualRect(win.streams_panel.model.index(row, 0)).center(),
    )
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == bank.long_id)
    wait_state(qtbot, win, 300)
    assert win.state_result.mode == "domain"
    assert win.events_panel.current_version() == 300
    qtbot.waitUntil(
        lambda: win.detail.current_event is not None and win.detail.current_event["version"] == 300
    )
    ev = win.detail.current_event
    assert ev["error"] is None and ev["topic"].startswith("uidomain:Account.")
    ev_view = win.events_panel.view
    ev_view.setFocus()
    qtbot.keyClick(ev_view, Qt.Key.Key_Up)
    wait_state(qtbot, win, 299)
    qtbot.keyClick(ev_view, Qt.Key.Key_Home)
    wait_state(qtbot, win, 1)
    assert win.state_panel.state()["owner"] == "Long Runner"
    qtbot.keyClick(ev_view, Qt.Key.Key_Down)
    wait_state(qtbot, win, 2)
    qtbot.keyClick(ev_view, Qt.Key.Key_PageDown)
    qtbot.waitUntil(lambda: (win.version or 0) > 3)
    wait_state(qtbot, win, win.version)
    qtbot.keyClick(ev_view, Qt.Key.Key_End)
    wait_state(qtbot, win, 300)
    assert win.state_panel.state() == library_state(bank, bank.long_id, 300)
    # the detail pane follows the selection with the decoded payload
    qtbot.waitUntil(lambda: win.detail.current_event["version"] == 300)
    assert "timestamp" in win.detail.current_event["data"]


def test_slider_moves_event_selection_and_state(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id)
    for v in (123, 7, 250):
        win.timeline.slider.setValue(v)
        wait_state(qtbot, win, v)
        assert win.events_panel.current_version() == v
        assert win.timeline.jump.value() == v
        assert win.state_panel.state() == core_state(win, bank.long_id, v).state
        assert win.state_panel.state() == library_state(bank, bank.long_id, v)
    # changed paths of the event at 250 are highlighted in the state tree
    wait_changes(qtbot, win, 250)
    assert win.event_changes == win.session.replayer.event_changes(bank.long_id, 250)
    hl = win.state_panel.tree.json_model.highlights
    assert ("_version",) in hl
    assert set(hl) == {tuple(c["path"]) for c in win.event_changes if c["op"] != "remove"}


def test_play_and_step_buttons(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 10)
    win.timeline.fwd_btn.click()
    wait_state(qtbot, win, 11)
    win.timeline.back_btn.click()
    wait_state(qtbot, win, 10)
    win.timeline.speed.setCurrentIndex(win.timeline.speed.count() - 1)
    win.timeline.play_btn.click()
    qtbot.waitUntil(lambda: (win.version or 0) >= 14, timeout=5000)
    win.timeline.play_btn.click()
    assert not win.timeline.playing()
    stopped = win.version
    wait_state(qtbot, win, stopped)
    win.timeline.jump.setValue(42)
    wait_state(qtbot, win, 42)
    win.timeline.last_btn.click()
    wait_state(qtbot, win, 300)


def test_timeline_plot_and_snapshot_markers(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 5)
    tl = win.timeline
    qtbot.waitUntil(lambda: tl.times is not None, timeout=10000)
    assert len(tl.times) == 300
    assert tl.snapshot_versions == bank.snapshot_versions
    # click on the plotted point of version 150: the window jumps there
    import numpy as np

    assert not np.isnan(tl.times).any()
    vb = tl.plot.getPlotItem().vb
    tl.plot.getPlotItem().setRange(
        xRange=(tl.times[140], tl.times[160]), yRange=(140, 160), padding=0
    )
    qtbot.wait(50)
    scene_pt = vb.mapViewToScene(QPointF(float(tl.times[150 - 1]), 150.0))
    view_pt = tl.plot.mapFromScene(scene_pt)
    qtbot.mouseClick(
        tl.plot.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(int(view_pt.x()), int(view_pt.y())),
    )
    qtbot.waitUntil(lambda: win.version is not None and abs(win.version - 150) <= 1, timeout=5000)
    wait_state(qtbot, win, win.version)


def test_diff_of_two_picked_versions(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id, 60)
    wait_changes(qtbot, win, 60)
    dp = win.diff_panel
    # the event's own diff first
    win.right_tabs.setCurrentWidget(dp)
    assert dp.model.rows == win.event_changes and dp.model.rows
    dp.between.setChecked(True)
    dp.from_box.setValue(10)
    dp.to_box.setValue(95)
    dp.compare.click()
    qtbot.waitUntil(lambda: win.diff is not None and win.diff.get("from") == 10, timeout=10000)
    expected = win.session.replayer.diff(bank.long_id, 10, 95)
    assert dp.model.rows == expected["changes"]
    paths = {tuple(c["path"]) for c in dp.model.rows}
    assert ("balance",) in paths and ("_version",) in paths
    old = library_state(bank, bank.long_id, 10)["balance"]
    new = library_state(bank, bank.long_id, 95)["balance"]
    change = next(c for c in dp.model.rows if c["path"] == ["balance"])
    assert (change["old"], change["new"]) == (old, new)
    # picking both ends from the events list (right-click menu) runs the same comparison
    ev = win.events_panel
    next(
        a for a in ev.context_actions(ev.model.row_of_version(95)) if a.objectName() == "diff-from"
    ).trigger()
    next(
        a for a in ev.context_actions(ev.model.row_of_version(10)) if a.objectName() == "diff-to"
    ).trigger()
    qtbot.waitUntil(lambda: win.diff is not None and win.diff.get("from") == 95, timeout=10000)
    reverse = win.diff_panel.model.rows
    assert {tuple(c["path"]) for c in reverse} == {tuple(c["path"]) for c in expected["changes"]}
    assert next(c for c in reverse if c["path"] == ["balance"])["new"] == old


def test_blame_from_state_context_menu(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id, 40)
    tree = win.state_panel.tree
    idx = tree.json_model.index_of_path(("balance",))
    assert idx.isValid() and idx.data(PATH_ROLE) == ["balance"]
    actions = tree.context_actions(idx)
    blame = next(a for a in actions if a.objectName() == "blame")
    blame.trigger()
    qtbot.waitUntil(lambda: bool(win.blame_panel.model.rows), timeout=10000)
    assert win.right_tabs.currentWidget() is win.blame_panel
    rows = win.blame_panel.model.rows
    expected = win.session.replayer.blame(bank.long_id, ["balance"])
    assert [r["version"] for r in rows] == [r["version"] for r in expected]
    # every listed version really changed the balance, per the library
    v = rows[3]["version"]
    assert library_state(bank, bank.long_id, v)["balance"] == rows[3]["new"]
    assert library_state(bank, bank.long_id, v - 1)["balance"] == rows[3]["old"]
    # double-click a row: go to that version
    win.blame_panel._activated(win.blame_panel.model.index(3, 0))
    wait_state(qtbot, win, v)


def test_global_log_tab_opens_stream_at_version(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    win.left_tabs.setCurrentWidget(win.log_panel)
    lm = win.log_panel.model
    qtbot.waitUntil(lambda: len(lm.rows) == 200, timeout=10000)
    assert [r["position"] for r in lm.rows] == list(range(1, 201))
    win.log_panel.view.scrollToBottom()
    qtbot.waitUntil(lambda: len(lm.rows) > 200, timeout=10000)
    target = lm.rows[120]
    win.log_panel.view.setCurrentIndex(lm.index(120, 0))
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == target["stream"])
    wait_state(qtbot, win, target["version"])


def test_go_to_stream_with_ctrl_l(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.goto_edit.hasFocus()
    target = bank.ids[7].replace("-", "")  # any common form
    qtbot.keyClicks(win.goto_edit, target)
    qtbot.keyClick(win.goto_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == bank.ids[7])
    wait_state(qtbot, win, win.stream["last"])
    qtbot.keyClicks(win.goto_edit, "no-such-stream")
    qtbot.keyClick(win.goto_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.banner.isVisible())
    assert "no-such-stream" in win.banner.text.text()
    assert win.stream["id"] == bank.ids[7]  # still there
