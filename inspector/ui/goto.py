"""Go to stream (Ctrl+L): type an id or its beginning; the store completes it.

Each pause in typing asks the store for the first streams whose id starts with the text (the
same keyset prefix query as the streams list, :func:`inspector.core.browse.streams_page`, on the
task runner); they drop down under the field. Enter opens the typed stream, or the one
completion when the text is the beginning of exactly one id.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer
from PySide6.QtWidgets import QCompleter, QLineEdit

from inspector.ui.workers import TaskRunner, Ticket

LIMIT = 20
CHANNEL = "goto-complete"


class StreamGoto(QObject):
    def __init__(
        self,
        edit: QLineEdit,
        runner: TaskRunner,
        session: Callable[[], Any],
        open_stream: Callable[[str], None],
    ) -> None:
        super().__init__(edit)
        self.edit = edit
        self.runner = runner
        self.session = session
        self.open_stream = open_stream
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setMaxVisibleItems(12)
        edit.setCompleter(self.completer)
        self.completer.activated.connect(self._chosen)
        self.prefix = ""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(150)
        self._timer.timeout.connect(self.query)
        edit.textEdited.connect(lambda _t: self._timer.start())
        edit.returnPressed.connect(self.entered)

    def reset(self) -> None:
        """Another store opened: its ids, not the last store's."""
        self._timer.stop()
        self.runner.cancel(CHANNEL)
        self.model.setStringList([])
        self.prefix = ""

    def query(self) -> None:
        text = self.edit.text().strip()
        session = self.session()
        if session is None or not text:
            self.model.setStringList([])
            return

        def work(ticket: Ticket) -> list[str]:
            from inspector.core.browse import streams_page

            page = streams_page(session.store, session.codec, None, LIMIT, text)
            return [str(r["id"]) for r in page.rows]

        def done(ids: list[str]) -> None:
            if self.edit.text().strip() != text:
                return  # typed on meanwhile: a newer query follows
            self.prefix = text
            self.model.setStringList(ids)
            if ids and self.edit.hasFocus():
                self.completer.setCompletionPrefix(text)
                self.completer.complete()

        self.runner.submit(CHANNEL, work, done, lambda _m: None, label="")

    def completions(self) -> list[str]:
        return list(self.model.stringList())

    def resolve(self, text: str) -> str:
        """``text``, or the one known id it is the beginning of."""
        ids = [i for i in self.completions() if i.lower().startswith(text.lower())]
        if text in ids or len(ids) != 1:
            return text
        return ids[0]

    def entered(self) -> None:
        text = self.edit.text().strip()
        if text:
            self.open_stream(self.resolve(text))

    def _chosen(self, text: str) -> None:
        self.edit.setText(text)
        self.open_stream(text)
