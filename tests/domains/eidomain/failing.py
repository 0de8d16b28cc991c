"""Aggregates whose replay can be made to fail after the store was written (module switches)."""

from __future__ import annotations

import uuid

from eventsourcing.domain import Aggregate, event

# Tests flip these after writing a store, as if the code had changed since.
BROKEN_APPLY = False
WRONG_ID = False
DRIFT_FACTOR = 1


class Gadget(Aggregate):
    @event("Made")
    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[str] = []
        if WRONG_ID:
            self._id = uuid.uuid5(uuid.NAMESPACE_OID, name)

    @event("PartAdded")
    def add_part(self, part: str) -> None:
        if BROKEN_APPLY and part == "boom":
            raise ValueError(f"cannot fit part {part!r}")
        self.parts.append(part)

    @event("Scaled")
    def scale(self, by: int) -> None:
        self.size = getattr(self, "size", 1) * by * DRIFT_FACTOR
