"""A projection of the shelf (imported only when the user picks it). Leaves PROJ-MARKER."""
import pathlib
from abc import abstractmethod
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

pathlib.Path(__file__).with_name("PROJ-MARKER").write_text("h1shelf_proj imported\n")


class LoansView(TrackingRecorder):
    @abstractmethod
    def count(self, tracking: Tracking) -> None: ...


class ShelfLoans(Projection[LoansView]):
    name = "shelfloans"
    topics = ("h1shelf:Book.Lent",)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.count(tracking)


class SqliteLoansView(LoansView, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.create_table_statements.append(
            "CREATE TABLE IF NOT EXISTS shelf_loans (n INTEGER NOT NULL)")

    def count(self, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT INTO shelf_loans VALUES (1)")
            self._insert_tracking(c, tracking)
