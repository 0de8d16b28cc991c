"""Event list: a Changes column (what each event changed) and header clicks that sort where the
store can page in that order (and say why not elsewhere)."""

from __future__ import annotations

from typing import Any

from conftest import BankStore
from helpers import TIMEOUT, core_state, open_store, open_stream, wait_idle
from PySide6.QtCore import QPoint, Qt

from inspector.core.change_summary import summarize_changes
from inspector.core.diff import diff_values


def click_header(qtbot: Any, view: Any, column: int) -> None:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))


def test_changes_column_summarises_each_visible_event(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 150)
    panel = win.events_panel
    model = panel.model
    assert model.HEADERS[model.CHANGES] == "Changes"
    qtbot.waitUntil(lambda: panel.visible_range() is not None, timeout=TIMEOUT)
    lo, hi = panel.visible_range()
    assert hi - lo >= 5
    qtbot.waitUntil(
        lambda: all(v in model.summaries for v in range(lo, hi + 1)), timeout=TIMEOUT
    )
    wait_idle(qtbot, win)
    for v in range(max(lo, 2), hi + 1):
        before, after = core_state(win, bank.long_id, v - 1), core_state(win, bank.long_id, v)
        expected = summarize_changes(diff_values(before.state, after.state))
        assert expected != "(no change)"
        shown = model.data(model.index(model.row_of_version(v), model.CHANGES))
        assert shown == expected, v
    # a version far from the view has no summary yet: shown as pending, not computed
    far = win.stream["last"]
    assert far > hi + 50 and far not in model.summaries
    assert model.data(model.index(model.row_of_version(far), model.CHANGES)) == "…"


def test_event_list_sorts_by_version_both_ways_and_refuses_other_columns(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 120)
    panel, model = win.events_panel, win.events_panel.model
    first, last = win.stream["first"], win.stream["last"]
    assert model.version_of_row(0) == first
    click_header(qtbot, panel.view, 0)  # newest first
    assert model.descending and model.version_of_row(0) == last
    assert model.data(model.index(0, 0)) == last
    qtbot.waitUntil(lambda: model.event_at(0) is not None, timeout=TIMEOUT)
    assert model.event_at(0)["version"] == last
    row = model.row_of_version(first)
    assert row == model.rowCount() - 1
    qtbot.waitUntil(lambda: model.event_at(row) is not None, timeout=TIMEOUT)
    assert model.event_at(row)["version"] == first
    assert panel.current_version() == 120  # the selection follows its event
    assert panel.view.horizontalHeader().sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    click_header(qtbot, panel.view, 2)  # Type: the store cannot page in that order
    assert model.descending and model.version_of_row(0) == last
    assert "sorting by Type is not available" in panel.sort_note
    assert "pages events by version" in panel.view.horizontalHeader().toolTip()
    assert "not available" in win.statusBar().currentMessage()
    click_header(qtbot, panel.view, 0)  # back to oldest first
    assert not model.descending and model.version_of_row(0) == first
    assert panel.current_version() == 120


def test_streams_header_click_says_which_order_the_store_pages_in(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    open_store(qtbot, win, bank.location)
    panel = win.streams_panel
    ids = [r["id"] for r in panel.model.rows]
    assert ids == sorted(ids)
    click_header(qtbot, panel.view, 1)
    assert "sorting by Version is not available" in panel.sort_note
    assert "pages streams by id" in panel.view.horizontalHeader().toolTip()
    click_header(qtbot, panel.view, 0)
    assert "Stream descending is not available" in panel.sort_note
    assert [r["id"] for r in panel.model.rows] == ids
