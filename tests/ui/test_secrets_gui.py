"""The GUI never stores or shows a password: settings file, recent list, connection bar, title,
banner, status bar, stderr. A password given in the URL goes to the keyring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import keyring
import pytest
from eventsourcing.tests.application import BankAccounts
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from storefactory import PG_HOST, PG_PORT, PgServer, store_env

PW = "GuiKn0wnPass-8dQ"
WRONG = "GuiWr0ngPass-3kV"


class _MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


@pytest.fixture
def memory_keyring() -> Any:
    previous = keyring.get_keyring()
    backend = _MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


def _files(tmp_path: Path) -> list[Path]:
    roots = [tmp_path, *(Path(os.environ[k]) for k in
                         ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"))]
    return [p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()]


def _shown(win: Any) -> list[str]:
    return [win.windowTitle(), win.conn_label.text(), win.conn_label.toolTip(),
            win.statusBar().currentMessage(), win.loading_label.text(),
            *[str(m) for m in win.banner.history]]


@pytest.mark.postgres
def test_gui_keeps_passwords_out_of_settings_and_sight(
    qtbot: Any, pg: PgServer, tmp_path: Path, memory_keyring: Any, capfd: Any
) -> None:
    from inspector.ui.main_window import MainWindow
    from inspector.ui.session import OpenRequest

    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    user, _ = pg.select_only_role(h.schema or "public")
    with pg.connect() as c:
        c.execute(f"ALTER ROLE \"{user}\" PASSWORD '{PW}'")
    url = f"postgresql://{user}:{PW}@{PG_HOST}:{PG_PORT}/{pg.dbname}"

    win = MainWindow()  # the real settings file (XDG_CONFIG_HOME of this test)
    qtbot.addWidget(win)
    win.show()
    shown: list[str] = []
    win.open_store(OpenRequest(url, schema=h.schema))
    qtbot.waitUntil(lambda: win.session is not None, timeout=15000)
    shown += _shown(win)
    assert user in win.windowTitle()
    win.remember_current()
    assert PW in memory_keyring.secrets.values()  # the password went to the keyring
    recent = win.recent_requests()
    assert recent and recent[0].password == PW and PW not in recent[0].location

    for bad in (f"postgresql://{user}:{WRONG}@[::1/x",
                f"postgresql://{user}:{WRONG}@{PG_HOST}:1/{pg.dbname}?connect_timeout=2"):
        n = len(win.banner.history)
        win.open_store(OpenRequest(bad))
        qtbot.waitUntil(lambda n=n: len(win.banner.history) > n, timeout=15000)
        shown += _shown(win)
    win.close()
    out, err = capfd.readouterr()
    assert "Could not open" in err  # GUI errors are also written to stderr
    for secret in (PW, WRONG):
        for text in [*shown, out, err]:
            assert secret not in text, text
        for p in _files(tmp_path):
            assert secret.encode() not in p.read_bytes(), p
    from inspector.ui.connection.settings import settings_path

    assert settings_path() is not None and settings_path().exists()


def test_a_password_left_in_old_settings_is_moved_to_the_keyring(memory_keyring: Any) -> None:
    from inspector.ui.connection import ProfileStore
    from inspector.ui.connection.settings import app_settings, settings_path

    s = app_settings()
    s.beginWriteArray("recent", 1)
    s.setArrayIndex(0)
    s.setValue("location", f"postgresql://old:{PW}@db.example/app")
    s.endArray()
    s.sync()
    assert PW.encode() in settings_path().read_bytes()
    store = ProfileStore()
    [spec] = store.recent()
    assert spec.location == "postgresql://old@db.example/app" and spec.password is None
    assert PW not in settings_path().read_text()
    assert store.with_secrets(spec).password == PW
