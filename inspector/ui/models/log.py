"""The global log (notification order) as a lazy, append-only table."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from inspector.ui.format import short_time, short_topic
from inspector.ui.models.events import decoded_rows
from inspector.ui.models.lazy import Index, LazyPagesModel
from inspector.ui.workers import Ticket

PAGE = 200


class LogModel(LazyPagesModel):
    HEADERS = ("Position", "Stream", "Version", "Type", "Time")

    def set_session(self, session: Any) -> None:
        self.beginResetModel()
        self._epoch += 1
        self.session = session
        self.rows = []
        self.exhausted = session is None
        self.pending = False
        self.endResetModel()
        self.runner.cancel("log-page")
        if session is not None:
            self._request()

    @property
    def last_position(self) -> int | None:
        return self.rows[-1]["position"] if self.rows else None

    def poll(self) -> None:
        """Live mode: look for events after the last loaded one (only once fully scrolled)."""
        if self.session is not None and self.exhausted and not self.pending:
            self._request()

    def _request(self) -> None:
        session, after, epoch = self.session, self.last_position, self._epoch
        self.pending = True

        def work(ticket: Ticket) -> Any:
            events = session.store.log(after, PAGE)
            ticket.check()
            return decoded_rows(session, events)

        def done(rows: list[dict[str, Any]]) -> None:
            if self._append(epoch, rows):
                self.exhausted = len(rows) < PAGE
                self.pageLoaded.emit(len(self.rows))

        self.runner.submit(
            "log-page", work, done, lambda m: self._failed(epoch, m), label="global log"
        )

    def data(self, index: Index, role: int = 0) -> Any:
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        ev = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                ev["position"],
                ev["stream"],
                ev["version"],
                short_topic(ev["topic"]),
                short_time(ev["timestamp"]) if ev["error"] is None else "(undecodable)",
            )[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 2):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and ev["error"] is not None:
            return QBrush(QColor("#d03030"))
        if role == Qt.ItemDataRole.ToolTipRole:
            return ev["topic"] + (f"\nerror: {ev['error']}" if ev["error"] else "")
        if role == Qt.ItemDataRole.UserRole:
            return ev
        return None
