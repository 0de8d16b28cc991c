"""Stored rows -> the user's domain events, exactly as ``Mapper.to_domain_event`` builds them.

The codec undoes encryption and compression (sniffed, so a missing ``COMPRESSOR_TOPIC`` in the
environment does not matter); the application's own transcoder parses the JSON (its registered
transcodings included); then, as the library does: the id converted for the class's id type,
``originator_id``/``originator_version`` from the columns, ``class_version`` popped and the
class's ``upcast_vN_vN+1`` static methods applied in turn, ``object.__new__`` and ``__dict__``.
A custom mapper class (``MAPPER_TOPIC``) is used through its own ``to_domain_event`` on the
plaintext. Every failure becomes a :class:`~inspector.core.replay.ReplayFailure`.
"""

from __future__ import annotations

from typing import Any

import orjson

from inspector.core.codec import Codec, loads_fast
from inspector.core.diff import diff_values
from inspector.core.domain import DomainContext
from inspector.core.errors import InspectorError
from inspector.core.normalise import normalise
from inspector.core.replay_types import ReplayFailure
from inspector.core.replay_types import StepFailed as _Failed


class DomainDecoder:
    def __init__(self, domain: DomainContext, codec: Codec) -> None:
        from eventsourcing.persistence import JSONTranscoder, Mapper, find_id_convertor

        self.domain = domain
        self.codec = codec
        self.mapper = domain.plain_mapper
        self.transcoder = self.mapper.transcoder
        self._find_id_convertor = find_id_convertor
        self._exact_mapper = type(self.mapper) is Mapper
        tr = self.transcoder
        # The fast path: the library's own JSONTranscoder (or a subclass that only registers
        # transcodings). Anything else -- any Transcoder with its own encode/decode, a custom
        # MAPPER_TOPIC -- is used only through its public decode / to_domain_event.
        self._fast_hook = (
            isinstance(tr, JSONTranscoder)
            and type(tr).decode is JSONTranscoder.decode
            and getattr(type(tr), "_decode_obj", None) is getattr(JSONTranscoder, "_decode_obj", 0)
            and isinstance(getattr(tr, "names", None), dict)
        )
        self._convertors: dict[tuple[type, type], Any] = {}
        self._classes: dict[str, tuple[type, int, Any]] = {}  # topic -> (class, version, id conv)
        self._hook = _envelope_hook(tr.names) if self._fast_hook else None
        self._leaf = _leaf_decoders(tr) if self._fast_hook else {}
        self._no_key = not codec.has_key
        # The app's own compressor when the codec cannot sniff what it writes (any object with
        # compress/decompress the library accepts as COMPRESSOR_TOPIC); and whether the app's
        # bytes may be other than JSON text (a custom transcoder or mapper).
        self._compressor = _custom_compressor(domain.mapper)
        self._any_bytes = not self._fast_hook or not self._exact_mapper
        self._plain_json = self._no_key and self._compressor is None  # '{...' is the text
        self._last_id: tuple[Any, str, Any] | None = None

    # -- helpers ------------------------------------------------------------------------------
    def _fail(self, ev: Any, message: str) -> _Failed:
        if isinstance(ev, tuple):  # a replay row (position, version, topic, state)
            return _Failed(ReplayFailure(ev[1], ev[2], ev[0], message))
        return _Failed(ReplayFailure(ev.version, ev.topic, ev.position, message))

    def resolve(self, ev: Any, topic: str, what: str = "topic") -> Any:
        try:
            return self.domain.resolve(topic)
        except InspectorError as exc:
            raise self._fail(ev, f"unresolvable {what}: {exc}") from None

    def plaintext(self, ev: Any) -> bytes:
        blob = ev.state
        if self._plain_json and blob[:1] == b"{":
            return blob  # plain JSON: nothing to undo
        return self._undo(ev, blob)

    def _undo(self, ev: Any, blob: bytes) -> bytes:
        """Decrypt and decompress as the application's mapper does (the bytes its transcoder
        reads). Compression the codec sniffs is undone whatever the environment says; a
        compressor it cannot sniff is the application's own, used through ``decompress``."""
        comp = self._compressor
        if comp is not None:
            data = blob
            if self.codec.has_key:
                try:
                    data = self.codec.decrypt(blob)
                except ValueError:
                    data = blob  # not encrypted after all: the decompressor will say
            try:
                return bytes(comp.decompress(data))
            except Exception as exc:  # noqa: BLE001 - the app's compressor may raise anything
                hint = "" if self.codec.has_key else " (if encrypted, give --cipher-key)"
                raise self._fail(ev, f"cannot decompress with the application's compressor: "
                                     f"{type(exc).__name__}: {exc}{hint}") from None
        text, error, _, _ = self.codec.plaintext(blob)
        if text is None:
            if self._any_bytes and not self.codec.has_key and error and "no cipher key" in error:
                return blob  # the app's transcoder may read bytes that are not JSON text
            raise self._fail(ev, f"cannot decode: {error}")
        return text

    def parse(self, ev: Any, text: bytes) -> dict[str, Any]:
        if self._hook is not None:
            # orjson + the library's envelope rule over the transcoder's registered
            # transcodings, applied as json's object_hook would be (innermost dicts first);
            # NaN, huge ints etc. fall back to the transcoder.
            try:
                data = loads_fast(text)  # refuses what orjson would not parse exactly
            except orjson.JSONDecodeError:
                pass
            else:
                if type(data) is dict:
                    try:
                        return _walk(data, self._hook, self._leaf) if b'"_type_"' in text else data
                    except Exception as exc:  # noqa: BLE001 - a transcoding's decode raised
                        raise self._fail(
                            ev,
                            f"cannot decode with the application's "
                            f"transcoder: {type(exc).__name__}: {exc}",
                        ) from None
        try:
            data = self.transcoder.decode(text)
        except RecursionError:  # the library's json.loads, as Repository.get would fail
            raise self._fail(
                ev, "cannot decode with the application's transcoder: JSON nested deeper than"
                " its parser accepts (Python's recursion limit)"
            ) from None
        except Exception as exc:  # noqa: BLE001 - the app's transcodings may raise anything
            raise self._fail(
                ev, f"cannot decode with the application's transcoder: {type(exc).__name__}: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise self._fail(ev, "event state is not an object")
        return data

    def _convertor(self, cls: type, id_type: type = str) -> Any:
        """The library's id convertor for ``cls`` given ids of ``id_type`` (as its recorder
        returns them: the stored value, a UUID from a UUID column)."""
        key = (cls, id_type)
        conv = self._convertors.get(key)
        if conv is None:
            conv = self._find_id_convertor(cls, id_type)
            self._convertors[key] = conv
        return conv

    # -- decoding -----------------------------------------------------------------------------
    def decode_event(self, ev: Any, original_id: Any = None) -> Any:
        """A stored event (RawEvent) as the user's domain event object.

        ``original_id`` is the id as stored (see :meth:`Replayer.original_id`); the RawEvent's
        display id is used when it is not given.
        """
        oid = ev.stream if original_id is None else original_id
        return self.decode(ev, ev.topic, oid, ev.version, ev.state)

    def decode(self, ev: Any, topic: str, stream: Any, version: int, blob: bytes) -> Any:
        """``stream`` is the originator id as stored (str or UUID), as the recorder gives it."""
        if not self._exact_mapper:
            return self._decode_custom(ev, topic, stream, version, blob)
        info = self._classes.get(topic)
        if info is None:
            cls = self.resolve(ev, topic)
            info = (cls, getattr(cls, "class_version", 1), self._convertor(cls))
            self._classes[topic] = info
        cls, class_version, conv = info
        if type(stream) is not str:
            conv = self._convertor(cls, type(stream))
        if self._plain_json and blob[:1] == b"{":
            text = blob
        else:
            text = self._undo(ev, blob)
        state = self.parse(ev, text)
        last = self._last_id
        if last is not None and last[0] is conv and last[1] == stream:
            state["originator_id"] = last[2]
        else:
            try:
                oid = conv(stream)
            except Exception as exc:  # noqa: BLE001
                raise self._fail(ev, f"bad originator id {stream!r}: {exc}") from None
            self._last_id = (conv, stream, oid)
            state["originator_id"] = oid
        state["originator_version"] = version
        from_version = state.pop("class_version", 1)
        while from_version < class_version:
            name = f"upcast_v{from_version}_v{from_version + 1}"
            try:
                getattr(cls, name)(state)
            except Exception as exc:  # noqa: BLE001 - user upcaster
                raise self._fail(
                    ev, f"upcaster {name} failed: {type(exc).__name__}: {exc}"
                ) from None
            from_version += 1
        obj = object.__new__(cls)
        object.__setattr__(obj, "__dict__", state)
        return obj

    def _decode_custom(self, ev: Any, topic: str, stream: Any, version: int, blob: bytes) -> Any:
        """A custom mapper (``MAPPER_TOPIC``, ``construct_mapper``): its own ``to_domain_event``
        on the decrypted, decompressed bytes; the topic is checked first (only named code is
        imported)."""
        from eventsourcing.persistence import StoredEvent

        if topic not in self._classes:
            self.resolve(ev, topic)
            self._classes[topic] = (object, 1, None)
        text = blob if self._plain_json and blob[:1] == b"{" else self._undo(ev, blob)
        try:
            return self.mapper.to_domain_event(StoredEvent(stream, version, topic, text))
        except Exception as exc:  # noqa: BLE001 - the app's mapper may raise anything
            raise self._fail(ev, f"{type(exc).__name__}: {exc}") from None

    def step(self, agg: Any, row: Any, stream: str) -> tuple[Any, Any]:
        """Apply one stored row (position, version, topic, state) with the event's ``mutate``."""
        domain_event = self.decode(row, row[2], stream, row[1], row[3])
        ev = row
        d = domain_event.__dict__
        if agg is None:
            topic = d.get("originator_topic")
            if not isinstance(topic, str):
                raise self._fail(
                    ev, "the stream's first event has no originator_topic (not a created event)"
                )
            self.resolve(ev, topic, "aggregate topic")
        try:
            agg = domain_event.mutate(agg)
        except Exception as exc:  # noqa: BLE001 - user apply/__init__, library checks
            raise self._fail(ev, f"{type(exc).__name__}: {exc}") from None
        return agg, d.get("timestamp")

    def snapshot_aggregate(self, snap: Any, original_id: Any = None) -> Any:
        """The aggregate a stored snapshot holds (the library's ``Snapshot.mutate``)."""
        event = self.decode_event(snap, original_id)
        topic = event.__dict__.get("topic")
        if not isinstance(topic, str):
            raise self._fail(snap, "snapshot has no aggregate topic")
        self.resolve(snap, topic, "aggregate topic")
        try:
            return event.mutate(None)
        except Exception as exc:  # noqa: BLE001
            raise self._fail(snap, f"snapshot: {type(exc).__name__}: {exc}") from None

    def why_not(self, ev: Any) -> str | None:
        """Why domain mode cannot replay this (first) event, or None if it can."""
        if not self.domain.resolves(ev.topic):
            return f"topic {ev.topic} does not resolve"
        d = self.codec.decode(ev.state)
        if isinstance(d.data, dict):
            t = d.data.get("originator_topic")
            if isinstance(t, str) and not self.domain.resolves(t):
                return f"aggregate topic {t} does not resolve"
        return None

    # -- the upcast view ----------------------------------------------------------------------
    def stored_and_upcast(self, ev: Any) -> dict[str, Any] | None:
        """``{"data", "stored_class_version", "class_version", "upcast", "changes"}`` or None.

        ``data`` is the stored attributes decoded with the app's transcodings (normalised);
        ``upcast`` the attributes the current class reads after its upcasters, present only when
        they differ from ``data``. None when the topic does not resolve or the payload does not
        decode (the generic view stands then).
        """
        if not self.domain.resolves(ev.topic):
            return None
        try:
            cls = self.domain.resolve(ev.topic)
            text = self.plaintext(ev)
            stored = self.parse(ev, text)
        except (_Failed, InspectorError):
            return None
        data = normalise(stored)
        stored_cv = stored.get("class_version", 1)
        class_version = getattr(cls, "class_version", 1)
        out: dict[str, Any] = {
            "data": data,
            "stored_class_version": stored_cv,
            "class_version": class_version,
            "upcast": None,
            "changes": [],
            "upcast_error": None,
        }
        if not isinstance(stored_cv, int) or stored_cv >= class_version:
            return out
        try:
            state = self.parse(ev, text)
        except _Failed:
            return out
        state.pop("class_version", None)
        v = stored_cv
        while v < class_version:
            name = f"upcast_v{v}_v{v + 1}"
            try:
                getattr(cls, name)(state)
            except Exception as exc:  # noqa: BLE001
                out["upcast_error"] = f"upcaster {name} failed: {type(exc).__name__}: {exc}"
                return out
            v += 1
        state["class_version"] = class_version
        upcast = normalise(state)
        if upcast != data:
            out["upcast"] = upcast
            out["changes"] = diff_values(data, upcast)
        return out


def apply_domain_view(decoder: DomainDecoder, raw: Any, rows: list[dict[str, Any]]) -> None:
    """Domain mode for event listings (``events``/``log``, the GUI's event list): each row's
    ``data`` decoded with the application's own codec (custom transcodings decoded, every
    stored key kept), plus ``class_version``/``current_class_version`` and ``upcast`` when the
    current class's upcasters change it. A row the generic codec could not read but the
    application's codec can (a compressor without magic bytes, a transcoder that does not
    write JSON text) gets its data and loses the error. Rows are changed in place."""
    for ev, row in zip(raw, rows, strict=True):
        view = decoder.stored_and_upcast(ev)
        if view is None:
            continue
        if row.get("error") is None and isinstance(row.get("data"), dict):
            row["data"] = view["data"]
        elif row.get("data") is None:
            row["data"], row["error"] = view["data"], None
        row["class_version"] = view["stored_class_version"]
        row["current_class_version"] = view["class_version"]
        if view["upcast"] is not None:
            row["upcast"] = view["upcast"]
            row["upcast_changes"] = view["changes"]
        if view["upcast_error"]:
            row["upcast_error"] = view["upcast_error"]


def _envelope_hook(names: dict[str, Any]) -> Any:
    """The library's ``JSONTranscoder`` object hook, over its public ``names`` registry.

    A dict of exactly two keys ``_type_`` and ``_data_`` is decoded by the transcoding
    registered under that name (an unregistered name raises, as the library does); any other
    dict is returned as it is.
    """
    from eventsourcing.persistence import TranscodingNotRegisteredError

    def hook(d: dict[str, Any]) -> Any:
        if len(d) != 2 or "_type_" not in d or "_data_" not in d:
            return d
        try:
            transcoding = names[d["_type_"]]
        except KeyError:
            raise TranscodingNotRegisteredError(
                f"Data serialized with name '{d['_type_']}' is not deserializable. Please "
                "register a custom transcoding for this type."
            ) from None
        return transcoding.decode(d["_data_"])

    return hook


_SNIFFED_MODULES = ("zlib", "gzip", "bz2", "lzma")


def _custom_compressor(mapper: Any) -> Any:
    """The mapper's compressor when the codec cannot sniff its output, else None.

    The library's ``ZlibCompressor`` and the standard ``zlib``/``gzip``/``bz2``/``lzma``
    modules (which the library accepts as ``COMPRESSOR_TOPIC``) are sniffed by the codec.
    """
    comp = getattr(mapper, "compressor", None)
    if comp is None:
        return None
    from eventsourcing.compressor import ZlibCompressor

    if isinstance(comp, ZlibCompressor) and type(comp).decompress is ZlibCompressor.decompress:
        return None
    if getattr(comp, "__name__", None) in _SNIFFED_MODULES and not isinstance(comp, type):
        import sys

        if sys.modules.get(comp.__name__) is comp:
            return None
    return comp


def _leaf_decoders(transcoder: Any) -> dict[str, Any]:
    """name -> decode function; the library's own three transcodings as the calls they make."""
    from datetime import datetime
    from decimal import Decimal
    from uuid import UUID

    from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, UUIDAsHex

    same = {DatetimeAsISO: datetime.fromisoformat, DecimalAsStr: Decimal, UUIDAsHex: UUID}
    return {name: same.get(type(tr), tr.decode) for name, tr in transcoder.names.items()}


def _walk(d: dict[str, Any], hook: Any, leaf: dict[str, Any]) -> Any:
    """Apply ``hook`` to every dict in ``d`` (children first), like json's ``object_hook``.

    A leaf envelope (string data) of a known name is decoded by its transcoding directly.
    """
    for k, v in d.items():
        t = type(v)
        if t is dict:
            if len(v) == 2 and type(dd := v.get("_data_")) is str and "_type_" in v:
                fn = leaf.get(v["_type_"])
                d[k] = fn(dd) if fn is not None else hook(v)
            else:
                d[k] = _walk(v, hook, leaf)
        elif t is list:
            _walk_list(v, hook, leaf)
    if len(d) == 2 and "_type_" in d:
        return hook(d)
    return d


def _walk_list(items: list[Any], hook: Any, leaf: dict[str, Any]) -> None:
    for i, v in enumerate(items):
        t = type(v)
        if t is dict:
            items[i] = _walk(v, hook, leaf)
        elif t is list:
            _walk_list(v, hook, leaf)
