"""Snapshots panel: list a stream's snapshots, view and verify them, take and delete (write mode).

All store work runs on the task runner's pool; writes go through the core's plans
(:mod:`inspector.core.snapshots`): the exact plan is shown and confirmed before anything runs.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.panels.base import OpsPanel
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import compact_table, mono_font
from inspector.ui.workers import TaskRunner, Ticket

COLUMNS = ("Version", "Timestamp", "Size", "OK", "Differences")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class SnapshotsPanel(OpsPanel):
    snapshotsChanged = Signal(list)  # versions, for the timeline markers
    versionActivated = Signal(int)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent, runner)
        self.stream: str | None = None
        self.rows: list[dict[str, Any]] = []
        self.status = QLabel("Open a stream to see its snapshots.")
        self.status.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        compact_table(self.table)
        fit_columns(self.table, elastic=(4,), min_elastic_px=90)
        install_copy(self.table)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.table.cellDoubleClicked.connect(
            lambda r, _c: self.versionActivated.emit(int(self.rows[r]["version"])))
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setFont(mono_font())
        self.detail.setPlaceholderText("Select a snapshot to see its state and raw bytes.")
        self.refresh_btn = QPushButton("Refresh")
        self.verify_btn = QPushButton("Verify")
        self.verify_btn.setToolTip("Compare each snapshot with the state replayed from events")
        self.version_box = QSpinBox()
        self.version_box.setPrefix("v")
        self.version_box.setRange(0, 2**31 - 1)
        self.version_box.setSpecialValueText("last version")  # 0: take at the last version
        self.take_btn = QPushButton("Take…")
        self.delete_btn = QPushButton("Delete…")
        self.write_btn = QPushButton("Enable write mode…")
        self.refresh_btn.clicked.connect(self.refresh)
        self.verify_btn.clicked.connect(self.verify)
        self.take_btn.clicked.connect(lambda: self.take(self.version_box.value()))
        self.delete_btn.clicked.connect(self.delete_selected)
        self.write_btn.clicked.connect(self.request_write_mode)
        # Two rows, so a narrow tab never clips a button: reading, then writing.
        buttons = QVBoxLayout()
        read_row = QHBoxLayout()
        for w in (self.refresh_btn, self.verify_btn):
            read_row.addWidget(w)
        read_row.addStretch(1)
        read_row.addWidget(self.write_btn)
        write_row = QHBoxLayout()
        for w in (self.version_box, self.take_btn, self.delete_btn):
            write_row.addWidget(w)
        write_row.addStretch(1)
        buttons.addLayout(read_row)
        buttons.addLayout(write_row)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(buttons)
        lay.addWidget(self.status)
        lay.addWidget(split, 1)
        self._update_buttons()

    # -- context ------------------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        """Another store: nothing of the previous store's stream stays (rows, detail, status)."""
        self.stream = None
        self.rows = []
        self._fill()
        self.detail.clear()
        self.status.setText("Open a stream to see its snapshots.")
        super().set_session(session)

    def context_changed(self) -> None:
        self._update_buttons()
        if self.stream is not None and self.store is not None:
            self.refresh()

    def set_stream(self, stream: str | None) -> None:
        self.stream = stream
        self.rows = []
        self._fill()
        if stream is None or self.store is None:
            self.status.setText("Open a stream to see its snapshots.")
        else:
            self.refresh()
        self._update_buttons()

    def write_mode_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        have = self.stream is not None and self.store is not None
        domain = have and self._domain_mode()
        self.refresh_btn.setEnabled(have)
        self.verify_btn.setEnabled(have and self.replayer is not None)
        self.take_btn.setEnabled(have and self.write_enabled and domain)
        self.version_box.setEnabled(have and domain)
        self.delete_btn.setEnabled(have and self.write_enabled and bool(self.rows))
        self.write_btn.setVisible(not self.write_enabled)
        why = "" if self.write_enabled else "Switch write mode on first. "
        if have and not domain:
            why += ("Taking snapshots needs domain mode: a generic state is only an "
                    "approximation of the aggregate the library restores.")
        self.take_btn.setToolTip(why or "Take a snapshot at this version, as the library would")

    def _domain_mode(self) -> bool:
        if self.replayer is None or self.stream is None:
            return False
        try:
            return bool(self.replayer.mode_for(self.stream) == "domain")
        except Exception:  # noqa: BLE001 - a label must not raise
            return False

    # -- reading ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.store is None or self.stream is None:
            return
        store, codec, stream = self.store, self.codec, self.stream

        def work(ticket: Ticket) -> list[dict[str, Any]]:
            from inspector.core.snapshots import list_snapshots

            return list_snapshots(store, codec, stream)

        self.status.setText("Loading snapshots…")
        self.runner.submit("snapshots-list", work, self._loaded, self._failed, label="snapshots")

    def verify(self) -> None:
        if self.replayer is None or self.stream is None:
            return
        rp, stream = self.replayer, self.stream
        self.status.setText("Verifying snapshots against the replayed state…")
        self.runner.submit("snapshots-list", lambda t: rp.verify_snapshots(stream), self._loaded,
                           self._failed, label="verify snapshots")

    def _loaded(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self._fill()
        n = len(rows)
        bad = [r for r in rows if r.get("ok") is False]
        text = f"{n} snapshot{'s' if n != 1 else ''}"
        if any(r.get("ok") is not None for r in rows):
            text += " · all match the replayed state" if not bad else f" · {len(bad)} DRIFT"
        self.status.setText(text)
        self.snapshotsChanged.emit([int(r["version"]) for r in rows])
        self._update_buttons()

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.show_error(message)
        self._update_buttons()

    def _fill(self) -> None:
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            ok = r.get("ok")
            diffs = r.get("error") or ", ".join(
                ".".join(map(str, p)) for p in (r.get("differences") or []))
            cells = [r["version"], r.get("timestamp") or "", r["size"],
                     "" if ok is None else ("yes" if ok else "NO"), diffs]
            for j, v in enumerate(cells):
                item = QTableWidgetItem(str(v))
                if j in (0, 2):
                    item.setTextAlignment(RIGHT)
                self.table.setItem(i, j, item)
        self.table.column_fitter.refit()
        self.detail.clear()

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or self.store is None or self.stream is None:
            return
        version = int(self.rows[rows[0].row()]["version"])
        self.version_box.setValue(version)
        store, codec, stream = self.store, self.codec, self.stream

        def work(ticket: Ticket) -> str:
            snap = next((s for s in store.snapshots(stream) if s.version == version), None)
            if snap is None:
                return "(snapshot gone)"
            d = codec.decode(snap.state)
            body = json.dumps(d.data, indent=2, ensure_ascii=False, default=str) \
                if d.error is None else f"cannot decode: {d.error}"
            return (f"version {version} · topic {snap.topic} · {len(snap.state)} bytes\n\n{body}"
                    f"\n\nraw: {snap.state[:256].hex()}{'…' if len(snap.state) > 256 else ''}")

        self.runner.submit("snapshot-view", work, self.detail.setPlainText, self._failed,
                           label="snapshot")

    # -- writing ------------------------------------------------------------------------------
    def take(self, version: int | None = None) -> None:
        if not self.write_enabled or self.store is None or self.stream is None:
            self._failed("write mode is off: nothing was written")
            return
        store, codec, rp, stream = self.store, self.codec, self.replayer, self.stream

        def plan(ticket: Ticket) -> Any:
            from inspector.core.snapshots import prepare_take

            return prepare_take(store, codec, rp, stream, version or None)

        self.status.setText("Preparing the snapshot…")
        self.runner.submit("snapshots-write", plan, self._confirm_and_run, self._failed,
                           label="snapshot take")

    def delete_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        versions = [int(self.rows[i.row()]["version"]) for i in rows]
        self.delete(versions)

    def delete(self, versions: list[int]) -> None:
        if not self.write_enabled or self.store is None or self.stream is None or not versions:
            self._failed("write mode is off or no snapshot selected: nothing was written")
            return
        store, stream = self.store, self.stream

        def plan(ticket: Ticket) -> Any:
            from inspector.core.snapshots import prepare_delete

            return prepare_delete(store, stream, versions)

        self.runner.submit("snapshots-write", plan, self._confirm_and_run, self._failed,
                           label="snapshot delete")

    def _confirm_and_run(self, prepared: Any) -> None:
        if not self.confirm(prepared.plan):
            self.status.setText("Not confirmed: nothing was written.")
            return
        store = self.store

        def run(ticket: Ticket) -> str:
            from inspector.core.snapshots import execute

            execute(prepared, store, write_enabled=True)
            return f"{prepared.plan.action}: done ({prepared.plan.row_count} row(s)), logged"

        def done(text: str) -> None:
            self.status.setText(text)
            if self.replayer is not None and self.stream is not None:
                self.replayer.refresh(self.stream)
            self.refresh()

        self.runner.submit("snapshots-write", run, done, self._failed, label=prepared.plan.action)
