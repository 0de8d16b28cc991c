"""The events of one stream as a virtual table: every version has a row, pages load on demand.

Stream versions are contiguous (the library refuses gaps), so row ``r`` is version
``first + r``. Only the pages the view shows are read (in the background) and a few dozen are
kept; a 100,000-event stream costs a couple of queries, not 100,000 rows in memory.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from inspector.core.browse import event_json
from inspector.ui.format import human_size, short_time, short_topic
from inspector.ui.workers import TaskRunner, Ticket

PAGE = 500
KEEP_PAGES = 40
Index = QModelIndex | QPersistentModelIndex


def decoded_rows(session: Any, events: list[Any]) -> list[dict[str, Any]]:
    """Decode raw events into the CLI's event dicts (plus the raw bytes)."""
    out = []
    for ev in events:
        d = session.codec.decode(ev.state)
        row = event_json(ev, d)
        row["raw"] = ev.state
        out.append(row)
    domain = getattr(getattr(session, "replayer", None), "domain", None)
    if domain is not None and getattr(session.replayer, "mode", "auto") != "generic":
        # As the CLI's events: the application's own codec decodes what it wrote.
        from inspector.core.domain_decode import DomainDecoder, apply_domain_view

        apply_domain_view(DomainDecoder(domain, session.codec), events, out)
    return out


class EventsModel(QAbstractTableModel):
    HEADERS = ("Version", "Time", "Type", "Size", "Changes")
    CHANGES = 4
    pageLoaded = Signal(int)  # first row of the page that arrived
    sortRefused = Signal(str)  # why a header click cannot sort (the store pages by version)
    loadFailed = Signal(str)

    def __init__(self, runner: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: Any = None
        self.stream: str | None = None
        self.first_version = 1
        self.count = 0
        self.pages: OrderedDict[int, list[dict[str, Any] | None]] = OrderedDict()
        self.requested: set[int] = set()
        self._epoch = 0
        # version -> one-line summary of what its event changed (filled by the window)
        self.summaries: OrderedDict[int, str] = OrderedDict()
        self.descending = False  # newest version first
        self.summary_placeholder = "…"  # "" when no replay can compute the summaries

    # -- configuration ------------------------------------------------------------------------
    def set_stream(self, session: Any, stream: str | None, first: int, last: int) -> None:
        self.beginResetModel()
        self._epoch += 1
        self.runner.cancel_prefix("events-page")
        self.session = session
        self.stream = stream
        self.first_version = first
        self.count = 0 if stream is None else max(0, last - first + 1)
        self.pages.clear()
        self.requested.clear()
        self.summaries.clear()
        self.endResetModel()

    def clear(self) -> None:
        self.set_stream(None, None, 1, 0)

    def extend_to(self, last: int) -> None:
        """Live mode: the stream grew to ``last``."""
        new_count = last - self.first_version + 1
        if self.stream is None or new_count <= self.count:
            return
        old = self.count
        # the last page may have been partial: forget it so it reloads
        last_page = (old - 1) // PAGE if old else 0
        self.pages.pop(last_page, None)
        self.requested.discard(last_page)
        if self.descending:  # the new versions are the top rows
            self.beginInsertRows(QModelIndex(), 0, new_count - old - 1)
        else:
            self.beginInsertRows(QModelIndex(), old, new_count - 1)
        self.count = new_count
        self.endInsertRows()

    @property
    def last_version(self) -> int:
        return self.first_version + self.count - 1

    def row_of_version(self, version: int) -> int:
        i = version - self.first_version
        return self.count - 1 - i if self.descending else i

    def version_of_row(self, row: int) -> int:
        return self.first_version + (self.count - 1 - row if self.descending else row)

    # -- sorting ------------------------------------------------------------------------------
    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Version ascending or descending (the store pages a stream by version, both ways:
        rows map to versions, no page is re-read). Other columns cannot be sorted without
        reading the whole stream: ``sortRefused`` says so and nothing changes."""
        if column != 0:
            name = self.HEADERS[column] if 0 <= column < len(self.HEADERS) else str(column)
            self.sortRefused.emit(
                f"sorting by {name} is not available: the store pages events by version"
            )
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if descending == self.descending:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        self.descending = descending
        new = [self.index(self.count - 1 - i.row(), i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- change summaries ---------------------------------------------------------------------
    def set_summary(self, version: int, text: str) -> None:
        """What the event at ``version`` changed (one line, see core.change_summary)."""
        self.summaries[version] = text
        self.summaries.move_to_end(version)
        while len(self.summaries) > KEEP_PAGES * 25:
            self.summaries.popitem(last=False)
        row = self.row_of_version(version)
        if 0 <= row < self.count:
            idx = self.index(row, self.CHANGES)
            self.dataChanged.emit(idx, idx)

    # -- pages --------------------------------------------------------------------------------
    def event_at(self, row: int) -> dict[str, Any] | None:
        """The decoded event of ``row`` if loaded; otherwise request its page and return None."""
        if not 0 <= row < self.count:
            return None
        pos = self.version_of_row(row) - self.first_version
        page_no = pos // PAGE
        page = self.pages.get(page_no)
        if page is None:
            self._request(page_no)
            return None
        self.pages.move_to_end(page_no)
        i = pos - page_no * PAGE
        return page[i] if i < len(page) else None

    def ensure_loaded(self, row: int) -> None:
        self.event_at(row)

    def _request(self, page_no: int) -> None:
        if page_no in self.requested or self.session is None or self.stream is None:
            return
        self.requested.add(page_no)
        session, stream, epoch = self.session, self.stream, self._epoch
        lo = self.first_version + page_no * PAGE
        hi = lo + PAGE - 1

        def work(ticket: Ticket) -> Any:
            events = session.store.stream_events(stream, lo, hi)
            ticket.check()
            return decoded_rows(session, events)

        def done(rows: list[dict[str, Any]]) -> None:
            if epoch != self._epoch:
                return
            page: list[dict[str, Any] | None] = [None] * PAGE
            for r in rows:
                if type(r["version"]) is not int:  # a damaged row: the log tab shows it
                    continue
                i = r["version"] - lo
                if 0 <= i < PAGE:
                    page[i] = r
            self.pages[page_no] = page
            self.requested.discard(page_no)
            while len(self.pages) > KEEP_PAGES:
                self.pages.popitem(last=False)
            first = page_no * PAGE
            last = min(self.count, first + PAGE) - 1
            if self.descending:
                first, last = self.count - 1 - last, self.count - 1 - first
            if last >= first:
                self.dataChanged.emit(self.index(first, 0), self.index(last, len(self.HEADERS) - 1))
            self.pageLoaded.emit(first)

        def failed(message: str) -> None:
            if epoch == self._epoch:
                self.requested.discard(page_no)
                self.loadFailed.emit(message)

        self.runner.submit(f"events-page-{page_no}", work, done, failed, label="events")

    # -- Qt model API -------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self.count

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return self.version_of_row(row)
            ev = self.event_at(row)
            if ev is None:
                return "…"
            if col == 1:
                return short_time(ev["timestamp"]) if ev["error"] is None else "(undecodable)"
            if col == 2:
                return short_topic(ev["topic"]).rsplit(".", 1)[-1]
            if col == self.CHANGES:
                return self.summaries.get(self.version_of_row(row), self.summary_placeholder)
            return human_size(ev["size"])
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 3):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            ev = self.event_at(row) if col else None
            if ev is not None and ev["error"] is not None:
                return QBrush(QColor("#d03030"))
        if role == Qt.ItemDataRole.ToolTipRole:
            ev = self.event_at(row)
            if ev is not None:
                tip = f"{ev['topic']}\nposition {ev['position']}"
                if col == 1 and ev["error"] is None:  # the whole time (the cell may be compact)
                    tip = f"{short_time(ev['timestamp'])}\n{tip}"
                summary = self.summaries.get(self.version_of_row(row))
                if col == self.CHANGES and summary:
                    tip = f"changed: {summary}\n{tip}"
                if ev["error"]:
                    tip += f"\nerror: {ev['error']}"
                return tip
        if role == Qt.ItemDataRole.UserRole:
            return self.event_at(row)
        return None
