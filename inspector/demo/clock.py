"""A simulated clock for writing the demo store with timestamps spread over weeks.

The library stamps every event (and snapshot) with ``CanCreateTimestamp.create_timestamp()``.
While :func:`simulated_clock` is active, that static method returns the clock's time **in the
calling thread only**; every other thread keeps getting the real time. The original method is
restored on exit. The domain code and the library stay untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from eventsourcing.domain import CanCreateTimestamp

_local = threading.local()
_install_lock = threading.Lock()
_installed = 0
_saved: dict[str, staticmethod] = {}  # type: ignore[type-arg]  # the library's own method


class Clock:
    """The time the library's events get in this thread, set by the demo generator."""

    def __init__(self, start: datetime, offset: timedelta = timedelta(0)) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start time")
        self.now = start
        self.offset = offset  # added to every stamp (the simulation's calendar stays fixed)

    def set(self, when: datetime) -> None:
        self.now = when


@contextmanager
def simulated_clock(start: datetime, offset: timedelta = timedelta(0)) -> Iterator[Clock]:
    """Events created in this thread are stamped ``clock.now + offset``."""
    global _installed
    clock = Clock(start, offset)
    with _install_lock:
        if _installed == 0:
            _saved.setdefault("original", CanCreateTimestamp.__dict__["create_timestamp"])
            CanCreateTimestamp.create_timestamp = staticmethod(_create_timestamp)  # type: ignore[method-assign]
        _installed += 1
    previous = getattr(_local, "clock", None)
    _local.clock = clock
    try:
        yield clock
    finally:
        _local.clock = previous
        with _install_lock:
            _installed -= 1
            if _installed == 0:
                CanCreateTimestamp.create_timestamp = _saved["original"]  # type: ignore[method-assign]


def _create_timestamp() -> datetime:
    clock = getattr(_local, "clock", None)
    if clock is not None:
        return clock.now + clock.offset
    return _saved["original"].__func__()
