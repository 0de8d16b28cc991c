"""Domain code of the eventsourcing-django test stores (imported by the generator, which runs
under eventsourcing 9.4, and by the inspector in domain mode, under 9.5): plain declarative
aggregates whose state is simple JSON values."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event


class Student(Aggregate):
    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.courses: list[str] = []

    @event("Enrolled")
    def enrol(self, course: str) -> None:
        self.courses.append(course)


class Order(Aggregate):
    @event("Placed")
    def __init__(self, item: str) -> None:
        self.item = item
        self.qty = 1

    @event("QtyChanged")
    def change(self, qty: int) -> None:
        self.qty = qty


class Tally(Aggregate):
    """Written by the followers: how many upstream events each has seen (one per upstream)."""

    @staticmethod
    def create_id(upstream: str) -> uuid.UUID:
        return uuid.uuid5(uuid.NAMESPACE_URL, f"tally/{upstream}")

    @event("Opened")
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen = 0

    @event("Counted")
    def count(self, topic: str) -> None:
        self.seen += 1
        self.last_topic = topic
