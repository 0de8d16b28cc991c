"""Two aggregate types written over several days (timestamps pinned per day), for the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Customer(Aggregate):
    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.visits = 0

    @event("Visited")
    def visit(self) -> None:
        self.visits += 1


class Order(Aggregate):
    @event("Placed")
    def __init__(self, customer: str) -> None:
        self.customer = customer
        self.lines: list[str] = []

    @event("LineAdded")
    def add(self, sku: str) -> None:
        self.lines.append(sku)


class Shop(Application):
    name = "Shop"


@contextmanager
def on_day(day: datetime) -> Iterator[None]:
    """Events created inside get timestamps on ``day`` (the library's own clock, patched)."""
    import eventsourcing.domain as dom

    orig = dom.datetime_now_with_tzinfo
    tick = [0]

    def now() -> datetime:
        tick[0] += 1
        return day + timedelta(seconds=tick[0])

    dom.datetime_now_with_tzinfo = now
    try:
        yield
    finally:
        dom.datetime_now_with_tzinfo = orig


DAYS = [datetime(2026, 3, d, 9, tzinfo=UTC) for d in (2, 3, 5)]


def write_shop(app: Shop, customers: int = 40, orders_per_day: int = 15) -> dict[str, list[str]]:
    """Customers on the first day; orders (and visits) spread over ``DAYS``."""
    ids: dict[str, list[str]] = {"Customer": [], "Order": []}
    with on_day(DAYS[0]):
        people = [Customer(f"c{i}") for i in range(customers)]
        app.save(*people)
        ids["Customer"] = [str(c.id) for c in people]
    for n, day in enumerate(DAYS):
        with on_day(day):
            batch: list[Any] = []
            for i in range(orders_per_day + 5 * n):
                o = Order(ids["Customer"][i % customers])
                for k in range(i % 4):
                    o.add(f"sku{k}")
                batch.append(o)
                c = app.repository.get(people[i % customers].id)
                c.visit()
                batch.append(c)
                app.save(*batch)
                batch = []
                ids["Order"].append(str(o.id))
    return ids


def library_counts(app: Shop) -> tuple[dict[str, int], dict[tuple[str, str], int], int]:
    """The oracle, from the library's own notification log and mapper: events per aggregate
    type, per (type, UTC day), and the total."""
    topics: dict[Any, str] = {}
    per_type: dict[str, int] = {}
    per_day: dict[tuple[str, str], int] = {}
    total = 0
    start = 1
    while True:
        page = app.recorder.select_notifications(start, 500)
        if not page:
            break
        for n in page:
            ev = app.mapper.to_domain_event(n)
            if ev.originator_version == 1:
                topics[ev.originator_id] = ev.originator_topic  # type: ignore[attr-defined]
            typ = topics[ev.originator_id]
            per_type[typ] = per_type.get(typ, 0) + 1
            day = ev.timestamp.astimezone(UTC).date().isoformat()
            per_day[(typ, day)] = per_day.get((typ, day), 0) + 1
            total += 1
        start = page[-1].id + 1
    return per_type, per_day, total
