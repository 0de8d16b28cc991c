"""The model as it was *before* a rename (topics ``eidomain.oldnames:Kitten...``).

Tests write streams with this module (in a subprocess, as an older deployment would have), then
read them with the current :mod:`eidomain.renamed`, which registers the old topics.
"""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Kitten(Aggregate):
    @event("Born")
    def __init__(self, name: str) -> None:
        self.name = name
        self.toys: list[str] = []

    @event("ToyGiven")
    def give_toy(self, toy: str) -> None:
        self.toys.append(toy)


class Cattery(Application):
    pass
