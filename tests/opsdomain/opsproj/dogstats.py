"""``DogStats``: per dog its name, trick count and event count (a view per database)."""

from __future__ import annotations

import os
import time
from abc import abstractmethod
from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder
from psycopg.sql import SQL, Identifier


class DogStatsView(TrackingRecorder):
    @abstractmethod
    def registered(self, dog_id: str, name: str, tracking: Tracking) -> None: ...

    @abstractmethod
    def counted(self, dog_id: str, tricks: int, tracking: Tracking) -> None: ...

    @abstractmethod
    def get(self, dog_id: str) -> tuple[str, int, int] | None: ...


def _pause() -> None:
    delay = float(os.environ.get("OPSPROJ_SLEEP", "0") or 0)
    if delay:
        time.sleep(delay)


class DogStats(Projection[DogStatsView]):
    name = "dogstats"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        _pause()
        if isinstance(domain_event, Aggregate.Event):
            name = type(domain_event).__name__
            if name == "Registered":
                dog = domain_event.__dict__.get("name")
                if dog and dog == os.environ.get("OPSPROJ_FAIL_ON"):
                    raise ValueError(f"cannot project dog {dog!r}")
                self.view.registered(str(domain_event.originator_id), dog, tracking)
                return
            tricks = 1 if name == "TrickAdded" else (-1 if name == "TrickForgotten" else 0)
            self.view.counted(str(domain_event.originator_id), tricks, tracking)
            return
        self.view.insert_tracking(tracking)


class PgDogStatsView(DogStatsView, PostgresTrackingRecorder):
    def __init__(self, datastore: PostgresDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.table = f"{self.tracking_table_name.removesuffix('_tracking')}_dogs"
        self.sql_create_statements.append(
            SQL("CREATE TABLE IF NOT EXISTS {0}.{1} (dog_id text PRIMARY KEY, name text, "
                "tricks integer NOT NULL DEFAULT 0, events integer NOT NULL DEFAULT 0)").format(
                Identifier(self.datastore.schema), Identifier(self.table))
        )

    def _t(self) -> Any:
        return SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.table))

    def registered(self, dog_id: str, name: str, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("INSERT INTO {0} VALUES (%s, %s, 0, 1)").format(self._t()),
                         (dog_id, name))
            self._insert_tracking(curs, tracking)

    def counted(self, dog_id: str, tricks: int, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(SQL("UPDATE {0} SET tricks = tricks + %s, events = events + 1 "
                             "WHERE dog_id = %s").format(self._t()), (tricks, dog_id))
            self._insert_tracking(curs, tracking)

    def get(self, dog_id: str) -> tuple[str, int, int] | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT name, tricks, events FROM {0} WHERE dog_id = %s").format(
                self._t()), (dog_id,))
            row = curs.fetchone()
        return None if row is None else (row["name"], row["tricks"], row["events"])


class SqliteDogStatsView(DogStatsView, SQLiteTrackingRecorder):
    def __init__(self, datastore: SQLiteDatastore, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.create_table_statements.append(
            "CREATE TABLE IF NOT EXISTS dogstats_dogs (dog_id TEXT PRIMARY KEY, name TEXT, "
            "tricks INTEGER NOT NULL DEFAULT 0, events INTEGER NOT NULL DEFAULT 0)"
        )

    def registered(self, dog_id: str, name: str, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("INSERT INTO dogstats_dogs VALUES (?, ?, 0, 1)", (dog_id, name))
            self._insert_tracking(c, tracking)

    def counted(self, dog_id: str, tricks: int, tracking: Tracking) -> None:
        with self.datastore.transaction(commit=True) as c:
            c.execute("UPDATE dogstats_dogs SET tricks = tricks + ?, events = events + 1 "
                      "WHERE dog_id = ?", (tricks, dog_id))
            self._insert_tracking(c, tracking)

    def get(self, dog_id: str) -> tuple[str, int, int] | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT name, tricks, events FROM dogstats_dogs WHERE dog_id = ?", (dog_id,))
            row = c.fetchone()
        return None if row is None else (row[0], row[1], row[2])
