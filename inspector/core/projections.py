"""Projections: what tracks the store (tracking rows, lag), the user's projection definitions,
and rebuilds (dry-run into a scratch target, or in place with resume).

**Listing** reads every tracking table of the store (SQLite ``tracking``, PostgreSQL
``<name>_tracking``): per row the upstream application, its position, the upstream head (max
notification id) and the lag. Old multi-row tracking tables are reported as such.

**Definitions** (:mod:`inspector.core.projection_defs`) are the user's
``eventsourcing.projection.Projection`` subclasses found under ``--path``, with their view
classes; views are built, batched and compared by :mod:`inspector.core.projection_views`.

**Rebuilding** runs the library's own objects: the view is built by the library's
``InfrastructureFactory`` (environment named after the projection, like ``ProjectionRunner``),
each stored event is decoded by the application's mapper and passed to
``projection.process_event(event, Tracking(upstream, position))``. Events are read in keyset
pages of the global log (filtered by ``Projection.topics`` like the library's subscription).
The view's datastore is pointed at one held connection so that a whole batch of events — view
rows and tracking rows together — commits in one transaction. Hence:

* progress (position, rate, ETA) after each batch, and cancel checked between events (a cancel
  commits the events already processed, which is consistent because each event's changes and
  its tracking row are in the same transaction);
* a projection that raises stops the rebuild at that event, named with its position, stream,
  version and topic; the events before it are committed; running again resumes after a fix;
* a lost connection rolls the batch back; what was committed stays, and a rerun resumes.

*Dry run*: the same into a scratch target — a temporary SQLite file, or a fresh PostgreSQL
schema dropped afterwards — then the scratch view is compared with the live one (row counts and
the first differing rows per table). Nothing in the live view changes.

*In place* (write mode): one transaction clears the view's own tables and its tracking row (a
plan shows the exact row counts first), a marker in the user data directory records that a
rebuild is under way, batches follow; an interrupted rebuild (cancel, crash, error) is resumed
from the view's tracking position by the next ``rebuild --write`` (``restart=True`` clears again).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.core.projection_defs import (
    ProjectionDef,
    ProjectionSource,
    discover_projections,
    find_projection,
    load_definition,
)
from inspector.core.projection_views import (
    BatchSession,
    ViewTarget,
    build_view,
    compare_views,
    existing_tables,
    first_line,
    live_target,
    tracking_table_of,
    view_tables,
)
from inspector.core.writes import RowChange, WritePlan, data_dir, run_plan
from inspector.stores.base import LAG_SCAN_CAP, Database, SqlStore, quote_ident
from inspector.stores.writer import StoreWriter, redacted_location, store_kind

DEFAULT_BATCH = 1000

Progress = Callable[["RebuildProgress"], None]
Cancelled = Callable[[], bool]


# -- listing ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TopicFilter:
    """What a projection subscribes to, as far as it is known.

    ``topics``: the topics it filters on (empty: every event), or None when they are unknown;
    ``source``: where they were read (``source`` for literals read with ``ast``, ``imported``
    for a projection the user picked); ``reason``: why they are unknown."""

    topics: tuple[str, ...] | None
    source: str = ""
    reason: str | None = None


# Projection name (lower case) -> its topic filter; None: nothing known about it.
TopicsOf = Callable[[str], "TopicFilter | None"]


@dataclass
class TrackingEntry:
    name: str
    table: str
    upstream: str
    position: int | None
    head: int | None
    lag: int | None
    schema: str | None = None
    multi_row: bool = False
    lag_exact: bool = True
    lag_note: str | None = None
    topics: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": self.table,
            "upstream": self.upstream,
            "position": self.position,
            "head": self.head,
            "lag": self.lag,
            "schema": self.schema,
            "multi_row": self.multi_row,
            "lag_exact": self.lag_exact,
            "lag_note": self.lag_note,
            "topics": self.topics,
        }

    def lag_text(self) -> str:
        """The lag as shown in a table: a number, ``≥N`` past the scan cap, or ``?``."""
        if self.lag is None:
            return "?"
        return f"{self.lag}" if self.lag_exact else f"≥{self.lag}"


def projection_name_of(table: str) -> str:
    low = table.lower()
    if low.endswith("_tracking"):
        return table[: -len("_tracking")]
    return table


def tracking_is_multi_row(store: SqlStore, table: str) -> bool:
    """Whether a tracking table has the old layout (PK includes notification_id)."""
    if store_kind(store) == "sqlite":
        rows = store.query(f"PRAGMA table_info({quote_ident(table)})")
        pk = [r[1].lower() for r in rows if r[5]]
        return "notification_id" in pk
    rows = store.query(
        "SELECT a.attname FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indisprimary AND n.nspname = %s AND c.relname = %s",
        [store.tables.schema, table],
    )
    return "notification_id" in {r[0].lower() for r in rows}


def refresh_tracking_tables(store: SqlStore) -> list[str]:
    """Re-discover the store's tracking tables (a rebuild may have created one since opening)."""
    from inspector.stores.schema import TableShape, is_tracking

    if store_kind(store) == "sqlite":
        names = [r[0] for r in store.query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        shapes = [TableShape(n, tuple(r[1] for r in store.query(
            f"PRAGMA table_info({quote_ident(n)})")), ()) for n in names]
    else:
        cols: dict[str, list[str]] = {}
        for t, c in store.query(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = %s ORDER BY table_name, ordinal_position",
            [store.tables.schema],
        ):
            cols.setdefault(t, []).append(c)
        shapes = [TableShape(t, tuple(c), ()) for t, c in cols.items()]
    found = sorted(t.name for t in shapes if is_tracking(t))
    for t in found:
        if t not in store.tables.tracking_tables:
            store.tables.tracking_tables.append(t)
    return found


def list_projections(
    db: Database, app: str | None = None, topics_of: TopicsOf | None = None
) -> list[TrackingEntry]:
    """One entry per tracking row of the store's tracking tables (``__migration__`` excluded)."""
    return list_store_projections([db.store(app)] if app else db.all_stores(), db.all_stores(),
                                  topics_of)


def list_store_projections(stores: Sequence[SqlStore], all_stores: Sequence[SqlStore],
                           topics_of: TopicsOf | None = None) -> list[TrackingEntry]:
    """Tracking entries of ``stores``; heads and lags from the upstream application among
    ``all_stores``.

    ``lag`` is the number of the upstream's events after the tracked position that the
    projection subscribes to (``topics_of`` its name: a topic filter read from source or from
    a projection the user picked): an indexed, bounded count, so gaps in the positions (a
    table shared by applications, rolled-back sequence values) do not inflate it. Topics that
    cannot be known leave ``lag`` None with the reason in ``lag_note``."""
    heads: dict[str, int | None] = {}
    by_name = {s.name.lower(): s for s in all_stores}
    stores = [s for s in stores if getattr(s, "has_tracking", True)]  # DCB, UmaDB: none
    for st in stores:
        refresh_tracking_tables(st)
    seen: set[tuple[str | None, str, str | None, str]] = set()
    out: list[TrackingEntry] = []
    for st in stores:
        for table in st.tables.tracking_tables:
            multi: bool | None = None
            for row in st.tracking_rows(table):
                key = (st.tables.schema, table, row.follower, str(row.name))
                if key in seen:
                    continue
                seen.add(key)
                if multi is None:
                    multi = tracking_is_multi_row(st, table)
                src = upstream_store(str(row.name), st, all_stores)
                name = row.follower or projection_name_of(table)
                entry = TrackingEntry(name, table, str(row.name), row.position, None, None,
                                      st.tables.schema, bool(multi))
                if src is None:
                    several = [s.name for s in all_stores
                               if _plain_name(s) == str(row.name).lower()]
                    entry.lag_note = (
                        f"upstream application {row.name!r} is in several schemas "
                        f"({', '.join(several)}); pick one with --schema" if several else
                        f"upstream application {row.name!r} is not in this database "
                        f"(applications: {', '.join(sorted(by_name))})")
                else:
                    hk = f"{_schema(src)}.{src.name}"
                    if hk not in heads:
                        heads[hk] = src.max_position()
                    entry.head = heads[hk]
                    known = topics_of(name) if topics_of else None
                    _set_lag(entry, src, known)
                    if known is None and topics_of is not None and entry.lag is not None:
                        entry.lag_note = (
                            f"counts every later event: no projection named {name!r} was "
                            f"found (give --path DIR, or --projection MODULE:CLASS, to count "
                            f"only the topics it subscribes to)"
                            + (f"; {entry.lag_note}" if entry.lag_note else ""))
                out.append(entry)
    return out


def _plain_name(store: SqlStore) -> str:
    """An application's own name: without the ``schema.`` a listing adds to tell apart the
    same name in several schemas (Django: its ``application_name``)."""
    tables = getattr(store, "tables", None)
    own = getattr(tables, "application_name", None)
    if own:
        return str(own).lower()
    schema = getattr(tables, "schema", None)
    name = store.name.lower()
    return name[len(schema) + 1:] if schema and name.startswith(f"{schema.lower()}.") else name


def _schema(store: Any) -> str | None:
    return getattr(getattr(store, "tables", None), "schema", None)


def upstream_store(
    upstream: str, tracker: SqlStore, all_stores: Sequence[SqlStore]
) -> SqlStore | None:
    """The application a tracking row names as its upstream: by name, the one in the tracking
    table's own schema first; else the only application of that schema (or of the database)."""
    key = upstream.lower()
    named = [s for s in all_stores if s.name.lower() == key or _plain_name(s) == key]
    here = [s for s in named if _schema(s) == _schema(tracker)]
    if len(here) == 1:
        return here[0]
    if len(named) == 1:
        return named[0]
    if named:
        return None
    in_schema = [s for s in all_stores if _schema(s) == _schema(tracker)]
    if len(in_schema) == 1:
        return in_schema[0]
    return all_stores[0] if len(all_stores) == 1 else None


def _set_lag(entry: TrackingEntry, upstream: SqlStore, known: TopicFilter | None) -> None:
    if known is not None and known.topics is None:
        entry.lag_note = known.reason or f"the topics of projection {entry.name} are unknown"
        return
    topics = tuple(known.topics) if known is not None and known.topics else ()
    count = upstream.count_after(entry.position, topics)
    entry.lag, entry.lag_exact = count.value, count.exact
    if known is not None:
        entry.topics = list(topics)
        if topics:
            entry.lag_note = (f"counts only the {len(topics)} topic(s) {entry.name} subscribes "
                              f"to (read from {known.source or 'its definition'})")
    if not count.exact:
        entry.lag_note = ((entry.lag_note + "; ") if entry.lag_note else "") + (
            f"at least {count.value}: counted within the next {LAG_SCAN_CAP} events only")


def topic_filters(
    paths: Sequence[str], kind: str, picked: Sequence[str | ProjectionDef] = (),
    found: Sequence[Any] | None = None,
) -> TopicsOf:
    """What each projection subscribes to, by name (case-insensitive), for :func:`_set_lag`.

    Topics are read from source (``ast``, nothing imported) when the class gives them as
    literal strings (:func:`discover_projections`, or ``found`` when already discovered);
    a projection the user picked (``picked``: a name found under ``paths`` or
    ``MODULE:CLASS``) is imported and its ``topics`` attribute wins. A projection found in
    source whose topics are not literal, or a name several projections share, maps to an
    unknown filter with the reason and how to fix it; an unknown name maps to None."""
    known: dict[str, TopicFilter] = {}
    if found is None and paths:
        found = discover_projections(list(paths), kind)[0]
    by_name: dict[str, list[Any]] = {}
    for d in found or ():
        by_name.setdefault(str(d.name).lower(), []).append(d)
    for name, defs in by_name.items():
        topics = {d.topics for d in defs}
        if len(topics) > 1:
            known[name] = TopicFilter(None, "source", (
                f"several projections are named {defs[0].name!r} ("
                + ", ".join(d.spec for d in defs) + "); pick one with --projection MODULE:CLASS"))
        elif defs[0].topics is None:
            d = defs[0]
            known[name] = TopicFilter(None, "source", (
                f"the topics of {d.spec} are not literal strings in its source, so they are "
                f"not known without importing it; pick it (--projection {d.spec}) to count "
                f"only its topics"))
        else:
            known[name] = TopicFilter(tuple(defs[0].topics), "source")
    for spec in picked:
        if isinstance(spec, ProjectionDef):  # already imported (picked in the GUI)
            name, topics = spec.name, tuple(spec.topics)
        else:
            name, topics = _picked_topics(spec, paths, found or ())
        known[name.lower()] = TopicFilter(topics, "imported")
    return lambda name: known.get(name.lower())


def _picked_topics(
    spec: str, paths: Sequence[str], found: Sequence[Any]
) -> tuple[str, tuple[str, ...]]:
    """(name, topics) of a projection the user picked: imported, because it was named."""
    from eventsourcing.projection import Projection

    from inspector.core.domain import add_paths
    from inspector.core.projection_defs import _import_spec

    add_paths(list(paths))
    target = spec
    if ":" not in spec:
        matches = [d for d in found if str(d.name).lower() == spec.lower()
                   or d.spec.rpartition(":")[2].rsplit(".", 1)[-1].lower() == spec.lower()]
        if len(matches) != 1:
            known = ", ".join(sorted(str(d.name) for d in found)) or "none"
            what = "is ambiguous" if matches else "was not found" + (
                " (give --path DIR)" if not paths else "")
            raise InspectorError(f"--projection {spec!r} {what} (found: {known}); "
                                 f"or give MODULE:CLASS")
        target = matches[0].spec
    cls = _import_spec(target, "--projection")
    if not (isinstance(cls, type) and issubclass(cls, Projection)):
        raise InspectorError(f"--projection {spec}: not an eventsourcing Projection subclass")
    topics = getattr(cls, "topics", ()) or ()
    if not all(isinstance(t, str) for t in topics):
        raise InspectorError(f"--projection {spec}: its topics are not strings: {topics!r}")
    return str(cls.name), tuple(topics)


# -- running ----------------------------------------------------------------------------------
@dataclass
class RebuildProgress:
    position: int
    head: int
    processed: int
    elapsed: float
    rate: float  # events per second
    eta: float | None  # seconds

    def text(self) -> str:
        eta = "?" if self.eta is None else f"{self.eta:,.0f}s"
        return (f"position {self.position:,} of {self.head:,}  {self.processed:,} events  "
                f"{self.rate:,.0f}/s  ETA {eta}")


@dataclass
class RebuildResult:
    status: str  # done | cancelled | failed
    position: int | None  # last committed position
    head: int
    processed: int
    elapsed: float
    error: str | None = None
    failed_event: dict[str, Any] | None = None
    differences: dict[str, Any] | None = None  # dry run
    resumed_from: int | None = None

    @property
    def rate(self) -> float:
        return self.processed / self.elapsed if self.elapsed > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "position": self.position,
            "head": self.head,
            "processed": self.processed,
            "elapsed": round(self.elapsed, 3),
            "rate": round(self.rate, 1),
            "error": self.error,
            "failed_event": self.failed_event,
            "differences": self.differences,
            "resumed_from": self.resumed_from,
        }


class ProjectionFailed(InspectorError):
    def __init__(self, message: str, event: dict[str, Any]) -> None:
        super().__init__(message)
        self.event = event


def upstream_name(store: SqlStore, view: Any, domain: Any) -> str:
    """The upstream application name tracking rows carry (original casing)."""
    app_class = getattr(domain, "app_class", None)
    if app_class is not None:
        return str(app_class.name)
    try:
        rows = store.tracking_rows(tracking_table_of(view)) if tracking_table_of(view) in \
            store.tables.tracking_tables else []
    except InspectorError:
        rows = []
    for r in rows:
        if str(r.name).lower() == store.name.lower():
            return str(r.name)
    names = {str(r.name) for r in rows}
    if len(names) == 1:
        # The library's own row names the application (an eventsourcing.sqlite store does not
        # hold its name: the inspector calls it "stored"); writing under another name would
        # leave that row behind, and the application's runner would resume from it.
        return names.pop()
    return store.name


class Runner:
    """Feed stored events to a projection, batch by batch, each batch one transaction."""

    def __init__(
        self,
        store: SqlStore,
        pdef: ProjectionDef,
        view: Any,
        mapper: Any,
        upstream: str,
        *,
        kind: str,
        batch: int = DEFAULT_BATCH,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> None:
        self.store = store
        self.pdef = pdef
        self.view = view
        self.mapper = mapper
        self.upstream = upstream
        self.kind = kind
        self.batch = max(1, int(batch))
        self.progress = progress
        self.cancelled = cancelled or (lambda: False)
        self.projection = pdef.projection_class(view=view)

    def run(self, after: int | None) -> RebuildResult:
        from eventsourcing.persistence import StoredEvent, Tracking

        head = self.store.max_position() or 0
        t0 = time.perf_counter()
        processed = 0
        committed = after
        sess = BatchSession(self.view, self.kind)
        last_report = 0.0
        topics = list(self.pdef.topics)
        to_domain = self.mapper.to_domain_event
        process = self.projection.process_event
        upstream = self.upstream
        try:
            pos = after
            while True:
                page = self.store.log(pos, self.batch, topics)
                page = [e for e in page if e.position <= head]
                if not page:
                    break
                sess.begin()
                done_in_batch = 0
                try:
                    for ev in page:
                        if self.cancelled():
                            break
                        try:
                            domain_event = to_domain(
                                StoredEvent(ev.stream, ev.version, ev.topic, ev.state)
                            )
                            process(domain_event, Tracking(upstream, ev.position))
                        except Exception as exc:
                            if _is_connection_error(exc):
                                raise
                            raise ProjectionFailed(
                                f"projection {self.pdef.name} raised on the event at position "
                                f"{ev.position} (stream {ev.stream} version {ev.version}, topic "
                                f"{ev.topic}): {type(exc).__name__}: {first_line(exc)}",
                                {"position": ev.position, "stream": ev.stream,
                                 "version": ev.version, "topic": ev.topic},
                            ) from exc
                        done_in_batch += 1
                except ProjectionFailed as failure:
                    sess.rollback()
                    # Commit the events before the failing one, each with its tracking.
                    good = page[:done_in_batch]
                    if good:
                        sess.begin()
                        for ev in good:
                            process(to_domain(StoredEvent(ev.stream, ev.version, ev.topic,
                                                          ev.state)),
                                    Tracking(upstream, ev.position))
                        sess.commit()
                        processed += len(good)
                        committed = good[-1].position
                    return RebuildResult("failed", committed, head, processed,
                                         time.perf_counter() - t0, str(failure), failure.event)
                sess.commit()
                processed += done_in_batch
                if done_in_batch:
                    committed = page[done_in_batch - 1].position
                    pos = committed
                if done_in_batch < len(page):  # cancelled
                    return RebuildResult("cancelled", committed, head, processed,
                                         time.perf_counter() - t0)
                now = time.perf_counter()
                if self.progress is not None and now - last_report > 0.2:
                    last_report = now
                    self.progress(_progress(committed or 0, head, processed, now - t0,
                                            after or 0))
                if self.cancelled():
                    return RebuildResult("cancelled", committed, head, processed, now - t0)
        except Exception as exc:
            sess.rollback()
            if _is_connection_error(exc):
                return RebuildResult(
                    "failed", committed, head, processed, time.perf_counter() - t0,
                    f"connection lost during the rebuild ({first_line(exc)}); committed through "
                    f"position {committed}; run the rebuild again to resume",
                )
            raise
        finally:
            sess.close()
        el = time.perf_counter() - t0
        if self.progress is not None:
            self.progress(_progress(committed or 0, head, processed, el, after or 0))
        return RebuildResult("done", committed, head, processed, el)


def _progress(position: int, head: int, processed: int, elapsed: float,
              start: int) -> RebuildProgress:
    rate = processed / elapsed if elapsed > 0 else 0.0
    # Rate by position (topic filters skip events): how fast the log is covered.
    covered = position - start
    prate = covered / elapsed if elapsed > 0 and covered > 0 else 0.0
    eta = (head - position) / prate if prate > 0 else None
    return RebuildProgress(position, head, processed, elapsed, rate, eta)


def _is_connection_error(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, psycopg.OperationalError):
        return True
    from eventsourcing.persistence import InterfaceError, OperationalError

    return isinstance(exc, (InterfaceError, OperationalError)) and "connection" in str(exc).lower()


# -- rebuild orchestration --------------------------------------------------------------------
def mapper_for(store: SqlStore, codec: Codec, domain: Any) -> Any:
    """The application's mapper, with the compressor the store actually uses."""
    first = store.log(None, 1)
    compression = codec.decode(first[0].state).compression if first else None
    return domain.mapper_for_encoding(compression)


def _marker_path(store: SqlStore, name: str) -> Path:
    key = f"{redacted_location(store)}|{store.tables.schema}|{store.name}|{name}".encode()
    return data_dir() / "rebuilds" / f"{hashlib.sha1(key).hexdigest()[:20]}.json"


def pending_rebuild(store: SqlStore, name: str) -> dict[str, Any] | None:
    p = _marker_path(store, name)
    if not p.exists():
        return None
    try:
        return dict(json.loads(p.read_text()))
    except (OSError, ValueError):
        return None


def _set_marker(store: SqlStore, name: str, info: dict[str, Any] | None) -> None:
    p = _marker_path(store, name)
    if info is None:
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(info))


def check_tracking_layout(store: SqlStore, view_tracking: str) -> None:
    tables = store.tables.tracking_tables
    if view_tracking in tables and tracking_is_multi_row(store, view_tracking):
        raise InspectorError(
            f"tracking table {view_tracking!r} has the old multi-row layout (eventsourcing < 9.5, "
            f"PRIMARY KEY (application_name, notification_id)); the library migrates it when the "
            f"projection next starts with CREATE_TABLE on. Refusing to rebuild: nothing was written"
        )


def _count(store: SqlStore, table: str, where: str = "", params: Sequence[Any] = ()) -> int:
    rows = store.query(f"SELECT COUNT(*) FROM {store.qualified(table)}{where}", params)
    return int(rows[0][0])


@dataclass
class InPlacePlan:
    plan: WritePlan
    resume_from: int | None  # set when resuming an interrupted rebuild (nothing is cleared)
    tables: list[str]
    tracking_table: str
    upstream: str
    create_tables: bool = False


def prepare_in_place(
    store: SqlStore, pdef: ProjectionDef, domain: Any, *, restart: bool = False
) -> tuple[InPlacePlan, Any]:
    """Plan an in-place rebuild (or its resume). Returns (plan, view)."""
    from inspector.stores.protocol import require_writable

    require_writable(store, "rebuild a projection in place")
    target = live_target(store)
    kind = target.kind
    tracking_name = f"{pdef.name.lower()}_tracking" if kind == "postgres" else "tracking"
    check_tracking_layout(store, tracking_name)
    # No DDL before the plan is confirmed: build the view without CREATE TABLE.
    view = build_view(pdef, target, create_table=False)
    tables = view_tables(view)
    upstream = upstream_name(store, view, domain)
    missing = [t for t in [*tables, tracking_name]
               if t not in existing_tables(store, [*tables, tracking_name])]
    marker = pending_rebuild(store, pdef.name)
    notes: list[str] = []
    if missing:
        notes.append("creates the view's missing tables with the library's DDL: "
                     + ", ".join(missing))
    if marker and not restart:
        pos = view.max_tracking_id(upstream)
        notes.append(f"resumes an interrupted rebuild (started {marker.get('started')}) after "
                     f"position {pos}: nothing is cleared")
        plan = WritePlan("rebuild (resume)", redacted_location(store), store.name, [], notes,
                         {"projection": pdef.name, "resume_from": pos})
        return InPlacePlan(plan, pos or 0, tables, tracking_name, upstream, bool(missing)), view
    changes: list[RowChange] = []
    existing = existing_tables(store, [*tables, tracking_name])
    for t in tables:
        if t in existing:
            changes.append(RowChange("delete", _q(store, t), {}, _count(store, t), "TRUE"))
    if tracking_name in existing:
        p = store.placeholder
        n = _count(store, tracking_name, f" WHERE application_name = {p}", [upstream])
        rows = store.query(
            f"SELECT notification_id FROM {store.qualified(tracking_name)}"
            f" WHERE application_name = {p}", [upstream])
        changes.append(RowChange("delete", _q(store, tracking_name),
                                 {"application_name": upstream,
                                  "notification_id": rows[0][0] if rows else None},
                                 n, f"application_name = {upstream!r}"))
    notes.append(f"then replays the log from position 0 to the head ({store.max_position() or 0}) "
                 f"in batches, each committed with its tracking position")
    plan = WritePlan("rebuild", redacted_location(store), store.name, changes, notes,
                     {"projection": pdef.name, "view": pdef.to_json()["view"], "tables": tables})
    return InPlacePlan(plan, None, tables, tracking_name, upstream, bool(missing)), view


def _q(store: SqlStore, table: str) -> str:
    return store.qualified(table).replace("%%", "%")


def rebuild_lock(store: SqlStore, name: str) -> Any:
    """The one-writer lock of rebuilding projection ``name`` (:mod:`inspector.core.locks`)."""
    from inspector.core.locks import write_lock

    return write_lock(store, "rebuild", name, f"rebuild of {name}")


def run_in_place(
    store: SqlStore,
    codec: Codec,
    pdef: ProjectionDef,
    domain: Any,
    prepared: InPlacePlan,
    view: Any,
    *,
    write_enabled: bool,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
) -> RebuildResult:
    """Clear (one audited transaction) unless resuming, then replay in committed batches.

    Holds the rebuild lock of the projection throughout: a second rebuild of it (any process,
    any host) gets :class:`~inspector.core.locks.BusyError` and changes nothing.
    """
    from inspector.core.writes import require_write_mode

    try:
        require_write_mode(write_enabled, "rebuild")
        if store_kind(store) == "sqlite":
            from inspector.stores.writer import check_sqlite_writable, store_url

            check_sqlite_writable(store_url(store))  # before the library's datastore writes
        with rebuild_lock(store, pdef.name):
            return _run_in_place(store, codec, pdef, domain, prepared, view, batch=batch,
                                 progress=progress, cancelled=cancelled)
    finally:
        close_view(view)


def _run_in_place(
    store: SqlStore,
    codec: Codec,
    pdef: ProjectionDef,
    domain: Any,
    prepared: InPlacePlan,
    view: Any,
    *,
    batch: int,
    progress: Progress | None,
    cancelled: Cancelled | None,
) -> RebuildResult:
    from inspector.core.writes import append_audit

    try:
        if prepared.create_tables:
            try:
                view.create_table()
            except Exception as exc:  # noqa: BLE001 - the library's DDL on the user's database
                raise InspectorError(
                    f"cannot create the view's tables: {first_line(exc)}") from None
        if prepared.resume_from is None:
            def clear() -> None:
                with StoreWriter(store) as w, w.transaction():
                    for t in prepared.tables:
                        if any(c.table == _q(store, t) for c in prepared.plan.changes):
                            w.execute(f"DELETE FROM {store.qualified(t)}")
                    if any(c.table == _q(store, prepared.tracking_table)
                           for c in prepared.plan.changes):
                        w.execute(
                            f"DELETE FROM {store.qualified(prepared.tracking_table)}"
                            f" WHERE application_name = {store.placeholder}", [prepared.upstream])

            run_plan(prepared.plan, clear, write_enabled=True)
            # Only once the clearing committed: from now on an interrupted rebuild resumes.
            _set_marker(store, pdef.name, {"started": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                           "projection": pdef.name})
        else:
            append_audit(prepared.plan, "resuming")
        runner = Runner(store, pdef, view, mapper_for(store, codec, domain), prepared.upstream,
                        kind=live_target(store).kind, batch=batch, progress=progress,
                        cancelled=cancelled)
        result = runner.run(prepared.resume_from or None)
        result.resumed_from = prepared.resume_from
        outcome = result.status if result.error is None else f"{result.status}: {result.error}"
        append_audit(prepared.plan, outcome[:500], extra={"position": result.position,
                                                          "processed": result.processed})
        if result.status == "done":
            _set_marker(store, pdef.name, None)
        store.refresh()
        return result
    finally:
        close_view(view)


def close_view(view: Any) -> None:
    with contextlib.suppress(Exception):
        view.datastore.close()


# -- dry run ----------------------------------------------------------------------------------
SCRATCH_ADVICE = (
    "a dry run on PostgreSQL rebuilds the view into a scratch schema, and creating one in this "
    "database is a write: add --write (the preview shows the schema it creates and drops), or "
    "name a scratch database you may write with --scratch postgresql://user@host/scratchdb; "
    "nothing was written"
)


def dry_run(
    store: SqlStore,
    codec: Codec,
    pdef: ProjectionDef,
    domain: Any,
    *,
    batch: int = DEFAULT_BATCH,
    progress: Progress | None = None,
    cancelled: Cancelled | None = None,
    write_enabled: bool = False,
    scratch: str | None = None,
    scratch_password: str | None = None,
) -> RebuildResult:
    """Rebuild into a scratch target and compare with the live view. The live view is untouched.

    SQLite: a temporary SQLite file (the store's database is not written). PostgreSQL: a marked
    scratch schema (:mod:`inspector.core.scratch`) in the database ``scratch`` names, or, in
    write mode only, in the store's own database; otherwise InspectorError with that advice.
    """
    kind = store_kind(store)
    scratch_dir: tempfile.TemporaryDirectory[str] | None = None
    holder = None
    reader = None
    if kind == "sqlite":
        if scratch:
            raise InspectorError("--scratch is for PostgreSQL stores (a SQLite dry run rebuilds "
                                 "into a temporary file)")
        scratch_dir = tempfile.TemporaryDirectory(prefix="ei-dryrun-")
        path = os.path.join(scratch_dir.name, "view.db")
        target = ViewTarget("sqlite", {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                       "SQLITE_DBNAME": path}, path=path, scratch=True)
    else:
        from inspector.core.scratch import ScratchSchema, pg_env, scratch_params

        if scratch:
            params, display = scratch_params(scratch, scratch_password)
        elif write_enabled:
            params = dict(store.connector.params)  # type: ignore[attr-defined]
            display = redacted_location(store)
        else:
            raise InspectorError(SCRATCH_ADVICE)
        holder = ScratchSchema(params, display)
        schema = holder.create()
        target = ViewTarget("postgres", pg_env(params, schema), schema=schema, scratch=True)
        if scratch:
            from inspector.stores.postgres import PgConnector

            reader = PgConnector(scratch, password=scratch_password)
            target.query = reader.query
    view = None
    try:
        view = build_view(pdef, target, create_table=True)
        tables = view_tables(view)
        upstream = upstream_name(store, view, domain)
        runner = Runner(store, pdef, view, mapper_for(store, codec, domain), upstream, kind=kind,
                        batch=batch, progress=progress, cancelled=cancelled)
        result = runner.run(None)
        if result.status == "done":
            result.differences = compare_views(store, target, tables)
        return result
    finally:
        if view is not None:
            close_view(view)
        if scratch_dir is not None:
            scratch_dir.cleanup()
        if reader is not None:
            reader.close()
        if holder is not None:
            holder.drop()


def scratch_plan(store: SqlStore, pdef: ProjectionDef) -> WritePlan:
    """The preview of a write-mode dry run on PostgreSQL: the scratch schema it creates."""
    from inspector.core.scratch import MARK, PREFIX

    return WritePlan(
        "dry run (scratch schema)", redacted_location(store), store.name, [],
        [f"creates a scratch schema {PREFIX}<hex> in this database (marked '{MARK}'), rebuilds "
         f"{pdef.name}'s view there, compares it with the live view, and drops the schema; the "
         f"live view and the store are not changed",
         "a scratch schema left by a crashed dry run is dropped by the next one"],
        {"projection": pdef.name},
    )


def summarise_differences(diff: dict[str, Any] | None) -> list[str]:
    if not diff:
        return []
    lines = []
    for t, d in diff.items():
        state = "same" if d["same"] else "DIFFERENT"
        live = "absent" if d["live_rows"] is None else f"{d['live_rows']:,}"
        lines.append(f"{t}: live {live} rows, rebuilt {d['rebuilt_rows']:,} rows — {state}")
        for x in d["first_differences"]:
            lines.append(f"    row {x['index']}: live {x['live']}  rebuilt {x['rebuilt']}")
    return lines


__all__ = [
    "ProjectionDef", "ProjectionSource", "RebuildProgress", "RebuildResult", "TrackingEntry",
    "close_view", "discover_projections", "dry_run", "find_projection", "list_projections",
    "load_definition", "prepare_in_place", "run_in_place",
]
