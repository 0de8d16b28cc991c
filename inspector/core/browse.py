"""Store browsing in plain data: info, stream pages, events and the global log as JSON-ready dicts.

These are the shapes of the DESIGN.md CLI contract; the GUI shows the same dicts.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from inspector.core.codec import Codec, Decoded
from inspector.core.damage import row_damage


class RawEventLike(Protocol):
    position: int | None
    stream: str
    version: int
    topic: str
    state: bytes


def topic_owner(event_topic: str | None) -> str | None:
    """Best guess of an aggregate topic from an event topic: ``mod:Dog.Registered`` ->
    ``mod:Dog``."""
    if not event_topic or ":" not in event_topic:
        return None
    mod, qual = event_topic.split(":", 1)
    if "." not in qual:
        return None
    return f"{mod}:{qual.rsplit('.', 1)[0]}"


def aggregate_type(
    first_topic: str | None, first_state: bytes | None, codec: Codec
) -> tuple[str | None, str | None]:
    """(aggregate topic, where it came from: 'state' | 'topic' | None) for a stream."""
    if first_state is not None:
        d = codec.decode(first_state)
        if d.ok and isinstance(d.data, dict):
            t = d.data.get("originator_topic")
            if isinstance(t, str):
                return t, "state"
    guess = topic_owner(first_topic)
    return (guess, "topic") if guess else (None, None)


def type_matches(type_topic: str | None, wanted: str) -> bool:
    """``--type`` matches the whole topic, or its class name / qualname part."""
    if not type_topic:
        return False
    if type_topic == wanted:
        return True
    qual = type_topic.split(":", 1)[-1]
    return qual == wanted or qual.rsplit(".", 1)[-1] == wanted


def timestamp_of(data: Any) -> str | None:
    if isinstance(data, dict):
        ts = data.get("timestamp")
        if isinstance(ts, str):
            return ts
    return None


def event_json(ev: RawEventLike, decoded: Decoded) -> dict[str, Any]:
    """One event as the ``events``/``log`` contract shows it (plus ``tags`` where events carry
    tags: the DCB families)."""
    tags = getattr(ev, "tags", None)
    # a damaged row of the library's tables (DCB events, with tags, have no stream/version)
    damage = row_damage(ev.stream, ev.version, ev.topic) if tags is None else None
    if damage is not None:  # shown with its raw values; the payload is not trusted either
        decoded = Decoded(None, damage, decoded.compression, decoded.encrypted, decoded.raw)
    out = {
        "position": ev.position,
        "stream": ev.stream,
        "version": ev.version,
        "topic": ev.topic,
        "timestamp": timestamp_of(decoded.data),
        "data": decoded.data,
        "error": decoded.error,
        "size": len(ev.state),
        "compression": decoded.compression,
        "encrypted": decoded.encrypted,
    }
    tags = getattr(ev, "tags", None)
    if tags is not None:
        out["tags"] = list(tags)
    return out


def events_json(events: Iterable[RawEventLike], codec: Codec) -> list[dict[str, Any]]:
    return [event_json(ev, codec.decode(ev.state)) for ev in events]


@dataclass(slots=True)
class StreamsPage:
    rows: list[dict[str, Any]]
    scanned_to: str | None  # last stream id looked at (the keyset cursor for the next page)
    exhausted: bool  # no streams after scanned_to
    capped: bool  # a --type scan stopped at its cap before filling the page


def streams_page(
    store: Any,
    codec: Codec,
    after: str | None = None,
    limit: int = 100,
    prefix: str | None = None,
    type_filter: str | None = None,
    scan_cap: int = 20_000,
    progress: Any = None,
    cancelled: Any = None,
) -> StreamsPage:
    """A page of streams ``{"id", "version", "type"}`` by keyset; ``--type`` scans boundedly.

    A store that cannot list its streams (``needs_catalog``: UmaDB) is read from its local
    catalog, brought up to the head first (``progress``/``cancelled`` for that scan)."""
    if getattr(store, "needs_catalog", False):
        from inspector.core.catalog import ensure_catalog

        ensure_catalog(store, codec, progress=progress, cancelled=cancelled)
    out: list[dict[str, Any]] = []
    cursor = after
    scanned = 0
    batch = limit if not type_filter else max(limit, 500)
    while True:
        rows = store.streams(after=cursor, limit=batch, prefix=prefix)
        for r in rows:
            known = getattr(r, "type", None)
            if known is not None:
                t, src = known, "catalog"
            else:
                t, src = aggregate_type(r.first_topic, r.first_state, codec)
            scanned += 1
            cursor = r.id
            if type_filter and not type_matches(t, type_filter):
                continue
            row = {"id": r.id, "version": r.version, "type": t, "type_source": src}
            n = getattr(r, "events", None)
            if n is not None:
                row["events"] = n
            out.append(row)
            if len(out) >= limit:
                return StreamsPage(out, cursor, False, False)
        if len(rows) < batch:
            return StreamsPage(out, cursor, True, False)
        if scanned >= scan_cap:
            return StreamsPage(out, cursor, False, True)


SNIFF_SAMPLE = 4


def sniff_encoding(store: Any, codec: Codec) -> tuple[str | None, bool | None, str | None]:
    """(compression, encrypted, decode error of the newest event) judged from the newest events.

    A few events, not one: about 1 in 256 AES blobs starts with '{' and, read without a key,
    looks like broken JSON rather than ciphertext; four such in a row are 1 in 4 billion.
    """
    mx = store.max_position()
    events = store.log(after=mx - SNIFF_SAMPLE, limit=SNIFF_SAMPLE) if mx else []
    if not events:
        return None, None, None
    decoded = [codec.decode(ev.state) for ev in events]
    compression = next((d.compression for d in decoded if d.compression and d.ok), None)
    # One undecodable blob among plain events does not make the store encrypted: say so only
    # when an event decrypted, or when none of the sample read as plain text.
    plain = any(d.ok and not d.encrypted for d in decoded)
    encrypted = any(d.ok and d.encrypted for d in decoded) or (
        not plain and any(d.encrypted for d in decoded))
    return compression, encrypted, decoded[-1].error


def store_info(db: Any, codec: Codec, stores: Sequence[Any] | None = None) -> dict[str, Any]:
    """The ``info`` contract: layout, applications with counts, compression, encryption."""
    t0 = time.perf_counter()
    apps = []
    compression: str | None = None
    encrypted: bool | None = None
    errors: list[str] = []
    for store in stores if stores is not None else db.all_stores():
        codec.for_store(store)
        if getattr(store, "needs_catalog", False):  # streams counted by the catalog, if built
            from inspector.core.catalog import ensure_catalog

            ensure_catalog(store, codec, update=False)
        events = store.count_events()
        snaps = store.count_snapshots()
        streams = store.count_streams()
        c, e, err = sniff_encoding(store, codec)
        compression = compression or c
        encrypted = e if encrypted is None else (encrypted or bool(e))
        if err:
            errors.append(f"{store.name}: {err}")
        where = store.describe()
        apps.append(
            {
                "name": store.name,
                "schema": where.get("schema"),
                "events_table": where.get("events_table"),
                "events": events.value,
                "events_exact": events.exact,
                "streams": streams.value,
                "streams_exact": streams.exact,
                "max_position": store.max_position(),
                "snapshots": snaps.value,
                "snapshots_exact": snaps.exact,
                "snapshots_table": where.get("snapshots_table"),
                "snapshots_note": where.get("snapshots_note"),
                "snapshots_choices": where.get("snapshots_choices") or [],
                "tracking": [
                    {"name": t.name, "table": t.table, "position": t.position}
                    for t in store.tracking()
                ],
                "extra_columns": where.get("extra_columns") or [],
            }
        )
    return {
        "layout": db.layout,
        "location": db.location,
        "applications": apps,
        # Compression sits inside the ciphertext: without the key it cannot be known.
        "compression": "unknown" if encrypted and compression is None
        and (not codec.has_key or errors) else compression,
        "compression_note": "encrypted: give the cipher key (--cipher-key) to see the "
        "compression" if encrypted and compression is None
        and (not codec.has_key or errors) else None,
        "encrypted": encrypted,
        "decode_errors": errors,
        "elapsed_ms": round((time.perf_counter() - t0) * 1000, 1),
    }
