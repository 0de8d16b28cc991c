"""One short line saying what an event changed, from :func:`inspector.core.diff.diff_values`.

As time-travel debuggers show beside each action: ``balance 10→15, lines +1``. Changes are
grouped by their top-level field (the first path element): a changed scalar field reads
``field old→new``; a container field reads ``field +A −R ~C`` (items added / removed /
changed under it); a new field ``+field``, a dropped one ``−field``. At most ``limit`` groups
are named, then ``…(+N)``. Fields starting with ``_`` (the library's ``_version``,
``_modified_on``) are left out unless nothing else changed. No changes: ``(no change)``.
Pure text, no Qt.
"""

from __future__ import annotations

from typing import Any

_SCALARS = (str, int, float, bool, type(None))
VALUE_WIDTH = 16  # characters of one shown value before it is shortened with "…"


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else ("null" if value is None else str(value))
    if isinstance(value, bool):
        text = "true" if value else "false"
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def summarize_changes(changes: list[dict[str, Any]], limit: int = 3) -> str:
    """The one-line summary of ``changes`` (``[{"path", "op", "old", "new"}]`` as diff_values
    returns them, in their order). ``limit`` >= 1 groups are named."""
    if not changes:
        return "(no change)"
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        key = str(c["path"][0]) if c["path"] else "(state)"
        groups.setdefault(key, []).append(c)
    # The library's bookkeeping (_version, _modified_on) changes with every event: named only
    # when nothing else changed.
    domain = {k: v for k, v in groups.items() if not k.startswith("_")}
    groups = domain or groups
    parts = []
    for key, cs in groups.items():
        if len(cs) == 1 and len(cs[0]["path"]) <= 1:
            c = cs[0]
            if c["op"] == "add":
                parts.append(f"+{key}")
            elif c["op"] == "remove":
                parts.append(f"−{key}")
            elif isinstance(c["old"], _SCALARS) and isinstance(c["new"], _SCALARS):
                parts.append(f"{key} {_short(c['old'])}→{_short(c['new'])}")
            else:
                parts.append(f"{key} ~1")
            continue
        counts = {"add": 0, "remove": 0, "change": 0}
        for c in cs:
            counts[c["op"]] += 1
        marks = [
            f"{sign}{counts[op]}"
            for op, sign in (("add", "+"), ("remove", "−"), ("change", "~"))
            if counts[op]
        ]
        parts.append(f"{key} {' '.join(marks)}")
    shown = parts[: max(1, limit)]
    rest = len(parts) - len(shown)
    return ", ".join(shown) + (f", …(+{rest})" if rest else "")
