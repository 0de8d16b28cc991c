"""The task runner (stale results dropped, cancel, errors) and the JSON tree on big states."""

from __future__ import annotations

import gc
import sys
import threading
from typing import Any

import pytest

from inspector.core.errors import InspectorError
from inspector.ui.models.json_tree import CHUNK, PATH_ROLE
from inspector.ui.workers import TaskRunner


def test_newest_request_on_a_channel_wins(qtbot: Any) -> None:
    runner = TaskRunner()
    gate = threading.Event()
    got: list[Any] = []

    def slow(t: Any) -> str:
        gate.wait(5)
        return "old"

    first = runner.submit("state", slow, got.append)
    runner.submit("state", lambda t: "new", got.append)
    assert first.cancelled()
    qtbot.waitUntil(lambda: got == ["new"])
    gate.set()
    qtbot.waitUntil(lambda: not runner.is_busy())
    qtbot.wait(50)
    assert got == ["new"]  # the stale result never arrived


def test_errors_progress_and_cancel(qtbot: Any) -> None:
    runner = TaskRunner()
    errors: list[str] = []
    progress: list[Any] = []

    def fails(t: Any) -> None:
        t.progress(1)
        raise InspectorError("no such stream 'x'")

    runner.submit("a", fails, lambda r: None, errors.append, progress.append)
    qtbot.waitUntil(lambda: errors == ["no such stream 'x'"])
    assert progress == [1]
    busy: list[str] = []
    runner.busyChanged.connect(busy.append)
    stop = threading.Event()

    def long(t: Any) -> None:
        while not t.cancelled():
            stop.wait(0.01)

    done: list[Any] = []
    runner.submit("b", long, done.append, errors.append, label="replay")
    assert "replay" in busy[-1]
    runner.cancel("b")
    qtbot.waitUntil(lambda: not runner.is_busy(), timeout=5000)
    assert busy[-1] == "" and done == [] and len(errors) == 1


def test_many_tasks_keep_none_alive(qtbot: Any) -> None:
    """Thousands of tasks and progress calls do not eat references to None/True/False.

    PySide6 6.12.0 drops one reference to None per Python slot call (and to True/False per
    emit), which kills a long session with "deallocating None"; pyproject pins below it.
    """
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        said = Signal(str)

    heard: list[str] = []
    e = Emitter()
    e.said.connect(lambda text: heard.append(text))
    gc.collect()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(500):
        e.said.emit("x")
    heard.clear()
    gc.collect()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(a - b > -100 for a, b in zip(after, before, strict=True)), (before, after)

    runner = TaskRunner()
    done: list[Any] = []

    def work(t: Any) -> None:
        for i in range(20):
            t.progress((None, True, False, i))

    gc.collect()
    before = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    for i in range(2000):
        runner.submit(f"c{i}", work, done.append, lambda m: None, lambda p: None)
    qtbot.waitUntil(lambda: len(done) == 2000, timeout=20000)
    done.clear()
    gc.collect()
    after = sys.getrefcount(None), sys.getrefcount(True), sys.getrefcount(False)
    assert all(a - b > -200 for a, b in zip(after, before, strict=True)), (before, after)


def test_json_tree_big_containers_in_ranges(qtbot: Any) -> None:
    from inspector.ui.widgets.json_view import JsonView

    view = JsonView()
    qtbot.addWidget(view)
    state = {
        "tricks": [f"t{i}" for i in range(25_000)],
        "name": "Fido",
        "by_id": {str(i): i for i in range(3 * CHUNK)},
    }
    view.set_value(state, {("tricks", 24_999): "add"})
    m = view.json_model
    tricks = m.index_of_path(("tricks",))
    assert m.rowCount(tricks) == 25  # ranges of CHUNK items, not 25,000 rows
    last = m.index_of_path(("tricks", 24_999))
    assert last.isValid() and last.data(PATH_ROLE) == ["tricks", 24_999]
    assert view.isExpanded(last.parent()) and view.isExpanded(tricks)  # the change is in view
    assert m.index_of_path(("by_id", "2500")).siblingAtColumn(1).data() == "2500"
    assert view.copy_path(last) == "tricks.24999"
    assert view.copy_value(m.index_of_path(("name",))) == "Fido"


@pytest.mark.parametrize("value", [None, 3, "text", [], {}])
def test_json_tree_scalars_and_empty(qtbot: Any, value: Any) -> None:
    from inspector.ui.widgets.json_view import JsonView

    view = JsonView()
    qtbot.addWidget(view)
    view.set_value(value)
    assert view.json_model.rowCount() == (0 if value in ([], {}) else 1)
