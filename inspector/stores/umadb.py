"""UmaDB stores (``umadb://host:port``), read through the ``umadb`` client: never appended to.

eventsourcing-umadb (0.3.5, for eventsourcing 9.5) stores each aggregate event as a UmaDB event
whose type is the event's topic, whose data is the library's stored state (JSON, maybe
compressed/encrypted) and whose tags are ``originator:<id>`` and
``originator-<id>-version:<version>``. So a STREAM is the originator id; the per-version tag is
not a stream (it is used here to seek to a version in one read). There are no snapshots and no
tracking.

UmaDB's API has no listing of tags: the streams come from the local catalog
(:mod:`inspector.core.catalog`, ``needs_catalog``), built once by one scan of the log (with
progress and cancel) and then updated incrementally from the head. Every other read is one
bounded server read: a stream's events by its originator tag (from a version: seek by the
version tag's position), the log by position, head by ``head()``.

Errors: a server that is down or goes away mid-read, a wrong API key, a URL that is not a
UmaDB server: one line (:class:`StoreOpenError` when opening, :class:`InspectorError` later),
never the API key.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Iterator, Sequence
from typing import Any

from inspector.core.errors import InspectorError, StoreOpenError, StreamNotFoundError
from inspector.core.ids import parse_uuid
from inspector.stores.base import AppTables, Database
from inspector.stores.protocol import Count, RawEvent, RowsFromEvents, StreamRow, TrackingRow

LAYOUT = "umadb"
APP_NAME = "umadb"
ORIGINATOR = "originator:"
_VERSION_TAG = re.compile(r"^originator-(.*)-version:(-?\d+)$")


def url_tls_ca(url: str) -> str | None:
    """The CA file a ``umadb://host:port?tls-ca=FILE`` URL names (how the GUI carries it)."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url.strip()).query)
    vals = q.get("tls-ca") or q.get("tls_ca")
    return vals[0] if vals else None


def parse_umadb_url(url: str, tls: bool) -> tuple[str, str]:
    """(client URL, display URL) from ``umadb://host:port``; StoreOpenError if malformed."""
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() != "umadb" or not parts.hostname:
        raise StoreOpenError(f"not a UmaDB URL: expected umadb://host:port (got {url!r})")
    try:
        port = parts.port or 50051
    except ValueError:
        raise StoreOpenError(f"not a UmaDB URL: bad port in {url!r}") from None
    host = parts.hostname
    hostport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return f"{'https' if tls else 'http'}://{hostport}", f"umadb://{hostport}"


def error_line(exc: BaseException, where: str) -> str:
    """One line for a client error (never the API key: the client's messages hold none)."""
    import umadb

    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, umadb.AuthenticationError):
        return f"{where}: wrong or missing API key (the server refused it)"
    if "refusing to send credentials" in text:
        return f"{where}: an API key needs TLS: give the server's CA with --tls-ca"
    if "invalid peer certificate" in text or "certificate" in text.lower():
        return f"{where}: TLS certificate not accepted ({text})"
    if "h2 protocol error" in text or "http2 error" in text:
        return f"{where}: not a UmaDB server at this address, or it expects TLS"
    if "Stream closed" in text or "broken pipe" in text.lower() or "tonic::" in text:
        return f"{where}: not a UmaDB server at this address, or the connection broke"
    if "Connection refused" in text or "tcp connect error" in text or "dns error" in text:
        return f"{where}: cannot connect: server down or unreachable ({text[:160]})"
    return f"{where}: {text[:200]}"


_IMPORT_LOCK = threading.Lock()


def import_umadb() -> Any:
    """The ``umadb`` client module. Importing it installs a SIGINT handler (Ctrl-C cancels its
    streams), which Python allows only in the main thread: imported from a worker thread (the
    GUI opens stores off the UI thread) the handler is skipped and the default one stays."""
    import sys

    with _IMPORT_LOCK:
        if "umadb" in sys.modules or threading.current_thread() is threading.main_thread():
            import umadb

            return umadb
        import signal

        original = signal.signal
        signal.signal = lambda *_a, **_k: None  # type: ignore[assignment]
        try:
            import umadb
        finally:
            signal.signal = original
        return umadb


class UmaStore(RowsFromEvents):
    """The events of one UmaDB server (eventsourcing-umadb's aggregate events)."""

    layout = LAYOUT
    writable = False
    has_snapshots = False
    has_tracking = False
    tagged = True
    payload_format = "json"
    needs_catalog = True

    def __init__(self, client: Any, location: str) -> None:
        self.client = client
        self.location = location
        self.catalog: Any = None  # the local catalog the streams come from (attach_catalog)
        self._tags: dict[str, str] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return APP_NAME

    # -- plumbing -----------------------------------------------------------------------------
    def _call(self, fn: Any, *args: Any, **kw: Any) -> Any:
        import umadb

        try:
            return fn(*args, **kw)
        except (umadb.TransportError, umadb.AuthenticationError, umadb.CorruptionError) as exc:
            raise InspectorError(error_line(exc, self.location)) from None
        except umadb.CancelledByUserError:
            raise InspectorError(f"{self.location}: read cancelled") from None
        except Exception as exc:  # the client raises bare Exceptions for gRPC failures
            if type(exc).__module__ in ("builtins", "umadb") and not isinstance(
                exc, (TypeError, ValueError, AttributeError, KeyError)
            ):
                raise InspectorError(error_line(exc, self.location)) from None
            raise

    def _read(self, query: Any = None, start: int | None = None, backwards: bool = False,
              limit: int | None = None) -> list[Any]:
        """One bounded read, all of it fetched (batches) before returning."""
        def run() -> list[Any]:
            resp = self.client.read(query=query, start=start, backwards=backwards, limit=limit)
            out: list[Any] = []
            while batch := resp.next_batch():  # whole batches: far fewer calls than iterating
                out.extend(batch)
            return out

        return self._call(run)

    def _iter(self, query: Any = None, start: int | None = None) -> Iterator[Any]:
        """A read consumed batch by batch (cancelled when the caller stops early)."""
        resp = self._call(self.client.read, query=query, start=start)
        try:
            while True:
                batch = self._call(resp.next_batch)
                if not batch:
                    return
                yield from batch
        finally:
            try:
                resp.cancel()
            except Exception:  # noqa: BLE001, S110 - already finished
                pass

    @staticmethod
    def _query(types: Sequence[str] = (), tags: Sequence[str] = ()) -> Any:
        import umadb

        if not types and not tags:
            return None
        return umadb.Query([umadb.QueryItem(types=list(types) or None, tags=list(tags) or None)])

    def close(self) -> None:
        cat, self.catalog = self.catalog, None
        if cat is not None:
            try:
                cat.close()
            except Exception:  # noqa: BLE001, S110
                pass
        try:
            self.client.close()
        except Exception:  # noqa: BLE001, S110
            pass

    def refresh(self) -> None:
        """Every read asks the server: new events are visible at once."""

    def __enter__(self) -> UmaStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def describe(self) -> dict[str, Any]:
        return {"schema": None, "events_table": None, "snapshots_table": None,
                "extra_columns": []}

    def attach_catalog(self, catalog: Any) -> None:
        """The local catalog the streams pages are read from (kept open with the store)."""
        self.catalog = catalog

    # -- events -------------------------------------------------------------------------------
    @staticmethod
    def _id_version(tags: Sequence[str], stream: str | None = None) -> tuple[str, int | None]:
        """(stream id, version) from an event's tags. eventsourcing-umadb writes exactly
        ``[originator:<id>, originator-<id>-version:<v>]`` (fast path, as its own recorder
        reads them); anything else is searched tag by tag."""
        if len(tags) == 2:
            t0, t1 = tags
            if t0[:11] == ORIGINATOR and t1[:11] == "originator-":
                sid = t0[11:]
                head, _, v = t1.rpartition(":")
                if (stream is None or sid == stream) and head == f"originator-{sid}-version":
                    try:
                        return sid, int(v)
                    except ValueError:
                        pass
        sid_found, version = stream, None
        for t in tags:
            if sid_found is None and t.startswith(ORIGINATOR):
                sid_found = t[len(ORIGINATOR):]
            m = _VERSION_TAG.match(t)
            if m is not None and (stream is None or m.group(1) == stream):
                version = int(m.group(2))
        if sid_found is None:
            sid_found = tags[0] if tags else ""
        return sid_found, version

    def _event(self, se: Any, stream: str | None = None) -> RawEvent:
        ev = se.event
        tags = tuple(ev.tags)
        sid, version = self._id_version(tags, stream)
        return RawEvent(se.position, sid, version, ev.event_type, ev.data, tags)  # type: ignore[arg-type]

    def log_rows(
        self, after: int | None = None, limit: int = 100, max_position: int | None = None,
        raw: bool = False,
    ) -> list[tuple[Any, ...]]:
        """The log as tuples ``(position, stream id, version, type, data)`` (whole-log passes:
        the catalog), without building events."""
        start = int(after) + 1 if after is not None and after >= 0 else None
        out = []
        idv = self._id_version
        for se in self._read(None, start=start, limit=int(limit)):
            pos = se.position
            if max_position is not None and pos > max_position:
                break
            ev = se.event
            sid, version = idv(ev.tags)
            out.append((pos, sid, version, ev.event_type, ev.data))
        return out

    def _stream_tag(self, stream: str) -> str | None:
        """The ``originator:`` tag of a stream the user named (any UUID form), or None."""
        found = self._tags.get(stream)
        if found is not None:
            return found
        u = parse_uuid(stream)
        for cand in dict.fromkeys([stream, str(u) if u else stream, u.hex if u else stream]):
            tag = ORIGINATOR + cand
            if self._read(self._query(tags=[tag]), limit=1):
                with self._lock:
                    if len(self._tags) > 10_000:
                        self._tags.clear()
                    self._tags[stream] = tag
                return tag
        return None

    def _sid(self, stream: str) -> tuple[str, str]:
        tag = self._stream_tag(stream)
        if tag is None:
            raise StreamNotFoundError(f"no stream {stream!r} on {self.location}")
        return tag, tag[len(ORIGINATOR):]

    def last_version(self, stream: str) -> int | None:
        tag = self._stream_tag(stream)
        if tag is None:
            return None
        last = self._read(self._query(tags=[tag]), backwards=True, limit=1)
        return self._event(last[0], tag[len(ORIGINATOR):]).version if last else None

    def require_stream(self, stream: str) -> int:
        v = self.last_version(stream)
        if v is None:
            raise StreamNotFoundError(f"no stream {stream!r} on {self.location}")
        return v

    def version_at_position(self, stream: str, position: int) -> int | None:
        tag, sid = self._sid(stream)
        rows = self._read(self._query(tags=[tag]), start=int(position), backwards=True, limit=1)
        return self._event(rows[0], sid).version if rows else None

    def _position_of(self, sid: str, version: int) -> int | None:
        rows = self._read(self._query(tags=[f"originator-{sid}-version:{int(version)}"]), limit=1)
        return rows[0].position if rows else None

    def iter_stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        batch: int = 5000,
    ) -> Iterator[RawEvent]:
        """A stream's events in version order (seeks to ``from_version`` by its version tag)."""
        tag, sid = self._sid(stream)
        start = None
        if from_version is not None:
            start = self._position_of(sid, from_version)
            if start is None:  # below the first or above the last version
                first = self._read(self._query(tags=[tag]), limit=1)
                if not first or (self._event(first[0], sid).version or 0) < from_version:
                    return
        for se in self._iter(self._query(tags=[tag]), start=start):
            ev = self._event(se, sid)
            if from_version is not None and ev.version < from_version:
                continue
            if to_version is not None and ev.version > to_version:
                return
            yield ev

    def stream_events(
        self,
        stream: str,
        from_version: int | None = None,
        to_version: int | None = None,
        limit: int | None = None,
        desc: bool = False,
    ) -> list[RawEvent]:
        if desc:
            tag, sid = self._sid(stream)
            start = self._position_of(sid, to_version) if to_version is not None else None
            out: list[RawEvent] = []
            for se in self._read(self._query(tags=[tag]), start=start, backwards=True,
                                 limit=limit):
                ev = self._event(se, sid)
                if from_version is not None and ev.version < from_version:
                    break
                if to_version is None or ev.version <= to_version:
                    out.append(ev)
            return out
        if limit is not None:
            # versions are contiguous: ``limit`` events of the stream's tag from the position of
            # ``from_version`` are exactly the versions asked for (one bounded read)
            tag, sid = self._sid(stream)
            start = None
            if from_version is not None:
                start = self._position_of(sid, from_version)
                if start is None:
                    return [e for e in self.iter_stream_events(stream, from_version, to_version)
                            ][:limit]
            evs = [self._event(se, sid)
                   for se in self._read(self._query(tags=[tag]), start=start, limit=int(limit))]
            return [e for e in evs if (from_version is None or e.version >= from_version)
                    and (to_version is None or e.version <= to_version)]
        return list(self.iter_stream_events(stream, from_version, to_version))

    def log(
        self,
        after: int | None = None,
        limit: int = 100,
        topics: Sequence[str] = (),
        tags: Sequence[str] = (),
    ) -> list[RawEvent]:
        """Events in position order after ``after``: any of ``topics``, all of ``tags``."""
        start = int(after) + 1 if after is not None and after >= 0 else None
        rows = self._read(self._query(topics, tags), start=start, limit=int(limit))
        return [self._event(se) for se in rows]

    # -- counts and streams -------------------------------------------------------------------
    def max_position(self) -> int | None:
        return self._call(self.client.head)

    def count_events(self) -> Count:
        """The head: positions are handed out one per event (approximate: not counted)."""
        head = self.max_position()
        return Count(head or 0, head is None)

    def count_snapshots(self) -> Count:
        return Count(0, True)

    def count_streams(self, budget_s: float = 0.05) -> Count:
        """From the local catalog: exact when it is up to date with the head."""
        cat = self.catalog
        if cat is None:
            return Count(None, False)
        n = cat.counts()["streams"]
        return Count(n, cat.position() == self.max_position())

    def streams(
        self, after: str | None = None, limit: int = 100, prefix: str | None = None
    ) -> list[StreamRow]:
        """A page of streams from the local catalog (see ``needs_catalog``)."""
        cat = self.catalog
        if cat is None:
            raise InspectorError(
                f"{self.location}: UmaDB cannot list its streams; they come from the local "
                "catalog (event-inspector catalog STORE builds it once)"
            )
        rows = cat.streams(None, after=after, limit=limit, prefix=prefix)
        return [
            StreamRow(r["id"], int(r["last_version"] or 0), None, None,
                      type=None if r["type"] in (None, "?") else r["type"])
            for r in rows
        ]

    # -- what UmaDB does not keep -------------------------------------------------------------
    def snapshots(self, stream: str, max_version: int | None = None) -> list[RawEvent]:
        return []

    def snapshot_signature(self, stream: str) -> tuple[Any, ...]:
        return ()

    def tracking(self) -> list[TrackingRow]:
        return []


def open_umadb(url: str, api_key: str | None = None, tls_ca: str | None = None,
               timeout_s: float = 10.0) -> Database:
    """Connect to a UmaDB server (read only) and check it answers (its head).

    ``tls_ca``: the server's CA certificate (PEM; also ``?tls-ca=FILE`` in the URL): TLS on.
    ``api_key``: sent only over TLS (the client refuses otherwise); never shown or stored."""
    import os

    tls_ca = tls_ca or url_tls_ca(url)
    if tls_ca is not None and not os.path.isfile(tls_ca):
        raise StoreOpenError(f"--tls-ca {tls_ca}: no such file")
    client_url, display = parse_umadb_url(url, tls=tls_ca is not None)
    try:
        umadb = import_umadb()
    except ImportError as exc:  # pragma: no cover - a dependency
        raise StoreOpenError(f"the umadb client is not installed ({exc})") from None
    try:
        client = umadb.Client(client_url, ca_path=tls_ca, api_key=api_key)
    except Exception as exc:  # noqa: BLE001 - the client's own error types
        raise StoreOpenError(error_line(exc, display)) from None
    store = UmaStore(client, display)
    try:
        store.max_position()
    except InspectorError as exc:
        store.close()
        raise StoreOpenError(str(exc)) from None
    tables = AppTables(APP_NAME, "", "position", "text", family="umadb")
    return Database(LAYOUT, display, [tables], lambda _t: store, store.close)
