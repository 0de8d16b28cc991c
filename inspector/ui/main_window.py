"""The main window: connection bar, streams/log | events + detail | state/diff/blame, timeline.

The window owns one :class:`TaskRunner`; every store read and replay is a task on a named
channel, so moving on (another stream, another version) cancels and drops the older request.
Widgets render and forward intent; this class routes intent to tasks and results to widgets.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections import OrderedDict
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFileDialog,
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

from inspector.core.diff import diff_values
from inspector.ui.session import OpenRequest, Session, open_session
from inspector.ui.widgets.blame_panel import BlamePanel
from inspector.ui.widgets.common import MessageBanner, elastic
from inspector.ui.widgets.diff_panel import DiffPanel
from inspector.ui.widgets.event_detail import EventDetail
from inspector.ui.widgets.events_panel import EventsPanel
from inspector.ui.widgets.find_panel import FindPanel
from inspector.ui.widgets.lazy_panel import LazyPanel
from inspector.ui.widgets.log_panel import LogPanel
from inspector.ui.widgets.state_panel import StatePanel, highlights_of
from inspector.ui.widgets.streams_panel import StreamsPanel
from inspector.ui.widgets.timeline import Timeline
from inspector.ui.workers import TaskRunner, Ticket

SETTINGS_ORG = "event-inspector"
SETTINGS_APP = "Event History Inspector"
LIVE_INTERVAL_MS = 1000
STATE_CACHE = 16  # recently shown states kept for stepping back and forth
DEFAULT_SIZE = (1440, 900)


def default_settings() -> QSettings:
    """The inspector's settings file (shared with the connection dialog's profiles)."""
    try:
        from inspector.ui.connection import app_settings
    except ImportError:
        return QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, SETTINGS_ORG, SETTINGS_APP
        )
    return app_settings()


def profile_store(settings: QSettings) -> Any:
    """The connection dialog's recent/profile store on ``settings``, or None."""
    try:
        from inspector.ui.connection import ProfileStore
    except ImportError:
        return None
    return ProfileStore(settings)


class MainWindow(QMainWindow):
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

        self.state_panel = StatePanel()
        self.state_panel.tree.blame_handler = self.blame
        self.diff_panel = DiffPanel()
        self.blame_panel = BlamePanel()
        self.right_tabs = QTabWidget()
        self.right_tabs.setDocumentMode(True)
        self.right_tabs.addTab(self.state_panel, "State")
        self.right_tabs.addTab(self.diff_panel, "Diff")
        self.right_tabs.addTab(self.blame_panel, "Blame")
        self.extra_panels: dict[str, QWidget] = {}
        self._add_optional_panels()

        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.left_tabs)
        self.main_split.addWidget(self.centre)
        self.main_split.addWidget(self.right_tabs)
        self.main_split.setStretchFactor(0, 0)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setStretchFactor(2, 1)
        self.main_split.setSizes([450, 470, 520])

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

        self._build_toolbar()
        self._build_status()

        self.streams_panel.streamSelected.connect(lambda row: self.open_stream(row["id"]))
        self.streams_panel.model.pageLoaded.connect(self._streams_page_loaded)
        self.streams_panel.model.loadFailed.connect(self._streams_page_loaded)
        self.log_panel.eventActivated.connect(
            lambda ev: self.open_stream(ev["stream"], ev["version"])
        )
        self.events_panel.versionSelected.connect(self.set_version)
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
            self.right_tabs.addTab(lazy, title)

    def _construct_panel(self, cls: type) -> QWidget:
        try:
            return cls(runner=self.runner)
        except TypeError:
            return cls()

    def _panel_built(self, panel: QWidget) -> None:
        if hasattr(panel, "writeModeChanged"):
            panel.writeModeChanged.connect(self._write_mode_changed)
        if hasattr(panel, "message"):
            panel.message.connect(lambda m: self.statusBar().showMessage(str(m), 8000))

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
        self.ro_badge.hide()
        tb.addWidget(self.ro_badge)
        spacer = QWidget()
        spacer.setSizePolicy(
            spacer.sizePolicy().horizontalPolicy().Expanding,
            spacer.sizePolicy().verticalPolicy().Preferred,
        )
        tb.addWidget(spacer)
        self.goto_edit = QLineEdit()
        self.goto_edit.setPlaceholderText("Go to stream id… (Ctrl+L)")
        self.goto_edit.setClearButtonEnabled(True)
        self.goto_edit.setFixedWidth(340)
        self.goto_edit.returnPressed.connect(self._goto_entered)
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
        self.act_live = go.addAction("&Live", lambda: self.live_box.toggle())

        view = mb.addMenu("&View")
        view.addAction(self.find_dock.toggleViewAction())
        view.addAction("Reset layout", self.reset_layout)
        help_menu = mb.addMenu("&Help")
        help_menu.addAction("&About Event History Inspector", self.show_about)

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
        for key, split in (
            ("main", self.main_split),
            ("centre", self.centre),
            ("vertical", self.vertical),
        ):
            v = s.value(f"window/split_{key}")
            if isinstance(v, QByteArray) and not v.isEmpty():
                split.restoreState(v)
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
        self.main_split.setSizes([450, 470, 520])
        self.centre.setSizes([340, 300])
        self.vertical.setSizes([660, 190])

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if self.session is not None and (self._after_first_page or not self._remembered):
            self._remember(self.session.request)
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
        self.banner.show_message(message, "error")
        self.statusBar().showMessage(message, 8000)

    def show_info(self, message: str) -> None:
        self.banner.show_message(message, "info", timeout_ms=6000)

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

    # -- opening ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Ctrl+O: the connection dialog (or a file picker when it is unavailable)."""
        try:
            from inspector.ui.connection import ConnectionDialog
        except ImportError:
            ConnectionDialog = None  # type: ignore[assignment]  # noqa: N806
        if ConnectionDialog is not None:
            spec = ConnectionDialog.get_connection(self, profile_store(self.settings))
            if spec is not None:
                req = OpenRequest.from_spec(spec)
                req.from_dialog = True
                self.open_store(req)
            return
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open an event store",
            "",
            "SQLite stores (*.db *.sqlite *.sqlite3);;All files (*)",
        )
        if path:
            self.open_store(OpenRequest(path))

    def recent_requests(self) -> list[OpenRequest]:
        """Recent connections, newest first (secrets from the keyring when it has them)."""
        store = profile_store(self.settings)
        if store is not None:
            out = []
            for spec in store.recent():
                try:
                    full = store.with_secrets(spec)
                except Exception:  # noqa: BLE001 - no keyring: open without, it will ask
                    full = spec
                out.append(OpenRequest.from_spec(full))
            return out
        recent = self.settings.value("recent/locations", []) or []
        return [OpenRequest(loc) for loc in ([recent] if isinstance(recent, str) else recent)]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        reqs = self.recent_requests()[:10]
        for req in reqs:
            self.recent_menu.addAction(req.title(), lambda req=req: self.open_store(req))
        if not reqs:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _remember(self, req: OpenRequest) -> None:
        """Put ``req`` first in the recent list (never with a password or cipher key)."""
        if req.from_dialog:
            return
        store = profile_store(self.settings)
        spec = req.to_spec()
        if store is not None and spec is not None:
            store.add_recent(spec, remember_secrets=True)  # the spec carries no secrets
            return
        recent = self.settings.value("recent/locations", []) or []
        if isinstance(recent, str):
            recent = [recent]
        recent = [req.location, *[r for r in recent if r != req.location]][:10]
        self.settings.setValue("recent/locations", recent)

    def open_store(
        self, req: OpenRequest, stream: str | None = None, version: int | None = None
    ) -> None:
        """Open ``req`` in the background; the current store stays until the new one is ready."""
        self.loading_label.setText(f"Opening {req.location}…")

        def work(ticket: Ticket) -> Any:
            s = open_session(req)
            if ticket.cancelled():
                s.close()
            return s

        def done(session: Session) -> None:
            self._set_session(session)
            if stream:
                self.open_stream(stream, version)

        def failed(message: str) -> None:
            self.show_error(f"Could not open {req.location}: {message}")
            self.loading_label.setText("Ready" if self.session else "")

        self.runner.submit("open", work, done, failed, label="store")

    def _set_session(self, session: Session) -> None:
        old = self.session
        self.runner.cancel_all()
        self.session = session
        self._state_cache.clear()
        self._changes_cache.clear()
        if old is not None:
            old.close()
        req = session.request
        self._after_first_page = True  # recents, counts, plot library: once streams are shown
        self._remembered = False
        self.banner.dismiss()
        colour = req.env_colour
        app_part = f" · app {session.store.name}" if len(session.db.apps) > 1 else ""
        title = self.conn_label.fontMetrics().elidedText(
            req.title(), Qt.TextElideMode.ElideMiddle, 520
        )
        self.conn_label.setText(f"<b>{title}</b> · {session.db.layout}{app_part}")
        self.conn_label.setToolTip(session.store.location)
        self.conn_label.setStyleSheet(
            f"QLabel#connLabel {{ border-left: 6px solid {colour}; padding-left: 6px; }}"
            if colour
            else ""
        )
        self.ro_badge.show()
        self.conn_status.setText(f"READ-ONLY · {session.db.layout}")
        self.setWindowTitle(f"{req.title()} — Event History Inspector")
        self.mode_label.setText("")
        if session.replay_error:
            self.show_info(f"State replay is unavailable: {session.replay_error}")
        self._clear_stream()
        self.streams_panel.set_session(session)
        self.log_panel.set_session(session)
        self.find_panel.set_stream(None)
        for panel in self.extra_panels.values():
            fn = getattr(panel, "set_session", None)
            if fn is not None:
                try:
                    fn(session)
                except Exception as exc:  # noqa: BLE001
                    self.show_error(f"panel: {exc}")
        self.sessionOpened.emit()

    def _streams_page_loaded(self, _rows: int) -> None:
        """Work that can wait until the first streams page is on screen (it paints first)."""
        if not self._after_first_page or self.session is None:
            return
        self._after_first_page = False
        QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        session = self.session
        if session is None:
            return
        self._load_totals()
        # Import what later views need in the background (numpy/pyqtgraph for the timeline,
        # the connection profiles for the recent list), then record the recent connection.
        req = session.request

        def work(ticket: Ticket) -> None:
            import numpy  # noqa: F401
            import pyqtgraph  # noqa: F401

            try:
                import inspector.ui.connection  # noqa: F401
            except ImportError:
                pass

        def done(_r: Any) -> None:
            if self.session is session:
                self._remember(req)
                self._remembered = True

        self._remembered = False
        self.runner.submit("preload", work, done, lambda _m: done(None), label="")

    _remembered = True

    def _load_totals(self) -> None:
        session = self.session
        assert session is not None

        def work(ticket: Ticket) -> dict[str, Any]:
            streams = session.store.count_streams()
            events = session.store.count_events()
            return {
                "streams": streams.value,
                "streams_exact": streams.exact,
                "events": events.value,
                "max_position": session.store.max_position(),
            }

        self.runner.submit(
            "totals", work, self.streams_panel.set_totals, lambda m: None, label="counts"
        )

    def _clear_stream(self) -> None:
        self.stream = None
        self.version = None
        self.state_result = None
        self.event_changes = []
        self.diff = None
        self.events_panel.model.clear()
        self.events_panel.clear()
        self.detail.clear()
        self.state_panel.clear()
        self.diff_panel.clear()
        self.blame_panel.clear()
        self.timeline.clear()

    # -- streams ------------------------------------------------------------------------------
    def focus_goto(self) -> None:
        self.goto_edit.setFocus()
        self.goto_edit.selectAll()

    def _goto_entered(self) -> None:
        text = self.goto_edit.text().strip()
        if text:
            self.open_stream(text)

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

            store = session.store
            last = store.require_stream(stream_id)
            first_ev = store.stream_events(stream_id, limit=1)
            first = first_ev[0].version
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
        self.set_version(last if version is None else max(first, min(last, version)))
        self.events_panel.view.setFocus()
        self._load_timeline()
        self.streamOpened.emit(info["id"])

    # -- versions -----------------------------------------------------------------------------
    def step_to(self, where: int | str) -> None:
        if self.stream is None or self.version is None:
            return
        if where == "first":
            v = self.stream["first"]
        elif where == "last":
            v = self.stream["last"]
        else:
            v = self.version + int(where)
        self.set_version(max(self.stream["first"], min(self.stream["last"], v)))

    def set_version(self, version: int) -> None:
        """Move everything to ``version``: event row, slider, detail, state and diff."""
        if self.stream is None or self.session is None:
            return
        version = max(self.stream["first"], min(self.stream["last"], int(version)))
        self.version = version
        self.events_panel.select_version(version)
        self.timeline.set_version(version)
        row = self.events_panel.model.row_of_version(version)
        self.detail.show_event(self.events_panel.model.event_at(row))
        self._request_state(version)

    def _events_page_loaded(self, first_row: int) -> None:
        if self.version is None:
            return
        row = self.events_panel.model.row_of_version(self.version)
        if first_row <= row < first_row + 500 and (
            self.detail.current_event is None
            or self.detail.current_event.get("version") != self.version
        ):
            self.detail.show_event(self.events_panel.model.event_at(row))

    def _request_state(self, version: int) -> None:
        """Show the state at ``version`` first, then (a second task) what its event changed.

        The state replay is the slow part on long streams; the changed paths need the state
        before the event too, so they follow as soon as that is known (often from the cache
        of recently shown states, e.g. when stepping one version at a time).
        """
        session, stream = self.session, self.stream
        assert session is not None and stream is not None
        if session.replayer is None:
            self.state_panel.clear(session.replay_error or "State replay is unavailable.")
            return
        replayer = session.replayer
        sid = stream["id"]
        self.runner.cancel("changes")
        cached = self._state_cache.get((sid, version))
        if cached is not None:
            self._state_ready(sid, version, cached)
            return
        self.state_panel.loading(version)

        def work(ticket: Ticket) -> Any:
            return replayer.state(
                sid,
                version,
                progress=lambda d, t: ticket.progress((d, t)),
                cancelled=ticket.cancelled,
            )

        def failed(message: str) -> None:
            self.state_panel.clear(f"Could not replay to version {version}: {message}")

        self.runner.submit(
            "state",
            work,
            lambda result: self._state_ready(sid, version, result),
            failed,
            lambda p: self._progress("Replaying", *p),
            label="state",
        )

    def _cache_state(self, sid: str, version: int, result: Any) -> None:
        self._state_cache[(sid, version)] = result
        self._state_cache.move_to_end((sid, version))
        while len(self._state_cache) > STATE_CACHE:
            self._state_cache.popitem(last=False)

    def _state_ready(self, sid: str, version: int, result: Any) -> None:
        self._cache_state(sid, version, result)
        stream = self.stream
        if stream is None or stream["id"] != sid or self.version != version:
            return
        self.state_result = result
        changes = self._changes_cache.get((sid, version))
        self.event_changes = changes or []
        self.state_panel.show_state(result, self.event_changes, stream["last"])
        if result.mode:
            self.mode_label.setText(
                f"mode: {result.mode}{' (approximate)' if result.approximate else ''}"
            )
        self.stateShown.emit(version)
        if changes is not None:
            self._changes_ready(sid, version, changes)
            return
        if result.error is not None:
            self._changes_ready(sid, version, [])
            return
        first = stream["first"]
        prev = self._state_cache.get((sid, version - 1)) if version > first else None
        replayer = self.session.replayer if self.session is not None else None

        def work(ticket: Ticket) -> list[dict[str, Any]]:
            if version <= first:
                old: Any = {}
            else:
                before = prev if prev is not None else replayer.state(sid, version - 1)
                old = before.state
            ticket.check()
            return diff_values(old, result.state)

        self.runner.submit(
            "changes",
            work,
            lambda ch: self._changes_ready(sid, version, ch),
            lambda m: self.statusBar().showMessage(f"Changed paths: {m}", 5000),
            label="",
        )

    def _changes_ready(self, sid: str, version: int, changes: list[dict[str, Any]]) -> None:
        self._changes_cache[(sid, version)] = changes
        while len(self._changes_cache) > STATE_CACHE:
            self._changes_cache.pop(next(iter(self._changes_cache)))
        if self.stream is None or self.stream["id"] != sid or self.version != version:
            return
        self.event_changes = changes
        if self.state_result is not None and self.state_result.error is None:
            self.state_panel.tree.set_highlights(highlights_of(changes))
            self.state_panel.expand_to(changes)
        if self.diff_panel.event_mode():
            self._show_event_diff()
        self.changesShown.emit(version)

    def _show_event_diff(self) -> None:
        if self.state_result is None or self.version is None or self.stream is None:
            self.diff_panel.clear()
            return
        v = self.version
        prev = v - 1 if v > self.stream["first"] else None
        diff = {
            "stream": self.stream["id"],
            "from": prev,
            "to": v,
            "mode": self.state_result.mode,
            "approximate": self.state_result.approximate,
            "changes": self.event_changes,
        }
        self.diff = diff
        what = f"Version {v}" + (f" (from {prev})" if prev is not None else " (creation)")
        self.diff_panel.show_diff(diff, what)

    def compare_versions(self, a: int, b: int) -> None:
        session, stream = self.session, self.stream
        if session is None or stream is None or session.replayer is None:
            return
        replayer, sid = session.replayer, stream["id"]
        self.diff_panel.stack.show_message(f"Comparing version {a} with {b}…")

        def done(diff: dict[str, Any]) -> None:
            self.diff = diff
            self.diff_panel.show_diff(diff, f"Version {a} → {b}")
            self.right_tabs.setCurrentWidget(self.diff_panel)

        self.runner.submit(
            "diff",
            lambda t: replayer.diff(sid, a, b),
            done,
            lambda m: self.diff_panel.clear(f"Could not diff: {m}"),
            label="diff",
        )

    def blame(self, path: list[Any]) -> None:
        session, stream = self.session, self.stream
        if session is None or stream is None or session.replayer is None:
            return
        replayer, sid = session.replayer, stream["id"]
        self.blame_panel.loading(path)
        self.right_tabs.setCurrentWidget(self.blame_panel)

        def work(ticket: Ticket) -> dict[str, Any]:
            return replayer.blame_result(
                sid, path, progress=lambda d, t: ticket.progress((d, t)), cancelled=ticket.cancelled
            )

        self.runner.submit(
            "blame",
            work,
            lambda r: self.blame_panel.show_blame(path, r),
            lambda m: self.blame_panel.stack.show_message(f"Blame failed: {m}"),
            lambda p: self._progress("Blame", *p),
            label="blame",
        )

    def _blame_jump(self, version: int) -> None:
        self.set_version(version)

    # -- timeline -----------------------------------------------------------------------------
    def _load_timeline(self) -> None:
        session, stream = self.session, self.stream
        assert session is not None and stream is not None
        sid, first, last = stream["id"], stream["first"], stream["last"]
        if self.timeline.times is None:
            self.timeline.show_placeholder("Replaying the stream to plot its events by time…")

        def work(ticket: Ticket) -> Any:
            import numpy as np

            from inspector.ui.format import epoch

            iso: list[str | None]
            if session.replayer is not None:
                session.replayer.state(
                    sid,
                    last,
                    progress=lambda d, t: ticket.progress((d, t)),
                    cancelled=ticket.cancelled,
                )
                iso = session.replayer.timestamps(sid)
            else:
                iso = []
                for ev in session.store.iter_stream_events(sid, first, last):
                    ticket.check()
                    d = session.codec.decode(ev.state)
                    iso.append(d.data.get("timestamp") if isinstance(d.data, dict) else None)
            ticket.check()
            n = last - first + 1
            arr = np.full(n, np.nan)
            for i, t in enumerate(iso[:n]):
                e = epoch(t)
                if e is not None:
                    arr[i] = e
            return arr

        def done(arr: Any) -> None:
            if self.stream is None or self.stream["id"] != sid:
                return
            self.timeline.set_times(arr, self.stream.get("snapshots", []))

        def failed(message: str) -> None:
            self.timeline.status.setText(f"Could not load the timeline: {message}")

        self.runner.submit(
            "timeline",
            work,
            done,
            failed,
            lambda p: self._progress("Replaying", *p),
            label="timeline",
        )

    # -- live ---------------------------------------------------------------------------------
    def set_live(self, on: bool) -> None:
        if self.live_box.isChecked() != on:
            self.live_box.setChecked(on)
            return
        if on:
            self.live_timer.start()
            self.poll_live()
        else:
            self.live_timer.stop()
        self.statusBar().showMessage("Live: following new events" if on else "Live off", 3000)

    def poll_live(self) -> None:
        session = self.session
        if session is None or self.runner.is_busy("live"):
            return
        sid = self.stream["id"] if self.stream else None

        def work(ticket: Ticket) -> dict[str, Any]:
            session.store.refresh()
            out: dict[str, Any] = {"max_position": session.store.max_position()}
            if sid is not None:
                out["last"] = session.store.last_version(sid)
            return out

        self.runner.submit(
            "live",
            work,
            lambda r: self._live_result(sid, r),
            lambda m: self.statusBar().showMessage(f"Live: {m}", 5000),
            label="",
        )

    def _live_result(self, sid: str | None, r: dict[str, Any]) -> None:
        if self.session is None:
            return
        self.log_panel.model.poll()
        stream = self.stream
        if stream is None or sid != stream["id"] or r.get("last") is None:
            return
        last = int(r["last"])
        if last <= stream["last"]:
            return
        at_end = self.version == stream["last"]
        stream["last"] = last
        self.events_panel.model.extend_to(last)
        self.events_panel.show_stream(stream["id"], stream["type"], stream["first"], last)
        self.timeline.set_range(stream["first"], last)
        self.diff_panel.set_range(stream["first"], last)
        self.streams_panel.model.update_version(stream["id"], last)
        if at_end:
            self.set_version(last)
        elif self.version is not None:
            self.timeline.set_version(self.version)
        self._load_timeline()

    # -- find ---------------------------------------------------------------------------------
    def show_find(self) -> None:
        self.find_dock.show()
        self.find_dock.raise_()
        self.find_panel.query.setFocus()
        self.find_panel.query.selectAll()

    def _find(self, q: Any, resume: bool) -> None:
        from inspector.ui.find import scan

        session = self.session
        if session is None:
            self.find_panel.on_error("open a store first")
            return
        prev = self.find_panel.last_result
        after = prev.cursor if resume and prev is not None else None
        if not resume:
            self._find_total = 0
        self.find_panel.running(True)

        def work(ticket: Ticket) -> Any:
            return scan(session, q, after, ticket.cancelled, lambda n, _c: ticket.progress(n))

        def done(res: Any) -> None:
            self._find_total += res.scanned
            self.find_panel.on_result(res, self._find_total)

        self.runner.submit(
            "find",
            work,
            done,
            self.find_panel.on_error,
            lambda n: self.find_panel.on_progress(n, q.cap),
            label="find",
        )

    def _cancel_find(self) -> None:
        self.runner.cancel("find")
        self.find_panel.on_cancelled()

    # -- export -------------------------------------------------------------------------------
    def export(self, what: str, path: str | None = None) -> None:
        """Export ``events`` / ``csv`` (the open stream), ``state`` or ``diff`` to ``path``."""
        from inspector.ui import export as ex

        if what in ("events", "csv") and (self.stream is None or self.session is None):
            self.show_error("Select a stream to export its events.")
            return
        if what == "state" and self.state_result is None:
            self.show_error("No state to export: select an event first.")
            return
        if what == "diff" and self.diff is None:
            self.show_error("No diff to export: select an event or compare two versions.")
            return
        if path is None:
            suffix = "csv" if what == "csv" else "json"
            base = (self.stream or {}).get("id", "export")
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export",
                os.path.join(os.getcwd(), f"{base}-{what}.{suffix}"),
                "CSV (*.csv)" if suffix == "csv" else "JSON (*.json)",
            )
            if not path:
                return
        target = path
        session, stream = self.session, self.stream
        if what == "events":
            assert session is not None and stream is not None
            sid = stream["id"]

            def fn(t: Ticket) -> str:
                n = ex.export_stream_json(session, sid, target, t.cancelled)
                return f"{n:,} events"
        elif what == "csv":
            assert session is not None and stream is not None
            sid = stream["id"]

            def fn(t: Ticket) -> str:
                n = ex.export_stream_csv(session, sid, target, t.cancelled)
                return f"{n:,} events"
        elif what == "state":
            data = self.state_result.to_json()

            def fn(t: Ticket) -> str:
                ex.write_json(target, data)
                return "state"
        else:
            data = dict(self.diff or {})

            def fn(t: Ticket) -> str:
                ex.write_json(target, data)
                return "diff"

        self.runner.submit(
            "export",
            fn,
            lambda what_: self.show_info(f"Exported {what_} to {target}"),
            lambda m: self.show_error(f"Export failed: {m}"),
            label="export",
        )

    # -- about, drag and drop -----------------------------------------------------------------
    def show_about(self) -> None:
        from inspector.ui.about import AboutDialog

        AboutDialog(self).exec()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_path(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_path(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_store(OpenRequest(path))

    @staticmethod
    def _dropped_path(event: Any) -> str | None:
        md = event.mimeData()
        if md is None or not md.hasUrls():
            return None
        for url in md.urls():
            if url.isLocalFile():
                p = url.toLocalFile()
                if os.path.isfile(p):
                    return p
        return None
