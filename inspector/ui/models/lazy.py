"""The shared part of the lazy, append-only tables (streams, global log): rows arrive in pages
from the task runner as the view scrolls; results of an older request (``epoch``) are dropped."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from inspector.ui.workers import TaskRunner

Index = QModelIndex | QPersistentModelIndex


class LazyPagesModel(QAbstractTableModel):
    """Subclasses set ``HEADERS`` and implement ``_request()`` (one page, off the UI thread)."""

    HEADERS: tuple[str, ...] = ()
    pageLoaded = Signal(int)  # rows now loaded
    loadFailed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: Any = None
        self.rows: list[dict[str, Any]] = []
        self.exhausted = True
        self.pending = False
        self._epoch = 0

    def _request(self) -> None:
        raise NotImplementedError

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self.exhausted and not self.pending

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._request()

    def _append(self, epoch: int, rows: list[dict[str, Any]]) -> bool:
        """Append a page that arrived; False (and nothing done) if it answers an older request."""
        if epoch != self._epoch:
            return False
        self.pending = False
        if rows:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self.rows.extend(rows)
            self.endInsertRows()
        return True

    def _failed(self, epoch: int, message: str) -> None:
        if epoch == self._epoch:
            self.pending = False
            self.exhausted = True
            self.loadFailed.emit(message)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None
