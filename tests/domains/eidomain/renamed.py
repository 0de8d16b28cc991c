"""The renamed model: ``Cat`` (was ``eidomain.oldnames:Kitten``), old topics registered."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic


class Cat(Aggregate):
    @event("Born")
    def __init__(self, name: str) -> None:
        self.name = name
        self.toys: list[str] = []

    @event("ToyGiven")
    def give_toy(self, toy: str) -> None:
        self.toys.append(toy)


register_topic("eidomain.oldnames:Kitten", Cat)
register_topic("eidomain.oldnames:Kitten.Born", Cat.Born)
register_topic("eidomain.oldnames:Kitten.ToyGiven", Cat.ToyGiven)


class Cattery(Application):
    """Importing this application's module registers the old topics (pass it as --app-class)."""
