"""Functional aggregates: the projector function a stream is replayed with, as the library does.

The library replays an aggregate with ``Repository.get(id, version=V, projector_func=f)``, which
calls ``f(None, chain(snapshot, events))``: the newest stored snapshot at or below V (if any)
followed by the events after it. The default ``f`` is ``project_aggregate`` (each event's own
``mutate``); functional (immutable) aggregates — frozen dataclasses or pydantic models, plain
``DomainEvent`` subclasses without ``mutate`` — need their own function, and applications name
it per aggregate class in ``Application.snapshotting_projectors``. The inspector replays such a
stream one event at a time, ``state = f(state, [event])`` (the library's own cache fast-forward
calls ``f(aggregate, new_events)`` the same way, so a projector must allow it), and starts from a
stored snapshot with ``f(None, [snapshot])``.

Which projector a stream uses (:func:`choose`; a function *builds* a stream's aggregate when
``f(None, [first event])`` returns something other than None without raising):

1. ``--projector MODULE:FUNCTION`` (imported because the user named it), for a stream whose first
   event does not name its aggregate class (no ``originator_topic``), or that it builds: as
   ``Repository.get(id, projector_func=...)``. (So one ``--projector``, or the Open dialog's
   field, does not break the other aggregates of a mixed application.)
2. else, when the first event names its aggregate class and the application's
   ``snapshotting_projectors`` maps that class: that function (the library's snapshotting
   rule); any other stream whose first event names its class: the events' own ``mutate``
   (``project_aggregate``);
3. else the ``snapshotting_projectors`` function that builds an instance of its own key class
   from the stream's first event; none or several: the stream has no projector, and the reason
   says how to name one.

A projector that returns ``None`` leaves no aggregate at that version (``Repository.get`` raises
``AggregateNotFoundError`` there); the replay carries ``None`` on, as the fold does.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError
from inspector.core.replay_types import ReplayFailure, StepFailed

__all__ = ["Projection", "attach", "choose", "load_projector"]


def load_projector(spec: str) -> Callable[..., Any]:
    """Import ``module:function`` (the ``--projector`` the user named); InspectorError if bad."""
    from inspector.core.domain import _IMPORT_LOCK

    module, sep, qual = spec.partition(":")
    if not sep or not module or not qual:
        raise InspectorError(f"--projector {spec!r}: expected MODULE:FUNCTION")
    try:
        with _IMPORT_LOCK:
            obj: Any = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - user code may raise anything on import
        raise InspectorError(
            f"--projector {spec}: cannot import {module!r}: {type(exc).__name__}: {exc}"
        ) from None
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InspectorError(f"--projector {spec}: {module!r} has no {qual!r}") from None
    if not callable(obj):
        raise InspectorError(f"--projector {spec}: {qual!r} is not a function")
    return obj


def _module_roots(module_name: str) -> list[str]:
    """Where a user-named module's top-level package lives (its topics may be imported)."""
    import sys

    top = sys.modules.get(module_name.split(".", 1)[0])
    locs = list(getattr(top, "__path__", []) or [])
    f = getattr(sys.modules.get(module_name), "__file__", None)
    if not locs and f:
        locs = [str(Path(f).parent)]
    return [str(Path(x).resolve()) for x in locs]


def attach(domain: Any, projector: str | None) -> None:
    """Give a DomainContext its projectors: ``--projector`` and the app class's mapping."""
    app = domain.app_class
    mapping = getattr(app, "snapshotting_projectors", None) if app is not None else None
    domain.projectors = dict(mapping) if isinstance(mapping, dict) else {}
    domain.projector = None
    domain.projector_name = None
    if projector:
        domain.projector = load_projector(projector)
        domain.projector_name = projector
        module = projector.partition(":")[0]
        domain.paths = [*domain.paths, *_module_roots(module)]


def _name(fn: Any) -> str:
    mod = getattr(fn, "__module__", None) or "?"
    qual = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{mod}:{qual}"


@dataclass
class Choice:
    """A stream's projector (None: the events' own ``mutate``) or why it has none."""

    projection: Projection | None = None
    problem: str | None = None

    def steps(self, decoder: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
        """``(step(state, row, original_id) -> (state, timestamp), snapshot(raw snapshot,
        original_id) -> state)`` for the stream: the projector's, or the decoder's (the events'
        own ``mutate``; when no projector could be found, a step that fails with the reason)."""
        if self.projection is not None:
            return self.projection.step, self.projection.snapshot
        problem = self.problem
        if problem is None:
            return decoder.step, decoder.snapshot_aggregate

        def no_projector(state: Any, row: Any, stream: Any) -> tuple[Any, Any]:
            raise StepFailed(ReplayFailure(row[1], row[2], row[0], problem))

        return no_projector, decoder.snapshot_aggregate


def choose(domain: Any, decoder: Any, first: Any, original_id: Any) -> Choice:
    """The projector for the stream whose first stored row is ``first`` (see the module doc):
    a row ``(position, version, topic, state)`` or a RawEvent; ``original_id`` as stored."""
    if not hasattr(decoder, "decode_event"):
        return Choice()  # another family's decoder (DCB decisions): no aggregate projectors
    if not isinstance(first, tuple):
        first = (first.position, first.version, first.topic, first.state)
    explicit = getattr(domain, "projector", None)
    given = (
        Projection(decoder, explicit, domain.projector_name or _name(explicit))
        if explicit is not None
        else None
    )
    mapping: dict[Any, Any] = getattr(domain, "projectors", None) or {}
    try:
        event = decoder.decode(first, first[2], original_id, first[1], first[3])
    except (StepFailed, InspectorError):
        return Choice(given)  # the replay reports the decoding failure itself
    topic = getattr(event, "originator_topic", None)
    if given is not None and (not isinstance(topic, str) or _builds(explicit, event)):
        return Choice(given)
    if isinstance(topic, str):
        try:
            cls = domain.resolve(topic)
        except InspectorError:
            return Choice()
        fn = mapping.get(cls)
        return Choice(Projection(decoder, fn, _name(fn)) if fn is not None else None)
    app = domain.app_class.__name__ if domain.app_class is not None else None
    if not mapping:
        where = (
            f"{app}.snapshotting_projectors is empty" if app else "no --app-class names one"
        )
        return Choice(
            problem=(
                "the stream's first event has no originator_topic (a functional aggregate?) "
                f"and no projector function is known ({where}): give --projector "
                "MODULE:FUNCTION"
            )
        )
    fits = []
    for cls, fn in mapping.items():
        try:
            built = fn(None, (event,))
        except Exception:  # noqa: BLE001 - a projector for another aggregate class
            continue
        if isinstance(cls, type) and isinstance(built, cls) and fn not in fits:
            fits.append(fn)
    if len(fits) == 1:
        return Choice(Projection(decoder, fits[0], _name(fits[0])))
    names = ", ".join(_name(f) for f in (fits or mapping.values()))
    why = "several build" if fits else "none builds"
    return Choice(
        problem=(
            f"{app}.snapshotting_projectors: {why} its aggregate class from the stream's first "
            f"event ({names}): give --projector MODULE:FUNCTION"
        )
    )


def _builds(fn: Any, event: Any) -> bool:
    try:
        return fn(None, (event,)) is not None
    except Exception:  # noqa: BLE001 - a projector for other aggregates
        return False


class Projection:
    """Replays a stream with a projector function ``f(aggregate, events) -> aggregate``."""

    def __init__(self, decoder: Any, fn: Callable[..., Any], name: str) -> None:
        self.decoder = decoder
        self.fn = fn
        self.name = name

    def _fail(self, row: Any, exc: Exception) -> StepFailed:
        if isinstance(row, tuple):
            failure = ReplayFailure(row[1], row[2], row[0], f"{type(exc).__name__}: {exc}")
        else:
            failure = ReplayFailure(row.version, row.topic, row.position,
                                    f"snapshot: {type(exc).__name__}: {exc}")
        return StepFailed(failure)

    def step(self, state: Any, row: Any, stream: Any) -> tuple[Any, Any]:
        """Apply one stored row (position, version, topic, state): ``f(state, [event])``."""
        event = self.decoder.decode(row, row[2], stream, row[1], row[3])
        try:
            state = self.fn(state, (event,))
        except Exception as exc:  # noqa: BLE001 - user code: failures are data
            raise self._fail(row, exc) from None
        return state, getattr(event, "timestamp", None)

    def snapshot(self, snap: Any, original_id: Any) -> Any:
        """The aggregate a stored snapshot gives: ``f(None, [snapshot])``."""
        event = self.decoder.decode_event(snap, original_id)
        try:
            return self.fn(None, (event,))
        except Exception as exc:  # noqa: BLE001
            raise self._fail(snap, exc) from None
