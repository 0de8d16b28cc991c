"""Values the JSON path must keep exact: integers beyond 64 bits, Decimal, NaN/Infinity, control
characters, a 200 kB string and deep nesting (declarative ``Aggregate`` + ``@event``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


def nested(levels: int, leaf: Any = 1) -> Any:
    """``{"d": {"d": ... leaf}}`` with ``levels`` dicts."""
    value = leaf
    for _ in range(levels):
        value = {"d": value}
    return value


class Vault(Aggregate):
    @event("Opened")
    def __init__(self, n: int) -> None:
        self.n = n
        self.amount = Decimal("0.10")
        self.ratio = 0.5
        self.note = ""
        self.tree: Any = None
        self.counts: list[int] = []

    @event("Counted")
    def count(self, n: int) -> None:
        self.n = n
        self.counts.append(n)

    @event("Valued")
    def value(self, amount: Decimal, ratio: float) -> None:
        self.amount = amount
        self.ratio = ratio

    @event("Noted")
    def write(self, note: str) -> None:
        self.note = note

    @event("Grown")
    def grow(self, tree: Any) -> None:
        self.tree = tree


class Vaults(Application):
    pass
