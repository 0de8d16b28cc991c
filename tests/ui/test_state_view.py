"""State view: a stable field order at every version; what an event removed is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from helpers import TIMEOUT, open_store, open_stream, wait_changes

from inspector.ui.models.json_tree import PATH_ROLE
from inspector.ui.widgets.state_panel import LEADING, display_state, stable_order

DOMAINS = str(Path(__file__).resolve().parents[1] / "domains")


def top_keys(win: Any) -> list[str]:
    m = win.state_panel.tree.json_model
    return [m.data(m.index(r, 0), PATH_ROLE)[0] for r in range(m.rowCount())]


def test_display_state_orders_fields_and_puts_removed_items_back() -> None:
    state = {"b": 1, "_version": 3, "a": [1, 2], "_id": "x", "z": {"k": 1}}
    changes = [
        {"path": ["a", 2], "op": "remove", "old": 3},
        {"path": ["gone"], "op": "remove", "old": "was here"},
        {"path": ["z", "k2"], "op": "remove", "old": 5},
        {"path": ["a", 0], "op": "remove", "old": 9},  # not at the end: cannot be placed
    ]
    shown = display_state(state, changes)
    assert list(shown) == ["_id", "_version", "a", "b", "gone", "z"]
    assert shown["a"] == [1, 2, 3] and shown["gone"] == "was here" and shown["z"]["k2"] == 5
    assert state == {"b": 1, "_version": 3, "a": [1, 2], "_id": "x", "z": {"k": 1}}
    assert list(stable_order({"_modified_on": 1, "B": 2, "a": 3, "_id": 4})) == [
        "_id", "_modified_on", "a", "B"]


def test_state_view_order_is_stable_and_removals_show(qtbot: Any, win: Any, tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, DOMAINS)
    from scenarios import write_dogs
    from storefactory import store_env

    h = store_env("sqlite", tmp_path=tmp_path, filename="dogs.db")
    written = write_dogs(h)
    open_store(qtbot, win, h.location, paths=[DOMAINS], app_class=written.app_class_spec)
    fido = written.streams[0]
    open_stream(qtbot, win, fido)
    events = win.session.store.stream_events(fido, limit=1000)
    forget = next(e.version for e in events if "forgot" in e.topic.lower())
    orders = []
    for v in (2, forget, events[-1].version):  # replayed from events, and from a snapshot
        win.set_version(v)
        wait_changes(qtbot, win, v)
        keys = top_keys(win)
        assert [k for k in keys if k in LEADING] == [k for k in LEADING if k in keys]
        orders.append([k for k in keys if k in win.state_panel.state()])
    common = set.intersection(*(set(o) for o in orders))
    assert len({tuple(k for k in o if k in common) for o in orders}) == 1  # same order

    win.set_version(forget)
    wait_changes(qtbot, win, forget)
    removed = [tuple(c["path"]) for c in win.event_changes if c["op"] == "remove"]
    assert removed, win.event_changes
    model = win.state_panel.tree.json_model
    for path in removed:
        qtbot.waitUntil(lambda path=path: model.index_of_path(path).isValid(), timeout=TIMEOUT)
        assert model.highlights.get(path) == "remove"
    assert "removed" in win.state_panel.legend.text()
