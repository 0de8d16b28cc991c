"""Mutable aggregates with pydantic events and snapshots (the library's example "aggregate8"):
``BaseAggregate`` with pydantic ``CanMutateAggregate``/``CanInitAggregate`` event bases, ``@event``
methods, a snapshot whose state is a pydantic model allowing extra fields."""

from __future__ import annotations

import typing
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    CanSnapshotAggregate,
    event,
)
from pydantic import ConfigDict, TypeAdapter

from stylesdomain import values
from stylesdomain.pydanticbase import DomainEvent, Immutable, PydanticApplication

datetime_adapter = TypeAdapter(datetime)


class SnapshotState(Immutable):
    model_config = ConfigDict(extra="allow")

    def __init__(self, **kwargs: Any) -> None:
        for key in ["_created_on", "_modified_on"]:
            kwargs[key] = datetime_adapter.validate_python(kwargs[key])
        super().__init__(**kwargs)


class AggregateSnapshot(DomainEvent, CanSnapshotAggregate[UUID]):
    topic: str
    state: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        hint = typing.get_type_hints(cls)["state"]
        if not (isinstance(hint, type) and issubclass(hint, SnapshotState)):
            raise TypeError(f"{cls}: 'state' must be annotated with a SnapshotState subclass")


class Aggregate(BaseAggregate[UUID]):
    @staticmethod
    def create_id(*_: Any, **__: Any) -> UUID:
        return uuid4()

    class Event(DomainEvent, CanMutateAggregate[UUID]):
        pass

    class Created(Event, CanInitAggregate[UUID]):
        originator_topic: str


class Trick(Immutable):
    name: str
    badge: values.Badge


class DogSnapshotState(SnapshotState):
    name: str
    tricks: list[Trick]
    score: int


class Dog(Aggregate):
    class Snapshot(AggregateSnapshot):
        state: DogSnapshotState

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.tricks: list[Trick] = []
        self.score = 0

    @event("TrickAdded")
    def add_trick(self, trick: Trick) -> None:
        self.tricks.append(trick)
        self.score += len(trick.name)


class DogSchool(PydanticApplication):
    snapshotting_intervals = {Dog: 3}  # noqa: RUF012 - the library's class attribute

    def register_dog(self, name: str) -> UUID:
        dog = Dog(name)
        self.save(dog)
        return dog.id

    def add_trick(self, dog_id: UUID, i: int) -> None:
        dog: Dog = self.repository.get(dog_id)
        dog.add_trick(Trick(name=f"trick{i}", badge=values.sample(i)["badge"]))
        self.save(dog)
