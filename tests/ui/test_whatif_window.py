"""The window's what-if entry points (events right-click) and the panels' jumps to an event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import BankStore
from helpers import TIMEOUT, open_store, open_stream

from inspector.core.whatif import whatif

HERE = Path(__file__).parent


def test_whatif_from_the_events_list_and_jump(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id, 150)
    ev = win.events_panel
    act = next(a for a in ev.context_actions(ev.model.row_of_version(150))
               if a.objectName() == "whatif-skip")
    act.trigger()
    panel = win.extra_panels["What-if"].panel()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=TIMEOUT)
    assert panel.result == whatif(win.session.replayer, bank.long_id, skip=[150])
    assert win.right_tabs.currentWidget() is win.extra_panels["What-if"]
    # a panel's jump opens the stream at that version
    panel.eventActivated.emit(bank.long_id, 7)
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == bank.long_id
                    and win.version == 7, timeout=TIMEOUT)
    # "edit" prepares the edit of that version
    open_stream(qtbot, win, bank.long_id, 20)
    next(a for a in ev.context_actions(ev.model.row_of_version(20))
         if a.objectName() == "whatif-edit").trigger()
    assert panel.edit_version.value() == 20
