"""Declarative ``@event`` aggregate: value objects, lists, dicts, Decimals, a property setter."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Trick:
    name: str
    difficulty: int


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str, owner: str | None = None) -> None:
        self.name = name
        self.owner = owner
        self.tricks: list[Trick] = []
        self.scores: dict[str, Decimal] = {}
        self.tags: list[str] = []
        self.weight = Decimal("0")

    @event("TrickAdded")
    def add_trick(self, trick: Trick) -> None:
        self.tricks.append(trick)

    @event("TrickForgotten")
    def forget_trick(self, index: int) -> None:
        del self.tricks[index]

    @event("Scored")
    def score(self, judge: str, points: Decimal) -> None:
        self.scores[judge] = points

    @event("Tagged")
    def tag(self, tag: str) -> None:
        if tag not in self.tags:
            self.tags.append(tag)

    @event("Weighed")
    def weigh(self, weight: Decimal) -> None:
        self.weight = weight

    @property
    def nickname(self) -> str | None:
        return getattr(self, "_nickname", None)

    @nickname.setter
    @event("Nicknamed")
    def nickname(self, nickname: str) -> None:
        self._nickname = nickname


class DogSchool(Application):
    snapshotting_intervals = {Dog: 7}  # noqa: RUF012 - the library's class attribute

    def register_transcodings(self, transcoder):  # type: ignore[no-untyped-def]
        super().register_transcodings(transcoder)
        from eventsourcing.persistence import Transcoding

        class TrickAsList(Transcoding):
            type = Trick
            name = "trick"

            def encode(self, obj: Trick) -> list:  # type: ignore[type-arg]
                return [obj.name, obj.difficulty]

            def decode(self, data: list) -> Trick:  # type: ignore[type-arg]
                return Trick(data[0], data[1])

        transcoder.register(TrickAsList())


class PlainDogSchool(DogSchool):
    """The same model without automatic snapshots."""

    snapshotting_intervals = {}  # noqa: RUF012
