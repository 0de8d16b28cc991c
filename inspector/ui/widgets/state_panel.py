"""The aggregate's state at the selected version, with the paths this event changed highlighted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from inspector.ui.models.json_tree import SNAPSHOT_COLOUR
from inspector.ui.widgets.common import PlaceholderStack, elastic, themed_message
from inspector.ui.widgets.json_view import JsonView

LEGEND = (
    "<span style='color:#2e9d4f'>■ added</span>&nbsp;&nbsp;"
    "<span style='color:#d08a00'>■ changed</span>&nbsp;&nbsp;"
    "<span style='color:#d03030'>■ removed</span>&nbsp;&nbsp;by this event"
)
# The library's own attributes first, always in this order; the aggregate's fields follow in
# name order, so a field is on the same line at every version (an object's __dict__ order
# depends on how it was built: replayed from its first event, or restored from a snapshot).
LEADING = ("_id", "_version", "_created_on", "_modified_on")


def origins_of(result: Any) -> dict[tuple[Any, ...], str]:
    """Generic mode: path -> "snapshot" (read from the stored snapshot at version N) or
    "events" (inferred from later events), from the result's provenance."""
    prov = getattr(result, "provenance", None)
    if not prov:
        return {}
    out: dict[tuple[Any, ...], str] = {tuple(p): "events" for p in prov.get("inferred", [])}
    snap = prov.get("snapshot_version")
    for p in prov.get("from_snapshot", []):
        out[tuple(p)] = f"snapshot:{snap}"
    return out


def highlights_of(changes: list[dict[str, Any]]) -> dict[tuple[Any, ...], str]:
    """Path -> op of every change (removed paths too: :func:`display_state` shows them)."""
    return {tuple(c["path"]): c["op"] for c in changes}


def stable_order(state: dict[str, Any]) -> dict[str, Any]:
    """``state``'s top-level fields in :data:`LEADING`-then-name order."""
    lead = [k for k in LEADING if k in state]
    rest = sorted((k for k in state if k not in LEADING), key=lambda k: (str(k).lower(), str(k)))
    return {k: state[k] for k in lead + rest}


def display_state(state: Any, changes: list[dict[str, Any]]) -> Any:
    """What the state view shows: ``state`` in a stable field order, with what this event
    removed put back at its place (old value), so it can be shown struck out in red.

    A removed list item goes back only at the end of its list (where the library's list
    diffs report removals); anything that cannot be placed is left out. ``state`` itself is
    not changed (copies along the changed paths).
    """
    if not isinstance(state, dict):
        return state
    shown: Any = stable_order(state)
    for c in changes:
        if c.get("op") != "remove" or not c.get("path"):
            continue
        shown = _put_back(shown, list(c["path"]), c.get("old"))
    return stable_order(shown)


def _put_back(node: Any, path: list[Any], old: Any) -> Any:
    key, rest = path[0], path[1:]
    if isinstance(node, dict):
        copy = dict(node)
        if not rest:
            if key not in copy:
                copy[key] = old
            return copy
        if key in copy:
            copy[key] = _put_back(copy[key], rest, old)
        return copy
    if isinstance(node, list) and isinstance(key, int):
        copy = list(node)
        if not rest:
            if key == len(copy):
                copy.append(old)
            return copy
        if 0 <= key < len(copy):
            copy[key] = _put_back(copy[key], rest, old)
        return copy
    return node


class StatePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: Any = None
        self.changes: list[dict[str, Any]] = []
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.legend = elastic(QLabel(LEGEND))
        self.legend.setToolTip(
            "Fields are listed in a stable order: _id, _version, _created_on, _modified_on, "
            "then by name. A field or item this event removed is shown in red with its old value."
        )
        self.legend.setStyleSheet("color: palette(placeholder-text);")
        self.error = QLabel()
        self.error.setObjectName("replayError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        themed_message(self.error, "warning")
        self.error.hide()
        # Generic mode is approximate: say so, say how to get the exact state, and tell the
        # values of a stored snapshot apart from those inferred from later events.
        self.banner = QLabel()
        self.banner.setObjectName("approxBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        themed_message(self.banner, "info")
        self.banner.hide()
        self.tree = JsonView()
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.legend)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(head)
        lay.addWidget(self.error)
        lay.addWidget(self.banner)
        lay.addWidget(self.tree, 1)
        self.stack = PlaceholderStack(
            inner, "Select a stream and an event: the aggregate's state at that version shows here."
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def clear(self, message: str | None = None) -> None:
        self.result = None
        self.changes = []
        self.stack.show_message(
            message
            or "Select a stream and an event: the aggregate's state at that version shows here."
        )

    def loading(self, version: int) -> None:
        if self.result is None:
            self.stack.show_message(f"Replaying to version {version}…")
        else:
            self.title.setText(f"{self.title.text().split(' — ')[0]} — replaying to v{version}…")

    def show_state(self, result: Any, changes: list[dict[str, Any]], last_version: int) -> None:
        """``result`` is the core's StateResult; ``changes`` the event's own diff."""
        self.result = result
        self.changes = changes
        self.stack.show_content()
        mode = result.mode + (" (approximate)" if result.approximate else "")
        self.title.setText(f"<b>State at version {result.version}</b> of {last_version} · {mode}")
        if result.mode_reason and result.approximate:
            self.title.setToolTip(f"generic mode: {result.mode_reason}")
        if result.error is not None:
            shown = result.last_good_version
            self.error.setText(
                f"{result.error}. Showing the state at version {shown}, the last one that replayed."
                if shown is not None
                else str(result.error)
            )
            self.error.show()
        else:
            self.error.hide()
        self._show_banner(result)
        if result.state is None:
            self.stack.show_message(
                f"No state to show at version {result.version}: "
                f"{result.error or 'nothing replayed'}."
            )
            return
        clean = result.error is None
        shown = display_state(result.state, changes if clean else [])
        self.tree.set_value(shown, highlights_of(changes) if clean else {})
        self.tree.json_model.set_origins(origins_of(result))

    def show_changes(self, changes: list[dict[str, Any]]) -> None:
        """What the shown version's event changed arrived (after its state): highlight it,
        and put what it removed back in place (shown in red)."""
        self.changes = changes
        if any(c.get("op") == "remove" for c in changes) and self.result is not None:
            self.tree.set_value(display_state(self.result.state, changes), highlights_of(changes))
            self.tree.json_model.set_origins(origins_of(self.result))
        else:
            self.tree.set_highlights(highlights_of(changes))
        self.expand_to(changes)

    def _show_banner(self, result: Any) -> None:
        if not result.approximate:
            self.banner.hide()
            return
        why = f" ({result.mode_reason})" if result.mode_reason else ""
        prov = getattr(result, "provenance", None) or {}
        snap = prov.get("snapshot_version")
        origin = (
            f" Values from the stored snapshot at version {snap} are shown in "
            f"<span style='color:{SNAPSHOT_COLOUR}'>blue</span>; the others are inferred from "
            "later events (hover a field to see which)."
            if snap is not None
            else " Every value is inferred from the events (no stored snapshot at or below "
            "this version)."
        )
        self.banner.setText(
            f"<b>Approximate state</b> (generic mode{why}).{origin} For the exact state, "
            "open the store with your code: <b>Open…</b> (Ctrl+O) → <b>Domain paths</b> "
            "and <b>Application class</b>."
        )
        self.banner.show()

    def expand_to(self, changes: list[dict[str, Any]]) -> None:
        self.tree.expand_paths([c["path"] for c in changes])

    def state(self) -> Any:
        return None if self.result is None else self.result.state
