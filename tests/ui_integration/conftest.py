"""Fixtures of the main-window integration tests: a main window with its own settings file."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
for _p in (HERE, HERE.parent / "ui"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))


@pytest.fixture
def main_win(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow

    w = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.resize(1400, 880)
    w.show()
    yield w
    w.close()
