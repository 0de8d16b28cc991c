"""Storage statistics, kept by the catalog (DESIGN.md ``stats`` contract).

Bytes are ``length(state)`` as stored (after compression and encryption), so the totals equal
the store's ``SUM(length(state))`` exactly; ``decoded_bytes`` are the plaintext JSON bytes after
decryption and decompression (stored / decoded = the compression ratio; an event that does not
decode counts 0 decoded bytes). The catalog adds each batch's bytes per event topic
(``type_bytes``), per UTC day of the event's timestamp (``day_bytes``) and per stream (the
``bytes`` column of its ``streams`` table) in the same transaction as the batch's position.

Snapshot figures are read from the store at the time of the call, with one aggregate query:
count and bytes of the snapshots table, and *snapshot coverage*: the mean number of events a
load of a stream's latest state replays (events after its newest snapshot, or all its events),
as the library's ``Repository.get`` does.
"""

from __future__ import annotations

from typing import Any

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS type_bytes (topic TEXT PRIMARY KEY, events INTEGER NOT NULL, "
    "bytes INTEGER NOT NULL, decoded_bytes INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS day_bytes (day TEXT PRIMARY KEY, events INTEGER NOT NULL, "
    "bytes INTEGER NOT NULL, decoded_bytes INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS type_day_bytes (topic TEXT, day TEXT, events INTEGER NOT NULL, "
    "bytes INTEGER NOT NULL, PRIMARY KEY (topic, day)) WITHOUT ROWID",
)
TABLES = ("type_bytes", "day_bytes", "type_day_bytes")

_UPSERT_TYPE = (
    "INSERT INTO type_bytes VALUES (?, ?, ?, ?) ON CONFLICT (topic) DO UPDATE SET "
    "events = type_bytes.events + excluded.events, bytes = type_bytes.bytes + excluded.bytes, "
    "decoded_bytes = type_bytes.decoded_bytes + excluded.decoded_bytes"
)
_UPSERT_DAY = (
    "INSERT INTO day_bytes VALUES (?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET "
    "events = day_bytes.events + excluded.events, bytes = day_bytes.bytes + excluded.bytes, "
    "decoded_bytes = day_bytes.decoded_bytes + excluded.decoded_bytes"
)
_UPSERT_TYPE_DAY = (
    "INSERT INTO type_day_bytes VALUES (?, ?, ?, ?) ON CONFLICT (topic, day) DO UPDATE SET "
    "events = type_day_bytes.events + excluded.events, "
    "bytes = type_day_bytes.bytes + excluded.bytes"
)


class BytesBatch:
    """Byte counts of one batch of events: ``cells[(topic, day)] = [events, bytes, decoded]``
    (the catalog's loop updates ``cells`` itself); per type and per day are summed on write."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, str], list[int]] = {}

    def add(self, topic: str, day: str, size: int, decoded: int) -> None:
        c = self.cells.get((topic, day))
        if c is None:
            self.cells[(topic, day)] = [1, size, decoded]
        else:
            c[0] += 1
            c[1] += size
            c[2] += decoded

    def write(self, conn: Any) -> None:
        types: dict[str, list[int]] = {}
        days: dict[str, list[int]] = {}
        for (topic, day), (n, b, d) in self.cells.items():
            for key, acc in ((topic, types), (day, days)):
                a = acc.get(key)
                if a is None:
                    acc[key] = [n, b, d]
                else:
                    a[0] += n
                    a[1] += b
                    a[2] += d
        conn.executemany(_UPSERT_TYPE, [(k, *v) for k, v in types.items()])
        conn.executemany(_UPSERT_DAY, [(k, *v) for k, v in days.items()])
        conn.executemany(_UPSERT_TYPE_DAY,
                         [(t, d, v[0], v[1]) for (t, d), v in self.cells.items()])


def snapshot_coverage(store: Any, conn: Any) -> dict[str, Any]:
    """Snapshots ``{"count", "bytes", "streams", "mean_events_replayed_per_load"}``.

    The mean is over the catalog's streams: a stream with snapshots replays the events after
    its newest one (its last version minus the snapshot's), one without replays all its events.
    """
    from inspector.core.ids import canonical_id

    streams, events = conn.execute(
        "SELECT COUNT(*), coalesce(SUM(events), 0) FROM streams").fetchone()
    out: dict[str, Any] = {"count": 0, "bytes": 0, "streams": 0,
                           "mean_events_replayed_per_load": (events / streams) if streams else None}
    tables = getattr(store, "tables", None)
    table = getattr(tables, "snapshots_table", None)
    if not table:
        return out
    q = store.qualified(table)
    n, b = store.query(f"SELECT COUNT(*), coalesce(SUM(length(state)), 0) FROM {q}")[0]
    out["count"], out["bytes"] = int(n), int(b)
    if not n or not streams:
        return out
    saved = 0
    covered = 0
    batch: list[tuple[str, int]] = []

    def flush() -> None:
        nonlocal saved, covered
        marks = ", ".join("?" * len(batch))
        known = dict(conn.execute(
            f"SELECT stream, first_version FROM streams WHERE stream IN ({marks})",
            [s for s, _ in batch]).fetchall())
        for s, v in batch:
            first = known.get(s)
            if first is not None:
                saved += v - first + 1
                covered += 1
        batch.clear()

    for raw, v in store.query(
        f"SELECT originator_id, MAX(originator_version) FROM {q} GROUP BY originator_id"
    ):
        if type(v) is not int:  # a damaged row (see inspector.core.damage)
            continue
        batch.append((getattr(store, "display_id", canonical_id)(raw), v))
        if len(batch) >= 900:
            flush()
    if batch:
        flush()
    out["streams"] = covered
    out["mean_events_replayed_per_load"] = round((events - saved) / streams, 3)
    return out


def storage_stats(store: Any, conn: Any, top: int = 20) -> dict[str, Any]:
    """The ``stats`` contract from the catalog (plus ``growth`` and ``by_type_day``)."""
    events, total = conn.execute(
        "SELECT coalesce(SUM(events), 0), coalesce(SUM(bytes), 0) FROM type_bytes").fetchone()
    decoded = conn.execute("SELECT coalesce(SUM(decoded_bytes), 0) FROM type_bytes").fetchone()[0]
    by_type = [
        {"topic": t, "events": n, "bytes": b, "decoded_bytes": d,
         "ratio": round(b / d, 4) if d else None}
        for t, n, b, d in conn.execute(
            "SELECT topic, events, bytes, decoded_bytes FROM type_bytes ORDER BY bytes DESC, topic")
    ]
    by_day = []
    growth = []
    cum_e = cum_b = 0
    for day, n, b, _d in conn.execute(
            "SELECT day, events, bytes, decoded_bytes FROM day_bytes ORDER BY day"):
        by_day.append({"day": day, "events": n, "bytes": b})
        cum_e += n
        cum_b += b
        growth.append({"day": day, "events": cum_e, "bytes": cum_b})
    largest = [
        {"id": s, "events": n, "bytes": b, "type": t}
        for s, n, b, t in conn.execute(
            "SELECT stream, events, bytes, type FROM streams ORDER BY bytes DESC, stream "
            f"LIMIT {int(top)}")
    ]
    return {
        "events": events,
        "bytes": total,
        "decoded_bytes": decoded,
        "ratio": round(total / decoded, 4) if decoded else None,
        "by_type": by_type,
        "by_day": by_day,
        "growth": growth,
        "largest_streams": largest,
        "snapshots": snapshot_coverage(store, conn),
    }


def bytes_per_day_by_type(conn: Any) -> list[dict[str, Any]]:
    """``[{"topic", "day", "events", "bytes"}]`` (the GUI's stacked chart)."""
    return [{"topic": t, "day": d, "events": n, "bytes": b} for t, d, n, b in conn.execute(
        "SELECT topic, day, events, bytes FROM type_day_bytes ORDER BY day, topic")]
