"""Cheap checkpoints of replayed states: :func:`freeze` and :func:`thaw`.

A checkpoint must give back, later, an object equal to the state at its version that the replay
may mutate. ``pickle`` does that for any state but is one long C call: for a big state (say an
aggregate holding a list of 100,000 items) it holds the GIL for tens of milliseconds, stalling
every other thread (the GUI's UI thread). Most aggregates are *plain data*: an object whose
``__dict__`` holds dicts, lists, sets and tuples of immutable leaves (str, int, Decimal, UUID,
datetime, enums...). For those, :func:`freeze` builds a stored form that shares the immutable
leaves: a list becomes a tagged tuple (a list of leaves by one short C call), a set likewise,
dicts are copied, shared references stay shared (memo, as ``copy.deepcopy``). Tuples of
untracked objects are untracked by CPython's collector, so big checkpoints add nothing to the
work of each full garbage collection (lists are always traversed; a few hundred checkpoint
lists of 100,000 items would make every gen-2 collection a ~100 ms stop-the-world pause).
:func:`thaw` builds a fresh live copy from the stored form. Nested containers are walked by
Python code, which lets other threads run between calls. *Immutable records* (frozen dataclasses
and frozen pydantic models whose fields hold only immutable values, recursively) are leaves too:
a functional aggregate's state is shared, never copied. Instance dicts are read and written
through :mod:`inspector.core.state_fields` (classes made by the ``@aggregate`` decorator have a
``__dict__`` that ``vars()``, ``pickle`` and ``copy.deepcopy`` cannot reach). Anything else
(custom value objects, ``__slots__``, custom pickling, mutable pydantic models) is
:data:`NOT_PLAIN`, and the caller falls back to ``pickle`` (or :func:`deep_copy`).
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import sys
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

from inspector.core.state_fields import fields_of, instance_dict, set_instance_dict

NOT_PLAIN = object()
_LEAF_LIST = object()  # tags of the stored form: (tag, payload tuple)
_LIST = object()
_SET = object()
_OBJ = object()
_BUSY = object()  # in the freezer's memo while a container is being frozen: a cycle

LEAVES: frozenset[type] = frozenset(
    {
        str,
        int,
        float,
        bool,
        complex,
        type(None),
        bytes,
        Decimal,
        Fraction,
        uuid.UUID,
        dt.datetime,
        dt.date,
        dt.time,
        dt.timedelta,
        dt.timezone,
        range,
    }
)

_getsizeof = sys.getsizeof


class _NotPlain(Exception):
    pass


def _is_leaf_type(t: type) -> bool:
    return t in LEAVES or issubclass(t, enum.Enum)


_plain_types: dict[type, bool] = {}
_frozen_types: dict[type, bool] = {}
_MAX_IMMUTABLE_DEPTH = 100


def _plain_instance_type(cls: type) -> bool:
    """A class whose instances pickle as ``__newobj__`` + their ``__dict__`` (the default)."""
    known = _plain_types.get(cls)
    if known is None:
        known = _plain_types[cls] = _is_plain_instance_type(cls)
    return known


def _is_plain_instance_type(cls: type) -> bool:
    if cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__:
        return False
    if getattr(cls, "__getstate__", object.__getstate__) is not object.__getstate__:
        return False
    if hasattr(cls, "__setstate__") or hasattr(cls, "__getnewargs_ex__"):
        return False
    if hasattr(cls, "__getnewargs__"):
        return False
    return not any(vars(k).get("__slots__") for k in cls.__mro__[:-1])  # () as Generic has


def _frozen_record_type(cls: type) -> bool:
    """A class decorated ``@dataclass(frozen=True)`` itself, or a pydantic model configured
    ``frozen=True``: its instances' fields cannot be reassigned."""
    known = _frozen_types.get(cls)
    if known is None:
        params = cls.__dict__.get("__dataclass_params__")
        known = bool(params is not None and getattr(params, "frozen", False))
        if not known and hasattr(cls, "__pydantic_fields__"):
            cfg = getattr(cls, "model_config", None)
            known = bool(isinstance(cfg, dict) and cfg.get("frozen"))
        _frozen_types[cls] = known
    return known


def is_immutable(x: Any, _depth: int = 0) -> bool:
    """Whether ``x`` can never change: a leaf, a tuple/frozenset of such values, or an immutable
    record (frozen dataclass / frozen pydantic model) whose fields are all such values."""
    t = type(x)
    if t in LEAVES or issubclass(t, enum.Enum):
        return True
    if _depth > _MAX_IMMUTABLE_DEPTH:
        return False
    if t is tuple or t is frozenset:
        if set(map(type, x)) <= LEAVES:
            return True
        return all(is_immutable(v, _depth + 1) for v in x)
    if _frozen_record_type(t):
        fields = fields_of(x)
        return fields is not None and all(is_immutable(v, _depth + 1) for v in fields.values())
    return False


def deep_copy(state: Any) -> Any:
    """``copy.deepcopy``, which also copies instances of ``@aggregate``-decorated classes (whose
    ``__dict__`` descriptor ``deepcopy`` cannot use) by their instance dict."""
    try:
        return copy.deepcopy(state)
    except TypeError:
        d = instance_dict(state)
        if d is None:
            raise
        new = object.__new__(type(state))
        set_instance_dict(new, copy.deepcopy(d))
        return new


class _Freezer:
    __slots__ = ("memo", "size")

    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}
        self.size = 0

    def do(self, x: Any) -> Any:
        t = type(x)
        if t in LEAVES:
            return x
        memo = self.memo
        found = memo.get(id(x))
        if found is not None:
            if found is _BUSY:
                raise _NotPlain  # a cycle: pickle handles those
            return found
        memo[id(x)] = _BUSY
        if t is list:
            if set(map(type, x)) <= LEAVES:
                y: Any = (_LEAF_LIST, tuple(x))
            else:
                y = (_LIST, tuple([self.do(v) for v in x]))
            self.size += _getsizeof(y[1]) + 56
        elif t is dict:
            if not set(map(type, x)) <= LEAVES:
                self._check_keys(x)
            if set(map(type, x.values())) <= LEAVES:
                y = x.copy()
            else:
                do = self.do
                y = {k: do(v) for k, v in x.items()}
            self.size += _getsizeof(y)
        elif t is set or t is frozenset:
            if not set(map(type, x)) <= LEAVES:
                raise _NotPlain
            y = (_SET, tuple(x)) if t is set else x
            self.size += _getsizeof(y[1]) if t is set else 0
        elif t is tuple:
            items = [self.do(v) for v in x]
            y = x if all(a is b for a, b in zip(items, x, strict=True)) else tuple(items)
        elif issubclass(t, enum.Enum):
            y = x
        elif _frozen_record_type(t) and is_immutable(x):
            y = x  # an immutable record: shared like a leaf
        elif _plain_instance_type(t) and type(dd := instance_dict(x)) is dict:
            y = (_OBJ, t, self.do(dd))
            self.size += 72
        else:
            raise _NotPlain
        memo[id(x)] = y
        return y

    def _check_keys(self, d: dict[Any, Any]) -> None:
        for k in d:
            t = type(k)
            if t in LEAVES or _is_leaf_type(t):
                continue
            if t is tuple and self.do(k) is k:
                continue
            raise _NotPlain


class _Thawer:
    __slots__ = ("memo",)

    def __init__(self) -> None:
        self.memo: dict[int, Any] = {}

    def do(self, x: Any) -> Any:
        t = type(x)
        if t in LEAVES:
            return x
        memo = self.memo
        found = memo.get(id(x))
        if found is not None:
            return found
        if t is tuple:
            if len(x) == 2 and x[0] is _LEAF_LIST:
                y: Any = list(x[1])
            elif len(x) == 2 and x[0] is _LIST:
                y = []
                memo[id(x)] = y
                do = self.do
                y.extend([do(v) for v in x[1]])
            elif len(x) == 2 and x[0] is _SET:
                y = set(x[1])
            elif len(x) == 3 and x[0] is _OBJ:
                y = object.__new__(x[1])
                memo[id(x)] = y
                set_instance_dict(y, self.do(x[2]))
            else:
                items = [self.do(v) for v in x]
                y = x if all(a is b for a, b in zip(items, x, strict=True)) else tuple(items)
        elif t is dict:
            if set(map(type, x.values())) <= LEAVES:
                y = x.copy()
            else:
                y = {}
                memo[id(x)] = y
                do = self.do
                for k, v in x.items():
                    y[k] = do(v)
        else:  # frozensets and enum members are stored as they are
            return x
        memo[id(x)] = y
        return y


def freeze(state: Any) -> tuple[Any, int]:
    """``(stored form, bytes held by its own containers)``, or ``(NOT_PLAIN, 0)``.

    The leaves are shared with ``state`` (they are immutable), so the size counts only the
    containers: a list of 100,000 strings costs 800 KB, not the strings again.
    """
    t = type(state)
    if t is not dict and not _plain_instance_type(t) and not _frozen_record_type(t):
        return NOT_PLAIN, 0
    f = _Freezer()
    try:
        out = f.do(state)
    except (_NotPlain, RecursionError):
        return NOT_PLAIN, 0
    return out, f.size + 64


def thaw(stored: Any) -> Any:
    """A fresh live copy of a :func:`freeze` result (the replay may mutate it)."""
    return _Thawer().do(stored)


def plain_copy(state: Any) -> tuple[Any, int]:
    """A live copy of ``state`` made through its stored form, or ``(NOT_PLAIN, 0)``."""
    stored, size = freeze(state)
    if stored is NOT_PLAIN:
        return NOT_PLAIN, 0
    return thaw(stored), size
