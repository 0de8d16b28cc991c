"""The JSON normalisation of DESIGN.md: any Python value -> plain JSON-able data.

UUID -> canonical string; datetime/date/time -> isoformat(); Decimal -> string; tuple/list ->
list; set/frozenset -> sorted list; Enum -> its value; bytes -> base64; NaN/Infinity -> strings;
integers stay exact integers at any size; dataclasses, pydantic models and other objects ->
dict of their fields (:func:`inspector.core.state_fields.fields_of`; never the library's
``_pending_events``).

The walk is iterative (an explicit stack), so no nesting raises RecursionError; containers
nested deeper than ``MAX_DEPTH`` levels are replaced by the one cut marker
(:func:`inspector.core.cuts.cut`), never by a repr.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import math
import uuid
from typing import Any

from inspector.core.cuts import cut
from inspector.core.state_fields import fields_of

MAX_DEPTH = 500  # the codec's MAX_JSON_DEPTH: decoded JSON and replayed state agree
_JSON_ATOMS = frozenset({str, int, bool, type(None)})  # exact types normalise returns as they are


def _float(v: float) -> Any:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _sort_key(v: Any) -> tuple[str, str]:
    return (type(v).__name__, repr(v))


def depth_reason(limit: int = MAX_DEPTH) -> str:
    """The marker's reason for values nested deeper than ``limit`` levels (as the codec's)."""
    return f"nested deeper than {limit} levels"


def _deepest(value: Any, start: int, budget: int = 100_000) -> int | None:
    """The deepest level of dicts/lists/tuples under ``value`` (at level ``start``), or None
    past ``budget`` containers (iterative)."""
    deepest = start
    stack = [(value, start)]
    seen = 0
    while stack:
        v, d = stack.pop()
        seen += 1
        if seen > budget:
            return None
        deepest = max(deepest, d)
        kids = v.values() if isinstance(v, dict) else v
        stack.extend((c, d + 1) for c in kids if isinstance(c, (dict, list, tuple)))
    return deepest


def _items(value: Any) -> list[tuple[Any, Any]] | None:
    """An object's fields as (name, value) pairs (the one rule of
    :mod:`inspector.core.state_fields`), or None when it has none to show."""
    if isinstance(value, type):
        return None
    fields = fields_of(value)
    return None if fields is None else list(fields.items())


def _leaf(value: Any, depth: int) -> tuple[bool, Any]:
    """(True, normalised) for a value that is not a container to walk, else (False, None)."""
    if value is None or isinstance(value, (bool, str, int)):
        if isinstance(value, enum.Enum):
            return True, normalise(value.value, depth)
        return True, value
    if isinstance(value, float):
        return True, _float(value)
    if isinstance(value, uuid.UUID):
        return True, str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return True, value.isoformat()
    if isinstance(value, decimal.Decimal):
        return True, str(value)
    if isinstance(value, enum.Enum):
        return True, normalise(value.value, depth)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return True, base64.b64encode(bytes(value)).decode("ascii")
    return False, None


def normalise(value: Any, _depth: int = 0, max_depth: int = MAX_DEPTH) -> Any:
    """Return ``value`` as plain JSON data (dict/list/str/int/float/bool/None).

    Iterative: any nesting is walked without recursion; a container below level
    ``max_depth`` becomes ``cut("nested deeper than N levels", deepest level or None)``.
    """
    t = type(value)
    if t in _JSON_ATOMS:
        return value
    root: list[Any] = [None]
    stack: list[tuple[Any, int, Any, Any]] = [(value, _depth, root, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        v, depth, target, key = pop()
        tv = type(v)
        if tv in _JSON_ATOMS:
            target[key] = v
            continue
        if tv is float:
            target[key] = _float(v)
            continue
        is_leaf, out = _leaf(v, depth)
        if is_leaf:
            target[key] = out
            continue
        d = depth + 1
        pairs = None
        if not isinstance(v, (dict, list, tuple, set, frozenset)):
            pairs = _items(v)
            if pairs is None:
                target[key] = repr(v)  # an opaque object: its repr is all there is to show
                continue
        if d > max_depth:
            deepest = _deepest(v, d) if isinstance(v, (dict, list, tuple)) else None
            target[key] = cut(depth_reason(max_depth), deepest)
            continue
        if isinstance(v, dict):
            res: dict[str, Any] = {}
            for k, child in v.items():
                sk = k if type(k) is str else str(k)
                tc = type(child)
                if tc in _JSON_ATOMS:
                    res[sk] = child
                else:
                    res[sk] = None
                    push((child, d, res, sk))
            target[key] = res
        elif isinstance(v, (list, tuple)):
            if len(v) > 32 and set(map(type, v)) <= _JSON_ATOMS:
                target[key] = list(v)  # already JSON: one C call instead of len(v) steps
                continue
            lst: list[Any] = list(v)
            for i, child in enumerate(lst):
                if type(child) not in _JSON_ATOMS:
                    push((child, d, lst, i))
            target[key] = lst
        elif isinstance(v, (set, frozenset)):
            items = [normalise(c, d, max_depth) for c in v]  # hashable: shallow in practice
            try:
                target[key] = sorted(items)
            except TypeError:
                target[key] = sorted(items, key=_sort_key)
        else:
            obj: dict[str, Any] = {}
            for k, child in pairs or ():
                sk = k if type(k) is str else str(k)
                obj[sk] = None
                push((child, d, obj, sk))
            target[key] = obj
    return root[0]


def json_bytes(obj: Any, indent: bool = True) -> bytes:
    """``obj`` as JSON text (UTF-8), normalised on the way, integers exact at any size.

    orjson where it can (the fast path); integers beyond 64 bits or nesting past orjson's 255
    levels fall back to the standard library, whose output is the same JSON.
    """
    import json

    import orjson

    try:
        return orjson.dumps(obj, default=normalise, option=orjson.OPT_INDENT_2 if indent else 0)
    except TypeError:
        pass
    text = json.dumps(
        obj,
        default=normalise,
        indent=2 if indent else None,
        separators=None if indent else (",", ":"),
        ensure_ascii=False,
    )
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the stored JSON): escape it
        return json.dumps(
            obj, default=normalise, indent=2 if indent else None,
            separators=None if indent else (",", ":"),
        ).encode("ascii")
