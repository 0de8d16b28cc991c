"""Table columns that fit: small columns sized to their content, the wide ones share the rest.

:class:`ColumnFitter` measures the content of every column (the rows on screen, like Qt's
``ResizeToContents``), caps each at a maximum, and gives the remaining width of the viewport to
the *elastic* columns (ids, types, values), which Qt elides in the middle when they are narrower
than their text (``a31c3e…fe567e48``). It refits when the view is resized and when rows arrive;
a column the user resizes keeps the user's width. Elision is only on screen: copy (Ctrl+C, see
:func:`install_copy`) and export always take the model's full value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from inspector.ui.format import compact_times
from inspector.ui.models.records import COPY_ROLE

DEFAULT_CAP_PX = 260


class ColumnFitter(QObject):
    """Fit ``view``'s columns; ``elastic`` columns share what the others leave (at least
    ``min_elastic_px`` each, else the view scrolls horizontally)."""

    def __init__(
        self,
        view: QAbstractItemView,
        elastic: Sequence[int],
        caps: dict[int, int] | None = None,
        min_elastic_px: int = 90,
        min_px: dict[int, int] | None = None,
        shrink: dict[int, int] | None = None,
    ) -> None:
        super().__init__(view)
        # columns that give up width (down to the given px) before the elastic ones go below
        # ``min_elastic_px`` and the view scrolls sideways (a time drawn in a compact form)
        self.shrink = dict(shrink or {})
        self.view = view
        self.elastic = tuple(elastic)
        self.caps = dict(caps or {})
        self.min_px = dict(min_px or {})
        self.min_elastic_px = min_elastic_px
        self.widths: dict[int, int] = {}
        self.user: dict[int, int] = {}
        self._fitting = False
        self._measured_rows = 0
        hh = view.horizontalHeader()  # type: ignore[attr-defined]
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.sectionResized.connect(self._user_resized)
        view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        view.viewport().installEventFilter(self)
        # Rows that fill in later (placeholders, then data) widen columns, debounced; columns
        # only grow until the model resets, so they never jump while one scrolls.
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(120)
        self._later.timeout.connect(self.refit)
        model = view.model()
        if model is not None:
            model.modelReset.connect(self._reset)
            model.rowsInserted.connect(self._rows_inserted)
            model.layoutChanged.connect(self.refit)
            model.dataChanged.connect(lambda *_: self._later.start())
        self.refit()

    # -- events -------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _reset(self) -> None:
        self._measured_rows = 0
        self.widths = {}
        self.refit()

    def _rows_inserted(self, *_args: Any) -> None:
        # Measure again while the first screenful arrives; later pages do not move columns.
        if self._measured_rows < 60:
            self.refit()

    def _user_resized(self, col: int, _old: int, new: int) -> None:
        if not self._fitting and col not in self.elastic:
            self.user[col] = new
            self.fit()

    # -- fitting ------------------------------------------------------------------------------
    def refit(self) -> None:
        """Measure the content again, then fit (nothing once the view is gone)."""
        if not shiboken6.isValid(self.view):
            return
        self.measure()
        self.fit()

    def measure(self) -> None:
        model = self.view.model()
        if model is None:
            return
        hh = self.view.horizontalHeader()  # type: ignore[attr-defined]
        self._measured_rows = model.rowCount()
        for c in range(model.columnCount()):
            header = hh.sectionSizeFromContents(c).width() + 8
            content = self.view.sizeHintForColumn(c) if model.rowCount() else 0
            cap = self.caps.get(c, DEFAULT_CAP_PX)
            width = max(self.min_px.get(c, 0), min(max(header, content), cap))
            self.widths[c] = max(width, self.widths.get(c, 0))

    def fit(self) -> None:
        if not shiboken6.isValid(self.view):
            return
        model = self.view.model()
        if model is None or model.columnCount() == 0:
            return
        self._fitting = True
        try:
            n = model.columnCount()
            fixed = [c for c in range(n) if c not in self.elastic]
            widths = {c: self.user.get(c, self.widths.get(c, 60)) for c in fixed}
            avail = self.view.viewport().width() - sum(widths.values())
            elastic = [c for c in self.elastic if c < n]
            deficit = self.min_elastic_px * len(elastic) - avail
            for c, least in self.shrink.items():
                if deficit <= 0 or c not in widths or c in self.user:
                    continue
                give = min(deficit, max(0, widths[c] - least))
                widths[c] -= give
                avail += give
                deficit -= give
            if elastic:
                each = max(self.min_elastic_px, avail // len(elastic))
                for c in elastic:
                    widths[c] = each
            for c, w in widths.items():
                if self.view.columnWidth(c) != w:  # type: ignore[attr-defined]
                    self.view.setColumnWidth(c, w)  # type: ignore[attr-defined]
        finally:
            self._fitting = False


def fit_columns(
    view: QAbstractItemView,
    elastic: Sequence[int],
    caps: dict[int, int] | None = None,
    min_elastic_px: int = 90,
    min_px: dict[int, int] | None = None,
    shrink: dict[int, int] | None = None,
) -> ColumnFitter:
    """Attach a :class:`ColumnFitter` to ``view`` (kept as ``view.column_fitter``)."""
    fitter = ColumnFitter(view, elastic, caps, min_elastic_px, min_px, shrink)
    view.column_fitter = fitter  # type: ignore[attr-defined]
    return fitter


class CompactTimeDelegate(QStyledItemDelegate):
    """Draws a :func:`~inspector.ui.format.short_time` cell in the longest form that fits its
    width (``11-27 03:04:05``, ``03:04:05``…); the model's text (copy, tooltip) stays whole."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = self.shown_text(opt.text, opt.fontMetrics, opt.rect.width())
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)

    @staticmethod
    def shown_text(text: str, fm: QFontMetrics, width: int) -> str:
        room = width - 10  # the item's margins
        if fm.horizontalAdvance(text) <= room:
            return text
        for form in compact_times(text):
            if fm.horizontalAdvance(form) <= room:
                return form
        return text  # Qt elides it


def selected_text(view: QAbstractItemView) -> str:
    """The selected cells as tab-separated lines of the model's full values (never elided)."""
    sm = view.selectionModel()
    model = view.model()
    if sm is None or model is None:
        return ""
    indexes = sm.selectedIndexes()
    if not indexes:
        current = view.currentIndex()
        indexes = [current] if current.isValid() else []
    rows: dict[int, dict[int, str]] = {}
    for ix in indexes:
        value = model.data(ix, COPY_ROLE)
        if value is None:
            value = model.data(ix, Qt.ItemDataRole.DisplayRole)
        rows.setdefault(ix.row(), {})[ix.column()] = "" if value is None else str(value)
    lines = []
    for r in sorted(rows):
        cells = rows[r]
        lines.append("\t".join(cells[c] for c in sorted(cells)))
    return "\n".join(lines)


def install_copy(view: QAbstractItemView) -> QAction:
    """Ctrl+C and a context-menu "Copy" on ``view``: the selection's full values."""
    act = QAction("Copy", view)
    act.setShortcut(QKeySequence.StandardKey.Copy)
    act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    act.triggered.connect(lambda: QGuiApplication.clipboard().setText(selected_text(view)))
    view.addAction(act)
    if view.contextMenuPolicy() == Qt.ContextMenuPolicy.DefaultContextMenu:
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    return act
