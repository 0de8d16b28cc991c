"""A JSON value as a two-column tree (field, value); children are built when first shown.

Each item knows its path (``["items", 0, "qty"]``), so views can copy a path, ask for blame or
highlight the paths an event changed (``set_highlights``).
"""

from __future__ import annotations

import itertools
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from inspector.ui.format import one_line

Index = QModelIndex | QPersistentModelIndex
PathT = tuple[Any, ...]
PATH_ROLE = Qt.ItemDataRole.UserRole + 1
VALUE_ROLE = Qt.ItemDataRole.UserRole + 2

OP_COLOURS = {"add": "#2e9d4f", "change": "#d08a00", "remove": "#d03030"}
SNAPSHOT_COLOUR = "#1f5fbf"  # generic mode: a value read from a stored snapshot


CHUNK = 1000  # containers with more children are shown in ranges of this many


class _Node:
    __slots__ = ("key", "value", "path", "parent", "row", "_children", "span")

    def __init__(
        self,
        key: Any,
        value: Any,
        path: PathT,
        parent: _Node | None,
        row: int,
        span: tuple[int, int] | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.path = path
        self.parent = parent
        self.row = row
        self._children: list[_Node] | None = None
        self.span = span  # (first, last) item offsets for a range node of a big container

    @property
    def children(self) -> list[_Node]:
        if self._children is None:
            v = self.value
            n = len(v) if isinstance(v, (dict, list)) else 0
            if self.span is None and n > CHUNK:
                self._children = [
                    _Node(
                        f"[{lo} … {min(lo + CHUNK, n) - 1}]",
                        v,
                        self.path,
                        self,
                        i,
                        (lo, min(lo + CHUNK, n) - 1),
                    )
                    for i, lo in enumerate(range(0, n, CHUNK))
                ]
                return self._children
            lo, hi = self.span if self.span is not None else (0, n - 1)
            items: list[tuple[Any, Any]]
            if isinstance(v, dict):
                items = list(itertools.islice(v.items(), lo, hi + 1))
            elif isinstance(v, list):
                items = [(i, v[i]) for i in range(lo, hi + 1)]
            else:
                items = []
            self._children = [
                _Node(k, val, (*self.path, k), self, i) for i, (k, val) in enumerate(items)
            ]
        return self._children

    def has_children(self) -> bool:
        return isinstance(self.value, (dict, list)) and len(self.value) > 0

    def child_for(self, key: Any) -> _Node | None:
        """The child holding ``key`` (through a range node for big containers)."""
        kids = self.children
        if kids and kids[0].span is not None and self.span is None:
            v = self.value
            if isinstance(v, list):
                pos = key if isinstance(key, int) and 0 <= key < len(v) else -1
            else:
                try:
                    pos = list(v).index(key)
                except ValueError:
                    pos = -1
            if pos < 0:
                return None
            return kids[pos // CHUNK]
        return next((c for c in kids if c.key == key), None)


def summary(value: Any) -> str:
    if isinstance(value, dict):
        n = len(value)
        return "{ }" if not n else f"{{{n} field{'s' if n != 1 else ''}}}"
    if isinstance(value, list):
        n = len(value)
        return "[ ]" if not n else f"[{n} item{'s' if n != 1 else ''}]"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return one_line(value, 500)
    return one_line(value, 500)


class JsonTreeModel(QAbstractItemModel):
    HEADERS = ("Field", "Value")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.root = _Node(None, {}, (), None, 0)
        self.highlights: dict[PathT, str] = {}
        # where a value comes from (generic mode): "events" or "snapshot:N"
        self.origins: dict[PathT, str] = {}
        self._ancestors: set[PathT] = set()
        self._bold = QFont()
        self._bold.setBold(True)

    def set_value(self, value: Any, highlights: dict[PathT, str] | None = None) -> None:
        self.beginResetModel()
        self.root = _Node(
            None, value if isinstance(value, (dict, list)) else {"value": value}, (), None, 0
        )
        self.origins = {}
        self._set_highlights(highlights or {})
        self.endResetModel()

    def value(self) -> Any:
        return self.root.value

    def set_origins(self, origins: dict[PathT, str]) -> None:
        """Generic mode: mark top-level values read from a stored snapshot (colour, tooltip)
        apart from those inferred from later events (tooltip)."""
        self.origins = dict(origins)
        if self.root.children:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.root.children) - 1, 1))

    def _origin_text(self, node: _Node) -> str | None:
        for i in range(len(node.path), 0, -1):
            o = self.origins.get(tuple(node.path[:i]))
            if o is not None:
                if o.startswith("snapshot:"):
                    return f"read from the stored snapshot at version {o.split(':', 1)[1]}"
                return "inferred from the events (approximate)"
        return None

    def set_highlights(self, highlights: dict[PathT, str]) -> None:
        self._set_highlights(highlights)
        if self.root.children:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.root.children) - 1, 1))

    def _set_highlights(self, highlights: dict[PathT, str]) -> None:
        self.highlights = dict(highlights)
        self._ancestors = set()
        for p in self.highlights:
            for i in range(1, len(p)):
                self._ancestors.add(tuple(p[:i]))

    # -- navigation ---------------------------------------------------------------------------
    def node(self, index: Index) -> _Node:
        return index.internalPointer() if index.isValid() else self.root  # type: ignore[return-value]

    def index_of_path(self, path: PathT) -> QModelIndex:
        """The index of ``path`` (building children on the way); invalid if absent."""
        node = self.root
        idx = QModelIndex()
        for part in path:
            match = node.child_for(part)
            if match is not None and match.span is not None:
                idx = self.index(match.row, 0, idx)
                node = match
                match = node.child_for(part)
            if match is None:
                return QModelIndex()
            idx = self.index(match.row, 0, idx)
            node = match
        return idx

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        p = self.node(parent)
        kids = p.children
        if 0 <= row < len(kids) and 0 <= column < 2:
            return self.createIndex(row, column, kids[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: _Node = index.internalPointer()  # type: ignore[assignment]
        par = node.parent
        if par is None or par is self.root:
            return QModelIndex()
        return self.createIndex(par.row, 0, par)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid() and parent.column() != 0:
            return 0
        node = self.node(parent)
        return len(node.children) if node.has_children() or node is self.root else 0

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        node = self.node(parent)
        return node is self.root or node.has_children()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        node: _Node = index.internalPointer()  # type: ignore[assignment]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(node.key) if not isinstance(node.key, int) else f"[{node.key}]"
            if node.span is not None:
                return f"{node.span[1] - node.span[0] + 1} of {summary(node.value)}"
            return summary(node.value)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == 1 and not isinstance(node.value, (dict, list)):
                tip = one_line(node.value, 4000)
            else:
                tip = ".".join(str(p) for p in node.path)
            origin = self._origin_text(node) if self.origins else None
            return f"{tip}\n({origin})" if origin else tip
        if role == Qt.ItemDataRole.ForegroundRole:
            op = self.highlights.get(node.path)
            if op:
                return QBrush(QColor(OP_COLOURS.get(op, "#d08a00")))
            if self.origins and (self._origin_text(node) or "").startswith("read from"):
                return QBrush(QColor(SNAPSHOT_COLOUR))
            if col == 1 and (node.value is None or isinstance(node.value, bool)):
                return QBrush(QColor("#7a7aa0"))
        if role == Qt.ItemDataRole.BackgroundRole:
            op = self.highlights.get(node.path)
            if op:
                c = QColor(OP_COLOURS.get(op, "#d08a00"))
                c.setAlpha(45)
                return QBrush(c)
        if role == Qt.ItemDataRole.FontRole and (
            node.path in self.highlights or node.path in self._ancestors
        ):
            return self._bold
        if role == PATH_ROLE:
            return list(node.path)
        if role == VALUE_ROLE:
            return node.value
        return None

    def is_highlighted(self, path: PathT) -> bool:
        return path in self.highlights
