"""Help: the keyboard shortcuts (read from the window's own actions) and where the docs are."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

# Keys that act inside a widget rather than through a menu action.
WIDGET_KEYS = (
    ("Up / Down, Page Up / Page Down", "Event list: previous / next event, a page of events"),
    ("Home / End", "Event list: first / last event"),
    ("Ctrl+C", "Tables and the state tree: copy the selection's full values"),
    ("Right-click a state field", "Blame: every event that changed it; copy value or path"),
    ("Wheel / drag on the timeline plot", "Zoom / pan the time axis; click to jump"),
    ("Enter in Go to stream", "Open the stream (a prefix completes from the store)"),
)


def shortcuts(menus: list[QMenu]) -> list[tuple[str, str]]:
    """(keys, what) for every action with a shortcut in ``menus`` (submenus included)."""
    out: list[tuple[str, str]] = []

    def walk(menu: QMenu, prefix: str) -> None:
        for act in menu.actions():
            sub = act.menu()
            if isinstance(sub, QMenu):
                walk(sub, f"{prefix}{act.text().replace('&', '')} ▸ ")
                continue
            keys = act.shortcut()
            if isinstance(act, QAction) and not keys.isEmpty():
                text = keys.toString(QKeySequence.SequenceFormat.NativeText)
                out.append((text, prefix + act.text().replace("&", "").rstrip("…")))

    for m in menus:
        walk(m, f"{m.title().replace('&', '')} ▸ ")
    return out


def docs_file() -> Path | None:
    """``docs/cli.md`` beside the assets folder: the checkout's, the wheel's shared data
    (``share/event-history-inspector/docs``) or the bundle's; None when it is not installed."""
    from inspector.resources import asset_roots

    for root in asset_roots():
        path = root.parent / "docs" / "cli.md"
        if path.is_file():
            return path
    return None


def docs_url() -> QUrl | None:
    path = docs_file()
    return QUrl.fromLocalFile(str(path)) if path is not None else None


def open_docs() -> bool:
    url = docs_url()
    return url is not None and QDesktopServices.openUrl(url)


class ShortcutsDialog(QDialog):
    def __init__(self, menus: list[QMenu], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcuts(menus) + list(WIDGET_KEYS)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Keys", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for i, (keys, what) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(keys))
            self.table.setItem(i, 1, QTableWidgetItem(what))
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table)
        lay.addWidget(buttons)
        self.resize(620, 520)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
