"""Fixes from the layout review: full values on copy, theme colours, narrow-window fits."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from inspector.ui.widgets.blame_panel import BlamePanel
from inspector.ui.widgets.columns import selected_text
from inspector.ui.widgets.diff_panel import DiffPanel

LONG = {"note": "x" * 500, "items": list(range(100))}


def test_diff_and_blame_copy_the_full_value(qtbot: Any) -> None:
    import json

    full = json.dumps(LONG, ensure_ascii=False)
    diff = DiffPanel()
    qtbot.addWidget(diff)
    diff.show_diff({"changes": [{"path": ["a"], "op": "change", "old": "y" * 400, "new": LONG}]},
                   "v1 → v2")
    diff.table.selectRow(0)
    cells = selected_text(diff.table).split("\t")
    assert cells[2] == "y" * 400 and cells[3] == full
    assert diff.model.index(0, 3).data().endswith("…")  # the cell itself stays one short line

    blame = BlamePanel()
    qtbot.addWidget(blame)
    blame.show_blame(["a"], {"changes": [{"version": 2, "timestamp": None, "topic": "m:T",
                                          "old": None, "new": LONG}], "mode": "typed"})
    blame.table.selectRow(0)
    assert selected_text(blame.table).split("\t")[4] == full
    QApplication.processEvents()


def test_message_colours_follow_the_theme(qtbot: Any) -> None:
    from PySide6.QtGui import QColor, QPalette

    from inspector.ui.app import dark_palette
    from inspector.ui.widgets.common import MessageBanner
    from inspector.ui.widgets.event_detail import EventDetail

    app = QApplication.instance()
    light = app.palette()
    banner = MessageBanner()
    detail = EventDetail()
    qtbot.addWidget(banner)
    qtbot.addWidget(detail)

    def background(w: Any) -> QColor:
        css = w.styleSheet()
        return QColor(css.split("background:")[1].split(";")[0].strip())

    try:
        app.setPalette(dark_palette())
        QApplication.processEvents()
        banner.show_message("boom", "error")
        window = dark_palette().color(QPalette.ColorRole.Window)
        for w in (banner, detail.error):
            assert background(w).lightness() < 128 > window.lightness(), w.styleSheet()
        app.setPalette(light)
        QApplication.processEvents()
        for w in (banner, detail.error):  # switched back without being shown again
            assert background(w).lightness() >= 128, w.styleSheet()
    finally:
        app.setPalette(light)


def test_event_list_fits_a_1024_window_with_a_compact_time(
    qtbot: Any, win: Any, bank: Any
) -> None:
    from helpers import open_store, open_stream, wait_idle
    from PySide6.QtCore import Qt

    from inspector.ui.format import compact_times
    from inspector.ui.widgets.columns import CompactTimeDelegate

    win.resize(1024, 700)
    win._splits_restored = False
    win.split_proportionally()
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 150)
    wait_idle(qtbot, win)
    QApplication.processEvents()
    ev = win.events_panel.view
    n = ev.model().columnCount()
    right = ev.columnViewportPosition(n - 1) + ev.columnWidth(n - 1)
    assert right <= ev.viewport().width() + 1, [ev.columnWidth(c) for c in range(n)]
    assert ev.horizontalScrollBar().maximum() == 0
    ix = ev.model().index(ev.currentIndex().row(), 1)
    full = ix.data()
    assert len(full) >= 23 and full in ix.data(Qt.ItemDataRole.ToolTipRole)  # whole in tooltip
    ev.selectRow(ix.row())
    assert selected_text(ev).split("\t")[1] == full  # and on copy
    shown = CompactTimeDelegate.shown_text(full, ev.fontMetrics(), ev.columnWidth(1))
    assert ev.fontMetrics().horizontalAdvance(shown) <= ev.columnWidth(1) - 10
    assert shown in compact_times(full)  # narrow: drawn compact ("11-27 03:04:05", "03:04:05")


def test_right_hand_tabs_fit_at_1440_without_scroll_arrows(qtbot: Any, win: Any) -> None:
    win.resize(1440, 900)
    win._splits_restored = False
    win.split_proportionally()
    win.show()
    QApplication.processEvents()
    tabs = win.right_tabs
    bar = tabs.tabBar()
    assert tabs.count() >= 8  # State, Diff, Blame + the five optional panels
    need = sum(bar.tabSizeHint(i).width() for i in range(bar.count()))
    assert need <= bar.width(), (need, bar.width())
    labels = [tabs.tabText(i) for i in range(tabs.count())]
    i = labels.index("Storage")  # the short label; its tooltip has the full name
    assert "Types/Storage" in tabs.tabToolTip(i)
    assert tabs.widget(i) is win.extra_panels["Types/Storage"]


def test_projections_panel_is_not_wider_than_its_tab_at_1024(
    qtbot: Any, win: Any, bank: Any
) -> None:
    from helpers import TIMEOUT, open_store, wait_idle

    win.resize(1024, 700)
    win._splits_restored = False
    win.split_proportionally()
    open_store(qtbot, win, bank.location)
    win.right_tabs.setCurrentWidget(win.extra_panels["Projections"])
    proj = win.extra_panels["Projections"].panel()
    wait_idle(qtbot, win)
    qtbot.waitUntil(lambda: proj.combo.count() > 0, timeout=TIMEOUT)
    QApplication.processEvents()
    space = win.right_tabs.currentWidget().width()
    assert proj.minimumSizeHint().width() <= space, (proj.minimumSizeHint().width(), space)
    for b in (proj.cancel_btn, proj.write_btn, proj.rebuild_btn):  # every button on screen
        right = b.mapTo(win.right_tabs, b.rect().topRight()).x()
        assert right < win.right_tabs.width(), b.text()


def test_state_tree_value_column_ends_on_screen_and_copies_whole(qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication

    from inspector.ui.widgets.json_view import JsonView

    view = JsonView()
    qtbot.addWidget(view)
    view.resize(360, 200)
    view.show()
    long = "a31c3eeb-1437-4293-861c-47b0fe567e48" * 3
    view.set_value({"_id": long, "n": 1})
    QApplication.processEvents()
    assert view.columnViewportPosition(1) + view.columnWidth(1) <= view.viewport().width() + 1
    assert view.horizontalScrollBar().maximum() == 0  # the last column stretches, never scrolls
    ix = view.json_model.index(0, 1)
    assert long in ix.data(Qt.ItemDataRole.ToolTipRole)
    view.setCurrentIndex(ix)
    assert view.copy_value() == long == QGuiApplication.clipboard().text()
