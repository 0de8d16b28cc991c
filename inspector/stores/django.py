"""eventsourcing-django stores (SQLite and PostgreSQL): many applications in one table set.

The package (``eventsourcing_django/models.py``, migration 0001) keeps every application in
the same three tables, told apart by an ``application_name`` column:

* ``stored_events(id, application_name, originator_id, originator_version, topic, state)``:
  ``id`` is one sequence for the whole table, so each application's notification ids have
  gaps; unique indexes ``(application_name, originator_id, originator_version)`` and
  ``(application_name, id)`` serve every per-application read below;
* ``snapshots(uid, application_name, originator_id, originator_version, topic, state)``;
* ``notification_tracking(uid, application_name, upstream_application_name,
  notification_id)``: ``application_name`` is the *follower* (the reverse of the core
  library's tracking tables), one row per processed event (the position is the highest).

Recognised by columns, never by table names: an event table with ``application_name`` and an
``id`` column; its snapshots table is the event-shaped table with ``application_name`` and no
``id``; its tracking table the one with ``upstream_application_name``. Each application is a
store of its own: every query reads the events table through a derived table restricted to
the application (``(SELECT ... WHERE application_name = 'X') AS ev``), which both SQLite and
PostgreSQL flatten into an index range on the unique indexes above, so paging, counts, heads
and streams are the application's own despite the gaps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from inspector.stores.base import (
    EXACT_COUNT_CAP,
    ID_TEXT,
    ID_UUID,
    AppTables,
    Count,
    RawEvent,
    SqlStore,
    TrackingRow,
    quote_ident,
)
from inspector.stores.postgres import PgStore
from inspector.stores.schema import TableShape, is_event_like
from inspector.stores.sqlite import SqliteStore

LAYOUT = "eventsourcing_django"
APP_COLUMN = "application_name"
UPSTREAM_COLUMN = "upstream_application_name"
MAX_APPLICATIONS = 1000


@dataclass(slots=True)
class DjangoTables(AppTables):
    """An application's share of the Django tables: ``application_name`` as stored."""

    application_name: str = ""


@dataclass(frozen=True, slots=True)
class DjangoSchema:
    events: TableShape
    snapshots: TableShape | None
    tracking: TableShape | None


def find_django(tables: Sequence[TableShape]) -> DjangoSchema | None:
    """The Django table set among ``tables`` (one schema), from columns alone; else None."""
    events = [t for t in tables if is_event_like(t) and {APP_COLUMN, "id"} <= t.colset]
    if len(events) != 1:
        return None
    snaps = [
        t for t in tables
        if is_event_like(t) and APP_COLUMN in t.colset and "id" not in t.colset
    ]
    tracking = [
        t for t in tables
        if {APP_COLUMN, UPSTREAM_COLUMN, "notification_id"} <= t.colset
    ]
    return DjangoSchema(events[0], snaps[0] if len(snaps) == 1 else None,
                        tracking[0] if len(tracking) == 1 else None)


def sql_literal(value: str) -> str:
    """A string as an SQL literal (quotes doubled; both engines agree)."""
    return "'" + value.replace("'", "''") + "'"


def application_names(
    query: Any, table_sql: str, limit: int = MAX_APPLICATIONS
) -> list[str]:
    """Distinct ``application_name`` values by loose index scan (one seek per application)."""
    sql = (
        f"WITH RECURSIVE n(name) AS ("
        f"SELECT (SELECT MIN({APP_COLUMN}) FROM {table_sql})"
        f" UNION ALL SELECT (SELECT MIN({APP_COLUMN}) FROM {table_sql}"
        f" WHERE {APP_COLUMN} > n.name) FROM n WHERE n.name IS NOT NULL"
        f") SELECT name FROM n WHERE name IS NOT NULL LIMIT {int(limit)}"
    )
    return [str(r[0]) for r in query(sql)]


def django_apps(
    schema: DjangoSchema, names: Sequence[str], db_schema: str | None
) -> list[AppTables]:
    """One :class:`DjangoTables` per application name found in the events table."""
    ev = schema.events
    oid_type = ev.type_of("originator_id")
    id_kind = ID_UUID if oid_type == "uuid" else ID_TEXT
    apps: list[AppTables] = []
    for name in names:
        apps.append(
            DjangoTables(
                name=name,
                events_table=ev.name,
                position_column="id",
                id_kind=id_kind,
                schema=db_schema,
                snapshots_table=schema.snapshots.name if schema.snapshots else None,
                tracking_tables=[schema.tracking.name] if schema.tracking else [],
                snapshots_choices=[schema.snapshots.name] if schema.snapshots else [],
                extra_columns=[],
                family="django",
                application_name=name,
            )
        )
    return apps


class DjangoStoreMixin:
    """Per-application reads over the shared Django tables (mixed into the engine's store)."""

    tables: DjangoTables
    layout = LAYOUT

    # Provided by the engine's store class.
    query: Any
    qualified: Any
    placeholder: str
    state_expr: str
    capped_count: Any

    def _app_literal(self) -> str:
        lit = sql_literal(self.tables.application_name)
        return lit.replace("%", "%%") if self.placeholder == "%s" else lit

    def _scoped(self, table: str, columns: str) -> str:
        return (
            f"(SELECT {columns} FROM {self.qualified(table)}"
            f" WHERE {APP_COLUMN} = {self._app_literal()})"
        )

    @property
    def events(self) -> str:
        cols = "id, originator_id, originator_version, topic, state"
        return self._scoped(self.tables.events_table, cols) + " AS ev"

    @property
    def row_scope(self) -> dict[str, Any]:
        """Columns every row this application writes carries (snapshots, tracking)."""
        return {APP_COLUMN: self.tables.application_name}

    def count_events(self) -> Count:
        """Exact up to ``EXACT_COUNT_CAP`` (the highest id says nothing: ids are shared)."""
        return self.capped_count(self.events, EXACT_COUNT_CAP)  # type: ignore[no-any-return]

    def count_snapshots(self) -> Count:
        table = self.tables.snapshots_table
        if not table:
            return Count(0, True)
        src = self._scoped(table, "originator_id") + " AS sn"
        return self.capped_count(src, EXACT_COUNT_CAP)  # type: ignore[no-any-return]

    def snapshots(self, stream: str, max_version: int | None = None) -> list[RawEvent]:
        table = self.tables.snapshots_table
        if not table:
            return []
        values = self.id_values(stream)  # type: ignore[attr-defined]
        p = self.placeholder
        sql = (
            f"SELECT NULL, originator_id, originator_version, topic, {self.state_expr}"
            f" FROM {self.qualified(table)} WHERE {APP_COLUMN} = {p}"
            f" AND originator_id IN ({', '.join([p] * len(values))})"
        )
        params: list[Any] = [self.tables.application_name, *values]
        if max_version is not None:
            sql += f" AND originator_version <= {p}"
            params.append(int(max_version))
        sql += " ORDER BY originator_version"
        return [self._row(r) for r in self.query(sql, params)]  # type: ignore[attr-defined]

    def tracking_rows(self, table: str) -> list[TrackingRow]:
        """This application's tracking as a follower: one row per upstream, the highest id."""
        cols = self.tracking_columns(table)  # type: ignore[attr-defined]
        if UPSTREAM_COLUMN not in cols:
            return []
        p = self.placeholder
        rows = self.query(
            f"SELECT {quote_ident(UPSTREAM_COLUMN)}, MAX(notification_id)"
            f" FROM {self.qualified(table)} WHERE {APP_COLUMN} = {p}"
            f" GROUP BY {quote_ident(UPSTREAM_COLUMN)} ORDER BY 1",
            [self.tables.application_name],
        )
        return [
            TrackingRow(table, str(r[0]), r[1], follower=self.tables.application_name)
            for r in rows
        ]


class DjangoSqliteStore(DjangoStoreMixin, SqliteStore):
    """One application of a Django store in a SQLite file."""


class DjangoPgStore(DjangoStoreMixin, PgStore):
    """One application of a Django store in a PostgreSQL schema."""


def sqlite_apps(connector: Any, tables: Sequence[TableShape]) -> list[AppTables] | None:
    """The applications of a Django store in a SQLite file, or None if it is not one."""
    found = find_django(tables)
    if found is None:
        return None
    conn = connector.conn()
    names = application_names(
        lambda sql: conn.execute(sql).fetchall(), quote_ident(found.events.name)
    )
    return django_apps(found, names, None)


def pg_apps(connector: Any, tables: Sequence[TableShape]) -> tuple[list[AppTables], set[str]]:
    """(applications, tables used) of the Django stores among PostgreSQL ``tables`` (whose
    names are ``schema\\x00table``), one table set per schema."""
    by_schema: dict[str, list[TableShape]] = {}
    for t in tables:
        schema, name = t.name.split("\x00", 1)
        by_schema.setdefault(schema, []).append(TableShape(name, t.columns, t.types))
    apps: list[AppTables] = []
    used: set[str] = set()
    for schema, shapes in sorted(by_schema.items()):
        found = find_django(shapes)
        if found is None:
            continue
        table_sql = f"{quote_ident(schema)}.{quote_ident(found.events.name)}".replace("%", "%%")
        names = application_names(lambda sql: connector.query(sql, []), table_sql)
        apps.extend(django_apps(found, names, schema))
        for t in (found.events, found.snapshots, found.tracking):
            if t is not None:
                used.add(f"{schema}\x00{t.name}")
    return apps, used


def make_store(
    base: Any, connector: Any, tables: AppTables, apps: list[AppTables], layout: str
) -> SqlStore:
    """The store for ``tables``: the Django class for a Django application, else ``base``."""
    if isinstance(tables, DjangoTables):
        cls = DjangoPgStore if issubclass(base, PgStore) else DjangoSqliteStore
        return cls(connector, tables, apps, LAYOUT)  # type: ignore[no-any-return]
    return base(connector, tables, apps, layout)  # type: ignore[no-any-return]
