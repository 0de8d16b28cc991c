"""The ``@aggregate`` class decorator on a plain class, with ``@event`` methods and rich values.

The library cannot snapshot these (``Snapshot.take`` calls ``vars()``, which the decorated class's
copied ``__dict__`` descriptor refuses), so the app takes none.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import aggregate, event

from stylesdomain import values


@aggregate
class Till:
    def __init__(self, cents: int, note: str) -> None:
        self.cents = cents
        self.history: list[Any] = []
        self.note = note

    @event("Rung")
    def ring(self, cents: int, tags: set[str], pair: tuple[int, str], colour: values.Colour,
             amount: Any, day: Any, at: Any, ref: Any, blob: bytes, point: values.Point,
             badge: values.Badge) -> None:
        self.cents += cents
        self.tags = tags
        self.pair = pair
        self.colour = colour
        self.amount = amount
        self.day = day
        self.at = at
        self.ref = ref
        self.blob = blob
        self.point = point
        self.badge = badge
        self.history.append(point)


class Shop(Application):
    def register_transcodings(self, transcoder: Any) -> None:
        super().register_transcodings(transcoder)
        values.register(transcoder)
