"""The store families of the contract tests, each written by its own library code.

One source application writes the scenario (``scenarios``-style dogs) to SQLite; every other
family receives the *same* stored events (same ids, versions, topics and state bytes) through
its own library recorder's ``insert_events``, so the inspector must show identical normalised
``events`` and ``state`` JSON for all of them. A family here is a function returning a
:class:`Family`: the STORE argument(s) for the CLI, and an application on that store (the
library's own reading of it: the oracle).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from storefactory import PgServer, close_app, store_env

DOMAINS = str(Path(__file__).resolve().parent.parent / "domains")
if DOMAINS not in sys.path:
    sys.path.insert(0, DOMAINS)

from eidomain.dogs import Dog, PlainDogSchool, Trick  # noqa: E402


@dataclass
class Family:
    name: str
    args: list[str]  # STORE and the options that reach it
    make_app: Callable[[], Any]  # the library's application on this store (the oracle)
    cleanup: list[Callable[[], None]] = field(default_factory=list)

    @contextlib.contextmanager
    def app(self) -> Iterator[Any]:
        app = self.make_app()
        try:
            yield app
        finally:
            close_app(app)


@dataclass
class Scenario:
    stored: list[Any]  # the library's StoredEvent objects, in log order
    streams: list[str]  # stream ids (canonical)


def write_source(tmp: Path) -> tuple[Family, Scenario]:
    """The reference family (eventsourcing.sqlite) with three interleaved dogs."""
    h = store_env("sqlite", tmp_path=tmp, filename="source.db")
    app = PlainDogSchool(env=h.env)
    try:
        dogs = []
        for name in ("Fido", "Rex", "Bella"):
            dog = Dog(name=name, owner="ann")
            dogs.append(dog)
            app.save(dog)
        for i in range(4):
            for j, dog in enumerate(dogs):
                if (i + j) % 2 == 0:
                    dog.add_trick(Trick(f"trick{i}", i + j))
                else:
                    dog.score(f"judge{i}", Decimal(f"{i}.{j}5"))
                app.save(dog)
        dogs[0].tag("good")
        dogs[0].forget_trick(0)
        app.save(dogs[0])
        stored = list(app.recorder.select_notifications(start=1, limit=10_000))
    finally:
        close_app(app)
    fam = Family("sqlite", [h.location], lambda: PlainDogSchool(env=h.env))
    return fam, Scenario(stored, sorted(str(d.id) for d in dogs))


def copy_into(app: Any, stored: list[Any]) -> None:
    """Insert the stored events with the family's own recorder, in log order."""
    from eventsourcing.persistence import StoredEvent

    for n in stored:
        app.recorder.insert_events(
            [StoredEvent(n.originator_id, n.originator_version, n.topic, n.state)]
        )


def sql_family(kind: str, tmp: Path, pg: PgServer | None, sc: Scenario) -> Family:
    h = store_env(kind, tmp_path=tmp, pg=pg, filename=f"{kind}.db")

    def make() -> Any:
        return PlainDogSchool(env=h.env)

    app = make()
    try:
        copy_into(app, sc.stored)
    finally:
        close_app(app)
    args = [h.location] + (["--schema", h.schema] if h.schema else [])
    return Family(kind, args, make)


def umadb_family(tmp: Path, sc: Scenario) -> Family:
    """A real UmaDB server (started here, stopped by ``cleanup``) written by
    eventsourcing-umadb's recorder."""
    from umadbserver import start_server, uma_env

    server = start_server(tmp / "umadb")
    env = uma_env(server)

    def make() -> Any:
        return PlainDogSchool(env=env)

    try:
        app = make()
        try:
            copy_into(app, sc.stored)
        finally:
            close_app(app)
    except BaseException:
        server.stop()
        raise
    return Family("umadb", server.args, make, cleanup=[server.stop])
