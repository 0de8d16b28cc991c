"""Look into a database before opening it: layout and applications (runs in a worker thread).

Plain Python, no Qt: :func:`probe` opens the database read-only with
``inspector.stores.open.open_database``, lists its applications and closes it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector.core.errors import InspectorError
from inspector.stores.open import open_database


@dataclass(frozen=True)
class ProbedApp:
    name: str
    schema: str | None
    head: int | None = None  # max notification id (an index seek, never a count)
    snapshots_note: str | None = None  # the snapshots table is ambiguous: pick one


@dataclass(frozen=True)
class ProbeResult:
    location: str
    layout: str
    apps: list[ProbedApp] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the dialog: what is there."""
        if not self.apps:
            return f"{self.layout}: no applications found"
        parts = []
        for app in self.apps:
            where = f" in {app.schema}" if app.schema else ""
            count = f", head at {app.head:,}" if app.head is not None else ""
            parts.append(f"{app.name}{where}{count}")
        n = len(self.apps)
        noun = "application" if n == 1 else "applications"
        notes = [a.snapshots_note for a in self.apps if a.snapshots_note]
        return f"{self.layout}: {n} {noun} — " + "; ".join(parts) + "".join(
            f"\n{note.replace('--snapshots-table NAME', 'the Snapshots table field')}"
            for note in notes)


def probe(location: str, schema: str | None = None, password: str | None = None) -> ProbeResult:
    """Open, list, close. Raises InspectorError with one line when the store cannot be read."""
    if not location.strip():
        raise InspectorError("give a SQLite file or a database URL")
    db = open_database(location, schema or None, password or None)
    try:
        apps = []
        for tables in db.apps:
            try:
                head: int | None = db.store_for(tables).max_position()
            except Exception:  # noqa: BLE001 - the head is a nicety, never a failure
                head = None
            apps.append(ProbedApp(tables.name, tables.schema, head,
                                  getattr(tables, "snapshots_note", None)))
        return ProbeResult(location, db.layout, apps)
    finally:
        db.close()
