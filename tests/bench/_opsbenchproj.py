"""A simple user projection for the operations benchmark: events per aggregate (PostgreSQL view).

Written the way the library's documentation writes views: each view method changes its table
and records the tracking row in one transaction (``with self.datastore.transaction(commit=True)``).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg.sql import SQL, Identifier


class CountsView(TrackingRecorder):
    @abstractmethod
    def count(self, aggregate_id: Any, tracking: Tracking) -> None: ...


class EventCounts(Projection[CountsView]):
    name = "ei_opsbench"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.count(domain_event.originator_id, tracking)


class LibraryEventCounts(EventCounts):
    """The same projection under another name (own tables) for the library's ProjectionRunner."""

    name = "ei_opsbench_lib"


class PgCountsView(CountsView, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        table = f"{self.tracking_table_name.removesuffix('_tracking')}_counts"
        self.table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(table))
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {0} (aggregate_id uuid PRIMARY KEY, "
                "events bigint NOT NULL)").format(self.table))
        self.upsert = SQL("INSERT INTO {0} VALUES (%s, 1) ON CONFLICT (aggregate_id) DO UPDATE "
                          "SET events = {0}.events + 1").format(self.table)

    def count(self, aggregate_id: Any, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(self.upsert, (aggregate_id,), prepare=True)
            self._insert_tracking(curs, tracking)
