"""Opening another store leaves nothing of the previous one: filters, panels, caches, messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import BankStore, build_bank
from helpers import TIMEOUT, open_store, open_stream, wait_idle


def test_every_panel_belongs_to_the_open_store(
    qtbot: Any, win: Any, bank: BankStore, tmp_path: Path
) -> None:
    other = build_bank(tmp_path, filename="other.db", n_accounts=7)

    # Store A: a type filter that matches nothing, a prefix, a stream, a find, a dry run.
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 150)
    sp = win.streams_panel
    sp.type_box.setEditText("NoSuchType")
    sp.apply_filter()
    qtbot.waitUntil(lambda: sp.model.exhausted and not sp.model.pending, timeout=TIMEOUT)
    assert sp.model.rows == [] and "No stream matches" in sp.stack.message()

    win.find_panel.scope.setCurrentIndex(1)
    win.find_panel.query.setText("salary")
    win.find_panel.start()
    qtbot.waitUntil(lambda: win.find_panel.last_result is not None, timeout=TIMEOUT)
    assert win.find_panel.model.rows

    snaps = win.extra_panels["Snapshots"].panel()
    qtbot.waitUntil(lambda: len(snaps.rows) == len(bank.snapshot_versions), timeout=TIMEOUT)
    proj = win.extra_panels["Projections"].panel()
    with qtbot.waitSignal(proj.rebuildFinished, timeout=30_000):
        proj.dry_run()
    assert proj.output.toPlainText() and proj.result is not None
    assert proj.progress.value() > 0
    win.statusBar().showMessage(f"about {bank.long_id}")
    wait_idle(qtbot, win)

    # Store B.
    open_store(qtbot, win, other.location)
    qtbot.waitUntil(lambda: sp.model.exhausted and not sp.model.pending, timeout=TIMEOUT)
    wait_idle(qtbot, win)

    # streams: no filter of A, every stream of B listed, the count says so
    assert sp.type_box.currentText() == "" and sp.prefix.text() == ""
    assert (sp.model.prefix, sp.model.type_filter) == (None, None)
    assert sorted(r["id"] for r in sp.model.rows) == sorted(other.ids)
    assert sp.count.text().startswith(f"{len(other.ids)} shown")
    assert sp.stack.message() == ""
    # nothing of A's stream
    assert win.stream is None and win.version is None and win.state_result is None
    assert win.events_panel.model.rowCount() == 0
    assert win.state_panel.result is None
    assert not win._state_cache and not win._changes_cache
    assert win.statusBar().currentMessage() == ""
    assert win.mode_label.text() == "" and win.goto_edit.text() == ""
    # find: A's results are gone
    fp = win.find_panel
    assert fp.model.rows == [] and fp.last_result is None and not fp.more_btn.isEnabled()
    # snapshots: no stream, no rows of A
    assert snaps.stream is None and snaps.rows == [] and snaps.table.rowCount() == 0
    assert snaps.detail.toPlainText() == ""
    assert snaps.store is win.session.store
    # projections: A's dry run, progress and chart are gone; the list is B's
    assert proj.result is None and proj.output.toPlainText() == ""
    assert proj.progress.value() == 0 and proj.progress_label.text() == ""
    assert proj.plot is None or not proj.plot.getPlotItem().listDataItems()
    assert proj.store is win.session.store
    assert all(e.get("head") in (None, win.session.store.max_position()) for e in proj.entries)
    # write mode is off for the new store
    assert win.ro_badge.text() == "READ-ONLY"
    assert not any(getattr(p, "write_enabled", False) for p in win.extra_panels.values())
    # the log lists B's events only
    win.left_tabs.setCurrentWidget(win.log_panel)
    qtbot.waitUntil(lambda: len(win.log_panel.model.rows) > 0, timeout=TIMEOUT)
    assert {r["stream"] for r in win.log_panel.model.rows} <= set(other.ids)
