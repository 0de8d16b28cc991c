"""The benchmark's domain model: a declarative aggregate written by the real library."""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.tricks: list[str] = []

    @event("TrickAdded")
    def add_trick(self, trick: str, points: int) -> None:
        self.tricks.append(trick)
