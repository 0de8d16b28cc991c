"""Applications that name their tables (a factory subclass, as eventsourcing-sqlalchemy allows).

``Shelves(env=...)`` reads the table names from its environment: ``SHELF_EVENTS`` and
``SHELF_SNAPSHOTS`` (names no naming habit would guess)."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing_sqlalchemy.factory import SQLAlchemyFactory


class NamedTables(SQLAlchemyFactory):
    def aggregate_recorder(self, purpose: str = "events") -> Any:
        name = self.env.get("SHELF_SNAPSHOTS") if purpose == "snapshots" else \
            self.env.get("SHELF_EVENTS")
        rec = self.aggregate_recorder_class(datastore=self.datastore, events_table_name=name,
                                            for_snapshots=purpose == "snapshots")
        rec.create_table()
        return rec

    def application_recorder(self) -> Any:
        rec = self.application_recorder_class(datastore=self.datastore,
                                              events_table_name=self.env.get("SHELF_EVENTS"))
        rec.create_table()
        return rec


class Shelf(Aggregate):
    @event("Built")
    def __init__(self, label: str) -> None:
        self.label = label
        self.books: list[str] = []

    @event("Stocked")
    def stock(self, title: str) -> None:
        self.books.append(title)


class Shelves(Application):
    is_snapshotting_enabled = True
