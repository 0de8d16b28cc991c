"""Driving the main window in tests: open a store and wait for its results."""

from __future__ import annotations

from typing import Any

from inspector.ui.session import OpenRequest

TIMEOUT = 15000


def open_store(qtbot: Any, win: Any, location: str, **kw: Any) -> None:
    win.open_store(OpenRequest(location, **kw))
    qtbot.waitUntil(
        lambda: win.session is not None and len(win.streams_panel.model.rows) > 0, timeout=TIMEOUT
    )


def open_stream(qtbot: Any, win: Any, stream: str, version: int | None = None) -> None:
    win.open_stream(stream, version)
    qtbot.waitUntil(lambda: win.stream is not None and win.stream["id"] == stream, timeout=TIMEOUT)
    wait_state(qtbot, win, win.version)


def wait_state(qtbot: Any, win: Any, version: int | None) -> None:
    """Until the state view shows ``version``."""
    qtbot.waitUntil(
        lambda: (
            win.state_panel.result is not None
            and win.state_panel.result.version == version
            and not win.runner.is_busy("state")
        ),
        timeout=TIMEOUT,
    )


def wait_idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: not win.runner.is_busy(), timeout=TIMEOUT)


def core_state(win: Any, stream: str, version: int) -> Any:
    """The core's own answer (a fresh Replayer on the same store), for comparison."""
    from inspector.core.replay import Replayer

    s = win.session
    r = Replayer(s.store, s.codec, mode=s.request.mode, domain=s.replayer.domain)
    return r.state(stream, version)


def wait_changes(qtbot: Any, win: Any, version: int | None) -> None:
    """Until the paths changed by the event at ``version`` are known and highlighted."""
    wait_state(qtbot, win, version)
    qtbot.waitUntil(
        lambda: (win.stream["id"], version) in win._changes_cache
        and not win.runner.is_busy("changes"),
        timeout=TIMEOUT,
    )
