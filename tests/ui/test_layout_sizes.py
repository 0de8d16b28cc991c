"""The window at 1024x700, 1440x900 and 1920x1080: nothing cut, nothing pushed off screen.

Each check measures what a person would see (column edges against the viewport, rows of the
event list, a button's width against its text) rather than a widget's own idea of its size.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import BankStore
from helpers import TIMEOUT, open_store, open_stream, wait_idle
from PySide6.QtWidgets import QApplication

from inspector.ui.format import hex_line_chars
from inspector.ui.widgets.columns import selected_text
from inspector.ui.widgets.time_axis import context_labels

SIZES = [(1024, 700), (1440, 900), (1920, 1080)]


def right_edge(view: Any, col: int) -> int:
    return view.columnViewportPosition(col) + view.columnWidth(col)


def assert_columns_fit(view: Any, whole: tuple[int, ...] = ()) -> None:
    """Every column starts on screen; the ``whole`` ones are as wide as their content."""
    width = view.viewport().width()
    n = view.model().columnCount()
    assert right_edge(view, n - 1) <= width + 1, [view.columnWidth(c) for c in range(n)]
    for c in whole:
        assert view.columnWidth(c) >= view.sizeHintForColumn(c) - 1, (c, view.columnWidth(c))


def rows_visible(view: Any) -> float:
    return view.viewport().height() / max(1, view.rowHeight(0))


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_layout_at_common_screen_sizes(
    qtbot: Any, win: Any, bank: BankStore, size: tuple[int, int]
) -> None:
    win.resize(*size)
    win._splits_restored = False
    win.split_proportionally()
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 150)
    wait_idle(qtbot, win)
    QApplication.processEvents()

    # streams: id elided in the middle, version and type whole, all three on screen
    sv = win.streams_panel.view
    assert_columns_fit(sv, whole=(1, 2))
    assert sv.columnWidth(0) >= 90
    win.streams_panel.select_stream(sv.model().rows[0]["id"])  # highlight, not open
    assert selected_text(sv).split("\t")[0] == sv.model().rows[0]["id"]  # copy: the full id

    # event list: from 1440 px on, the Changes column has room to be read
    if size[0] >= 1440:
        ev = win.events_panel.view
        assert_columns_fit(ev)
        assert ev.columnWidth(4) >= 120, [ev.columnWidth(c) for c in range(5)]

    # global log: time and type never cut
    win.left_tabs.setCurrentWidget(win.log_panel)
    qtbot.waitUntil(lambda: len(win.log_panel.model.rows) > 0, timeout=TIMEOUT)
    QApplication.processEvents()
    lv = win.log_panel.view
    assert lv.columnWidth(4) >= lv.sizeHintForColumn(4) - 1  # Time
    assert lv.columnWidth(3) >= min(190, lv.sizeHintForColumn(3)) - 1  # Type
    win.left_tabs.setCurrentIndex(0)

    # diff: After is on screen
    win.right_tabs.setCurrentWidget(win.diff_panel)
    qtbot.waitUntil(lambda: win.diff_panel.model.rowCount() > 0, timeout=TIMEOUT)
    QApplication.processEvents()
    assert_columns_fit(win.diff_panel.table)

    # snapshots: no clipped button, title-case headers
    win.right_tabs.setCurrentWidget(win.extra_panels["Snapshots"])
    snaps = win.extra_panels["Snapshots"].panel()
    qtbot.waitUntil(lambda: len(snaps.rows) == len(bank.snapshot_versions), timeout=TIMEOUT)
    QApplication.processEvents()
    for b in (snaps.refresh_btn, snaps.verify_btn, snaps.take_btn, snaps.delete_btn,
              snaps.write_btn):
        assert b.width() >= b.sizeHint().width() - 1, b.text()
    heads = [snaps.table.horizontalHeaderItem(i).text() for i in range(5)]
    assert heads == ["Version", "Timestamp", "Size", "OK", "Differences"]

    # event list: Ctrl+F keeps rows of the list on screen
    before = rows_visible(win.events_panel.view)
    win.show_find()
    qtbot.waitUntil(lambda: win.find_dock.isVisible(), timeout=TIMEOUT)
    qtbot.wait(50)
    QApplication.processEvents()
    after = rows_visible(win.events_panel.view)
    assert after >= (4 if size[1] <= 700 else 8), (before, after)
    win.find_dock.hide()

    # the hex dump's rows fit the Raw bytes view (its ASCII column is never clipped)
    win.detail.tabs.setCurrentWidget(win.detail.hex)
    QApplication.processEvents()
    fm = win.detail.hex.fontMetrics()
    columns = (win.detail.hex.viewport().width() - 8) // fm.horizontalAdvance("0")
    line = win.detail.hex.toPlainText().splitlines()[0]
    assert len(line) == hex_line_chars(win.detail.hex_per_line()) <= columns


def test_projections_panel_grid_progress_and_labels(qtbot: Any, win: Any, bank: BankStore) -> None:
    win.resize(1024, 700)
    open_store(qtbot, win, bank.location)
    win.right_tabs.setCurrentWidget(win.extra_panels["Projections"])
    proj = win.extra_panels["Projections"].panel()
    wait_idle(qtbot, win)
    # nothing run yet: sentences, not empty boxes
    assert proj.result_stack.message() and proj.plot_stack.message()
    with qtbot.waitSignal(proj.rebuildFinished, timeout=30_000) as sig:
        proj.dry_run()
    result = sig.args[0]
    assert result["status"] == "done"
    assert proj.progress.value() == proj.progress.maximum()  # done is 100 %, never 99 %
    # the status line ("dry ...: done, N events in S s; position P of H") wraps, never cut
    QApplication.processEvents()
    lbl = proj.progress_label
    assert lbl.fontMetrics().horizontalAdvance(lbl.text()) > lbl.width()  # longer than one line
    assert lbl.height() >= lbl.heightForWidth(lbl.width()) > lbl.fontMetrics().height()
    diffs = result["differences"]
    grid = proj.result_table
    assert grid.rowCount() == len(diffs) > 0 and proj.result_stack.message() == ""
    for i, (table, d) in enumerate(diffs.items()):
        assert grid.item(i, 0).text() == table
        assert grid.item(i, 1).text() == f"{d['live_rows']:,}"
        assert grid.item(i, 3).text() == ("same" if d["same"] else "DIFFERENT")
    QApplication.processEvents()
    assert_columns_fit(grid)
    heads = [proj.table.horizontalHeaderItem(i).text() for i in range(6)]
    assert heads == ["Name", "Table", "Upstream", "Position", "Head", "Lag"]


def test_play_button_does_not_move_its_neighbours(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 1)
    tl = win.timeline
    QApplication.processEvents()
    x_fwd, w_play = tl.fwd_btn.x(), tl.play_btn.width()
    tl.set_playing(True)
    QApplication.processEvents()
    assert (tl.fwd_btn.x(), tl.play_btn.width()) == (x_fwd, w_play)
    tl.set_playing(False)


def test_time_axis_labels_carry_their_context() -> None:
    t0 = 1_790_000_000.0  # 2026-09-21
    days = context_labels([t0, t0 + 86400 * 5], 86400 * 5)
    assert all(len(s.split()) == 2 for s in days)  # "Sep 21": month and day
    hours = context_labels([t0, t0 + 3600, t0 + 7200], 3600)
    assert len(hours[0].split()) == 3 and len(hours[1].split()) == 1  # the first has the date
    ms = context_labels([t0, t0 + 0.1], 0.1)
    assert ms[0].count(":") == 2 and "." in ms[0]
