"""Opening a store in the main window: dialog, recent list, drop, the session switch."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog

from inspector.core.redact import redact
from inspector.ui.session import OpenRequest, Session, demo_request, open_session
from inspector.ui.workers import Ticket

SETTINGS_ORG = "event-inspector"
SETTINGS_APP = "Event History Inspector"


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


def recent_label(req: Any) -> str:
    """A Recent entry: the whole location (a URL's password never), its application and
    profile name."""
    label = redact(req.location)
    if req.app:
        label += f" [{req.app}]"
    if req.profile_name and req.profile_name != req.location:
        label = f"{req.profile_name} — {label}"
    return label


def demo_stream_id(named: dict[str, str], stream: str | None) -> str | None:
    """``stream`` as given, or the id of the demo stream whose name it is (or uniquely contains,
    case-insensitive: ``ledger`` finds "ledger operating account")."""
    if not stream:
        return stream
    if stream in named:
        return named[stream]
    hits = [sid for label, sid in named.items() if stream.lower() in label.lower()]
    return hits[0] if len(hits) == 1 else stream


class OpeningMixin:
    """MainWindow's store opening (uses its runner, panels and settings)."""

    demo_streams: tuple[str, dict[str, str]] = ("", {})  # the demo's location, its named streams

    def demo_stream_for(self, text: str) -> str:
        """What the Go-to box opens for ``text``: on the demo store, one of its stream names
        (or a unique part of one, as ``--stream`` takes them); elsewhere, or when ``text``
        could be the beginning of an id (hex digits and dashes only), ``text`` itself."""
        location, named = self.demo_streams
        session = getattr(self, "session", None)
        if (not named or session is None or session.request.location != location
                or not text.strip("{}").replace("-", "").lower().strip("0123456789abcdef")):
            return text
        return demo_stream_id(named, text) or text

    def _fill_demo_menu(self, session: Session) -> None:
        """Go ▸ Demo streams: the demo's interesting streams by name (only while it is open)."""
        location, named = self.demo_streams
        menu = self.demo_menu
        menu.clear()
        is_demo = bool(named) and session.request.location == location
        menu.menuAction().setVisible(is_demo)
        if not is_demo:
            return
        for label, sid in named.items():
            menu.addAction(label, lambda sid=sid: self.open_stream(sid))
        names = ", ".join(f"“{label}”" for label in named)
        self.statusBar().showMessage(f"Demo store: try {names} (Go ▸ Demo streams)", 30000)

    # -- opening ------------------------------------------------------------------------------
    def open_dialog(self) -> None:
        """Ctrl+O: the connection dialog (or a file picker when it is unavailable)."""
        try:
            from inspector.ui.connection import ConnectionDialog
        except ImportError:
            ConnectionDialog = None  # type: ignore[assignment]  # noqa: N806
        if ConnectionDialog is not None:
            self.remember_current()
            dialog = ConnectionDialog(self, profile_store(self.settings))
            self.attach_dialog(dialog)
            try:
                dialog.exec()
            finally:
                dialog.deleteLater()
            return
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open an event store",
            "",
            "SQLite stores (*.db *.sqlite *.sqlite3);;All files (*)",
        )
        if path:
            self.open_store(OpenRequest(path))

    def attach_dialog(self, dialog: Any) -> None:
        """The dialog opens its connection itself (:meth:`dialog_opener`); once it has, the
        window shows that session."""
        dialog.opener = self.dialog_opener()
        dialog.accepted.connect(
            lambda: self._set_session(dialog.opened) if dialog.opened is not None else None
        )

    def dialog_opener(self) -> Any:
        """For the connection dialog: open its connection in its worker thread. A failure
        stays in the dialog (one message; nothing added to Recent)."""

        def opener(spec: Any) -> Session:
            req = OpenRequest.from_spec(spec)
            req.from_dialog = True
            return open_session(req)

        return opener

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
        self.remember_current()
        self.recent_menu.clear()
        reqs = self.recent_requests()[:10]
        for req in reqs:
            self.recent_menu.addAction(recent_label(req), lambda req=req: self.open_store(req))
        if not reqs:
            self.recent_menu.addAction("(none yet)").setEnabled(False)

    def _remember(self, req: OpenRequest) -> None:
        """Put ``req`` first in the recent list (never with a password or cipher key)."""
        if req.from_dialog:
            return
        store = profile_store(self.settings)
        spec = req.to_spec()
        if store is not None and spec is not None:
            # The settings get the spec without secrets; a password or cipher key given on the
            # command line goes to the keyring (when there is one), like one typed in the dialog.
            from dataclasses import replace

            spec = replace(spec, password=req.password, cipher_key=req.cipher_key)
            store.add_recent(spec, remember_secrets=True)
            return
        recent = self.settings.value("recent/locations", []) or []
        if isinstance(recent, str):
            recent = [recent]
        from inspector.core.redact import redact

        loc = redact(req.location)
        recent = [loc, *[r for r in recent if r != loc]][:10]
        self.settings.setValue("recent/locations", recent)

    def open_demo(
        self, stream: str | None = None, version: int | None = None, mode: str = "auto"
    ) -> None:
        """Open the demo store, creating it first (in the background, with progress) if needed."""
        self.loading_label.setText("Preparing the demo store…")

        def work(ticket: Ticket) -> tuple[OpenRequest, dict[str, str]]:
            from inspector.demo import ensure_demo_store

            demo = ensure_demo_store(progress=lambda msg, frac: ticket.progress((msg, frac)))
            facts = getattr(demo, "facts", None) or {}
            named = dict(facts.get("named_streams") or facts.get("long_streams") or {})
            return demo_request(demo, mode), named

        def progress(p: tuple[str, float]) -> None:
            msg, frac = p
            self.busy_bar.setRange(0, 100)
            self.busy_bar.setValue(int(frac * 100))
            self.loading_label.setText(f"Creating the demo store (first use): {msg}…")

        def done(result: tuple[OpenRequest, dict[str, str]]) -> None:
            req, named = result
            self.demo_streams = (req.location, named)
            self.open_store(req, demo_stream_id(named, stream), version)

        self.runner.submit(
            "open",
            work,
            done,
            lambda m: self.show_error(f"Could not prepare the demo store: {m}"),
            progress,
            label="demo store",
        )

    def open_store(
        self, req: OpenRequest, stream: str | None = None, version: int | None = None
    ) -> None:
        """Open ``req`` in the background; the current store stays until the new one is ready."""
        self.loading_label.setText(redact(f"Opening {req.location}…"))

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
            # the store's errors usually name the location already: say it once
            if message.startswith(req.location):
                text = f"Could not open {message}"
            elif req.location in message:
                text = f"Could not open: {message}"
            else:
                text = f"Could not open {redact(req.location)}: {message}"
            self.show_error(text)
            self.loading_label.setText("Ready" if self.session else "")

        self.runner.submit("open", work, done, failed, label="store")

    def _set_session(self, session: Session) -> None:
        self.remember_current()
        old = self.session
        self.runner.cancel_all()
        self.session = session
        self._state_cache.clear()
        self._changes_cache.clear()
        if old is not None:
            old.close()
        req = session.request
        self._after_first_page = True  # the counts: once the first streams are shown
        self._remembered = False
        self.banner.dismiss()
        self.statusBar().clearMessage()  # no message about the previous store stays
        self.goto_edit.clear()
        self.goto.reset()
        self._pending_version = None
        self._find_total = 0
        self.find_panel.reset()
        colour = req.env_colour
        app_part = f" · app {session.store.name}" if len(session.db.apps) > 1 else ""
        title = self.conn_label.fontMetrics().elidedText(
            redact(req.title()), Qt.TextElideMode.ElideMiddle, 520
        )
        self.conn_label.setText(f"<b>{title}</b> · {session.db.layout}{app_part}")
        self.conn_label.setToolTip(redact(session.store.location))
        self.conn_label.setStyleSheet(
            f"QLabel#connLabel {{ border-left: 6px solid {colour}; padding-left: 6px; }}"
            if colour
            else ""
        )
        self.ro_badge_action.setVisible(True)
        self.conn_status.setText(f"READ-ONLY · {session.db.layout}")
        self.setWindowTitle(redact(f"{req.title()} — Event History Inspector"))
        self.mode_label.setText("")
        if session.replay_error:
            self.show_info(f"State replay is unavailable: {session.replay_error}")
        self._clear_stream()
        self.streams_panel.set_session(session)
        self.log_panel.set_session(session)
        self.find_panel.set_stream(None)
        for panel in self.extra_panels.values():
            for name, arg in (("set_session", session), ("set_stream", None)):
                fn = getattr(panel, name, None)
                if fn is not None:
                    try:
                        fn(arg)
                    except Exception as exc:  # noqa: BLE001
                        self.show_error(f"panel: {exc}")
        self._write_mode_changed(False)  # write mode belongs to the store it was enabled on
        self._fill_demo_menu(session)
        self.sessionOpened.emit()

    def _streams_page_loaded(self, _rows: int) -> None:
        """Work that can wait until the first streams page is on screen (it paints first)."""
        if not self._after_first_page or self.session is None:
            return
        self._after_first_page = False
        QTimer.singleShot(0, self._after_first_paint)

    def _after_first_paint(self) -> None:
        if self.session is not None:
            self._load_totals()

    def remember_current(self) -> None:
        """Record the open store in the recent list, once per session.

        Done lazily (when the recent list or the connection dialog is about to show, when
        another store opens, when the window closes): the profile store imports SQLAlchemy and
        the keyring, which would otherwise cost the first seconds of a session.
        """
        if self.session is not None and not self._remembered:
            self._remembered = True
            self._remember(self.session.request)

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
        if getattr(self, "field_plot", None) is not None:
            self.field_plot.close()  # it charted the previous store's stream
        self.timeline.clear()

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
