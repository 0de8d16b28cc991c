"""Snapshots: list, take (domain mode, exactly as the library), delete — with write plans.

Taking a snapshot is the library's own operation: the aggregate at the version is replayed with
the user's domain code (:meth:`inspector.core.replay.Replayer.aggregate`, which starts from the
newest stored snapshot like ``Repository.get``), the snapshot class is the aggregate's
``Snapshot`` or the application's ``snapshot_class`` (``Application.take_snapshot``'s rule),
``Snapshot.take(aggregate)`` builds it, and the application's mapper (transcodings, compressor,
cipher) turns it into the stored row, so the library reads it back like one of its own.
Generic mode refuses: a generic state is a dict folded from attributes, not the object the
library would restore, so a snapshot made from it could change what the application sees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.core.writes import RowChange, WritePlan, run_plan
from inspector.stores.base import ID_BYTES16, ID_UUID, SqlStore, quote_ident
from inspector.stores.writer import StoreWriter, redacted_location, store_kind

GENERIC_REFUSAL = (
    "cannot take a snapshot in generic mode: a snapshot must hold the aggregate object the "
    "library's Snapshot.take makes from your domain class (its topic, class_version and "
    "attributes), and the generic state is only an approximation; give --path (and "
    "--app-class) so the stream replays in domain mode"
)


@dataclass
class PreparedWrite:
    """A plan plus the function that carries it out inside one write transaction."""

    plan: WritePlan
    apply: Callable[[StoreWriter], Any]
    after: Callable[[], None] | None = None  # bookkeeping once committed


def list_snapshots(store: SqlStore, codec: Codec, stream: str) -> list[dict[str, Any]]:
    """``[{"version", "timestamp", "topic", "size", "ok", "differences", ...}]`` oldest first."""
    from inspector.core.replay import snapshot_row

    store.require_stream(stream)
    return [snapshot_row(s, codec) for s in store.snapshots(stream)]


def column_id(store: SqlStore, stream: str) -> Any:
    """The originator_id column value for ``stream``, as the library writes it in this store."""
    from inspector.core.ids import parse_uuid

    kind = store.tables.id_kind
    u = parse_uuid(stream)
    if kind in (ID_UUID, ID_BYTES16):
        if u is None:
            raise InspectorError(f"stream {stream!r}: this store's ids are UUIDs")
        return u if kind == ID_UUID else u.bytes
    values = store.id_values(stream)
    rows = store.query(
        f"SELECT originator_id FROM {store.events} WHERE originator_id IN "
        f"({', '.join([store.placeholder] * len(values))}) LIMIT 1",
        values,
    )
    if rows:
        return rows[0][0]
    return u.hex if (u is not None and store.hex_ids()) else stream


def snapshots_table_ddl(store: SqlStore) -> tuple[str, str]:
    """(table name, the library's CREATE TABLE) for a store without a snapshots table."""
    t = store.tables
    if store.layout == "eventsourcing.sqlite" and store_kind(store) == "sqlite":
        return "stored_snapshots", (
            "CREATE TABLE IF NOT EXISTS stored_snapshots (originator_id TEXT, originator_version "
            "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version)) "
            "WITHOUT ROWID"
        )
    if store.layout == "eventsourcing.postgres":
        from inspector.stores.schema import app_prefix

        name = f"{app_prefix(t.events_table)}_snapshots"
        idtype = "uuid" if t.id_kind == ID_UUID else "text"
        return name, (
            f"CREATE TABLE IF NOT EXISTS {quote_ident(t.schema or 'public')}.{quote_ident(name)} ("
            f"originator_id {idtype} NOT NULL, originator_version bigint NOT NULL, topic text, "
            f"state bytea, PRIMARY KEY (originator_id, originator_version)) WITH ("
            f"    autovacuum_enabled = true,    autovacuum_vacuum_threshold = 100000000,"
            f"    autovacuum_vacuum_scale_factor = 0.5,    autovacuum_analyze_threshold = 1000,"
            f"    autovacuum_analyze_scale_factor = 0.01)"
        )
    raise InspectorError(
        f"application {t.name!r} has no snapshots table and the inspector creates one only for "
        f"the eventsourcing.sqlite and eventsourcing.postgres layouts (this is {store.layout})"
    )


def _stream_encoding(store: SqlStore, codec: Codec, stream: str) -> tuple[str | None, bool]:
    first = store.stream_events(stream, limit=1)
    if not first:
        store.require_stream(stream)
    d = codec.decode(first[0].state)
    if d.error is not None:
        raise InspectorError(f"stream {stream}: its events do not decode ({d.error})")
    return d.compression, d.encrypted


def prepare_take(
    store: SqlStore, codec: Codec, replayer: Any, stream: str, version: int | None = None
) -> PreparedWrite:
    """Plan a snapshot of ``stream`` at ``version`` (default: the last) exactly as the library."""
    from inspector.core.replay import DOMAIN
    from inspector.stores.protocol import require_writable

    require_writable(store, "take a snapshot")
    last = store.require_stream(stream)
    if replayer is None:
        raise InspectorError(GENERIC_REFUSAL)
    mode = replayer.mode_for(stream)
    if mode != DOMAIN:
        reason = ""
        with_reason = getattr(replayer, "_mode_and_reason", None)
        if with_reason is not None:
            r = with_reason(stream)[1]
            reason = f" ({r})" if r else ""
        raise InspectorError(GENERIC_REFUSAL + reason)
    v = last if version is None else int(version)
    agg = replayer.aggregate(stream, v)
    domain = replayer.domain
    snap_cls = domain.snapshot_class_for(type(agg))
    try:
        snapshot = snap_cls.take(agg)
    except Exception as exc:  # noqa: BLE001 - user classes
        advice = ""
        if "non-UUID originator_id" in str(exc):
            advice = (f"; the stream's ids are text, and {snap_cls.__qualname__} takes UUID ids"
                      " only: give the application class (--app-class MODULE:CLASS, whose"
                      " ORIGINATOR_ID_TYPE says text ids) so its snapshot_class is used")
        raise InspectorError(f"Snapshot.take failed: {type(exc).__name__}: {exc}{advice}") from None
    compression, encrypted = _stream_encoding(store, codec, stream)
    mapper = domain.mapper_for_encoding(compression)
    has_cipher = getattr(mapper, "cipher", None) is not None
    if encrypted and not has_cipher:
        raise InspectorError("the stream's events are encrypted but no cipher key was given "
                             "(--cipher-key): the snapshot would be stored in clear")
    if has_cipher and not encrypted:
        raise InspectorError("a cipher key was given but the stream's events are not encrypted: "
                             "the snapshot would not match how the application stores events")
    try:
        stored = mapper.to_stored_event(snapshot)
    except Exception as exc:  # noqa: BLE001 - the app's transcoder
        raise InspectorError(f"cannot encode the snapshot with the application's mapper: "
                             f"{type(exc).__name__}: {exc}") from None
    existing = {s.version for s in store.snapshots(stream)}
    if stored.originator_version in existing:
        raise InspectorError(
            f"stream {stream} already has a snapshot at version {stored.originator_version}; "
            f"delete it first (snapshot delete --version {stored.originator_version})"
        )
    table = store.tables.snapshots_table
    ddl: str | None = None
    notes: list[str] = []
    if table is None:
        table, ddl = snapshots_table_ddl(store)
        notes.append(f"creates the snapshots table as the library would: {ddl}")
    row = {
        **store.row_scope,
        "originator_id": column_id(store, stream),
        "originator_version": int(stored.originator_version),
        "topic": stored.topic,
        "state": bytes(stored.state),
    }
    notes.append(
        f"snapshot class {stored.topic}, aggregate {snapshot.topic}, "
        f"compression {compression or 'none'}, encrypted {'yes' if encrypted else 'no'}"
    )
    plan = WritePlan(
        "snapshot take",
        redacted_location(store),
        store.name,
        [RowChange("insert", store.qualified(table).replace("%%", "%"), row)],
        notes,
        {"stream": stream, "version": row["originator_version"]},
    )

    def apply(w: StoreWriter) -> None:
        if ddl is not None:
            w.execute(ddl)
        w.insert_row(table, row)

    def after() -> None:
        if store.tables.snapshots_table is None:
            store.tables.snapshots_table = table

    return PreparedWrite(plan, apply, after)


def prepare_delete(
    store: SqlStore, stream: str, versions: list[int] | None = None, *, all_: bool = False
) -> PreparedWrite:
    """Plan deleting snapshots of ``stream``: the given versions, or all of them."""
    from inspector.stores.protocol import require_writable

    require_writable(store, "delete snapshots")
    store.require_stream(stream)
    table = store.tables.snapshots_table
    snaps = store.snapshots(stream)
    if table is None or not snaps:
        raise InspectorError(f"stream {stream} has no snapshots")
    if not all_ and not versions:
        raise InspectorError("give --version V (repeatable) or --all")
    by_version = {s.version: s for s in snaps}
    chosen = sorted(by_version) if all_ else sorted(set(versions or []))
    missing = [v for v in chosen if v not in by_version]
    if missing:
        raise InspectorError(
            f"stream {stream} has no snapshot at version {', '.join(map(str, missing))} "
            f"(snapshots at: {', '.join(map(str, sorted(by_version)))})"
        )
    idv = column_id(store, stream)
    changes = [
        RowChange(
            "delete",
            store.qualified(table).replace("%%", "%"),
            {
                "originator_id": idv,
                "originator_version": v,
                "topic": by_version[v].topic,
                "state": by_version[v].state,
            },
        )
        for v in chosen
    ]
    plan = WritePlan("snapshot delete", redacted_location(store), store.name, changes, [],
                     {"stream": stream, "versions": chosen})

    def apply(w: StoreWriter) -> None:
        for v in chosen:
            n = w.delete_rows(table, {**store.row_scope, "originator_id": idv,
                                      "originator_version": v})
            if n != 1:
                raise InspectorError(
                    f"snapshot at version {v} changed under us ({n} rows matched); rolled back"
                )

    return PreparedWrite(plan, apply)


def snapshot_lock(store: SqlStore, stream: str) -> Any:
    """The one-writer lock of changing ``stream``'s snapshots (:mod:`inspector.core.locks`)."""
    from inspector.core.locks import write_lock

    return write_lock(store, "snapshot", stream, f"snapshot change of stream {stream}")


def execute(prepared: PreparedWrite, store: SqlStore, *, write_enabled: bool) -> None:
    """Open the write connection, run the plan in one transaction, audit it."""

    from inspector.core.writes import require_write_mode

    def go() -> None:
        with StoreWriter(store) as w, w.transaction():
            prepared.apply(w)

    require_write_mode(write_enabled, prepared.plan.action)
    with snapshot_lock(store, str(prepared.plan.details.get("stream"))):
        run_plan(prepared.plan, go, write_enabled=write_enabled)
    if prepared.after is not None:
        prepared.after()
    store.refresh()
