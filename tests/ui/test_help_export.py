"""Help (shortcuts read from the window's actions, the docs) and export file names."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from conftest import BankStore
from helpers import open_store, open_stream

from inspector.ui.help import ShortcutsDialog, docs_file, shortcuts
from inspector.ui.window_tools import export_folder, safe_name

ROOT = Path(__file__).resolve().parents[2]


def test_shortcuts_list_every_menu_shortcut(qtbot: Any, win: Any) -> None:
    menus = [a.menu() for a in win.menuBar().actions() if a.menu() is not None]
    rows = dict((what, keys) for keys, what in shortcuts(menus))
    assert rows["Go ▸ Find events"] == win.act_find.shortcut().toString()
    assert rows["Go ▸ Go to stream"] == "Ctrl+L"
    assert rows["File ▸ Open store"] == win.act_open.shortcut().toString()
    win.show_shortcuts()
    dlg = win.shortcuts_dialog
    qtbot.addWidget(dlg)
    assert isinstance(dlg, ShortcutsDialog) and dlg.table.rowCount() >= len(rows) + 3
    dlg.close()


def test_docs_are_found_beside_the_assets() -> None:
    assert docs_file() == ROOT / "docs" / "cli.md"
    text = docs_file().read_text(encoding="utf-8")
    assert "## JSON shapes" in text and "event-inspector --path DIR STORE" in text


def test_export_names_and_folder(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location)
    open_stream(qtbot, win, bank.long_id, 10)
    assert win.export_name("csv") == f"{bank.long_id}-events.csv"
    assert win.export_name("events") == f"{bank.long_id}-events.json"
    assert win.export_name("state") == f"{bank.long_id}-v10-state.json"
    assert os.path.isdir(export_folder())
    assert safe_name("tenant/42: orders") == "tenant_42__orders"
