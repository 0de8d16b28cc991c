"""An object's state as ``{field name: value}``, for every aggregate class the library can build.

``vars(obj)`` is not enough: the library's ``@aggregate`` decorator rebuilds a class from the
decorated one's namespace, so the new class carries the *old* class's ``__dict__`` descriptor and
``vars()`` (and ``copy.deepcopy``, and ``pickle``) fail with ``TypeError: descriptor '__dict__'
for 'Till' objects doesn't apply to a 'Till' object``, although each instance has a dict. Frozen
dataclasses with ``slots=True`` have no ``__dict__``; pydantic models keep ``extra`` fields
outside it. The rule, in order:

1. a ``dict`` is its own fields (generic-mode states);
2. the instance's own attribute dict, found through the first ``__dict__`` descriptor in the
   class's MRO that applies to it (so decorated classes work), plus any ``__slots__`` values and a
   pydantic model's ``__pydantic_extra__``;
3. else a dataclass's fields (``dataclasses.fields``), a pydantic model's ``model_fields``
   (plus extras), or the ``__slots__`` of every class in the MRO.

``_pending_events`` (the library's uncommitted-events buffer) is never part of the state, nor
(:func:`state_of`) a DCB perspective's ``new_decisions``/``last_known_position``.
Values are returned as they are; :func:`inspector.core.normalise.normalise` makes them JSON.
"""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["bookkeeping_attrs", "fields_of", "instance_dict", "set_instance_dict", "state_of"]

HIDDEN = "_pending_events"
_NO_DESCRIPTOR = object()
_descriptors: dict[type, Any] = {}  # type -> the ``__dict__`` descriptor that applies (or none)
_slot_names: dict[type, tuple[str, ...]] = {}


def _dict_descriptor(cls: type) -> Any:
    """The first ``__dict__`` descriptor in the MRO of ``cls`` that applies to its instances."""
    found = _descriptors.get(cls)
    if found is None:
        found = _NO_DESCRIPTOR
        for k in cls.__mro__:
            d = k.__dict__.get("__dict__")
            owner = getattr(d, "__objclass__", None)
            if isinstance(owner, type) and issubclass(cls, owner) and hasattr(d, "__get__"):
                found = d
                break
        if len(_descriptors) > 4096:
            _descriptors.clear()
        _descriptors[cls] = found
    return found


def instance_dict(obj: Any) -> dict[str, Any] | None:
    """The object's own (live) attribute dict, or None when it has none.

    Works where ``vars(obj)`` raises ``TypeError`` (classes made by the ``@aggregate``
    decorator).
    """
    try:
        d = obj.__dict__
    except AttributeError:
        return None
    except TypeError:
        desc = _dict_descriptor(type(obj))
        if desc is _NO_DESCRIPTOR:
            return None
        try:
            d = desc.__get__(obj, type(obj))
        except (TypeError, AttributeError):
            return None
    return d if isinstance(d, dict) else None


def set_instance_dict(obj: Any, d: dict[str, Any]) -> None:
    """Replace ``obj``'s attribute dict (as ``object.__setattr__(obj, "__dict__", d)``)."""
    try:
        object.__setattr__(obj, "__dict__", d)
    except TypeError:
        desc = _dict_descriptor(type(obj))
        if desc is _NO_DESCRIPTOR:
            raise
        desc.__set__(obj, d)


def slot_names(cls: type) -> tuple[str, ...]:
    """Every slot of ``cls`` and its bases (``__dict__``/``__weakref__`` excluded)."""
    names = _slot_names.get(cls)
    if names is None:
        out: list[str] = []
        for k in reversed(cls.__mro__):
            slots = k.__dict__.get("__slots__", ())
            if isinstance(slots, str):
                slots = (slots,)
            for s in slots:
                if s in ("__dict__", "__weakref__") or s in out:
                    continue
                if s.startswith("__") and not s.endswith("__"):
                    s = f"_{k.__name__.lstrip('_')}{s}"  # name mangling of private slots
                out.append(s)
        names = _slot_names[cls] = tuple(out)
    return names


def _is_pydantic(obj: Any) -> bool:
    return hasattr(type(obj), "__pydantic_fields__") and hasattr(obj, "model_dump")


def fields_of(obj: Any) -> dict[str, Any] | None:
    """``{name: value}`` of ``obj``'s state by the module's rule, or None (not a record)."""
    if isinstance(obj, dict):
        return obj
    cls = type(obj)
    pydantic = _is_pydantic(obj)
    slots = slot_names(cls)
    if pydantic:
        slots = tuple(s for s in slots if not s.startswith("__pydantic"))
    d = instance_dict(obj)
    out: dict[str, Any]
    if d is not None:
        out = {k: v for k, v in d.items() if k != HIDDEN}
    elif dataclasses.is_dataclass(obj):
        out = {
            f.name: getattr(obj, f.name)
            for f in dataclasses.fields(obj)
            if hasattr(obj, f.name) and f.name != HIDDEN
        }
    elif pydantic:
        out = {k: getattr(obj, k) for k in type(obj).__pydantic_fields__ if hasattr(obj, k)}
    elif slots:
        out = {}
    else:
        return None
    for s in slots:
        if s not in out and s != HIDDEN and hasattr(obj, s):
            out[s] = getattr(obj, s)
    if pydantic:
        extra = getattr(obj, "__pydantic_extra__", None)
        if isinstance(extra, dict):
            for k, v in extra.items():
                out.setdefault(k, v)
    return out


_AGGREGATE_BOOKKEEPING = frozenset({HIDDEN})
# A DCB perspective's unsaved decisions and the read's head position (the library's
# ``DCBRepository.get`` sets ``last_known_position`` to the head of the whole read).
_PERSPECTIVE_BOOKKEEPING = frozenset({HIDDEN, "new_decisions", "last_known_position"})


def bookkeeping_attrs(obj: Any) -> frozenset[str]:
    """Attributes of a replayed object that are the library's bookkeeping, not its state."""
    for cls in type(obj).__mro__:
        if cls.__name__ == "Perspective" and cls.__module__ == "eventsourcing.dcb.domain":
            return _PERSPECTIVE_BOOKKEEPING
    return _AGGREGATE_BOOKKEEPING


def state_of(obj: Any) -> dict[str, Any]:
    """A replayed object's state as a dict: a dict as it is; else :func:`fields_of` without the
    library's bookkeeping (:func:`bookkeeping_attrs`); ``{"value": obj}`` for a value that has
    no fields (a projector may return anything)."""
    if isinstance(obj, dict):
        return obj
    fields = fields_of(obj)
    if fields is None:
        return {"value": obj}
    hidden = bookkeeping_attrs(obj)
    if len(hidden) > 1:
        return {k: v for k, v in fields.items() if k not in hidden}
    return fields
