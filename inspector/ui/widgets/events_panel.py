"""Centre top: the events of the selected stream (version, time, type, size); keyboard stepping."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.format import short_topic
from inspector.ui.models.events import EventsModel
from inspector.ui.widgets.columns import CompactTimeDelegate, fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, mono_font, time_width
from inspector.ui.workers import TaskRunner


class EventsTable(QTableView):
    """Home/End go to the first/last event (a plain table moves to the first/last column)."""

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        model = self.model()
        col = max(0, self.currentIndex().column())
        if action == QAbstractItemView.CursorAction.MoveHome and model.rowCount():
            return model.index(0, col)
        if action == QAbstractItemView.CursorAction.MoveEnd and model.rowCount():
            return model.index(model.rowCount() - 1, col)
        return super().moveCursor(action, modifiers)


class EventsPanel(QWidget):
    versionSelected = Signal(int)
    diffEndPicked = Signal(str, int)  # "from" or "to", version (right-click menu)
    whatIfPicked = Signal(str, int)  # "skip" or "edit", version (right-click menu)
    visibleVersions = Signal(int, int)  # lowest, highest version of the rows in view

    def __init__(self, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = EventsModel(runner, self)
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.view = EventsTable()
        self.view.setModel(self.model)
        self.view.setFont(mono_font())
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        compact_table(self.view)
        # Version, Time, Type, Size, Changes: the changes take the rest, however little (elided;
        # the whole summary is in the tooltip); in a narrow window the time gives way first,
        # drawn as "11-27 03:04:05" or "03:04:05" (the full time is in the tooltip and on copy).
        fm = self.view.fontMetrics()
        fit_columns(self.view, elastic=(4,), caps={1: time_width(self.view), 2: 150},
                    min_px={0: 56, 1: time_width(self.view),
                            3: fm.horizontalAdvance("999.9 KB") + 16},
                    min_elastic_px=12, shrink={1: fm.horizontalAdvance("00:00:00") + 16})
        self.view.setItemDelegateForColumn(1, CompactTimeDelegate(self.view))
        install_copy(self.view)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.view, 1)
        self.stack = PlaceholderStack(inner, "Select a stream on the left to list its events.")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 4, 4, 4)
        outer.addWidget(self.stack)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        # Click a header to sort: version both ways (the store pages by version); the model
        # refuses the other columns and the header's tooltip says why.
        header = self.view.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        self.model.sortRefused.connect(self._sort_refused)
        self.sort_note = ""
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(120)
        self._visible_timer.timeout.connect(self._announce_visible)
        self.view.verticalScrollBar().valueChanged.connect(lambda _v: self._visible_timer.start())
        self.model.pageLoaded.connect(lambda _r: self._visible_timer.start())
        self.model.modelReset.connect(self._visible_timer.start)
        self.model.layoutChanged.connect(self._visible_timer.start)

    def _header_clicked(self, column: int) -> None:
        header = self.view.horizontalHeader()
        if column != 0:
            self.model.sort(column)
            header.setSortIndicator(
                0,
                Qt.SortOrder.DescendingOrder if self.model.descending
                else Qt.SortOrder.AscendingOrder,
            )
            return
        order = (Qt.SortOrder.AscendingOrder if self.model.descending
                 else Qt.SortOrder.DescendingOrder)
        current = self.current_version()
        self.model.sort(0, order)
        header.setSortIndicator(0, order)
        if current is not None:
            self.select_version(current)

    def _sort_refused(self, message: str) -> None:
        self.sort_note = message
        self.view.horizontalHeader().setToolTip(message)
        win = self.window()
        if isinstance(win, QMainWindow):
            win.statusBar().showMessage(message, 6000)

    def visible_range(self) -> tuple[int, int] | None:
        """(lowest, highest) version of the rows in view, or None when there are none."""
        n = self.model.rowCount()
        if not n:
            return None
        top = self.view.rowAt(0)
        bottom = self.view.rowAt(max(0, self.view.viewport().height() - 1))
        top = 0 if top < 0 else top
        bottom = n - 1 if bottom < 0 else bottom
        a, b = self.model.version_of_row(top), self.model.version_of_row(bottom)
        return (min(a, b), max(a, b))

    def _announce_visible(self) -> None:
        r = self.visible_range()
        if r is not None:
            self.visibleVersions.emit(*r)

    def context_actions(self, row: int) -> list[QAction]:
        """Right-click on an event: use it as one end of the Diff tab's comparison."""
        if not 0 <= row < self.model.rowCount():
            return []
        v = self.model.version_of_row(row)
        out = []
        for end, text in (("from", f"Diff from version {v}…"), ("to", f"Diff to version {v}")):
            a = QAction(text, self)
            a.setObjectName(f"diff-{end}")
            a.triggered.connect(lambda _c=False, end=end, v=v: self.diffEndPicked.emit(end, v))
            out.append(a)
        for what, text in (("skip", f"What-if: without version {v}"),
                           ("edit", f"What-if: edit version {v}…")):
            a = QAction(text, self)
            a.setObjectName(f"whatif-{what}")
            a.triggered.connect(lambda _c=False, what=what, v=v: self.whatIfPicked.emit(what, v))
            out.append(a)
        return out

    def _menu(self, pos: QPoint) -> None:
        idx = self.view.indexAt(pos)
        acts = self.context_actions(idx.row() if idx.isValid() else -1)
        if acts:
            menu = QMenu(self)
            for a in acts:
                menu.addAction(a)
            menu.exec(self.view.viewport().mapToGlobal(pos))

    def show_stream(self, stream: str, type_topic: str | None, first: int, last: int) -> None:
        kind = short_topic(type_topic) or "unknown type"
        self.title.setText(
            f"<b>{stream}</b> · {kind} · versions {first:,}–{last:,} ({last - first + 1:,} events)"
        )
        self.title.setToolTip(type_topic or "")
        self.stack.show_content()

    def clear(self, message: str = "Select a stream on the left to list its events.") -> None:
        self.stack.show_message(message)

    def select_version(self, version: int) -> None:
        """Make ``version`` the current row without re-announcing it."""
        row = self.model.row_of_version(version)
        if not 0 <= row < self.model.rowCount():
            return
        idx = self.model.index(row, 0)
        sm = self.view.selectionModel()
        sm.blockSignals(True)
        sm.setCurrentIndex(
            idx,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        sm.blockSignals(False)
        self.view.scrollTo(idx, QAbstractItemView.ScrollHint.EnsureVisible)
        # Rows inserted just now (Live) are laid out on the next pass: scroll again then.
        QTimer.singleShot(0, lambda: self._ensure_visible(version))
        self.view.viewport().update()

    def _ensure_visible(self, version: int) -> None:
        row = self.model.row_of_version(version)
        if 0 <= row < self.model.rowCount() and self.current_version() == version:
            self.view.scrollTo(self.model.index(row, 0),
                               QAbstractItemView.ScrollHint.EnsureVisible)

    def current_version(self) -> int | None:
        idx = self.view.currentIndex()
        return self.model.version_of_row(idx.row()) if idx.isValid() else None

    def _current_changed(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            self.versionSelected.emit(self.model.version_of_row(current.row()))
