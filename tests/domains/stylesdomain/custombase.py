"""A custom base from the library's ``BaseAggregate`` and ``Can*`` mixins: string ids,
``INITIAL_VERSION = 0``, events as frozen dataclasses (``MetaDomainEvent``), explicit ``apply``,
a snapshot class, and state holding every value kind of :mod:`stylesdomain.values`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    MetaDomainEvent,
)

from stylesdomain import values


class StrEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime


class StrCreated(StrEvent, CanInitAggregate[str]):
    originator_topic: str


class Snap(CanSnapshotAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]


class Ledger(BaseAggregate[str]):
    INITIAL_VERSION = 0
    Snapshot = Snap

    class Event(StrEvent):
        pass

    class Opened(StrCreated, Event):
        owner: str

    class Posted(Event):
        entry: dict[str, Any]

        def apply(self, aggregate: Ledger) -> None:  # type: ignore[override]
            e = dict(self.entry)
            aggregate.entries.append(e)
            aggregate.tags |= e["tags"]
            aggregate.by_colour[e["colour"].value] = e["amount"]
            aggregate.last = e["point"]
            aggregate.badges = (*aggregate.badges, e["badge"])
            aggregate.seen_at = e["at"]
            aggregate.blob = e["blob"]

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.entries: list[dict[str, Any]] = []
        self.tags: set[str] = set()
        self.by_colour: dict[str, Any] = {}
        self.last: values.Point | None = None
        self.badges: tuple[values.Badge, ...] = ()
        self.seen_at: datetime | None = None
        self.blob = b""

    @classmethod
    def open(cls, key: str, owner: str) -> Ledger:
        return cls._create(cls.Opened, id=f"ledger-{key}", owner=owner)

    def post(self, i: int) -> None:
        self.trigger_event(self.Posted, entry=values.sample(i))


class Books(Application):
    snapshotting_intervals = {Ledger: 3}  # noqa: RUF012 - the library's class attribute

    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        values.register(transcoder)
