"""Immutable pydantic aggregates (the library's example "aggregate7"): frozen models, pydantic
events, a ``singledispatch`` mutator made a projector, a pydantic ``Snapshot`` with ``take``."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import singledispatch
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.utils import get_topic

from stylesdomain import values
from stylesdomain.pydanticbase import DomainEvent, Immutable, PydanticApplication


class Trick(Immutable):
    name: str


class Aggregate(Immutable):
    id: UUID
    version: int
    created_on: datetime
    modified_on: datetime


class Snapshot(DomainEvent):
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Aggregate) -> Snapshot:
        return Snapshot(originator_id=aggregate.id, originator_version=aggregate.version,
                        topic=get_topic(type(aggregate)), state=aggregate.model_dump())


class Dog(Aggregate):
    name: str
    tricks: tuple[Trick, ...]
    tags: frozenset[str] = frozenset()
    colour: values.Colour = values.Colour.BLUE
    amount: Decimal = Decimal(0)
    at: datetime | None = None
    ref: UUID | None = None
    blob: bytes = b""
    point: values.Point | None = None
    badge: values.Badge | None = None


class DogRegistered(DomainEvent):
    name: str


class TrickAdded(DomainEvent):
    trick: Trick
    tags: frozenset[str]
    colour: values.Colour
    amount: Decimal
    at: datetime
    ref: UUID
    blob: bytes
    point: values.Point
    badge: values.Badge


@singledispatch
def mutate_dog(_: DomainEvent, __: Dog | None) -> Dog | None:
    """Mutates aggregate with event."""


@mutate_dog.register
def _(event: DogRegistered, _: None) -> Dog:
    return Dog(id=event.originator_id, version=event.originator_version,
               created_on=event.timestamp, modified_on=event.timestamp, name=event.name,
               tricks=())


@mutate_dog.register
def _(event: TrickAdded, dog: Dog) -> Dog:
    return dog.model_copy(update={
        "version": event.originator_version, "modified_on": event.timestamp,
        "tricks": (*dog.tricks, event.trick), "tags": event.tags, "colour": event.colour,
        "amount": event.amount, "at": event.at, "ref": event.ref, "blob": event.blob,
        "point": event.point, "badge": event.badge,
    })


@mutate_dog.register
def _(event: Snapshot, _: None) -> Dog:
    return Dog(**event.state)


def project_dog(dog: Dog | None, events: Any) -> Dog | None:
    for event in events:
        dog = mutate_dog(event, dog)
    return dog


class DogSchool(PydanticApplication):
    snapshotting_intervals = {Dog: 3}  # noqa: RUF012 - the library's class attributes
    snapshotting_projectors = {Dog: project_dog}  # noqa: RUF012
    snapshot_class = Snapshot

    def register_dog(self, name: str) -> UUID:
        e = DogRegistered(originator_id=uuid4(), originator_version=1, name=name)
        self.save(project_dog(None, [e]), e)
        return e.originator_id

    def add_trick(self, dog_id: UUID, i: int) -> None:
        dog = self.repository.get(dog_id, projector_func=project_dog)
        v = values.sample(i)
        e = TrickAdded(originator_id=dog_id, originator_version=dog.version + 1,
                       trick=Trick(name=f"trick{i}"), tags=frozenset(v["tags"]),
                       colour=v["colour"], amount=v["amount"], at=v["at"], ref=v["ref"],
                       blob=f"b{i}".encode(), point=v["point"], badge=v["badge"])
        self.save(project_dog(dog, [e]), e)
