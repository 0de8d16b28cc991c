"""Projections panel: tracking rows with lag (refreshed live), rebuilds with progress/ETA/cancel,
and the built-in catalog (types, events per day by type as a pyqtgraph chart).

A rebuild runs on the task runner's pool; Cancel sets a flag the core checks between events
(within a second), and the core commits what it processed, so the next rebuild resumes there.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.panels.base import OpsPanel
from inspector.ui.widgets.columns import fit_columns, install_copy
from inspector.ui.widgets.common import PlaceholderStack, compact_table, elastic, mono_font
from inspector.ui.widgets.days_chart import make_days_plot, plot_days
from inspector.ui.workers import TaskRunner, Ticket

COLUMNS = ("Name", "Table", "Upstream", "Position", "Head", "Lag")
RESULT_COLUMNS = ("Table", "Live rows", "Rebuilt rows", "Same", "First differences")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
CATALOG = "catalog"
LIVE_REFRESH_MS = 5000


class ProjectionsPanel(OpsPanel):
    rebuildFinished = Signal(dict)
    catalogUpdated = Signal(dict)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent, runner)
        self.entries: list[dict[str, Any]] = []
        self.definitions: dict[str, Any] = {}
        self.result: dict[str, Any] | None = None
        self.catalog_summary: dict[str, Any] | None = None
        self._cancel = threading.Event()
        self._busy = False

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        compact_table(self.table)
        fit_columns(self.table, elastic=(0, 1), min_elastic_px=50)
        install_copy(self.table)
        self.table_stack = PlaceholderStack(self.table, "Open a store to see its tracking rows.")
        self.refresh_btn = QPushButton("Refresh")
        self.live_box = QCheckBox("Live")
        self.live_box.setToolTip(f"Refresh every {LIVE_REFRESH_MS // 1000} s")
        self.timer = QTimer(self)
        self.timer.setInterval(LIVE_REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.live_box.toggled.connect(lambda on: self.timer.start() if on else self.timer.stop())
        self.refresh_btn.clicked.connect(self.refresh)

        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(10)
        self.dry_btn = QPushButton("Dry run")
        self.dry_btn.setToolTip("Rebuild into a scratch target and compare with the live view")
        self.rebuild_btn = QPushButton("Rebuild…")
        self.rebuild_btn.setToolTip("Clear the view and replay the log into it (write mode)")
        self.cancel_btn = QPushButton("Cancel")
        self.write_btn = QPushButton("Enable write mode…")
        self.catalog_btn = QPushButton("Update catalog")
        self.dry_btn.clicked.connect(self.dry_run)
        self.rebuild_btn.clicked.connect(self.rebuild)
        self.cancel_btn.clicked.connect(self.cancel)
        self.write_btn.clicked.connect(self.request_write_mode)
        self.catalog_btn.clicked.connect(self.update_catalog)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)  # the status line wraps in a narrow window
        self.output = QPlainTextEdit()
        self.output.setReadOnly(True)
        self.output.setFont(mono_font())
        self.output.setPlaceholderText("What the dry runs, rebuilds and catalog updates did.")
        # A dry run's comparison, one row per compared table.
        self.result_table = QTableWidget(0, len(RESULT_COLUMNS))
        self.result_table.setHorizontalHeaderLabels(list(RESULT_COLUMNS))
        self.result_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.result_table.setFont(mono_font())
        compact_table(self.result_table)
        fit_columns(self.result_table, elastic=(4,), min_elastic_px=60)
        install_copy(self.result_table)
        self.result_stack = PlaceholderStack(
            self.result_table, "Dry run: rebuild into a scratch target and compare it with the "
            "live view, table by table.")
        self.plot = self._make_plot()
        self.plot_stack = PlaceholderStack(
            self.plot if self.plot is not None else QLabel(),
            "Update the catalog to chart the store's events per day by type.")
        chart = QWidget()  # the catalog's chart with the button that brings it up to date
        cl = QVBoxLayout(chart)
        cl.setContentsMargins(0, 2, 0, 0)
        catalog_row = QHBoxLayout()
        catalog_row.addWidget(self.catalog_btn)
        catalog_row.addStretch(1)
        cl.addLayout(catalog_row)
        cl.addWidget(self.plot_stack, 1)
        self.lower = QTabWidget()
        self.lower.setDocumentMode(True)
        self.lower.addTab(self.result_stack, "Dry-run result")
        self.lower.addTab(self.output, "Log")
        self.lower.addTab(chart, "Events per day")

        top = QHBoxLayout()
        top.addWidget(self.refresh_btn)
        top.addWidget(self.live_box)
        top.addStretch(1)
        top.addWidget(self.write_btn)
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        for w in (self.dry_btn, self.rebuild_btn, self.cancel_btn):
            row.addWidget(w)
        tracking = QWidget()
        tl = QVBoxLayout(tracking)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(QLabel("<b>Tracking positions</b> (one row per tracking record)"))
        tl.addWidget(self.table_stack, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(tracking)
        split.addWidget(self.lower)
        split.setSizes([140, 300])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addLayout(row)
        lay.addWidget(self.progress)
        lay.addWidget(elastic(self.progress_label))
        lay.addWidget(split, 1)
        self._update_buttons()

    def _make_plot(self) -> Any:
        return make_days_plot()

    # -- context ------------------------------------------------------------------------------
    def context_changed(self) -> None:
        self.reset_results()
        self._load_definitions()
        self.refresh()
        self._update_buttons()

    def reset_results(self) -> None:
        """Forget everything shown for the previous store: rows, output, progress, chart."""
        if self._busy:
            self._cancel.set()
        for channel in ("projections-run", "projections-list", "projections-defs"):
            self.runner.cancel(channel)
        self._busy = False
        self.entries = []
        self.result = None
        self.catalog_summary = None
        self.table.setRowCount(0)
        self.table_stack.show_message(
            "Open a store to see its tracking rows." if self.store is None
            else "Loading tracking rows…")
        self.result_table.setRowCount(0)
        self.result_stack.show_message(
            "Dry run: rebuild into a scratch target and compare it with the live view, "
            "table by table.")
        self.plot_stack.show_message(
            "Update the catalog to chart the store's events per day by type.")
        self.output.clear()
        self.progress.setValue(0)
        self.progress_label.setText("")
        self._plot_days([])

    def set_stream(self, stream: str | None) -> None:  # the main window calls this; nothing to do
        return

    def write_mode_changed(self) -> None:
        self._update_buttons()

    def _update_buttons(self) -> None:
        have = self.store is not None
        self.refresh_btn.setEnabled(have and not self._busy)
        self.dry_btn.setEnabled(have and not self._busy)
        self.catalog_btn.setEnabled(have and not self._busy)
        self.rebuild_btn.setEnabled(have and self.write_enabled and not self._busy)
        self.cancel_btn.setEnabled(self._busy)
        self.write_btn.setVisible(not self.write_enabled)

    def _paths(self) -> list[str]:
        req = getattr(self.session, "request", None)
        return list(getattr(req, "paths", None) or [])

    def _domain(self) -> Any:
        dom = getattr(self.replayer, "domain", None)
        if dom is not None:
            return dom
        from inspector.core.domain import load_domain

        req = getattr(self.session, "request", None)
        return load_domain(self._paths(), getattr(req, "app_class", None),
                           getattr(self.codec, "cipher_key_text", None))

    def _load_definitions(self) -> None:
        self.combo.clear()
        self.combo.addItem(CATALOG)
        self.definitions = {}
        if self.store is None:
            return
        paths = self._paths()
        if not paths:
            return
        store = self.store

        def work(ticket: Ticket) -> list[Any]:
            from inspector.core.projections import discover_projections
            from inspector.stores.writer import store_kind

            return discover_projections(paths, store_kind(store))[0]

        def done(defs: list[Any]) -> None:
            for d in defs:
                if d.name not in self.definitions:
                    self.definitions[d.name] = d
                    self.combo.addItem(d.name)

        self.runner.submit("projections-defs", work, done, self._failed, label="projections")

    def add_definition(self, pdef: Any) -> None:
        """Offer a projection definition (e.g. one the user picked by MODULE:CLASS)."""
        self.definitions[pdef.name] = pdef
        if self.combo.findText(pdef.name) < 0:
            self.combo.addItem(pdef.name)
        self.combo.setCurrentText(pdef.name)

    # -- listing ------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self.store is None:
            return
        store = self.store
        db = getattr(self.session, "db", None)
        defs = list(self.definitions.values())

        def work(ticket: Ticket) -> list[dict[str, Any]]:
            from inspector.core.projections import (
                ProjectionDef,
                list_store_projections,
                topic_filters,
            )
            from inspector.stores.writer import store_kind

            store.refresh()
            # Lags count only the topics a projection subscribes to: literal ones read from
            # source, or those of a projection picked (imported) in this panel.
            topics_of = topic_filters(
                [], store_kind(store), [d for d in defs if isinstance(d, ProjectionDef)],
                [d for d in defs if not isinstance(d, ProjectionDef)])
            # Heads and lags come from the upstream application, which may be another one.
            others = db.all_stores() if db is not None else [store]
            return [e.to_json() for e in list_store_projections([store], others, topics_of)]

        self.runner.submit("projections-list", work, self._listed, self._failed,
                           label="projections")

    def _listed(self, entries: list[dict[str, Any]]) -> None:
        self.entries = entries
        self.table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            table = e["table"] + (" (multi-row)" if e.get("multi_row") else "")
            lag = e["lag"]
            for j, v in enumerate((e["name"], table, e["upstream"], e["position"], e["head"],
                                   lag)):
                if j == 5 and lag is not None and not e.get("lag_exact", True):
                    text = f"≥{lag:,}"
                elif j == 5 and lag is None:
                    text = "?" if e.get("lag_note") else ""
                else:
                    text = "" if v is None else (f"{v:,}" if isinstance(v, int) else str(v))
                item = QTableWidgetItem(text)
                if j >= 3:
                    item.setTextAlignment(RIGHT)
                item.setToolTip(e["lag_note"] if j == 5 and e.get("lag_note") else str(v))
                self.table.setItem(i, j, item)
        if entries:
            self.table_stack.show_content()
        else:
            self.table_stack.show_message("No tracking rows: no projection has run on this store.")
        self.table.column_fitter.refit()

    def _failed(self, message: str) -> None:
        self._busy = False
        self.progress_label.setText(message)
        self.output.appendPlainText(f"error: {message}")
        self.show_error(message)
        self._update_buttons()

    # -- rebuilds -----------------------------------------------------------------------------
    def _start(self, label: str) -> None:
        self._busy = True
        self._cancel.clear()
        self.progress.setValue(0)
        self.progress_label.setText(label)
        self._update_buttons()

    def cancel(self) -> None:
        self._cancel.set()
        self.progress_label.setText("Cancelling (stops after the current event)…")

    def _on_progress(self, p: Any) -> None:
        if p.head:
            self.progress.setValue(int(1000 * p.position / p.head))
        self.progress_label.setText(p.text())

    def dry_run(self) -> None:
        name = self.combo.currentText() or CATALOG
        if self.store is None:
            return
        store, codec, cancel = self.store, self.codec, self._cancel
        pdef = self.definitions.get(name)
        paths = self._paths()
        domain = None if name == CATALOG else self._domain()
        write_enabled = self.write_enabled
        if name != CATALOG and write_enabled and pdef is not None:
            from inspector.stores.writer import store_kind

            if store_kind(store) == "postgres":
                # a scratch schema in the store's database is a write: previewed, confirmed
                from inspector.core.projections import scratch_plan

                if not self.confirm(scratch_plan(store, pdef)):
                    return

        def work(ticket: Ticket) -> dict[str, Any]:
            if name == CATALOG:
                from inspector.core import catalog

                res, diff = catalog.dry_run(store, codec, progress=ticket.progress,
                                            cancelled=cancel.is_set)
                return {**res.to_json(), "differences": diff, "projection": name, "kind": "dry"}
            from inspector.core import projections as P
            from inspector.stores.writer import store_kind

            # Picked by the user: only now is its module imported.
            loaded = P.load_definition(pdef, paths, store_kind(store))
            res = P.dry_run(store, codec, loaded, domain, write_enabled=write_enabled,
                            progress=ticket.progress,
                            cancelled=cancel.is_set)
            return {**res.to_json(), "projection": name, "kind": "dry"}

        self._start(f"Dry run of {name}…")
        self.runner.submit("projections-run", work, self._finished, self._failed,
                           self._on_progress, label=f"dry run {name}")

    def rebuild(self) -> None:
        name = self.combo.currentText() or CATALOG
        if not self.write_enabled or self.store is None:
            self._failed("write mode is off: nothing was written")
            return
        store, codec, cancel = self.store, self.codec, self._cancel
        if name == CATALOG:
            self._rebuild_catalog()
            return
        picked = self.definitions.get(name)
        paths = self._paths()
        domain = self._domain()

        def prepare(ticket: Ticket) -> Any:
            from inspector.core import projections as P
            from inspector.stores.writer import store_kind

            # Picked by the user: only now is its module imported.
            loaded = P.load_definition(picked, paths, store_kind(store))
            return (*P.prepare_in_place(store, loaded, domain), loaded)

        def confirmed(prepared_view: Any) -> None:
            from inspector.core import projections as P

            prepared, view, pdef = prepared_view
            if not self.confirm(prepared.plan):
                P.close_view(view)
                self._busy = False
                self.progress_label.setText("Not confirmed: nothing was written.")
                self._update_buttons()
                return

            def work(ticket: Ticket) -> dict[str, Any]:
                res = P.run_in_place(store, codec, pdef, domain, prepared, view,
                                     write_enabled=True, progress=ticket.progress,
                                     cancelled=cancel.is_set)
                return {**res.to_json(), "projection": name, "kind": "rebuild"}

            self.runner.submit("projections-run", work, self._finished, self._failed,
                               self._on_progress, label=f"rebuild {name}")

        self._start(f"Preparing the rebuild of {name}…")
        self.runner.submit("projections-run", prepare, confirmed, self._failed,
                           label=f"rebuild {name}")

    def _rebuild_catalog(self) -> None:
        from inspector.core.catalog import Catalog
        from inspector.core.writes import RowChange, WritePlan, run_plan
        from inspector.stores.writer import redacted_location

        store, codec, cancel = self.store, self.codec, self._cancel
        cat = Catalog(store, codec)
        plan = WritePlan("rebuild catalog", redacted_location(store), store.name,
                         [RowChange("delete", f"{cat.path}:{t}", {}, n, "TRUE")
                          for t, n in cat.counts().items()],
                         ["the catalog is a local cache; the store is only read"])
        if not self.confirm(plan):
            cat.close()
            return

        def work(ticket: Ticket) -> dict[str, Any]:
            try:
                run_plan(plan, cat.clear, write_enabled=True)
                res = cat.update(progress=ticket.progress, cancelled=cancel.is_set)
                return {**res.to_json(), "projection": CATALOG, "kind": "rebuild",
                        "summary": cat.summary(), "per_day": cat.per_day()}
            finally:
                cat.close()

        self._start("Rebuilding the catalog…")
        self.runner.submit("projections-run", work, self._finished, self._failed,
                           self._on_progress, label="rebuild catalog")

    def update_catalog(self) -> None:
        if self.store is None:
            return
        store, codec, cancel = self.store, self.codec, self._cancel

        def work(ticket: Ticket) -> dict[str, Any]:
            from inspector.core.catalog import Catalog

            with Catalog(store, codec) as cat:
                res = cat.update(progress=ticket.progress, cancelled=cancel.is_set)
                return {**res.to_json(), "projection": CATALOG, "kind": "update",
                        "summary": cat.summary(), "per_day": cat.per_day()}

        self._start("Updating the catalog…")
        self.runner.submit("projections-run", work, self._finished, self._failed,
                           self._on_progress, label="catalog")

    def _finished(self, result: dict[str, Any]) -> None:
        self._busy = False
        self.result = result
        status = result["status"]
        if status == "done":
            self.progress.setValue(self.progress.maximum())  # done is 100%, whatever it skipped
        elif result.get("head"):
            self.progress.setValue(int(1000 * (result.get("position") or 0) / result["head"]))
        line = (f"{result['kind']} {result['projection']}: {status}, {result['processed']:,} "
                f"events in {result['elapsed']:.2f} s; position {result['position']} of "
                f"{result['head']}")
        if result.get("resumed_from"):
            line += f" (resumed after {result['resumed_from']})"
        self.progress_label.setText(line)
        self.output.appendPlainText(line)
        if result.get("error"):
            self.output.appendPlainText(f"error: {result['error']}")
        if status == "cancelled" and result["kind"] == "rebuild":
            self.output.appendPlainText("cancelled: run the rebuild again to resume")
        if result.get("kind") == "dry":
            self._show_differences(result.get("differences") or {})
        if "summary" in result:
            cs = result["summary"]
            types = ", ".join(f"{t['type'].split(':')[-1]} {t['events']:,}" for t in cs["types"])
            self.output.appendPlainText(
                f"  catalog: {cs['streams']:,} streams, {cs['events']:,} events, "
                f"{cs['first_time']} .. {cs['last_time']}; by type: {types}")
            self.catalog_summary = result["summary"]
            self._plot_days(result.get("per_day") or [])
            self.catalogUpdated.emit(result["summary"])
        self._update_buttons()
        self.rebuildFinished.emit(result)
        self.refresh()

    def _show_differences(self, differences: dict[str, Any]) -> None:
        """The dry run's comparison as a grid: one row per table, its first differing rows."""
        rows = list(differences.items())
        self.result_table.setRowCount(len(rows))
        for i, (table, d) in enumerate(rows):
            firsts = "; ".join(
                f"row {x['index']}: live {json.dumps(x['live'], default=str)} → rebuilt "
                f"{json.dumps(x['rebuilt'], default=str)}"
                for x in d.get("first_differences") or []
            )
            cells = (table, f"{d['live_rows']:,}", f"{d['rebuilt_rows']:,}",
                     "same" if d["same"] else "DIFFERENT", firsts)
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j in (1, 2):
                    item.setTextAlignment(RIGHT)
                if j == 3 and not d["same"]:
                    item.setForeground(QColor("#d03030"))
                item.setToolTip(text)
                self.result_table.setItem(i, j, item)
        if rows:
            self.result_stack.show_content()
        else:
            self.result_stack.show_message("The dry run compared no tables.")
        self.result_table.column_fitter.refit()
        self.lower.setCurrentWidget(self.result_stack)

    def _plot_days(self, per_day: list[dict[str, Any]]) -> None:
        plot_days(self.plot, per_day)
        if per_day and self.plot is not None:
            self.plot_stack.show_content()
            self.lower.setCurrentIndex(2)
        else:
            self.plot_stack.show_message(
                "Update the catalog to chart the store's events per day by type.")
