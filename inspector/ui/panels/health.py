"""Health panel: the whole-store replay check (``event-inspector check``) in the window.

The scan (:func:`inspector.core.health_run.run_check`) runs on the task runner's pool, never on
the UI thread, with progress (events, rate, ETA) and Cancel; an interrupted scan resumes from
its checkpoint the next time (the panel says so). Results are the same groups as the CLI's:
one row per cause (kind, topic, error, count) with its examples as child rows; double-clicking
an example (or pressing Enter on it) opens that stream at the failing version.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.panels.base import OpsPanel
from inspector.ui.workers import TaskRunner, Ticket

CHANNEL = "health-check"


def options_for_session(session: Any, jobs: int = 1) -> Any:
    """The check options of a window session (its connection request), or None."""
    from inspector.core.health_run import CheckOptions

    req = getattr(session, "request", None)
    if req is None or not getattr(req, "location", None):
        return None
    return CheckOptions(
        location=req.location, schema=getattr(req, "schema", None),
        app=getattr(req, "app", None), password=getattr(req, "password", None),
        cipher_key=getattr(req, "cipher_key", None) or getattr(
            getattr(session, "codec", None), "cipher_key_text", None),
        paths=list(getattr(req, "paths", None) or []), app_class=getattr(req, "app_class", None),
        jobs=jobs,
    )


class HealthPanel(OpsPanel):
    eventActivated = Signal(str, int)  # stream, version: open it there
    finished = Signal(dict)  # the report

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent, runner)
        self.options: Any = None
        self.report: dict[str, Any] | None = None
        self.status = QLabel("Replays every aggregate with the current code and groups "
                             "failures by cause. Needs the application's code (--path / "
                             "--app-class in the connection).")
        self.status.setWordWrap(True)
        self.run_btn = QPushButton("Run check")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setEnabled(False)
        self.jobs = QSpinBox()
        self.jobs.setRange(1, 16)
        self.jobs.setPrefix("jobs ")
        self.jobs.setToolTip("worker processes")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(5)
        self.tree.setHeaderLabels(["kind", "count", "topic", "error", "stream / version"])
        self.tree.itemActivated.connect(self._activated)
        self.tree.itemDoubleClicked.connect(self._activated)
        self.suggestions = QPlainTextEdit()
        self.suggestions.setReadOnly(True)
        self.suggestions.setMaximumHeight(90)
        self.suggestions.setPlaceholderText("register_topic suggestions appear here")
        self.run_btn.clicked.connect(self.run)
        self.cancel_btn.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        for w in (self.run_btn, self.jobs, self.cancel_btn):
            buttons.addWidget(w)
        buttons.addWidget(self.progress, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.suggestions)
        self._update_buttons()

    # -- context ------------------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        self.runner.cancel(CHANNEL)
        self.report = None
        self.tree.clear()
        self.suggestions.clear()
        self.options = options_for_session(session)
        super().set_session(session)

    def set_options(self, options: Any) -> None:
        """Give the check options directly (tests, or a window without a request)."""
        self.options = options
        self._update_buttons()

    def context_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        have = self.options is not None and bool(self.options.paths or self.options.app_class)
        running = self.runner.is_busy(CHANNEL)
        self.run_btn.setEnabled(have and not running)
        self.cancel_btn.setEnabled(running)
        if self.options is not None and not have:
            self.status.setText("The check needs the application's code: open the store with "
                                "a code folder (--path) or an application class (--app-class).")

    # -- running ------------------------------------------------------------------------------
    def run(self) -> None:
        if self.options is None:
            return
        from dataclasses import replace

        from inspector.core.health_run import run_check

        opts = replace(self.options, jobs=int(self.jobs.value()))
        notes: list[str] = []

        def work(ticket: Ticket) -> dict[str, Any]:
            return run_check(opts, progress=ticket.progress, cancelled=ticket.cancelled,
                             notes=notes.append)

        self.tree.clear()
        self.suggestions.clear()
        self.progress.setValue(0)
        self.progress.setFormat("starting…")
        self.status.setText("Checking…")
        self.runner.submit(CHANNEL, work, self._done, self._failed, self._progress,
                           label="health check")
        self._notes = notes
        self._update_buttons()

    def cancel(self) -> None:
        self.runner.cancel(CHANNEL)
        self.status.setText("Cancelled. Run the check again to resume where it stopped.")
        self.progress.setFormat("cancelled")
        self._update_buttons()

    def _progress(self, p: Any) -> None:
        if p.total:
            self.progress.setValue(int(1000 * min(1.0, p.events / p.total)))
        self.progress.setFormat(p.text().replace("check: ", ""))

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.progress.setFormat("failed")
        self.show_error(message)
        self._update_buttons()

    def _done(self, rep: dict[str, Any]) -> None:
        self.report = rep
        self.progress.setValue(1000)
        self.progress.setFormat("done")
        head = "Healthy" if rep["healthy"] else "UNHEALTHY"
        rate = rep.get("rate")
        text = (f"{head}: {rep['streams']:,} streams, {rep['events']:,} events, "
                f"{rep.get('snapshots', 0):,} snapshots in {rep['seconds']:.1f} s"
                + (f" ({rate:,.0f} events/s)" if rate else ""))
        if rep.get("resumed"):
            text += " · resumed from an interrupted check"
        notes = [n for n in getattr(self, "_notes", []) if "resuming" not in n]
        if notes:
            text += " · " + "; ".join(notes)
        self.status.setText(text)
        self._fill(rep)
        self.finished.emit(rep)
        self._update_buttons()

    def _fill(self, rep: dict[str, Any]) -> None:
        self.tree.clear()
        for g in rep["groups"]:
            top = QTreeWidgetItem([g["kind"], str(g["count"]), g["topic"] or "", g["error"], ""])
            top.setToolTip(3, g["error"])
            for e in g["examples"]:
                child = QTreeWidgetItem(["", "", "", f"position {e['position']}",
                                         f"{e['stream']} v{e['version']}"])
                child.setData(0, Qt.ItemDataRole.UserRole, (e["stream"], e["version"]))
                top.addChild(child)
            if g["examples"]:
                ex = g["examples"][0]
                top.setText(4, f"{ex['stream']} v{ex['version']}")
                top.setData(0, Qt.ItemDataRole.UserRole, (ex["stream"], ex["version"]))
            self.tree.addTopLevelItem(top)
        for i in range(5):
            self.tree.resizeColumnToContents(i)
        self.suggestions.setPlainText("\n".join(
            f"{s['topic']}:  {s['suggest']}" for s in rep.get("suggestions", [])))

    def _activated(self, item: QTreeWidgetItem, _col: int = 0) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if data and data[1] is not None:
            self.eventActivated.emit(str(data[0]), int(data[1]))
