"""Domain mode for DCB stores: fold a tag's decisions with their own ``mutate``.

Mirrors ``eventsourcing.dcb.application.DCBRepository.get(tag)``: read the events carrying the
tag in position order, turn each into a tagged decision with the application's mapper
(``MAPPER_TOPIC``; the library's ``MessagePackMapper`` when none is named) and apply
``obj = decision.mutate(obj)``. Cut at the N-th event (``--version N``) or at a global position
(``--position P``), this is the state the library's ``get`` would return at that point (its
``get`` takes no position; the tests build that oracle). Decisions carry no timestamps, so the
timeline has no times for a DCB stream.

Same methods as :class:`inspector.core.domain_decode.DomainDecoder`, so the replayer drives it.
"""

from __future__ import annotations

from typing import Any

from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.core.replay_types import ReplayFailure
from inspector.core.replay_types import StepFailed as _Failed


class DcbDomainDecoder:
    def __init__(self, domain: Any, codec: Codec) -> None:
        self.domain = domain
        self.codec = codec
        self._mapper: Any = None
        self._mapper_error: str | None = None

    def _fail(self, ev: Any, message: str) -> _Failed:
        if isinstance(ev, tuple):  # a replay row (position, version, topic, state)
            return _Failed(ReplayFailure(ev[1], ev[2], ev[0], message))
        return _Failed(ReplayFailure(ev.version, ev.topic, ev.position, message))

    def mapper(self) -> Any:
        """The application's DCB mapper (``MAPPER_TOPIC`` of ``--app-class``, else msgpack)."""
        if self._mapper is None and self._mapper_error is None:
            app_class = getattr(self.domain, "app_class", None)
            topic = (getattr(app_class, "env", None) or {}).get("MAPPER_TOPIC")
            try:
                if topic:
                    self._mapper = self.domain.resolve(topic)()
                else:
                    from eventsourcing.dcb.msgpack import MessagePackMapper

                    self._mapper = MessagePackMapper()
            except ImportError as exc:
                self._mapper_error = (
                    f"the library's MessagePackMapper needs msgspec, not installed ({exc})"
                )
            except InspectorError as exc:
                self._mapper_error = f"mapper {topic}: {exc}"
            except Exception as exc:  # noqa: BLE001 - user mapper constructor
                self._mapper_error = f"mapper {topic}: {type(exc).__name__}: {exc}"
        if self._mapper is None:
            raise InspectorError(self._mapper_error or "no DCB mapper")
        return self._mapper

    def decision(self, ev: Any, topic: str, data: bytes, tags: Any = ()) -> Any:
        """The stored event as the application's decision object."""
        from eventsourcing.dcb.api import DCBEvent

        try:
            mapper = self.mapper()
            self.domain.resolve(topic)
        except InspectorError as exc:
            raise self._fail(ev, str(exc)) from None
        try:
            return mapper.to_domain_event(DCBEvent(topic, bytes(data), list(tags or []))).decision
        except Exception as exc:  # noqa: BLE001 - msgspec validation, user mapper
            raise self._fail(ev, f"cannot decode the decision: {type(exc).__name__}: {exc}") \
                from None

    def step(self, obj: Any, row: Any, stream: str) -> tuple[Any, Any]:
        """Apply one stored row (position, version, type, data): ``obj = decision.mutate(obj)``."""
        decision = self.decision(row, row[2], row[3])
        try:
            obj = decision.mutate(obj)
        except Exception as exc:  # noqa: BLE001 - user __init__/handlers, library assertions
            what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if obj is None and type(exc) is AssertionError:
                what = "the tag's first decision is not an initial decision (no object yet)"
            raise self._fail(row, what) from None
        return obj, getattr(decision, "timestamp", None)

    def snapshot_aggregate(self, snap: Any, original_id: Any = None) -> Any:
        raise self._fail(snap, "DCB stores keep no snapshots")

    def why_not(self, ev: Any) -> str | None:
        """Why domain mode cannot replay this (first) event of a tag, or None if it can."""
        try:
            self.mapper()
        except InspectorError as exc:
            return str(exc)
        if not self.domain.resolves(ev.topic):
            return f"type {ev.topic} does not resolve"
        d = self.codec.decode(ev.state)
        if isinstance(d.data, dict):
            t = d.data.get("originator_topic")
            if isinstance(t, str) and not self.domain.resolves(t):
                return f"enduring object topic {t} does not resolve"
        return None

    def stored_and_upcast(self, ev: Any) -> dict[str, Any] | None:
        """DCB decisions have no class versions or upcasters: nothing to add to ``data``."""
        return None
