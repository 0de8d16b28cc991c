"""Which snapshots table belongs to which events table: decided from the schema and its rows.

Applications name their tables as they like (eventsourcing-sqlalchemy takes any table name, a
factory subclass may choose them), so no naming habit is relied on. A candidate snapshots table
is an event-shaped table without a notification position (the library's aggregate tables:
``originator_id, originator_version, topic, state``) in the same schema as the events table,
whose ``originator_id`` column has the same type. Evidence, in order:

1. **rows**: a bounded sample of the candidate's ids (the lowest and highest few, by its primary
   key) all exist in the events table (one index seek each: a snapshot is only ever taken of a
   stream that has events). A candidate whose sampled ids are all found pairs with that events
   table, unless it also fits another one or another candidate fits too: then it is ambiguous;
2. for candidates without rows (no evidence either way): the library's own table names for that
   events table (``{prefix}_snapshots``, eventsourcing.sqlite's ``stored_snapshots``), else the
   only empty candidate when there is only one application.

Ambiguity is never resolved by a guess: the application gets no snapshots table,
``snapshots_note`` says why, and ``snapshots_choices`` lists the tables the user may pick
(``--snapshots-table NAME``, or the Open dialog's snapshots-table field):
:func:`choose_snapshots_table`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from inspector.core.errors import InspectorError
from inspector.stores.schema import TableShape, app_prefix

SAMPLE_EACH_END = 8  # ids sampled from each end of a candidate's primary key order

Query = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]


@dataclass(frozen=True, slots=True)
class Evidence:
    sampled: int  # distinct ids sampled from the candidate
    found: int  # of those, how many the events table holds

    @property
    def fits(self) -> bool:
        return self.sampled > 0 and self.found == self.sampled

    @property
    def empty(self) -> bool:
        return self.sampled == 0


def sample_ids(query: Query, table_sql: str) -> list[Any]:
    """Up to ``2 * SAMPLE_EACH_END`` distinct ids of a table (index order, both ends)."""
    ids: list[Any] = []
    for order in ("", " DESC"):
        rows = query(
            f"SELECT originator_id FROM {table_sql} ORDER BY originator_id{order}"
            f" LIMIT {SAMPLE_EACH_END}", [])
        for (v,) in rows:
            if v not in ids:
                ids.append(v)
    return ids


def count_present(query: Query, events_sql: str, placeholder: str, ids: Sequence[Any]) -> int:
    """How many of ``ids`` have events (index seeks on the events table's primary key)."""
    if not ids:
        return 0
    marks = ", ".join([placeholder] * len(ids))
    rows = query(
        f"SELECT COUNT(*) FROM (SELECT DISTINCT originator_id FROM {events_sql}"
        f" WHERE originator_id IN ({marks})) t", list(ids))
    return int(rows[0][0])


def compatible(events: TableShape, cand: TableShape) -> bool:
    """Same originator_id type (as the catalog names it)."""
    return events.type_of("originator_id") == cand.type_of("originator_id")


def library_names(events_table: str) -> set[str]:
    """The snapshot table names the library's own recorders give this events table."""
    prefix = app_prefix(events_table)
    return {f"{prefix}_snapshots".lower(), "stored_snapshots"}


def pair_snapshot_tables(
    apps: Sequence[Any],
    events_shapes: dict[tuple[str | None, str], TableShape],
    candidates: Sequence[tuple[str | None, TableShape]],
    query: Query,
    qualify: Callable[[str | None, str], str],
    placeholder: str,
) -> None:
    """Set ``snapshots_table`` / ``snapshots_choices`` / ``snapshots_note`` of each app
    (``AppTables``; ``events_shapes`` by (schema, events table); ``candidates`` as
    (schema, shape)). Reads a bounded sample: at most ``2 * SAMPLE_EACH_END`` ids per candidate
    and one indexed query per (application, candidate) pair of the same schema and id type."""
    samples: dict[tuple[str | None, str], list[Any]] = {}
    fits: dict[tuple[str | None, str], list[Any]] = {}  # candidate -> apps it fits
    per_app: dict[int, list[tuple[str, Evidence]]] = {}
    for app in apps:
        ev_shape = events_shapes.get((app.schema, app.events_table))
        if ev_shape is None:
            continue
        evidence: list[tuple[str, Evidence]] = []
        for schema, cand in candidates:
            if schema != app.schema or not compatible(ev_shape, cand):
                continue
            key = (schema, cand.name)
            if key not in samples:
                samples[key] = sample_ids(query, qualify(schema, cand.name))
            ids = samples[key]
            found = count_present(query, qualify(app.schema, app.events_table), placeholder,
                                  ids) if ids else 0
            e = Evidence(len(ids), found)
            evidence.append((cand.name, e))
            if e.fits:
                fits.setdefault(key, []).append(app)
        per_app[id(app)] = evidence
    for app in apps:
        evidence = per_app.get(id(app), [])
        app.snapshots_choices = [name for name, _ in evidence]
        if app.snapshots_table is not None:  # already known (a layout that names its table)
            continue
        strong = [name for name, e in evidence if e.fits]
        shared = [n for n in strong if len(fits[(app.schema, n)]) > 1]
        if len(strong) == 1 and not shared:
            app.snapshots_table = strong[0]
            continue
        if strong:
            why = (f"the ids in {', '.join(shared)} are also streams of "
                   + ", ".join(sorted({a.name for n in shared for a in fits[(app.schema, n)]
                                       if a is not app}))
                   if shared else "several tables hold snapshots of its streams")
            app.snapshots_note = (
                f"which table holds the snapshots of {app.name!r} is ambiguous ({why}): "
                f"{', '.join(strong)}; choose one with --snapshots-table NAME")
            app.snapshots_choices = strong + [c for c in app.snapshots_choices if c not in strong]
            continue
        empties = [name for name, e in evidence if e.empty]
        named = [n for n in empties if n.lower() in library_names(app.events_table)]
        if len(named) == 1:
            app.snapshots_table = named[0]
        elif len(empties) == 1 and len([a for a in apps if a.schema == app.schema]) == 1:
            app.snapshots_table = empties[0]
        elif len(empties) > 1:
            app.snapshots_note = (
                f"which table holds the snapshots of {app.name!r} is ambiguous (several empty "
                f"tables fit: {', '.join(empties)}); choose one with --snapshots-table NAME")


def choose_snapshots_table(apps: Sequence[Any], app: Any, name: str) -> None:
    """The user's choice of snapshots table for ``app`` (an ``AppTables``), checked against
    the tables that fit it. InspectorError naming the ones that do when it does not fit."""
    choices = list(getattr(app, "snapshots_choices", []) or [])
    match = [c for c in choices if c == name] or [c for c in choices if c.lower() == name.lower()]
    if not match:
        fit = ", ".join(choices) if choices else "none"
        raise InspectorError(
            f"--snapshots-table {name!r}: not a snapshots table of application {app.name!r} "
            f"(tables that fit its events table {app.events_table!r}: {fit})")
    app.snapshots_table = match[0]
    app.snapshots_note = None


def apply_snapshots_choice(db: Any, app: str | None, name: str) -> None:
    """``--snapshots-table NAME`` (or the Open dialog's field) for application ``app`` of an
    opened ``Database`` (the only one when ``app`` is None)."""
    from inspector.stores.base import check_app_choice

    tables = check_app_choice(db.apps, app)
    choose_snapshots_table(db.apps, tables, name)
