"""A tree view of a JSON value with copy value / copy path and an optional Blame action."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTreeView, QWidget

from inspector.ui.format import path_text
from inspector.ui.models.json_tree import PATH_ROLE, VALUE_ROLE, JsonTreeModel
from inspector.ui.widgets.common import mono_font


def value_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=2, default=str)


class JsonView(QTreeView):
    """Monospace JSON tree; right-click for copy actions and, if wired, Blame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.json_model = JsonTreeModel(self)
        self.setModel(self.json_model)
        self.setFont(mono_font())
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.header().setStretchLastSection(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(0, 200)
        self.blame_handler: Callable[[list[Any]], None] | None = None
        self.plot_handler: Callable[[list[Any]], None] | None = None
        copy = QAction("Copy value", self)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_value)
        self.addAction(copy)

    def set_value(
        self,
        value: Any,
        highlights: dict[tuple[Any, ...], str] | None = None,
        expand_depth: int = 1,
    ) -> None:
        self.json_model.set_value(value, highlights)
        self._expand_small(QModelIndex(), expand_depth)
        self.expand_paths(list(highlights or {}))
        if self.json_model.root.children and self.columnWidth(0) < 120:
            self.setColumnWidth(0, 200)

    def expand_paths(self, paths: list[Any]) -> None:
        """Open the tree down to each of ``paths`` (so a highlighted change is visible)."""
        for path in paths:
            idx = self.json_model.index_of_path(tuple(path)).parent()
            while idx.isValid():
                self.expand(idx)
                idx = idx.parent()

    def _expand_small(self, parent: QModelIndex, depth: int, limit: int = 50) -> None:
        """Expand ``depth`` levels, skipping containers with more than ``limit`` children."""
        if depth <= 0:
            return
        model = self.json_model
        for row in range(model.rowCount(parent)):
            idx = model.index(row, 0, parent)
            node = model.node(idx)
            if node.span is None and node.has_children() and len(node.value) <= limit:
                self.expand(idx)
                self._expand_small(idx, depth - 1, limit)

    def set_highlights(self, highlights: dict[tuple[Any, ...], str]) -> None:
        self.json_model.set_highlights(highlights)

    # -- actions ------------------------------------------------------------------------------
    def current_path(self) -> list[Any] | None:
        idx = self.currentIndex()
        return idx.data(PATH_ROLE) if idx.isValid() else None

    def copy_value(self, index: QModelIndex | None = None) -> str:
        idx = index if index is not None and index.isValid() else self.currentIndex()
        if not idx.isValid():
            return ""
        text = value_text(idx.siblingAtColumn(0).data(VALUE_ROLE))
        QGuiApplication.clipboard().setText(text)
        return text

    def copy_path(self, index: QModelIndex | None = None) -> str:
        idx = index if index is not None and index.isValid() else self.currentIndex()
        if not idx.isValid():
            return ""
        text = path_text(idx.data(PATH_ROLE))
        QGuiApplication.clipboard().setText(text)
        return text

    def context_actions(self, index: QModelIndex) -> list[QAction]:
        """The actions of the right-click menu for ``index`` (tests trigger these directly)."""
        acts: list[QAction] = []
        if not index.isValid():
            return acts
        path = index.data(PATH_ROLE)
        a = QAction(f"Copy value of {path_text(path)}", self)
        a.triggered.connect(lambda: self.copy_value(index))
        acts.append(a)
        a = QAction("Copy path", self)
        a.triggered.connect(lambda: self.copy_path(index))
        acts.append(a)
        if self.blame_handler is not None:
            handler = self.blame_handler
            a = QAction(f"Blame {path_text(path)} — which events changed it", self)
            a.setObjectName("blame")
            a.triggered.connect(lambda: handler(list(path)))
            acts.append(a)
        value = index.siblingAtColumn(0).data(VALUE_ROLE)
        if self.plot_handler is not None and path and _plottable(value):
            plot = self.plot_handler
            a = QAction(f"Plot {path_text(path)} over versions", self)
            a.setObjectName("plot")
            a.triggered.connect(lambda: plot(list(path)))
            acts.append(a)
        return acts

    def _menu(self, pos: QPoint) -> None:
        index = self.indexAt(pos)
        menu = QMenu(self)
        for a in self.context_actions(index):
            menu.addAction(a)
        if menu.actions():
            menu.addSeparator()
        menu.addAction("Expand all", self.expandAll)
        menu.addAction("Collapse all", self.collapseAll)
        menu.exec(self.viewport().mapToGlobal(pos))


def _plottable(value: Any) -> bool:
    """A number (or decimal text) the field plot can chart."""
    from inspector.core.field_series import numeric

    return numeric(value) is not None
