"""The shared cases ``aggregate-decorator`` and ``functional-aggregate``, as plain as there: an
``@aggregate``-decorated class without transcodings, and frozen-dataclass lamps whose projector
the application names in ``snapshotting_projectors``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent, aggregate, event


@aggregate
class Till:
    def __init__(self, cents: int) -> None:
        self.cents = cents

    @event("Rung")
    def ring(self, cents: int) -> None:
        self.cents += cents


class Shop(Application):
    pass


@dataclass(frozen=True)
class Lamp:
    id: UUID
    version: int
    on: bool


class Installed(DomainEvent):
    pass


class Switched(DomainEvent):
    on: bool


def project_lamp(lamp: Any, events: Any) -> Any:
    for e in events:
        if isinstance(e, Installed):
            lamp = Lamp(e.originator_id, e.originator_version, False)
        else:
            lamp = Lamp(lamp.id, e.originator_version, e.on)
    return lamp


class Lamps(Application):
    snapshotting_projectors = {Lamp: project_lamp}  # noqa: RUF012 - the library's attribute

    def install_and_switch(self, switches: int) -> UUID:
        i = uuid4()
        events: list[Any] = [Installed(originator_id=i, originator_version=1,
                                       timestamp=Installed.create_timestamp())]
        for n in range(switches):
            events.append(Switched(originator_id=i, originator_version=n + 2,
                                   timestamp=Switched.create_timestamp(), on=not n % 2))
        self.save(*events)
        return i
