"""The main window: connection bar, streams/log | events + detail | state/diff/blame, timeline.

The window owns one :class:`TaskRunner`; every store read and replay is a task on a named
channel, so moving on (another stream, another version) cancels and drops the older request.
Widgets render and forward intent; this class routes intent to tasks and results to widgets.
Its behaviour is split by concern: :mod:`window_opening` (stores, recents, drops),
:mod:`window_versions` (versions, state, diff, blame, timeline), :mod:`window_tools` (Live,
Find, Export); this module builds the window and keeps its layout.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.catalog_feed import install_catalog
from inspector.ui.session import Session
from inspector.ui.widgets.blame_panel import BlamePanel
from inspector.ui.widgets.common import MessageBanner, elastic
from inspector.ui.widgets.diff_panel import DiffPanel
from inspector.ui.widgets.event_detail import EventDetail
from inspector.ui.widgets.events_panel import EventsPanel
from inspector.ui.widgets.find_panel import FindPanel
from inspector.ui.widgets.lazy_panel import LazyPanel
from inspector.ui.widgets.log_panel import LogPanel
from inspector.ui.widgets.state_panel import StatePanel
from inspector.ui.widgets.streams_panel import StreamsPanel
from inspector.ui.widgets.timeline import Timeline
from inspector.ui.window_opening import OpeningMixin, default_settings
from inspector.ui.window_tools import ToolsMixin
from inspector.ui.window_versions import VersionsMixin
from inspector.ui.workers import TaskRunner, Ticket

LIVE_INTERVAL_MS = 1000
DEFAULT_SIZE = (1440, 900)
SPLIT_SHARES = (30, 33, 37)  # streams | events | state, in percent of the window width
# From WIDE_FROM px on, the event list (version, time, type, size, changes) gets the larger share
WIDE_SPLIT_SHARES = (26, 41, 33)
WIDE_FROM = 1300



def _redact(text: str) -> str:
    from inspector.core.redact import redact

    return redact(text)

# Short labels (the full name in the tooltip) so that every tab of the right-hand side fits
# without scroll arrows from about 1440 px wide; panels keep their full names elsewhere.
TAB_LABELS = {"Types/Storage": "Storage"}
TAB_TIPS = {
    "Snapshots": "Snapshots: the stored snapshots of this stream, verify, take, delete",
    "Projections": "Projections: tracking positions, lag, dry-run rebuild",
    "Health": "Health: store-wide checks (gaps, undecodable events, orphans)",
    "Types/Storage": "Types/Storage: event types and the space the store uses",
    "What-if": "What-if: replay without or with an edited event",
}


class MainWindow(OpeningMixin, VersionsMixin, ToolsMixin, QMainWindow):
    sessionOpened = Signal()
    streamOpened = Signal(str)
    stateShown = Signal(int)  # the state view shows this version
    changesShown = Signal(int)  # ...and what its event changed is highlighted

    def __init__(self, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings if settings is not None else default_settings()
        self.runner = TaskRunner(self)
        self.session: Session | None = None
        self.stream: dict[str, Any] | None = None  # id, first, last, type, mode, snapshots
        self.version: int | None = None
        self.state_result: Any = None
        self.event_changes: list[dict[str, Any]] = []
        self.diff: dict[str, Any] | None = None
        self._pending_version: int | None = None
        self._find_total = 0
        self._after_first_page = False
        self._state_cache: OrderedDict[tuple[str, int], Any] = OrderedDict()
        self._changes_cache: dict[tuple[str, int], list[dict[str, Any]]] = {}
        self.setWindowTitle("Event History Inspector")
        self.setAcceptDrops(True)
        self._build()
        self._actions()
        self.restore_layout()

        self.live_timer = QTimer(self)
        self.live_timer.setInterval(LIVE_INTERVAL_MS)
        self.live_timer.timeout.connect(self.poll_live)
        self.runner.busyChanged.connect(self._busy_changed)
        self.runner.errorRaised.connect(self.show_error)
        self.catalog_feed = install_catalog(self)

    # -- construction -------------------------------------------------------------------------
    def _build(self) -> None:
        self.streams_panel = StreamsPanel(self.runner)
        self.log_panel = LogPanel(self.runner)
        self.left_tabs = QTabWidget()
        self.left_tabs.setDocumentMode(True)
        self.left_tabs.addTab(self.streams_panel, "Streams")
        self.left_tabs.addTab(self.log_panel, "Global log")

        self.events_panel = EventsPanel(self.runner)
        self.detail = EventDetail()
        self.centre = QSplitter(Qt.Orientation.Vertical)
        self.centre.addWidget(self.events_panel)
        self.centre.addWidget(self.detail)
        self.centre.setSizes([340, 300])
        self.centre.setStretchFactor(0, 3)  # the event list grows and shrinks first
        self.centre.setStretchFactor(1, 2)

        self.state_panel = StatePanel()
        self.state_panel.tree.blame_handler = self.blame
        self.state_panel.tree.plot_handler = self.plot_field
        self.field_plot: Any = None
        self.diff_panel = DiffPanel()
        self.blame_panel = BlamePanel()
        self.right_tabs = QTabWidget()
        self.right_tabs.setDocumentMode(True)
        # less padding than Fusion's: all eight tabs fit without scroll arrows at 1440 px
        self.right_tabs.tabBar().setStyleSheet("QTabBar::tab { padding: 4px 7px; }")
        self.right_tabs.addTab(self.state_panel, "State")
        self.right_tabs.addTab(self.diff_panel, "Diff")
        self.right_tabs.addTab(self.blame_panel, "Blame")
        self.extra_panels: dict[str, QWidget] = {}
        self._add_optional_panels()

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.left_tabs)
        self.main_split.addWidget(self.centre)
        self.main_split.addWidget(self.right_tabs)
        # proportional: every panel keeps its share at 1024 px as at 1920 px
        for i, share in enumerate(SPLIT_SHARES):
            self.main_split.setStretchFactor(i, share)
        self.main_split.setSizes([468, 470, 502])

        self.timeline = Timeline()
        self.vertical = QSplitter(Qt.Orientation.Vertical)
        self.vertical.addWidget(self.main_split)
        self.vertical.addWidget(self.timeline)
        self.vertical.setStretchFactor(0, 1)
        self.vertical.setSizes([660, 190])

        self.banner = MessageBanner()
        central = QWidget()
        lay = QVBoxLayout(central)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        lay.addWidget(self.banner)
        lay.addWidget(self.vertical, 1)
        self.setCentralWidget(central)

        self.find_panel = FindPanel()
        self.find_dock = QDockWidget("Find", self)
        self.find_dock.setObjectName("findDock")
        self.find_dock.setWidget(self.find_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.find_dock)
        self.find_dock.hide()
        self.find_dock.visibilityChanged.connect(self._find_dock_visibility)
        for split in (self.main_split, self.centre, self.vertical):
            # the user's own sizes win over the proportional default from then on
            split.splitterMoved.connect(lambda *_: setattr(self, "_splits_restored", True))

        self._build_toolbar()
        self._build_status()

        self.streams_panel.streamSelected.connect(lambda row: self.open_stream(row["id"]))
        self.streams_panel.model.pageLoaded.connect(self._streams_page_loaded)
        self.streams_panel.model.loadFailed.connect(self._streams_page_loaded)
        self.log_panel.eventActivated.connect(
            lambda ev: self.open_stream(ev["stream"], ev["version"])
        )
        self.events_panel.versionSelected.connect(self.set_version)
        self.events_panel.visibleVersions.connect(self._request_summaries)
        self.events_panel.diffEndPicked.connect(self._diff_end_picked)
        self.events_panel.whatIfPicked.connect(self._whatif_picked)
        self.events_panel.model.pageLoaded.connect(self._events_page_loaded)
        self.events_panel.model.loadFailed.connect(self.show_error)
        self.timeline.versionRequested.connect(self.set_version)
        self.blame_panel.versionActivated.connect(self._blame_jump)
        self.diff_panel.compareRequested.connect(self.compare_versions)
        self.diff_panel.eventModeChosen.connect(self._show_event_diff)
        self.find_panel.searchRequested.connect(self._find)
        self.find_panel.cancelRequested.connect(lambda: self._cancel_find())
        self.find_panel.eventActivated.connect(
            lambda ev: self.open_stream(ev["stream"], ev["version"])
        )

    def _add_optional_panels(self) -> None:
        """Snapshots and projections panels (issue 5), when their modules exist."""
        for mod_name, cls_name, title in (
            ("inspector.ui.panels.snapshots", "SnapshotsPanel", "Snapshots"),
            ("inspector.ui.panels.projections", "ProjectionsPanel", "Projections"),
            ("inspector.ui.panels.health", "HealthPanel", "Health"),
            ("inspector.ui.panels.storage", "StoragePanel", "Types/Storage"),
            ("inspector.ui.panels.whatif", "WhatIfPanel", "What-if"),
        ):
            try:
                if (
                    importlib.util.find_spec("inspector.ui.panels") is None
                    or importlib.util.find_spec(mod_name) is None
                ):
                    continue
                mod = importlib.import_module(mod_name)
                cls = getattr(mod, cls_name, None)
                if cls is None:
                    continue
            except Exception as exc:  # noqa: BLE001 - an optional panel must not stop the window
                print(f"event-inspector: {title} panel unavailable: {exc}", file=sys.stderr)
                continue
            lazy = LazyPanel(lambda cls=cls: self._construct_panel(cls), self._panel_built)
            self.extra_panels[title] = lazy
            i = self.right_tabs.addTab(lazy, TAB_LABELS.get(title, title))
            self.right_tabs.setTabToolTip(i, TAB_TIPS.get(title, title))

    def _construct_panel(self, cls: type) -> QWidget:
        try:
            return cls(runner=self.runner)
        except TypeError:
            return cls()

    def _panel_built(self, panel: QWidget) -> None:
        if hasattr(panel, "writeModeChanged"):
            panel.writeModeChanged.connect(self._write_mode_changed)
        if hasattr(panel, "message"):
            panel.message.connect(
                lambda m: self.statusBar().showMessage(_redact(str(m)), 8000)
            )
        if hasattr(panel, "snapshotsChanged"):
            panel.snapshotsChanged.connect(self._snapshots_changed)
        if hasattr(panel, "eventActivated"):  # health, storage, what-if: go to an event
            panel.eventActivated.connect(
                lambda stream, version: self.open_stream(stream, version or None))
        if hasattr(panel, "catalogUpdated"):  # rebuilt/updated there: republish it here
            panel.catalogUpdated.connect(lambda _summary: self.catalog_feed.update())

    def _snapshots_changed(self, versions: list[int]) -> None:
        """The snapshots panel listed, took or deleted snapshots: redraw the timeline markers."""
        if self.stream is None:
            return
        self.stream["snapshots"] = list(versions)
        times = getattr(self.timeline, "times", None)
        if times is not None and len(times):
            self.timeline.set_times(times, list(versions))

    def _build_toolbar(self) -> None:
        tb = QToolBar("Connection")
        tb.setObjectName("connectionBar")
        tb.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self.open_btn = QToolButton()
        self.open_btn.setText("Open…")
        self.open_btn.setToolTip("Open a store (Ctrl+O)")
        self.open_btn.clicked.connect(self.open_dialog)
        tb.addWidget(self.open_btn)
        self.conn_label = QLabel("No store open")
        self.conn_label.setObjectName("connLabel")
        self.conn_label.setMargin(4)
        self.conn_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        tb.addWidget(self.conn_label)
        self.ro_badge = QLabel("READ-ONLY")
        self.ro_badge.setObjectName("roBadge")
        self.ro_badge.setStyleSheet(
            "QLabel#roBadge { background: #2e7d32; color: white; border-radius: 3px;"
            " padding: 1px 6px; font-weight: bold; }"
        )
        self.ro_badge.setToolTip("Connected read-only: nothing in the store can change")
        # A toolbar shows a widget through its action: hide/show the action, not the widget.
        self.ro_badge_action = tb.addWidget(self.ro_badge)
        self.ro_badge_action.setVisible(False)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding,
            spacer.sizePolicy().verticalPolicy().Preferred,
        )
        tb.addWidget(spacer)
        self.goto_edit = QLineEdit()
        self.goto_edit.setPlaceholderText("Go to stream: id or its beginning… (Ctrl+L)")
        self.goto_edit.setClearButtonEnabled(True)
        self.goto_edit.setMinimumWidth(220)
        self.goto_edit.setMaximumWidth(340)
        from inspector.ui.goto import StreamGoto

        self.goto = StreamGoto(self.goto_edit, self.runner, lambda: self.session,
                               lambda text: self.open_stream(self.demo_stream_for(text)))
        tb.addWidget(self.goto_edit)
        self.live_box = QCheckBox("Live")
        self.live_box.setToolTip("Follow new events in the global log and the open stream")
        self.live_box.toggled.connect(self.set_live)
        tb.addWidget(self.live_box)

    def _build_status(self) -> None:
        sb = self.statusBar()
        self.mode_label = QLabel()
        self.mode_label.setToolTip("Replay mode of the open stream")
        self.loading_label = elastic(QLabel())
        self.busy_bar = QProgressBar()
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.cancel_btn = QToolButton()
        self.cancel_btn.setText("Cancel")
        self.cancel_btn.setToolTip("Cancel what is loading")
        self.cancel_btn.setAutoRaise(True)
        self.cancel_btn.clicked.connect(self.cancel_loading)
        self.cancel_btn.hide()
        self.conn_status = QLabel()
        sb.addWidget(self.loading_label, 1)
        sb.addPermanentWidget(self.busy_bar)
        sb.addPermanentWidget(self.cancel_btn)
        sb.addPermanentWidget(self.mode_label)
        sb.addPermanentWidget(self.conn_status)

    def _actions(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self.act_open = QAction("&Open store…", self)
        self.act_open.setShortcut(QKeySequence.StandardKey.Open)
        self.act_open.triggered.connect(self.open_dialog)
        file_menu.addAction(self.act_open)
        self.recent_menu = file_menu.addMenu("Open &recent")
        file_menu.addAction("Open the &demo store", self.open_demo)
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        exp = file_menu.addMenu("&Export")
        self.act_export_events = exp.addAction(
            "Stream events as JSON…", lambda: self.export("events")
        )
        self.act_export_csv = exp.addAction("Event list as CSV…", lambda: self.export("csv"))
        self.act_export_state = exp.addAction("State as JSON…", lambda: self.export("state"))
        self.act_export_diff = exp.addAction("Diff as JSON…", lambda: self.export("diff"))
        file_menu.addSeparator()
        quit_act = file_menu.addAction("&Quit", self.close)
        quit_act.setShortcut(QKeySequence.StandardKey.Quit)

        go = mb.addMenu("&Go")
        self.act_find = QAction("&Find events…", self)
        self.act_find.setShortcut(QKeySequence.StandardKey.Find)
        self.act_find.triggered.connect(self.show_find)
        go.addAction(self.act_find)
        self.act_goto = QAction("Go to &stream…", self)
        self.act_goto.setShortcut(QKeySequence("Ctrl+L"))
        self.act_goto.triggered.connect(self.focus_goto)
        go.addAction(self.act_goto)
        go.addSeparator()
        for text, keys, fn in (
            ("First version", "Ctrl+Home", lambda: self.step_to("first")),
            ("Previous version", "Ctrl+Up", lambda: self.step_to(-1)),
            ("Next version", "Ctrl+Down", lambda: self.step_to(1)),
            ("Last version", "Ctrl+End", lambda: self.step_to("last")),
        ):
            a = go.addAction(text, fn)
            a.setShortcut(QKeySequence(keys))
        self.act_play = go.addAction(
            "Play / pause", lambda: self.timeline.set_playing(not self.timeline.playing())
        )
        self.act_play.setShortcut(QKeySequence("Ctrl+P"))
        go.addSeparator()
        self.demo_menu = go.addMenu("&Demo streams")
        self.demo_menu.menuAction().setVisible(False)
        self.act_live = go.addAction("&Live", lambda: self.live_box.toggle())

        view = mb.addMenu("&View")
        view.addAction(self.find_dock.toggleViewAction())
        view.addAction("Reset layout", self.reset_layout)
        help_menu = mb.addMenu("&Help")
        self.act_shortcuts = help_menu.addAction("&Keyboard shortcuts", self.show_shortcuts)
        self.act_shortcuts.setShortcut(QKeySequence("Ctrl+/"))
        help_menu.addAction("&Documentation (command line, JSON)", self.show_docs)
        help_menu.addSeparator()
        help_menu.addAction("&About Event History Inspector", self.show_about)

    def _whatif_picked(self, what: str, version: int) -> None:
        """Right-click "What-if" on an event: the What-if tab, skipping (and replaying) or
        editing that version."""
        lazy = self.extra_panels.get("What-if")
        if lazy is None:
            return
        self.right_tabs.setCurrentWidget(lazy)
        panel = lazy.panel()
        if what == "skip":
            panel.skip(version)
            panel.run()
        else:
            panel.edit_version.setValue(version)
            panel.edit_json.setFocus()

    def _diff_end_picked(self, end: str, version: int) -> None:
        self.right_tabs.setCurrentWidget(self.diff_panel)
        self.diff_panel.pick_end(end, version)

    # -- layout persistence -------------------------------------------------------------------
    def restore_layout(self) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        else:
            self.resize(*self.default_size())
        state = s.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)
        self._splits_restored = False
        for key, split in (
            ("main", self.main_split),
            ("centre", self.centre),
            ("vertical", self.vertical),
        ):
            v = s.value(f"window/split_{key}")
            if isinstance(v, QByteArray) and not v.isEmpty():
                split.restoreState(v)
                self._splits_restored = True
        self.left_tabs.setCurrentIndex(int(s.value("window/left_tab", 0) or 0))
        self.right_tabs.setCurrentIndex(int(s.value("window/right_tab", 0) or 0))
        speed = s.value("timeline/speed")
        if speed is not None:
            self.timeline.speed.setCurrentIndex(int(speed))

    def save_layout(self) -> None:
        s = self.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("window/split_main", self.main_split.saveState())
        s.setValue("window/split_centre", self.centre.saveState())
        s.setValue("window/split_vertical", self.vertical.saveState())
        s.setValue("window/left_tab", self.left_tabs.currentIndex())
        s.setValue("window/right_tab", self.right_tabs.currentIndex())
        s.setValue("timeline/speed", self.timeline.speed.currentIndex())
        s.sync()

    def default_size(self) -> tuple[int, int]:
        """1440x900, or 90% of a smaller screen."""
        screen = self.screen()
        if screen is None:
            return DEFAULT_SIZE
        avail = screen.availableGeometry()
        return (
            min(DEFAULT_SIZE[0], int(avail.width() * 0.9)),
            min(DEFAULT_SIZE[1], int(avail.height() * 0.9)),
        )

    def reset_layout(self) -> None:
        self.resize(*self.default_size())
        self.split_proportionally()

    def split_proportionally(self) -> None:
        """Panel sizes in proportion to the window (:data:`SPLIT_SHARES`, or
        :data:`WIDE_SPLIT_SHARES` from :data:`WIDE_FROM` px wide, where the event list has room
        for its Changes column; the timeline gets about a fifth of the height, at least its
        minimum)."""
        width = max(self.main_split.width(), self.width() - 8)
        shares = WIDE_SPLIT_SHARES if width >= WIDE_FROM else SPLIT_SHARES
        self.main_split.setSizes([width * share // 100 for share in shares])
        height = max(self.vertical.height(), self.height() - 90)
        timeline = max(self.timeline.minimumSizeHint().height(), int(height * 0.24))
        self.vertical.setSizes([height - timeline, timeline])
        centre = max(self.centre.height(), height - timeline)
        self.centre.setSizes([centre * 3 // 5, centre * 2 // 5])

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if not getattr(self, "_splits_restored", True):
            self.split_proportionally()

    _splits_restored = True

    persist = True  # False: keep no layout, recent entry or secret (headless --screenshot)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist:
            self.save_layout()
            self.remember_current()
        self.live_timer.stop()
        self.timeline.set_playing(False)
        self.runner.cancel_all()
        self.runner.wait_idle(3000)
        if self.session is not None:
            self.session.close()
        super().closeEvent(event)

    def _write_mode_changed(self, on: bool) -> None:
        """A panel switched write mode: the badge and status line say so."""
        on = on or any(getattr(p, "write_enabled", False) for p in self.extra_panels.values())
        self.ro_badge.setText("WRITE" if on else "READ-ONLY")
        colour = "#c62828" if on else "#2e7d32"
        self.ro_badge.setStyleSheet(
            f"QLabel#roBadge {{ background: {colour}; color: white; border-radius: 3px;"
            " padding: 1px 6px; font-weight: bold; }"
        )
        self.ro_badge.setToolTip(
            "Write mode: previewed, confirmed writes are allowed"
            if on
            else "Connected read-only: nothing in the store can change"
        )
        layout = self.session.db.layout if self.session else ""
        self.conn_status.setText(f"{'WRITE MODE' if on else 'READ-ONLY'} · {layout}")

    # -- messages and busy state ----------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """The error banner and status line (any password hidden); also one line on stderr."""
        from inspector.core.redact import redact
        from inspector.ui.messages import for_gui

        message = for_gui(redact(str(message)))
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message, 8000)
        print(f"event-inspector: {message}", file=sys.stderr, flush=True)

    def show_info(self, message: str) -> None:
        from inspector.core.redact import redact
        from inspector.ui.messages import for_gui

        self.banner.show_message(for_gui(redact(str(message))), "info", timeout_ms=6000)

    def _busy_changed(self, labels: str) -> None:
        busy = bool(labels)
        self.busy_bar.setVisible(busy)
        self.cancel_btn.setVisible(busy)
        if busy:
            if (
                self.busy_bar.maximum() != 0
                and not self.runner.is_busy("timeline")
                and not self.runner.is_busy("state")
            ):
                self.busy_bar.setRange(0, 0)
            self.loading_label.setText(f"Loading {labels}…")
        else:
            self.busy_bar.setRange(0, 0)
            self.loading_label.setText("Ready" if self.session else "")

    def _progress(self, what: str, done: int, total: int) -> None:
        if total > 0:
            self.busy_bar.setRange(0, total)
            self.busy_bar.setValue(min(done, total))
            self.loading_label.setText(f"{what}: {done:,} of {total:,} events…")

    def cancel_loading(self) -> None:
        self.runner.cancel_all()
        self.find_panel.on_cancelled()
        self.statusBar().showMessage("Cancelled", 3000)

    # -- streams ------------------------------------------------------------------------------
    def focus_goto(self) -> None:
        self.goto_edit.setFocus()
        self.goto_edit.selectAll()

    def open_stream(self, stream_id: str, version: int | None = None) -> None:
        """Show ``stream_id`` at ``version`` (default: its last version)."""
        session = self.session
        if session is None:
            self.show_error("Open a store first (Ctrl+O).")
            return
        if self.stream is not None and self.stream["id"] == stream_id:
            if version is not None:
                self.set_version(version)
            return
        self.timeline.set_playing(False)
        self.runner.cancel("timeline")
        self.runner.cancel("state")

        def work(ticket: Ticket) -> dict[str, Any]:
            from inspector.core.browse import aggregate_type
            from inspector.core.damage import first_version

            store = session.store
            last = store.require_stream(stream_id)
            first_ev = store.stream_events(stream_id, limit=1)
            first = first_version(store, stream_id, last)  # skips damaged rows sorted first
            canonical = first_ev[0].stream
            type_topic, _src = aggregate_type(first_ev[0].topic, first_ev[0].state, session.codec)
            snaps = [s.version for s in store.snapshots(canonical)]
            mode = session.mode_for(canonical)
            return {
                "id": canonical,
                "first": first,
                "last": last,
                "type": type_topic,
                "snapshots": snaps,
                "mode": mode,
            }

        def done(info: dict[str, Any]) -> None:
            self._stream_opened(info, version)

        self.runner.submit("stream", work, done, self.show_error, label="stream")

    def _stream_opened(self, info: dict[str, Any], version: int | None) -> None:
        session = self.session
        assert session is not None
        self.stream = info
        self.state_result = None
        self.version = None
        first, last = info["first"], info["last"]
        self.events_panel.model.set_stream(session, info["id"], first, last)
        self.events_panel.show_stream(info["id"], info["type"], first, last)
        self.streams_panel.select_stream(info["id"])
        self.timeline.clear()
        self.timeline.set_range(first, last)
        self.diff_panel.set_range(first, last)
        self.blame_panel.clear()
        self.find_panel.set_stream(info["id"])
        mode = info["mode"]
        self.mode_label.setText(f"mode: {mode}{' (approximate)' if mode == 'generic' else ''}")
        for panel in self.extra_panels.values():
            fn = getattr(panel, "set_stream", None)
            if fn is not None:
                try:
                    fn(info["id"])
                except Exception as exc:  # noqa: BLE001
                    self.show_error(f"panel: {exc}")
        self.goto_edit.clear()
        shown = last if version is None else max(first, min(last, version))
        if version is not None and shown != version:
            self.show_error(f"version {version} out of range: stream {info['id']} has versions "
                            f"{first}..{last}; showing version {shown}")
        self.set_version(shown)
        self.events_panel.view.setFocus()
        self._load_timeline()
        self.streamOpened.emit(info["id"])

    # -- about, drag and drop -----------------------------------------------------------------
    def show_shortcuts(self) -> None:
        from inspector.ui.help import ShortcutsDialog

        menus = [a.menu() for a in self.menuBar().actions() if a.menu() is not None]
        self.shortcuts_dialog = ShortcutsDialog(menus, self)
        self.shortcuts_dialog.show()

    def show_docs(self) -> None:
        from inspector.ui.help import docs_url, open_docs

        if not open_docs():
            url = docs_url()
            where = url.toLocalFile() if url is not None else "event-inspector --help"
            self.show_info(f"The documentation (command line and JSON output): {where}")

    def show_about(self) -> None:
        from inspector.ui.about import AboutDialog

        AboutDialog(self).exec()
