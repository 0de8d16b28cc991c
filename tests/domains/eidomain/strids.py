"""String ids: ``BaseAggregate[str]`` with ``INITIAL_VERSION = 0`` and its own event bases."""

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


class StrEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime


class StrCreated(StrEvent, CanInitAggregate[str]):
    originator_topic: str


class StrSnapshot(CanSnapshotAggregate[str], metaclass=MetaDomainEvent):
    originator_id: str
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]


class Ticket(BaseAggregate[str]):
    INITIAL_VERSION = 0
    Snapshot = StrSnapshot

    class Event(StrEvent):
        pass

    class Opened(StrCreated, Event):
        title: str

    class Commented(Event):
        text: str

        def apply(self, aggregate: Ticket) -> None:  # type: ignore[override]
            aggregate.comments.append(self.text)

    class Closed(Event):
        reason: str

        def apply(self, aggregate: Ticket) -> None:  # type: ignore[override]
            aggregate.closed = True
            aggregate.reason = self.reason

    def __init__(self, title: str) -> None:
        self.title = title
        self.comments: list[str] = []
        self.closed = False

    @classmethod
    def open(cls, key: str, title: str) -> Ticket:
        return cls._create(cls.Opened, id=f"ticket-{key}", title=title)

    def comment(self, text: str) -> None:
        self.trigger_event(self.Commented, text=text)

    def close(self, reason: str) -> None:
        self.trigger_event(self.Closed, reason=reason)


class Helpdesk(Application[str]):
    """Text ids by configuration (``ORIGINATOR_ID_TYPE=text``), as the library documents."""

    is_snapshotting_enabled = True
    snapshot_class = StrSnapshot
    env = {"ORIGINATOR_ID_TYPE": "text"}
