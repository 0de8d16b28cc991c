"""The one store protocol every family implements (SQL tables, DCB tables, UmaDB server).

Nothing above ``stores/`` asks which family it reads: the core, the CLI and the GUI call the
methods below and read the capability flags. A family module (``sqlite``, ``postgres``,
``dcb_postgres``, ``umadb``...) is chosen by :func:`inspector.stores.open.open_database` from the
URL or the schema it finds.

Read API (every call bounded):

- ``describe()`` -> dict: ``{"schema", "events_table", "snapshots_table", "extra_columns"}``
  (where the events are; ``None`` for a family without tables);
- ``max_position()`` (the head: the highest global position, ``None`` when empty),
  ``count_events()``, ``count_snapshots()``, ``count_streams()`` -> :class:`Count`;
- ``streams(after, limit, prefix)`` -> ``[StreamRow]`` (id order, keyset on ``after``);
- ``stream_rows(stream, from_version, to_version, limit, desc)`` ->
  ``[(position, version, topic, state)]`` and ``iter_stream_rows`` (keyset batches), with the
  :class:`RawEvent` forms ``stream_events`` / ``iter_stream_events``;
- ``last_version(stream)``, ``require_stream(stream)`` (StreamNotFoundError when absent),
  ``version_at_position(stream, position)`` (the stream's last version at or before a global
  position, ``None`` before its first event);
- ``log(after, limit, topics, tags)`` -> ``[RawEvent]`` in position order: ``topics`` is a set of
  types (any matches), ``tags`` a set that must all be on the event (a DCB ``Selector``);
- ``snapshots(stream, max_version)``, ``snapshot_signature(stream)``;
- ``tracking()`` -> ``[TrackingRow]``; ``refresh()``, ``close()``;
- ``count_after(position, topics, scan_cap)`` -> :class:`Count`: events after a position (with
  one of ``topics``), reading at most ``scan_cap`` events (then a lower bound, not exact): the
  lag of a projection or follower.

Capabilities (class attributes): ``writable`` (the write API of ``stores/writer.py``: snapshots,
tracking, projections; SQL families only), ``has_snapshots``, ``has_tracking``, ``tagged``
(events carry tags, ``log`` filters by tag, a stream is a tag), ``payload_format`` (``"json"``:
the library's JSON transcoder; ``"msgpack"``: DCB payloads), ``needs_catalog`` (no listing of
streams in the store's API: the streams come from the local catalog, built by one scan).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One stored event, id in canonical form, state still as stored (maybe compressed/encrypted).

    ``tags``: the event's tags (DCB families), ``None`` where events have no tags."""

    position: int | None
    stream: str
    version: int
    topic: str
    state: bytes
    tags: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class StreamRow:
    """One stream of a streams page: its id, last version and first event (for its type).

    ``events``: the number of events where a family counts them apart from versions (DCB tags);
    ``type``: the aggregate topic where the family knows it already (from a catalog)."""

    id: str
    version: int
    first_topic: str | None
    first_state: bytes | None
    events: int | None = None
    type: str | None = None


@dataclass(frozen=True, slots=True)
class TrackingRow:
    """One tracking position: ``name`` is the upstream application; ``follower`` the tracking
    application where the table says so (Django's ``notification_tracking``), else None."""

    table: str
    name: str
    position: int | None
    follower: str | None = None


@dataclass(slots=True)
class Count:
    value: int | None
    exact: bool


Row = tuple[int | None, int, str, bytes]


@runtime_checkable
class EventStore(Protocol):
    """What every family's store offers (see the module docstring for shapes and units)."""

    layout: str
    location: str
    writable: bool
    has_snapshots: bool
    has_tracking: bool
    tagged: bool
    payload_format: str
    needs_catalog: bool

    @property
    def name(self) -> str: ...

    def describe(self) -> dict[str, Any]: ...

    def max_position(self) -> int | None: ...

    def count_events(self) -> Count: ...

    def count_snapshots(self) -> Count: ...

    def count_streams(self, budget_s: float = 0.05) -> Count: ...

    def streams(
        self, after: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> list[StreamRow]: ...

    def stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[Row]: ...

    def iter_stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[Row]: ...

    def stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[RawEvent]: ...

    def iter_stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[RawEvent]: ...

    def last_version(self, stream: str) -> int | None: ...

    def require_stream(self, stream: str) -> int: ...

    def version_at_position(self, stream: str, position: int) -> int | None: ...

    def log(
        self,
        after: int | None = None,
        limit: int = 100,
        topics: Sequence[str] = (),
        tags: Sequence[str] = (),
    ) -> list[RawEvent]: ...

    def snapshots(self, stream: str, max_version: int | None = None) -> list[RawEvent]: ...

    def snapshot_signature(self, stream: str) -> tuple[Any, ...]: ...

    def tracking(self) -> list[TrackingRow]: ...

    def count_after(
        self, position: int | None, topics: Sequence[str] | None = None, scan_cap: int = ...
    ) -> Count: ...

    def refresh(self) -> None: ...

    def close(self) -> None: ...


def capability(store: Any, name: str) -> bool:
    """A store's capability flag (False when the store does not say)."""
    return bool(getattr(store, name, False))


def check_tags_supported(store: Any, tags: Sequence[str]) -> None:
    """InspectorError when a tag filter is asked of a store whose events carry no tags."""
    if tags and not capability(store, "tagged"):
        from inspector.core.errors import InspectorError

        raise InspectorError(
            f"--tag: the events of this store ({store.layout}) have no tags;"
            " filter by --topic instead"
        )


def require_writable(store: Any, what: str) -> None:
    """InspectorError (one line) when ``what`` would write to a store without the write API."""
    if not capability(store, "writable"):
        from inspector.core.errors import InspectorError

        raise InspectorError(
            f"{what}: not possible on this store ({store.layout}): the inspector only reads it"
        )


class RowsFromEvents:
    """``stream_rows`` / ``iter_stream_rows`` as the ``(position, version, topic, state)`` view of
    a family's own ``stream_events`` / ``iter_stream_events`` (families whose rows are not a SQL
    select of their own, e.g. DCB tags and UmaDB streams)."""

    def stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[Row]:
        events = self.stream_events(  # type: ignore[attr-defined]
            stream, from_version, to_version, limit, desc
        )
        return [(e.position, e.version, e.topic, e.state) for e in events]

    def iter_stream_rows(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[Row]:
        for e in self.iter_stream_events(  # type: ignore[attr-defined]
            stream, from_version, to_version, batch
        ):
            yield (e.position, e.version, e.topic, e.state)
