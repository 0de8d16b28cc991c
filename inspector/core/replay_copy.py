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
Python code, which lets other threads run between calls. Anything else (custom value objects,
``__slots__``, custom pickling) is :data:`NOT_PLAIN`, and the caller falls back to ``pickle``.
"""

from __future__ import annotations

import datetime as dt
import enum
import sys
import uuid
from decimal import Decimal
from fractions import Fraction
from typing import Any

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


def _plain_instance_type(cls: type) -> bool:
    """A class whose instances pickle as ``__newobj__`` + their ``__dict__`` (the default)."""
    if cls.__reduce_ex__ is not object.__reduce_ex__ or cls.__reduce__ is not object.__reduce__:
        return False
    if getattr(cls, "__getstate__", object.__getstate__) is not object.__getstate__:
        return False
    if hasattr(cls, "__setstate__") or hasattr(cls, "__getnewargs_ex__"):
        return False
    if hasattr(cls, "__getnewargs__"):
        return False
    return not any(vars(k).get("__slots__") for k in cls.__mro__[:-1])  # () as Generic has


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
        elif hasattr(x, "__dict__") and _plain_instance_type(t) and type(vars(x)) is dict:
            y = (_OBJ, t, self.do(vars(x)))
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
                object.__setattr__(y, "__dict__", self.do(x[2]))
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
    if type(state) is not dict and not (
        hasattr(state, "__dict__") and _plain_instance_type(type(state))
    ):
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
