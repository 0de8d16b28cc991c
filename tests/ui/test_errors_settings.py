"""Errors shown in place and non-modally, the window staying usable; settings and drops."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import BankStore, build_bank
from helpers import open_store, open_stream, wait_state
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent

from inspector.ui.main_window import MainWindow
from inspector.ui.session import OpenRequest


def test_decode_error_shown_in_place(qtbot: Any, win: Any, tmp_path: Path) -> None:
    bank = build_bank(tmp_path, encoding="zlib+aes", n_accounts=3)
    open_store(qtbot, win, bank.location)  # no cipher key given
    open_stream(qtbot, win, bank.long_id, 5)
    qtbot.waitUntil(
        lambda: win.detail.current_event is not None and win.detail.current_event["version"] == 5
    )
    assert win.detail.error.isVisible()
    assert "--cipher-key" in win.detail.error.text()  # every no-key message points to it
    assert win.detail.tabs.currentWidget() is win.detail.hex
    raw = win.detail.current_event["raw"]
    assert f"{raw[0]:02x} {raw[1]:02x}" in win.detail.hex.toPlainText().splitlines()[0]
    # the events list marks undecodable rows; the state says why replay stopped
    model = win.events_panel.model
    assert model.data(model.index(4, 1)) == "(undecodable)"
    qtbot.waitUntil(lambda: win.state_panel.result is not None)
    assert win.state_panel.result.error is not None
    assert "cannot decode" in str(win.state_panel.result.error)
    # with the key, the same event decodes
    win.open_store(OpenRequest(bank.location, cipher_key=bank.handle.cipher_key), bank.long_id, 5)
    qtbot.waitUntil(
        lambda: win.session is not None and win.session.codec.has_key and win.stream is not None
    )
    wait_state(qtbot, win, 5)
    qtbot.waitUntil(
        lambda: win.detail.current_event is not None and win.detail.current_event["error"] is None
    )
    assert not win.detail.error.isVisible()


def test_unreachable_server_reported_and_window_usable(
    qtbot: Any, win: Any, bank: BankStore
) -> None:
    win.open_store(OpenRequest("postgresql://postgres@127.0.0.1:1/nowhere"))
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=15000)
    assert "Could not open postgresql://" in win.banner.text.text()
    assert win.session is None and win.isVisible()
    # still usable: open a real store afterwards
    open_store(qtbot, win, bank.location)
    assert not win.banner.isVisible()
    open_stream(qtbot, win, bank.ids[1])
    # a bad file is reported the same way and the open store stays
    win.open_store(OpenRequest(str(Path(__file__))))
    qtbot.waitUntil(lambda: win.banner.isVisible())
    assert "not a SQLite database" in win.banner.text.text()
    assert win.session is not None and win.stream["id"] == bank.ids[1]


def test_layout_restored_and_no_secret_in_settings(
    qtbot: Any, settings_path: Path, bank: BankStore
) -> None:
    s1 = QSettings(str(settings_path), QSettings.Format.IniFormat)
    w1 = MainWindow(settings=s1)
    qtbot.addWidget(w1)
    w1.resize(760, 620)
    w1.show()
    w1.main_split.setSizes([200, 300, 250])
    sizes = w1.main_split.sizes()
    w1.right_tabs.setCurrentIndex(2)
    w1.timeline.speed.setCurrentIndex(4)
    w1.open_store(
        OpenRequest(bank.location, password="s3cret-pw", cipher_key="c2VjcmV0a2V5MTIzNDU2Nw==")
    )
    qtbot.waitUntil(lambda: w1.session is not None and len(w1.streams_panel.model.rows) > 0)
    w1.close()
    text = settings_path.read_text()
    assert "s3cret-pw" not in text and "c2VjcmV0a2V5" not in text
    assert bank.location in text  # the recent list

    w2 = MainWindow(settings=QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(w2)
    w2.show()
    assert (w2.width(), w2.height()) == (760, 620)
    assert w2.main_split.sizes() == sizes
    assert w2.right_tabs.currentIndex() == 2
    assert w2.timeline.speed.currentIndex() == 4
    w2._fill_recent()
    assert bank.location in [a.text() for a in w2.recent_menu.actions()]
    w2.close()


def drag_enter(pos: QPoint, md: QMimeData) -> QDragEnterEvent:
    with warnings.catch_warnings():  # the QPoint form is deprecated from Qt 6.12 on
        warnings.simplefilter("ignore", DeprecationWarning)
        return QDragEnterEvent(
            pos,
            Qt.DropAction.CopyAction,
            md,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )


def test_drop_a_db_file_opens_it(qtbot: Any, win: Any, bank: BankStore) -> None:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(bank.location)])
    enter = drag_enter(QPoint(50, 50), md)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(
        QPointF(50, 50),
        Qt.DropAction.CopyAction,
        md,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    win.dropEvent(drop)
    qtbot.waitUntil(lambda: win.session is not None and len(win.streams_panel.model.rows) > 0)
    assert win.session.store.location == bank.location
    text_md = QMimeData()
    text_md.setText("not a file")
    enter2 = drag_enter(QPoint(5, 5), text_md)
    win.dragEnterEvent(enter2)
    assert not enter2.isAccepted()


def test_about_box_lists_versions(qtbot: Any) -> None:
    from inspector.ui.about import AboutDialog, versions

    names = dict(versions())
    assert {"Event History Inspector", "Python", "Qt", "eventsourcing"} <= set(names)
    dlg = AboutDialog()
    qtbot.addWidget(dlg)
    from PySide6.QtWidgets import QLabel

    text = " ".join(lbl.text() for lbl in dlg.findChildren(QLabel))
    assert names["Qt"] in text and names["eventsourcing"] in text


def test_ctrl_o_opens_through_the_connection_dialog(
    qtbot: Any, win: Any, bank: BankStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.ui.connection import ConnectionDialog, ConnectionSpec

    asked: list[Any] = []

    def fake_exec(dialog: Any) -> int:
        """The person fills in the dialog and presses OK; the dialog opens the store itself
        (its opener) and closes once it is open."""
        asked.append(dialog.store)
        dialog.set_spec(ConnectionSpec(location=bank.location, profile_name="Bank (test)",
                                       env_colour="#c62828"))
        dialog.accept()
        qtbot.waitUntil(lambda: dialog.opened is not None, timeout=15000)
        return 1

    monkeypatch.setattr(ConnectionDialog, "exec", fake_exec)
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_O, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.session is not None and len(win.streams_panel.model.rows) > 0)
    assert asked and win.session.request.from_dialog
    assert "Bank (test)" in win.conn_label.text() and "#c62828" in win.conn_label.styleSheet()
    assert win.windowTitle().startswith("Bank (test)")


def test_store_from_the_eventsourcing_environment(
    bank: BankStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli_runner import run_cli

    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", bank.location)
    out = tmp_path / "env.png"
    r = run_cli("gui", "--stream", bank.ids[4], "--screenshot", str(out))
    assert r.code == 0, r.err
    assert out.stat().st_size > 10_000


def test_cancel_button_stops_what_is_loading(qtbot: Any, win: Any, bank: BankStore) -> None:
    import threading

    open_store(qtbot, win, bank.location)
    qtbot.waitUntil(lambda: not win.runner.is_busy())
    seen: list[bool] = []
    release = threading.Event()

    def slow(ticket: Any) -> None:
        while not ticket.cancelled() and not release.wait(0.01):
            pass
        seen.append(ticket.cancelled())

    win.runner.submit("timeline", slow, lambda r: None, label="timeline")
    qtbot.waitUntil(lambda: win.cancel_btn.isVisible() and "timeline" in win.loading_label.text())
    qtbot.mouseClick(win.cancel_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: seen == [True], timeout=5000)
    qtbot.waitUntil(lambda: not win.cancel_btn.isVisible())
    release.set()


def test_demo_store_opens_with_progress(
    qtbot: Any, win: Any, bank: BankStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspector.demo as demo_pkg
    from inspector.demo import DemoStore

    steps: list[str] = []

    def fake_ensure(force: bool = False, *, progress: Any = None, **kw: Any) -> Any:
        for i, what in enumerate(("writing events", "snapshots")):
            progress(what, i / 2)
        return DemoStore(bank.location, [str(Path(__file__).parent)], None, True, {})

    monkeypatch.setattr(demo_pkg, "ensure_demo_store", fake_ensure)
    real_set_text = win.loading_label.setText

    def record(text: str) -> None:
        steps.append(text)
        real_set_text(text)

    monkeypatch.setattr(win.loading_label, "setText", record)
    win.open_demo(bank.long_id, 12)
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == bank.long_id)
    wait_state(qtbot, win, 12)
    assert any("Creating the demo store" in s for s in steps)
    assert win.session.request.profile_name == "Demo store"
    assert win.state_result.mode == "domain"
