"""The window on hostile data (issue 9 sections 3 and 5): values nested to any depth, and rows
whose columns hold what the library never writes. Stores are written by the real library, then
single rows are UPDATEd."""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import TIMEOUT, open_store, open_stream, wait_idle, wait_state
from storefactory import store_env

DOMAINS = str(Path(__file__).resolve().parent.parent / "domains")
sys.path.insert(0, DOMAINS)


def _vaults(tmp_path: Path, streams: int, grows: int) -> tuple[str, list[str]]:
    from eidomain.values import Vault, Vaults

    h = store_env("sqlite", tmp_path=tmp_path)
    ids = []
    with h.open_app(Vaults) as app:
        for i in range(streams):
            v = Vault(2**64 + i)
            for k in range(grows):
                v.grow(k)
            app.save(v)
            ids.append(str(v.id))
    return h.location, ids


def _no_error(win: Any) -> None:
    text = win.banner.text.text() if win.banner.isVisible() else ""
    assert "Error" not in text and "KeyError" not in text and "Recursion" not in text, text


@pytest.mark.parametrize("levels", [499, 1000, 100_000])
def test_deep_values_in_the_window(qtbot: Any, win: Any, tmp_path: Path, levels: int) -> None:
    location, ids = _vaults(tmp_path, 1, 3)
    with sqlite3.connect(location) as c:
        for version in (2, 3):
            (state,) = c.execute(
                "SELECT state FROM stored_events WHERE originator_version = ?", (version,)
            ).fetchone()
            doc = json.loads(state)
            deep = '{"d":' * (levels + version) + "1" + "}" * (levels + version)
            text = json.dumps({k: x for k, x in doc.items() if k != "tree"})[:-1]
            text += ', "tree": ' + deep + "}"
            c.execute("UPDATE stored_events SET state = ? WHERE originator_version = ?",
                      (text.encode(), version))
    open_store(qtbot, win, location, mode="generic")
    open_stream(qtbot, win, ids[0], 4)
    for v in (3, 2, 1, 4):
        win.set_version(v)
        wait_state(qtbot, win, v)
        assert win.state_panel.result.error is None
    qtbot.waitUntil(lambda: win.timeline.times is not None, timeout=TIMEOUT)
    wait_idle(qtbot, win)
    assert len(win.timeline.times) == 4
    _no_error(win)


@pytest.mark.parametrize("value", ["abc", 1.5, None])
def test_damaged_version_in_the_window(
    qtbot: Any, win: Any, tmp_path: Path, value: Any
) -> None:
    location, ids = _vaults(tmp_path, 3, 3)
    with sqlite3.connect(location) as c:
        c.execute(
            "UPDATE stored_events SET originator_version = ?"
            " WHERE originator_id = ? AND originator_version = 2",
            (value, ids[1].replace("-", "")),
        )
    open_store(qtbot, win, location)
    qtbot.waitUntil(lambda: len(win.streams_panel.model.rows) == 3, timeout=TIMEOUT)
    win.open_stream(ids[1], 1)
    qtbot.waitUntil(
        lambda: win.stream is not None and win.stream["id"] == ids[1], timeout=TIMEOUT
    )
    wait_state(qtbot, win, 1)
    assert win.state_panel.result.error is None
    win.set_version(win.stream["last"])
    qtbot.waitUntil(
        lambda: win.state_panel.result is not None
        and win.state_panel.result.error is not None
        and not win.runner.is_busy("state"),
        timeout=TIMEOUT,
    )
    wait_idle(qtbot, win)


def test_text_ids_listed_and_copied_exactly(qtbot: Any, win: Any, tmp_path: Path) -> None:
    """Two text ids differing only in case: two rows, each copied as stored, each opens."""
    from eidomain.strids import Helpdesk, Ticket
    from PySide6.QtGui import QGuiApplication

    lower = "abcdef0123456789abcdef0123456789"
    h = store_env("sqlite", tmp_path=tmp_path, id_type="text")
    with h.open_app(Helpdesk) as app:
        for i, tid in enumerate((lower, lower.upper())):
            app.save(Ticket._create(Ticket.Opened, id=tid, title=f"t{i}"))
    open_store(qtbot, win, h.location)
    qtbot.waitUntil(lambda: len(win.streams_panel.model.rows) == 2, timeout=TIMEOUT)
    assert sorted(r["id"] for r in win.streams_panel.model.rows) == [lower.upper(), lower]
    view = win.streams_panel.view
    for row in range(2):
        view.setCurrentIndex(win.streams_panel.model.index(row, 0))
        view.selectRow(row)
        copy = next(a for a in view.actions() if a.text() == "Copy")
        copy.trigger()
        copied = QGuiApplication.clipboard().text().split("\t")[0]  # the row: id first
        assert copied == win.streams_panel.model.rows[row]["id"]
        open_stream(qtbot, win, copied, 0)
        assert win.stream["id"] == copied
