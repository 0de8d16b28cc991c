"""A read-only table over a list of dicts, columns given as (header, cell function)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from inspector.ui.format import one_line, path_text, short_time, short_topic

Index = QModelIndex | QPersistentModelIndex
# (header, cell) or (header, cell, full): ``full`` gives the whole value for copy and tooltip
# when the cell shows a shortened one-line form.
Column = (
    tuple[str, Callable[[dict[str, Any]], Any]]
    | tuple[str, Callable[[dict[str, Any]], Any], Callable[[dict[str, Any]], str]]
)

# The full, never shortened text of a cell (what Copy puts on the clipboard); None when the
# display text is already the full value.
COPY_ROLE = Qt.ItemDataRole.UserRole + 10


def full_text(value: Any) -> str:
    """A JSON value as its whole text: a string as itself, anything else as compact JSON."""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


class RecordsModel(QAbstractTableModel):
    def __init__(
        self,
        columns: Sequence[Column],
        colour: Callable[[dict[str, Any]], str | None] | None = None,
        parent: Any = None,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.colour = colour
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
        self.rows.extend(rows)
        self.endInsertRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section][0]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        column = self.columns[index.column()]
        if role in (COPY_ROLE, Qt.ItemDataRole.ToolTipRole) and len(column) > 2:
            full = column[2](row)  # type: ignore[misc]
            return full if role == COPY_ROLE else one_line(full, 4000)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = column[1](row)
            if role == Qt.ItemDataRole.ToolTipRole:
                return one_line(value, 4000) if value is not None else None
            return value if isinstance(value, (int, str)) else one_line(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(
            self.columns[index.column()][1](row), int
        ):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self.colour is not None:
            c = self.colour(row)
            if c:
                return QBrush(QColor(c))
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None


OP_COLOURS = {"add": "#2e9d4f", "change": "#b07400", "remove": "#d03030"}
OP_NAMES = {"add": "added", "change": "changed", "remove": "removed"}


def changes_model(parent: Any = None) -> RecordsModel:
    return RecordsModel(
        [
            ("Path", lambda r: path_text(r["path"])),
            ("Change", lambda r: OP_NAMES.get(r["op"], r["op"])),
            ("Before", lambda r: "" if r["op"] == "add" else one_line(r["old"]),
             lambda r: "" if r["op"] == "add" else full_text(r["old"])),
            ("After", lambda r: "" if r["op"] == "remove" else one_line(r["new"]),
             lambda r: "" if r["op"] == "remove" else full_text(r["new"])),
        ],
        lambda r: OP_COLOURS.get(r["op"]),
        parent,
    )


def blame_model(parent: Any = None) -> RecordsModel:
    return RecordsModel(
        [
            ("Version", lambda r: r["version"]),
            ("Time", lambda r: short_time(r["timestamp"])),
            ("Type", lambda r: short_topic(r["topic"])),
            ("Before", lambda r: one_line(r["old"]), lambda r: full_text(r.get("old"))),
            ("After", lambda r: one_line(r["new"]), lambda r: full_text(r.get("new"))),
        ],
        None,
        parent,
    )


def found_model(parent: Any = None) -> RecordsModel:
    return RecordsModel(
        [
            ("Position", lambda r: r["position"] if r["position"] is not None else ""),
            ("Stream", lambda r: r["stream"]),
            ("Version", lambda r: r["version"]),
            ("Type", lambda r: short_topic(r["topic"])),
            ("Time", lambda r: short_time(r["timestamp"])),
        ],
        None,
        parent,
    )
