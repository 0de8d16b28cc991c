"""A counter application and two projections that subscribe to its ``Incremented`` events
only: one names the topic as a literal string, the other computes it with ``get_topic``."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteTrackingRecorder
from eventsourcing.utils import get_topic


class Counter(Aggregate):
    @event("Started")
    def __init__(self) -> None:
        self.n = 0
        self.notes: list[str] = []

    @event("Incremented")
    def inc(self) -> None:
        self.n += 1

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class Counters(Application):
    pass


class IncView(TrackingRecorder):
    pass


class PgIncView(IncView, PostgresTrackingRecorder):
    pass


class SqliteIncView(IncView, SQLiteTrackingRecorder):
    pass


class LiteralIncrements(Projection[IncView]):
    name = "literalinc"
    topics = ("lagproj.counters:Counter.Incremented",)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)


class ComputedIncrements(Projection[IncView]):
    name = "computedinc"
    topics = (get_topic(Counter.Incremented),)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)
