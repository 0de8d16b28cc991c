"""Streams as a lazy table: keyset pages fetched in the background as the view scrolls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from inspector.core.browse import StreamsPage, streams_page
from inspector.ui.format import short_topic
from inspector.ui.models.lazy import Index, LazyPagesModel
from inspector.ui.workers import TaskRunner, Ticket

PAGE = 200


class StreamsModel(LazyPagesModel):
    """Rows ``{"id", "version", "type"}``; ``fetchMore`` asks the runner for the next page."""

    HEADERS = ("Stream", "Version", "Type")

    def __init__(self, runner: TaskRunner, parent: Any = None) -> None:
        super().__init__(runner, parent)
        self.prefix: str | None = None
        self.type_filter: str | None = None
        # Aggregate types of a catalog that is up to date with the store: a filter on one of
        # these pages through the catalog's index (exact, no scan cap) instead of scanning.
        self.catalog_types: frozenset[str] = frozenset()
        self.cursor: str | None = None
        self.capped = False

    # -- configuration ------------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        self.session = session
        self.catalog_types = frozenset()  # until this store's catalog is up to date
        self.reload()

    def set_filter(self, prefix: str | None, type_filter: str | None) -> None:
        self.prefix = (prefix or "").strip() or None
        self.type_filter = (type_filter or "").strip() or None
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self.rows = []
        self.cursor = None
        self.exhausted = self.session is None
        self.capped = False
        self.pending = False
        self._epoch += 1
        self.endResetModel()
        self.runner.cancel("streams-page")
        if self.session is not None:
            self._request()

    # -- lazy loading -------------------------------------------------------------------------
    def _request(self) -> None:
        session, cursor, prefix, type_filter = (
            self.session,
            self.cursor,
            self.prefix,
            self.type_filter,
        )
        epoch = self._epoch
        self.pending = True

        use_catalog = bool(type_filter) and not prefix and type_filter in self.catalog_types

        def work(ticket: Ticket) -> Any:
            if use_catalog:
                return catalog_streams_page(session.store, session.codec, type_filter, cursor)
            return streams_page(
                session.store, session.codec, cursor, PAGE, prefix, type_filter, scan_cap=5000,
                cancelled=ticket.cancelled,  # a store listed from its catalog may scan first
            )

        def done(page: Any) -> None:
            if self._append(epoch, page.rows):
                self.cursor = page.scanned_to or self.cursor
                self.exhausted = page.exhausted
                self.capped = page.capped
                self.pageLoaded.emit(len(self.rows))

        self.runner.submit(
            "streams-page", work, done, lambda m: self._failed(epoch, m), label="streams"
        )

    # -- sorting ------------------------------------------------------------------------------
    def sort_refusal(self, column: int, descending: bool) -> str | None:
        """Why a header click cannot re-order the list (None: it is already in that order).

        The stores page streams by keyset on the id, ascending only; any other order would
        need every stream read first."""
        name = self.HEADERS[column] if 0 <= column < len(self.HEADERS) else str(column)
        if column == 0 and not descending:
            return None
        how = f"{name} descending" if column == 0 else name
        return f"sorting by {how} is not available: the store pages streams by id, ascending"

    # -- Qt model API -------------------------------------------------------------------------

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return row["id"]
            if col == 1:
                return row["version"]
            return short_topic(row["type"]) or "?"
        if role == Qt.ItemDataRole.ToolTipRole:
            src = row.get("type_source")
            how = " (guessed from the first event's topic)" if src == "topic" else ""
            return (
                f"{row['id']}\nlast version {row['version']}\ntype {row['type'] or 'unknown'}{how}"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    def stream_at(self, row: int) -> dict[str, Any] | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def row_of(self, stream_id: str) -> int:
        for i, r in enumerate(self.rows):
            if r["id"] == stream_id:
                return i
        return -1

    def update_version(self, stream_id: str, version: int) -> None:
        i = self.row_of(stream_id)
        if i >= 0 and self.rows[i]["version"] != version:
            self.rows[i]["version"] = version
            idx = self.index(i, 1)
            self.dataChanged.emit(idx, idx)


def catalog_streams_page(store: Any, codec: Any, type_: str, after: str | None) -> StreamsPage:
    """A page of the streams of one aggregate type, from the store's (up to date) catalog."""
    from inspector.core.catalog import Catalog

    cat = Catalog(store, codec)
    try:
        found = cat.streams(type_, after=after, limit=PAGE)
    finally:
        cat.close()
    rows = [
        {"id": r["id"], "version": r["last_version"], "type": r["type"], "type_source": "catalog"}
        for r in found
    ]
    return StreamsPage(rows, rows[-1]["id"] if rows else after, len(rows) < PAGE, False)
