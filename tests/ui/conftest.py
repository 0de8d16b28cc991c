"""GUI test fixtures: real stores written by the library, a main window with its own settings."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from storefactory import StoreHandle, store_env  # noqa: E402
from uidomain import Bank, activity  # noqa: E402


@dataclass
class BankStore:
    handle: StoreHandle
    ids: list[str]  # every account, creation order
    long_id: str  # the account with LONG events
    snapshot_versions: list[int]

    @property
    def location(self) -> str:
        return self.handle.location


N_ACCOUNTS = 260
LONG = 300


def build_bank(
    tmp: Path, encoding: str = "plain", filename: str = "bank.db", n_accounts: int = N_ACCOUNTS
) -> BankStore:
    h = store_env("sqlite", tmp_path=tmp, encoding=encoding, filename=filename)
    with h.open_app(Bank) as app:
        ids = []
        long_acc = app.open("Long Runner")
        activity(long_acc, LONG - 1)
        app.save(long_acc)
        snaps = [100, 200]
        for v in snaps:
            app.take_snapshot(long_acc.id, version=v)
        ids.append(str(long_acc.id))
        for i in range(n_accounts - 1):
            acc = app.open(f"Owner {i}")
            activity(acc, i % 7, seed=i)
            app.save(acc)
            ids.append(str(acc.id))
    return BankStore(h, ids, str(long_acc.id), snaps)


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> BankStore:
    """A read-only-used store shared by the tests that never write to it."""
    return build_bank(tmp_path_factory.mktemp("bank"))


@pytest.fixture
def settings_path(tmp_path: Path) -> Path:
    return tmp_path / "settings.ini"


@pytest.fixture
def win(qtbot: Any, settings_path: Path) -> Iterator[Any]:
    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(settings_path), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1400, 880)
    w.show()
    yield w
    w.close()
