"""Functional style: frozen-dataclass aggregates, plain ``DomainEvent`` subclasses, projector
functions named by the application's ``snapshotting_projectors`` (the library's docs, "immutable
aggregates"). ``Lamp`` is snapshotted every 4 versions; ``Switch`` (``slots=True``, so the
library's ``Snapshot.take`` cannot read it) never is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import DomainEvent, Snapshot

from stylesdomain import values


@dataclass(frozen=True)
class Lamp:
    id: UUID
    version: int
    on: bool
    watts: Decimal
    colour: values.Colour
    badge: values.Badge
    tags: frozenset[str]
    points: tuple[values.Point, ...]
    at: datetime | None
    blob: bytes
    ref: UUID | None


@dataclass(frozen=True, slots=True)
class Switch:
    id: UUID
    version: int
    position: int


class Installed(DomainEvent):
    watts: Decimal
    colour: values.Colour
    badge: values.Badge


class Switched(DomainEvent):
    on: bool
    at: datetime
    tags: frozenset[str]


class Moved(DomainEvent):
    point: values.Point
    blob: bytes
    ref: UUID


class SwitchMade(DomainEvent):
    position: int


class Flipped(DomainEvent):
    pass


def project_lamp(lamp: Lamp | None, events: Any) -> Lamp | None:
    for e in events:
        if isinstance(e, Snapshot):
            s = dict(e.state)
            lamp = Lamp(**{**s, "points": tuple(s["points"])})
        elif isinstance(e, Installed):
            lamp = Lamp(e.originator_id, e.originator_version, False, e.watts, e.colour, e.badge,
                        frozenset(), (), None, b"", None)
        elif isinstance(e, Switched):
            assert lamp is not None
            lamp = replace(lamp, version=e.originator_version, on=e.on, at=e.at, tags=e.tags)
        elif isinstance(e, Moved):
            assert lamp is not None
            lamp = replace(lamp, version=e.originator_version, points=(*lamp.points, e.point),
                           blob=e.blob, ref=e.ref)
        else:
            raise TypeError(f"not a lamp event: {type(e).__name__}")
    return lamp


def project_switch(switch: Switch | None, events: Any) -> Switch | None:
    for e in events:
        if isinstance(e, SwitchMade):
            switch = Switch(e.originator_id, e.originator_version, e.position)
        elif isinstance(e, Flipped) and switch is not None:
            switch = Switch(switch.id, e.originator_version, -switch.position)
        else:
            return None
    return switch


class Lamps(Application):
    snapshotting_intervals = {Lamp: 4}  # noqa: RUF012 - the library's class attributes
    snapshotting_projectors = {Lamp: project_lamp, Switch: project_switch}  # noqa: RUF012
    snapshot_class = Snapshot

    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        values.register(transcoder)

    def _next(self, cls: type, lamp: Any, **kw: Any) -> Any:
        return cls(originator_id=lamp.id, originator_version=lamp.version + 1,
                   timestamp=cls.create_timestamp(), **kw)

    def install(self, i: int) -> UUID:
        v = values.sample(i)
        e = Installed(originator_id=uuid4(), originator_version=1,
                      timestamp=Installed.create_timestamp(), watts=v["amount"],
                      colour=v["colour"], badge=v["badge"])
        self.save(project_lamp(None, [e]), e)
        return e.originator_id

    def use(self, lamp_id: UUID, i: int) -> None:
        lamp = self.repository.get(lamp_id, projector_func=project_lamp)
        v = values.sample(i)
        if i % 2:
            e = self._next(Switched, lamp, on=bool(i % 4 == 1), at=v["at"],
                           tags=frozenset(v["tags"]))
        else:
            e = self._next(Moved, lamp, point=v["point"], blob=v["blob"], ref=v["ref"])
        self.save(project_lamp(lamp, [e]), e)

    def make_switch(self, position: int, flips: int) -> UUID:
        e = SwitchMade(originator_id=uuid4(), originator_version=1,
                       timestamp=SwitchMade.create_timestamp(), position=position)
        sw = project_switch(None, [e])
        events = [e]
        for _ in range(flips):
            f = self._next(Flipped, sw)
            sw = project_switch(sw, [f])
            events.append(f)
        self.save(sw, *events)
        return e.originator_id
