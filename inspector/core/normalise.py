"""The JSON normalisation of DESIGN.md: any Python value -> plain JSON-able data.

UUID -> canonical string; datetime/date/time -> isoformat(); Decimal -> string; tuple/list ->
list; set/frozenset -> sorted list; Enum -> its value; bytes -> base64; NaN/Infinity -> strings;
dataclasses, pydantic models and other objects -> dict of their fields
(:func:`inspector.core.state_fields.fields_of`).
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import enum
import math
import uuid
from typing import Any

from inspector.core.state_fields import fields_of

_MAX_DEPTH = 200
_JSON_ATOMS = frozenset({str, int, bool, type(None)})  # exact types normalise returns as they are


def _float(v: float) -> Any:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def _sort_key(v: Any) -> tuple[str, str]:
    return (type(v).__name__, repr(v))


def normalise(value: Any, _depth: int = 0) -> Any:
    """Return ``value`` as plain JSON data (dict/list/str/int/float/bool/None)."""
    if value is None or isinstance(value, (bool, str, int)):
        if isinstance(value, enum.Enum):
            return normalise(value.value, _depth + 1)
        return value
    if isinstance(value, float):
        return _float(value)
    if _depth > _MAX_DEPTH:
        return repr(value)
    d = _depth + 1
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: normalise(v, d) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if len(value) > 32 and set(map(type, value)) <= _JSON_ATOMS:
            return list(value)  # already JSON: one C call instead of len(value) Python calls
        return [normalise(v, d) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [normalise(v, d) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return sorted(items, key=_sort_key)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return normalise(value.value, d)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if not isinstance(value, type):
        # objects: their fields by the one rule of inspector.core.state_fields (instance dict,
        # dataclass, pydantic or slot fields; never _pending_events)
        fields = fields_of(value)
        if fields is not None:
            return {str(k): normalise(v, d) for k, v in fields.items()}
    return repr(value)
