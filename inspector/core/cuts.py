"""The one marker for every cut the inspector makes (DESIGN.md "Cuts").

Wherever the inspector shortens data -- nesting deeper than it walks, a payload larger than
``--max-payload`` after decompression, a string or container it will not show whole -- the value
is replaced by one JSON object with the reserved key ``"_inspector_"``::

    {"_inspector_": "truncated", "reason": "nesting deeper than 1000 levels", "size": 1000}

``size`` is the measure the reason speaks of (levels, bytes, items) or ``None``. A stored value
that itself happens to carry the key ``_inspector_`` is not a cut: ``is_cut`` checks the value
``"truncated"`` together with the ``reason`` key, and the inspector never invents one elsewhere.
"""

from __future__ import annotations

from typing import Any

CUT_KEY = "_inspector_"
CUT_VALUE = "truncated"


def cut(reason: str, size: int | None = None) -> dict[str, Any]:
    """Return the marker: ``{"_inspector_": "truncated", "reason": reason, "size": size}``."""
    return {CUT_KEY: CUT_VALUE, "reason": reason, "size": size}


def is_cut(value: Any) -> bool:
    """True when ``value`` is a marker made by :func:`cut`."""
    return (
        isinstance(value, dict)
        and value.get(CUT_KEY) == CUT_VALUE
        and "reason" in value
        and len(value) == 3
    )
