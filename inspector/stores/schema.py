"""Recognise event-store tables by their columns (never by file or table name alone)."""

from __future__ import annotations

from dataclasses import dataclass

EVENT_COLUMNS = frozenset({"originator_id", "originator_version", "topic", "state"})
TRACKING_NAME_COLUMNS = ("application_name", "context_name")


@dataclass(frozen=True, slots=True)
class TableShape:
    name: str
    columns: tuple[str, ...]
    types: tuple[str, ...]
    has_rowid: bool = True  # SQLite only: False for WITHOUT ROWID tables

    @property
    def colset(self) -> frozenset[str]:
        return frozenset(c.lower() for c in self.columns)

    def type_of(self, column: str) -> str:
        for c, t in zip(self.columns, self.types, strict=True):
            if c.lower() == column:
                return (t or "").lower()
        return ""


def is_event_like(t: TableShape) -> bool:
    return EVENT_COLUMNS <= t.colset


def is_tracking(t: TableShape) -> bool:
    cs = t.colset
    return (
        "notification_id" in cs
        and any(c in cs for c in TRACKING_NAME_COLUMNS)
        and "originator_id" not in cs
    )


def near_misses(tables: list[TableShape]) -> list[str]:
    """Tables that look like event tables but lack columns: for a clear error message."""
    out = []
    for t in tables:
        cs = t.colset
        if "originator_id" in cs or "originator_version" in cs:
            missing = sorted(EVENT_COLUMNS - cs)
            if missing:
                out.append(f"{t.name!r} lacks column(s) {', '.join(missing)}")
    return out


def app_prefix(table: str, suffix: str = "_events") -> str:
    return table[: -len(suffix)] if table.lower().endswith(suffix) else table


def no_tables_message(tables: list[TableShape]) -> str:
    if not tables:
        return "no tables: this database holds no event store"
    misses = near_misses(tables)
    if misses:
        return "no usable event table: " + "; ".join(misses)
    names = ", ".join(repr(t.name) for t in tables[:8])
    more = "" if len(tables) <= 8 else f" and {len(tables) - 8} more"
    return f"no event tables found (tables here: {names}{more})"
