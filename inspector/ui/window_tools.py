"""Live mode, Find and Export for the main window."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import QFileDialog

from inspector.ui.workers import Ticket


def export_folder() -> str:
    """The user's documents folder (the home folder when the platform names none)."""
    from PySide6.QtCore import QStandardPaths

    docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    return docs if docs and os.path.isdir(docs) else os.path.expanduser("~")


def safe_name(text: str) -> str:
    """``text`` usable in a file name on every OS (ids may hold ``/``, ``:`` and spaces)."""
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in text).strip("._")
    return keep[:120] or "export"


class ToolsMixin:
    """MainWindow's Live polling, Find scans and exports."""

    def export_name(self, what: str) -> str:
        """The default file name: ``<stream>-events.csv``, ``<stream>-events.json``,
        ``<stream>-v<V>-state.json``, ``<stream>-v<A>-v<B>-diff.json``."""
        stream = safe_name(str((self.stream or {}).get("id", "export")))
        if what == "csv":
            return f"{stream}-events.csv"
        if what == "events":
            return f"{stream}-events.json"
        if what == "state":
            return f"{stream}-v{self.version}-state.json"
        diff = self.diff or {}
        return f"{stream}-v{diff.get('from', '')}-v{diff.get('to', self.version)}-diff.json"

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
        head = r.get("max_position")
        known = self.streams_panel.totals.get("max_position")
        if head is not None and known is not None and head > known:
            self._load_totals()  # the footer's stream and event counts follow the store
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
        opening = not self.find_dock.isVisible()
        self.find_dock.show()
        self.find_dock.raise_()
        if opening:
            self._make_room_for_find()
        self.find_panel.query.setFocus()
        self.find_panel.query.selectAll()

    def _make_room_for_find(self) -> None:
        """Give the Find dock about a third of the window, taken from the timeline first (down
        to its minimum), so the event list keeps its rows; undone when the dock closes."""
        from PySide6.QtCore import Qt, QTimer

        dock_h = max(150, min(320, int(self.height() * 0.28)))
        self.resizeDocks([self.find_dock], [dock_h], Qt.Orientation.Vertical)
        before = self.vertical.sizes()
        self._sizes_before_find = before

        def shrink_timeline() -> None:
            sizes = self.vertical.sizes()
            total = sum(sizes)
            least = self.timeline.minimumSizeHint().height()
            timeline = max(least, before[1] - dock_h)
            self.vertical.setSizes([max(0, total - timeline), timeline])
            centre = sum(self.centre.sizes())
            self.centre.setSizes([centre * 5 // 8, centre - centre * 5 // 8])  # the list first

        QTimer.singleShot(0, shrink_timeline)

    def _find_dock_visibility(self, visible: bool) -> None:
        before = getattr(self, "_sizes_before_find", None)
        if not visible and before is not None:
            self._sizes_before_find = None
            from PySide6.QtCore import QTimer

            QTimer.singleShot(0, lambda: self.vertical.setSizes(before))

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
            path, _ = QFileDialog.getSaveFileName(
                self,
                "Export",
                os.path.join(export_folder(), self.export_name(what)),
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
