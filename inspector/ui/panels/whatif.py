"""What-if panel: the open stream replayed without some events, or with an event edited.

Versions to skip are typed (``3, 5``) or added from the timeline (:meth:`WhatIfPanel.skip`); an
edit is an event version plus a JSON object of attributes to replace in its decoded payload.
The replay (:func:`inspector.core.whatif.whatif`) runs in memory on the task runner's pool;
the panel shows the changed state, its differences from the real state, and per version from
the first change on which paths differ (double-click a version to go there in the timeline).
A failure the change causes is shown as such.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.panels.base import OpsPanel
from inspector.ui.workers import TaskRunner, Ticket

CHANNEL = "whatif"


class WhatIfPanel(OpsPanel):
    eventActivated = Signal(str, int)
    finished = Signal(dict)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent, runner)
        self.stream: str | None = None
        self.result: dict[str, Any] | None = None
        self.status = QLabel("Open a stream, then skip events or edit one to see what would "
                             "have happened (in memory only).")
        self.status.setWordWrap(True)
        self.skip_edit = QLineEdit()
        self.skip_edit.setPlaceholderText("versions to skip, e.g. 3, 5")
        self.edit_version = QSpinBox()
        self.edit_version.setRange(0, 2**31 - 1)
        self.edit_version.setPrefix("edit v")
        self.edit_version.setSpecialValueText("no edit")
        self.edit_json = QPlainTextEdit()
        self.edit_json.setPlaceholderText('attributes to replace, e.g. {"amount": "12.50"}')
        self.edit_json.setMaximumHeight(60)
        self.run_btn = QPushButton("Run what-if")
        self.run_btn.clicked.connect(self.run)
        self.state_view = QPlainTextEdit()
        self.state_view.setReadOnly(True)
        self.diff_table = self._table(["path", "op", "real", "what-if"])
        self.versions_table = self._table(["version", "differing paths"])
        self.versions_table.cellDoubleClicked.connect(self._go)
        tabs = QTabWidget()
        tabs.addTab(self.diff_table, "Differences")
        tabs.addTab(self.versions_table, "Per version")
        tabs.addTab(self.state_view, "What-if state")
        row = QHBoxLayout()
        row.addWidget(self.skip_edit, 1)
        row.addWidget(self.edit_version)
        row.addWidget(self.run_btn)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.edit_json)
        split.addWidget(tabs)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(row)
        lay.addWidget(self.status)
        lay.addWidget(split, 1)
        self._update()

    @staticmethod
    def _table(headers: list[str]) -> QTableWidget:
        t = QTableWidget(0, len(headers))
        t.setHorizontalHeaderLabels(headers)
        t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        t.horizontalHeader().setStretchLastSection(True)
        return t

    # -- context ------------------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        self.runner.cancel(CHANNEL)
        self.stream = None
        self._clear()
        super().set_session(session)

    def set_stream(self, stream: str | None) -> None:
        self.runner.cancel(CHANNEL)
        self.stream = stream
        self.skip_edit.clear()
        self.edit_version.setValue(0)
        self.edit_json.clear()
        self._clear()
        self._update()

    def context_changed(self) -> None:
        self._update()

    def _update(self) -> None:
        self.run_btn.setEnabled(self.stream is not None and self.replayer is not None)

    def _clear(self) -> None:
        self.result = None
        self.state_view.clear()
        self.diff_table.setRowCount(0)
        self.versions_table.setRowCount(0)

    def skip(self, version: int) -> None:
        """Add ``version`` to the versions to skip (the timeline's "skip this event")."""
        have = [v.strip() for v in self.skip_edit.text().split(",") if v.strip()]
        if str(version) not in have:
            have.append(str(version))
        self.skip_edit.setText(", ".join(have))

    # -- running ------------------------------------------------------------------------------
    def run(self) -> None:
        if self.stream is None or self.replayer is None:
            return
        from inspector.core.whatif import parse_versions, whatif

        try:
            skip = parse_versions(self.skip_edit.text()) if self.skip_edit.text().strip() else []
            edits: dict[int, dict[str, Any]] = {}
            if self.edit_version.value():
                text = self.edit_json.toPlainText().strip() or "{}"
                obj = json.loads(text)
                if not isinstance(obj, dict):
                    raise ValueError("the edit must be a JSON object of attributes")
                edits[int(self.edit_version.value())] = obj
        except Exception as exc:  # noqa: BLE001 - bad input becomes a message
            self.status.setText(f"{exc}")
            self.show_error(str(exc))
            return
        rp, stream = self.replayer, self.stream
        self.status.setText("Replaying…")

        def work(ticket: Ticket) -> dict[str, Any]:
            return whatif(rp, stream, skip=skip, edits=edits)

        self.runner.submit(CHANNEL, work, self._done, self._failed, label="what-if replay")

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.show_error(message)

    def _done(self, out: dict[str, Any]) -> None:
        self.result = out
        err = out.get("error")
        what = []
        if out["skip"]:
            what.append("without " + ", ".join(f"v{v}" for v in out["skip"]))
        if out["edited"]:
            what.append("with " + ", ".join(f"v{v}" for v in out["edited"]) + " edited")
        text = f"What-if ({out['mode']}) {' and '.join(what)}: "
        n = len(out["differences"])
        text += f"{n} difference{'s' if n != 1 else ''} from the real state at v{out['version']}"
        if out.get("from_snapshot") is not None:
            text += f" (from the snapshot at v{out['from_snapshot']})"
        if err is not None:
            cause = ("CAUSED BY THE CHANGE" if err.get("caused_by_change")
                     else "also in the real replay")
            text += (f" · replay stopped at v{err['version']} ({cause}): {err['message']}")
        self.status.setText(text)
        self.state_view.setPlainText(json.dumps(out["state"], indent=2, ensure_ascii=False,
                                                default=str))
        rows = out["differences"]
        self.diff_table.setRowCount(len(rows))
        for i, c in enumerate(rows):
            cells = [".".join(map(str, c["path"])), c["op"], json.dumps(c["old"], default=str),
                     json.dumps(c["new"], default=str)]
            for j, v in enumerate(cells):
                self.diff_table.setItem(i, j, QTableWidgetItem(v))
        versions = [v for v in out["versions"] if "version" in v]
        self.versions_table.setRowCount(len(versions))
        for i, v in enumerate(versions):
            paths = ", ".join(".".join(map(str, p)) for p in v["differences"][:8])
            if len(v["differences"]) > 8:
                paths += f" (+{len(v['differences']) - 8})"
            self.versions_table.setItem(i, 0, QTableWidgetItem(str(v["version"])))
            self.versions_table.setItem(i, 1, QTableWidgetItem(paths or "same"))
        self.finished.emit(out)

    def _go(self, row: int, _col: int) -> None:
        item = self.versions_table.item(row, 0)
        if item is not None and self.stream is not None:
            self.eventActivated.emit(self.stream, int(item.text()))
