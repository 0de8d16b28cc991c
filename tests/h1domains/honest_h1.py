"""A counter whose code can be switched to fail (issue 8 §6: honest modes). The store is
written with the switches off; tests turn them on to stand for code that no longer replays."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

FAIL_CREATE = False
FAIL_TICK: int | None = None  # the tick number whose event no longer applies


class Counter(Aggregate):
    @event("Started")
    def __init__(self, name: str) -> None:
        if FAIL_CREATE:
            raise ValueError("this code cannot start counters any more")
        self.name = name
        self.count = 0

    @event("Ticked")
    def tick(self, n: int) -> None:
        if FAIL_TICK is not None and n == FAIL_TICK:
            raise ValueError(f"tick {n} rejected by the current code")
        self.count += n


class Counters(Application):
    pass


def write(app: Application, ticks: int = 9, snapshot_at: int | None = 4) -> str:
    c = Counter("c")
    for n in range(1, ticks + 1):
        c.tick(n)
    app.save(c)
    if snapshot_at:
        app.take_snapshot(c.id, version=snapshot_at)
    return str(c.id)
