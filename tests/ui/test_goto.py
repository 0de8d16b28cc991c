"""Go to stream (Ctrl+L) completes an id's beginning from the store; Enter opens it."""

from __future__ import annotations

from typing import Any

from conftest import BankStore
from helpers import TIMEOUT, open_store
from PySide6.QtCore import Qt


def unique_prefix(ids: list[str], target: str) -> str:
    for n in range(3, len(target)):
        if sum(i.startswith(target[:n]) for i in ids) == 1:
            return target[:n]
    return target


def test_goto_completes_a_prefix_and_opens_the_stream(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    open_store(qtbot, win, bank.location)
    target = sorted(bank.ids)[5]
    prefix = unique_prefix(bank.ids, target)
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert win.goto_edit.hasFocus()
    qtbot.keyClicks(win.goto_edit, prefix)
    qtbot.waitUntil(lambda: target in win.goto.completions(), timeout=TIMEOUT)
    assert all(i.startswith(prefix) for i in win.goto.completions())
    assert win.goto.resolve(prefix) == target
    win.goto.entered()
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == target,
                    timeout=TIMEOUT)
    # a shorter, shared beginning lists several ids, all of the store's
    win.goto_edit.setText(target[:1])
    win.goto.query()
    qtbot.waitUntil(lambda: len(win.goto.completions()) > 1, timeout=TIMEOUT)
    assert set(win.goto.completions()) <= set(bank.ids)
    assert win.goto.resolve(target[:1]) == target[:1]  # ambiguous: left as typed


def test_goto_takes_the_demo_stream_names(qtbot: Any, win: Any, bank: BankStore) -> None:
    """On the demo the status line says: try "ledger operating account", ...; the Go-to box
    takes those names (or a unique part) as `--stream` does; a hex beginning stays an id."""
    target = sorted(bank.ids)[7]
    win.demo_streams = (bank.location, {"ledger operating account": target,
                                        "order delivered": bank.ids[0]})
    open_store(qtbot, win, bank.location)
    win.goto_edit.setText("ledger")
    win.goto.entered()
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == target,
                    timeout=TIMEOUT)
    assert win.demo_stream_for("de") == "de"  # could be an id's beginning: not a name
    assert win.demo_stream_for("Order Delivered") == bank.ids[0]
    win.demo_streams = ("elsewhere.db", win.demo_streams[1])  # another store: names mean nothing
    assert win.demo_stream_for("ledger") == "ledger"
