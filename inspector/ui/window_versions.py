"""Moving through versions: event row, slider, state (then changed paths), diff, blame, timeline."""

from __future__ import annotations

import gc
from typing import Any

from inspector.core.change_summary import summarize_changes
from inspector.core.diff import diff_values
from inspector.ui.workers import Ticket

STATE_CACHE = 16  # recently shown states kept for stepping back and forth
# ... but no more than about this many container items in all: every cached state is scanned by
# each full garbage collection, which runs on the UI thread too (16 states holding a 100,000-item
# list each made collections of 50-100 ms).
STATE_CACHE_ITEMS = 150_000
SUMMARY_BATCH = 40  # at most this many events' change summaries replayed per visible range


def _state_weight(result: Any) -> int:
    """A cheap size estimate of a replayed state: 1 + the items of its top-level containers."""
    state = getattr(result, "state", None)
    if not isinstance(state, dict):
        return 1
    return 1 + sum(len(v) for v in state.values() if isinstance(v, (list, dict)))


class VersionsMixin:
    """MainWindow's version navigation and replay requests."""

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
        weight = sum(_state_weight(r) for r in self._state_cache.values())
        while len(self._state_cache) > STATE_CACHE or (
            weight > STATE_CACHE_ITEMS and len(self._state_cache) > 1
        ):
            _key, dropped = self._state_cache.popitem(last=False)
            weight -= _state_weight(dropped)

    def _state_ready(self, sid: str, version: int, result: Any) -> None:
        self._cache_state(sid, version, result)
        if _state_weight(result) > 10_000:
            # Large replayed states and their checkpoints are long-lived: move what is alive now
            # out of the cyclic collector's way, so no full collection has to scan them again
            # (each scan is a pause on whatever thread triggers it, the UI thread included).
            # Reference counting still frees them when they are dropped.
            gc.freeze()
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

    def _request_summaries(self, lo: int, hi: int) -> None:
        """Fill the event list's Changes column for the versions in view (at most
        SUMMARY_BATCH, off the UI thread): replay the state before ``lo`` once, then each
        version in turn, diffing neighbours; summaries already known are not recomputed."""
        session, stream = self.session, self.stream
        model = self.events_panel.model
        if session is None or stream is None or session.replayer is None:
            model.summary_placeholder = ""
            return
        model.summary_placeholder = "…"
        sid, first = stream["id"], stream["first"]
        missing = [v for v in range(lo, hi + 1) if v not in model.summaries]
        if not missing:
            return
        lo, hi = missing[0], min(missing[-1], missing[0] + SUMMARY_BATCH - 1)
        replayer = session.replayer

        def work(ticket: Ticket) -> dict[int, str]:
            out: dict[int, str] = {}
            prev: Any = {} if lo <= first else replayer.state(sid, lo - 1).state
            for v in range(lo, hi + 1):
                ticket.check()
                result = replayer.state(sid, v, cancelled=ticket.cancelled)
                if result.error is not None:
                    out[v] = "(replay error)"
                    break
                out[v] = summarize_changes(diff_values(prev, result.state))
                prev = result.state
            return out

        def done(found: dict[int, str]) -> None:
            if self.stream is None or self.stream["id"] != sid:
                return
            for v, text in found.items():
                model.set_summary(v, text)

        self.runner.submit(
            "summaries",
            work,
            done,
            lambda m: self.statusBar().showMessage(f"Change summaries: {m}", 5000),
            label="",
        )

    def _changes_ready(self, sid: str, version: int, changes: list[dict[str, Any]]) -> None:
        self._changes_cache[(sid, version)] = changes
        if self.stream is not None and self.stream["id"] == sid:
            self.events_panel.model.set_summary(version, summarize_changes(changes))
        while len(self._changes_cache) > STATE_CACHE:
            self._changes_cache.pop(next(iter(self._changes_cache)))
        if self.stream is None or self.stream["id"] != sid or self.version != version:
            return
        self.event_changes = changes
        if self.state_result is not None and self.state_result.error is None:
            self.state_panel.show_changes(changes)
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

    def plot_field(self, path: list[Any]) -> None:
        """Chart the numeric value at ``path`` over versions in a dialog (computed off the UI)."""
        session, stream = self.session, self.stream
        if session is None or stream is None or session.replayer is None:
            return
        from inspector.core.field_series import field_series
        from inspector.ui.format import path_text
        from inspector.ui.widgets.field_plot import FieldPlotDialog

        replayer, sid = session.replayer, stream["id"]
        old = getattr(self, "field_plot", None)
        if old is not None:
            old.close()
        dlg = FieldPlotDialog(
            str(stream.get("name") or sid), path_text(path), self, stream.get("last")
        )
        self.field_plot = dlg
        dlg.loading()

        def closed(*_: Any) -> None:
            if self.field_plot is dlg:
                self.field_plot = None
                self.runner.cancel("field-plot")

        dlg.finished.connect(closed)
        dlg.show()

        def work(ticket: Ticket) -> dict[str, Any]:
            return field_series(
                replayer, sid, path,
                progress=lambda d, t: ticket.progress((d, t)), cancelled=ticket.cancelled,
            )

        def alive(fn: Any) -> Any:
            def call(value: Any) -> None:
                if self.field_plot is dlg:
                    fn(value)
            return call

        self.runner.submit(
            "field-plot",
            work,
            alive(dlg.show_series),
            alive(dlg.show_error),
            alive(lambda p: dlg.loading(*p)),
            label="plot",
        )

    def _blame_jump(self, version: int) -> None:
        self.set_version(version)

    # -- timeline -----------------------------------------------------------------------------
    def _load_timeline(self) -> None:
        from inspector.ui.widgets.timeline import MAX_TYPED_EVENTS

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
            topics: list[str | None] | None = None
            if n <= MAX_TYPED_EVENTS:  # colour by type: the topics only (cheap beside a replay)
                topics = []
                for row in session.store.iter_stream_rows(sid, first, last):
                    ticket.check()
                    topics.append(row[2])
            return arr, topics

        def done(result: Any) -> None:
            if self.stream is None or self.stream["id"] != sid:
                return
            arr, topics = result
            self.timeline.set_times(arr, self.stream.get("snapshots", []))
            self.timeline.set_topics(topics)

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
