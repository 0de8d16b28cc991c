"""Snapshots taken through the snapshots panel inside the MAIN window: the timeline's markers
follow (``snapshotsChanged`` -> ``_snapshots_changed``); read-only by default, nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from helpers import TIMEOUT, open_store, open_stream
from opsfixtures import DOGS_APP, DOMAINS, OPSDOMAIN, scenarios, state_of
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from storefactory import store_env


@pytest.fixture
def dogs(tmp_path: Path) -> Any:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    return h, scenarios.write_dogs(h)


def dogschool() -> type:
    from eidomain.dogs import DogSchool  # on sys.path once opsfixtures is imported

    return DogSchool


def library_snapshots(h: Any, app_class: type, stream: str) -> list[int]:
    with h.open_app(app_class) as app:
        return [s.originator_version for s in app.snapshots.get(UUID(stream))]


def markers(win: Any) -> list[int]:
    """The snapshot versions the timeline plots (its marker scatter's y values)."""
    ys = win.timeline._snaps.getData()[1]
    return sorted(int(v) for v in ([] if ys is None else ys))


def open_dogs(qtbot: Any, win: Any, h: Any, stream: str) -> Any:
    open_store(qtbot, win, h.location, cipher_key=h.cipher_key, paths=[DOMAINS, OPSDOMAIN],
               app_class=DOGS_APP)
    open_stream(qtbot, win, stream)
    lazy = win.extra_panels["Snapshots"]
    win.right_tabs.setCurrentWidget(lazy)
    panel = lazy.panel()
    before = library_snapshots(h, dogschool(), stream)
    qtbot.waitUntil(lambda: markers(win) == before and len(panel.rows) == len(before),
                    timeout=TIMEOUT)
    return panel


def test_take_snapshot_in_main_window_updates_timeline_markers(qtbot, main_win, dogs,
                                                              monkeypatch) -> None:
    h, w = dogs
    win = main_win
    stream = w.streams[1]
    panel = open_dogs(qtbot, win, h, stream)
    before = library_snapshots(h, w.app_class, stream)
    assert before and 5 not in before

    # switch write mode on through the panel's own button (answering its question)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(panel.write_btn, Qt.MouseButton.LeftButton)
    assert panel.write_enabled and win.ro_badge.text() == "WRITE"
    qtbot.waitUntil(lambda: panel.take_btn.isEnabled(), timeout=TIMEOUT)
    plans: list[Any] = []
    panel.confirm = lambda plan: plans.append(plan) or True
    panel.version_box.setValue(5)
    qtbot.mouseClick(panel.take_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: 5 in markers(win), timeout=TIMEOUT)

    after = library_snapshots(h, w.app_class, stream)
    assert after == sorted([*before, 5])
    assert markers(win) == after == win.timeline.snapshot_versions == win.stream["snapshots"]
    assert plans and plans[0].changes[0].values["originator_version"] == 5
    with h.open_app(w.app_class) as app:
        snap = next(s for s in app.snapshots.get(UUID(stream)) if s.originator_version == 5)
        assert state_of(snap.mutate(None)) == state_of(app.repository.get(UUID(stream),
                                                                          version=5))
    # the window keeps working: step to the new snapshot's version on the timeline
    win.set_version(5)
    qtbot.waitUntil(lambda: win.state_panel.result is not None
                    and win.state_panel.result.version == 5, timeout=TIMEOUT)


def test_read_only_default_takes_no_snapshot(qtbot, main_win, dogs) -> None:
    h, w = dogs
    win = main_win
    stream = w.streams[1]
    panel = open_dogs(qtbot, win, h, stream)
    before = library_snapshots(h, w.app_class, stream)
    shown = markers(win)
    assert not panel.write_enabled and win.ro_badge.text() == "READ-ONLY"
    assert win.ro_badge.isVisibleTo(win)  # shown in the toolbar (through its action)
    assert not panel.take_btn.isEnabled()
    confirmed: list[Any] = []
    panel.confirm = lambda plan: confirmed.append(plan) or True
    panel.version_box.setValue(5)
    qtbot.mouseClick(panel.take_btn, Qt.MouseButton.LeftButton)  # disabled: nothing happens
    panel.take(5)  # and the call itself refuses
    assert "write mode is off" in (panel.last_error or "")
    qtbot.wait(300)
    qtbot.waitUntil(lambda: not win.runner.is_busy("snapshots-write"), timeout=TIMEOUT)
    assert confirmed == []
    assert library_snapshots(h, w.app_class, stream) == before
    assert markers(win) == shown == before
