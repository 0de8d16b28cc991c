"""The built-in catalog behind the main window: updated in the background after a store opens.

Once the first streams page is on screen, :class:`CatalogFeed` updates the store's catalog
(:mod:`inspector.core.catalog`, a local cache) incrementally on the window's task runner, on its
own channel: opening another store, the status bar's Cancel or :meth:`CatalogFeed.cancel` stop it
between slices of events, and what was committed stays for the next update. A cached catalog is
published at once, then partial results every few seconds of a long build, then the final one;
each publication fills the streams panel's type filter (types with counts) and the store
statistics view (:mod:`inspector.ui.widgets.store_stats`).
"""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from inspector.ui.workers import TaskRunner, Ticket

CHANNEL = "catalog"
PARTIAL_EVERY_S = 3.0


def catalog_snapshot(cat: Any) -> dict[str, Any]:
    """What the views show: the catalog's summary and its per-day counts (plain data)."""
    return {"summary": cat.summary(), "per_day": cat.per_day()}


class CatalogFeed(QObject):
    """Keeps one session's catalog up to date and publishes it (``updated``)."""

    updated = Signal(dict)  # {"summary", "per_day", "state": cached|partial|done|cancelled}
    statusChanged = Signal(str)

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: Any = None
        self.data: dict[str, Any] | None = None
        self.result: dict[str, Any] | None = None
        self.status = ""
        self._start_pending = False
        self.batch: int | None = None  # events per store read (None: the catalog's default)
        runner.busyChanged.connect(self._busy_changed)

    # -- the window's calls -------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        """A store was opened: forget the old catalog; update once the first page is shown."""
        self.runner.cancel(CHANNEL)
        self.session = session
        self.data = None
        self.result = None
        self._start_pending = session is not None
        self._set_status("" if session is None else "Catalog: waiting for the first page…")

    def first_page_shown(self, *_args: Any) -> None:
        if self._start_pending:
            self._start_pending = False
            QTimer.singleShot(0, self.update)

    def running(self) -> bool:
        return self.runner.is_busy(CHANNEL)

    def cancel(self) -> None:
        if self.running():
            self.runner.cancel(CHANNEL)

    # -- updating -----------------------------------------------------------------------------
    def update(self) -> None:
        """Bring the catalog up to the store's head (no-op while an update runs)."""
        session = self.session
        if session is None or self.running():
            return
        store, codec = session.store, session.codec
        batch = {"batch": self.batch} if self.batch else {}

        def work(ticket: Ticket) -> dict[str, Any]:
            from inspector.core.catalog import Catalog

            store.refresh()  # see what other processes committed since the store opened
            with Catalog(store, codec) as cat:
                if cat.position() is not None and cat.stale_reason() is None:
                    ticket.progress({**catalog_snapshot(cat), "state": "cached"})
                last = [time.monotonic()]

                def progress(p: Any) -> None:
                    ticket.progress(p)
                    now = time.monotonic()
                    if now - last[0] >= PARTIAL_EVERY_S:
                        last[0] = now
                        ticket.progress({**catalog_snapshot(cat), "state": "partial"})

                res = cat.update(progress=progress, cancelled=ticket.cancelled, **batch)
                out = {**catalog_snapshot(cat), "state": res.status, "result": res.to_json()}
                return out

        self._set_status("Catalog: updating…")
        self.runner.submit(CHANNEL, work, self._done, self._failed, self._progress,
                           label="catalog")

    def _progress(self, value: Any) -> None:
        if isinstance(value, dict):
            self._publish(value)
        else:
            self._set_status(f"Catalog: {value.text()}")

    def _done(self, data: dict[str, Any]) -> None:
        self.result = data.get("result")
        res = self.result or {}
        if data["state"] == "done":
            extra = f", rebuilt: {res['reason']}" if res.get("rebuilt") and res.get("reason") \
                else ""
            undecoded = res.get("undecoded") or data["summary"].get("undecoded") or 0
            if undecoded:
                extra += f"; {undecoded:,} events could not be decoded (no cipher key?)"
            self._set_status(f"Catalog up to date: {res.get('processed', 0):,} new events in "
                             f"{res.get('elapsed', 0):.2f} s{extra}")
        else:
            self._set_status("Catalog update cancelled: what was processed is kept")
        self._publish(data)

    def _failed(self, message: str) -> None:
        self._set_status(f"Catalog unavailable: {message}")

    def _publish(self, data: dict[str, Any]) -> None:
        self.data = data
        self.updated.emit(data)

    def _set_status(self, text: str) -> None:
        self.status = text
        self.statusChanged.emit(text)

    def _busy_changed(self, _labels: str) -> None:
        QTimer.singleShot(0, self._check_cancelled)  # after the task's own result, if any

    def _check_cancelled(self) -> None:
        # Cancelled from outside (the status bar's Cancel, another store): say so.
        if self.status.startswith("Catalog: ") and self.session is not None \
                and not self.running() and not self._start_pending:
            self._set_status("Catalog update cancelled: what was processed is kept")


def install_catalog(win: Any) -> CatalogFeed:
    """Wire a feed into the main window: type filter counts and View > Store statistics."""
    from PySide6.QtGui import QKeySequence

    feed = CatalogFeed(win.runner, win)
    win.catalog_feed = feed
    win.stats_dialog = None
    win.sessionOpened.connect(lambda: feed.set_session(win.session))
    win.streams_panel.model.pageLoaded.connect(feed.first_page_shown)
    win.streams_panel.model.loadFailed.connect(feed.first_page_shown)

    def fill_types(d: dict[str, Any]) -> None:
        panel = win.streams_panel
        if d["state"] == "partial" and panel.type_box.view().isVisible():
            return  # not under the user's pointer while a long build goes on
        panel.set_type_counts(d["summary"]["types"])
        complete = d["state"] == "done"
        panel.model.catalog_types = frozenset(
            t["type"] for t in d["summary"]["types"] if complete and t["type"] not in (None, "?")
        )

    feed.updated.connect(fill_types)

    def show_stats() -> None:
        from inspector.ui.widgets.store_stats import StoreStatsDialog

        if win.stats_dialog is None:
            win.stats_dialog = StoreStatsDialog(feed, win)
            win.stats_dialog.typeActivated.connect(lambda t: filter_streams_by_type(win, t))
        win.stats_dialog.show()
        win.stats_dialog.raise_()
        if not feed.running():
            feed.update()

    def live_tick() -> None:  # Live mode with the statistics on screen: keep them current
        if win.stats_dialog is not None and win.stats_dialog.isVisible() and not feed.running():
            feed.update()

    win.live_timer.timeout.connect(live_tick)
    win.show_store_stats = show_stats
    view = next((a.menu() for a in win.menuBar().actions() if a.text() == "&View"), None)
    if view is None:
        view = win.menuBar().addMenu("&View")
    act = view.addAction("Store &statistics…", show_stats)
    act.setShortcut(QKeySequence("Ctrl+I"))
    win.act_stats = act
    return feed


def filter_streams_by_type(win: Any, topic: str) -> None:
    """Show the streams of one aggregate type (a type picked in the statistics view)."""
    panel = win.streams_panel
    win.left_tabs.setCurrentWidget(panel)
    box = panel.type_box
    i = box.findData(topic)
    if i >= 0:
        box.setCurrentIndex(i)
    else:
        box.setEditText(topic)
    panel.apply_filter()
