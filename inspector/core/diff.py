"""Structural diff of normalised states: path-level add / remove / change.

Values are compared after the DESIGN.md normalisation, so dataclasses and value objects are
dicts of their attributes and are diffed attribute by attribute. Dicts are diffed by key. Lists
are aligned with :class:`difflib.SequenceMatcher` on the elements' canonical JSON, so appending
to a list is one ``add`` at its index (not a shifted list), and removing one element is one
``remove`` at its old index. Paired elements that differ are diffed recursively.

A change is ``{"path": [...], "op": "add"|"remove"|"change", "old", "new"}``; ``old`` is null
for ``add`` and ``new`` is null for ``remove``.
"""

from __future__ import annotations

import difflib
import json
from typing import Any

import orjson

Path = list[str | int]


def canonical_json(v: Any) -> bytes:
    """Canonical JSON bytes of a normalised value (sorted keys; exact integers at any size)."""
    try:
        return orjson.dumps(v, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return json.dumps(v, sort_keys=True, default=repr).encode("utf-8")


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        # 1 == 1.0 == True in Python; a JSON viewer tells them apart.
        return False
    return bool(a == b)


def diff_values(old: Any, new: Any, path: Path | None = None) -> list[dict[str, Any]]:
    """The changes that turn ``old`` into ``new`` (both normalised JSON values).

    Iterative (an explicit stack of pending steps, in the order a recursive walk would take
    them), so no nesting depth raises RecursionError.
    """
    out: list[dict[str, Any]] = []
    # A step is ("diff", old, new, path) or ("emit", change, None, None).
    stack: list[tuple[str, Any, Any, Any]] = [("diff", old, new, list(path or []))]
    while stack:
        kind, a, b, p = stack.pop()
        if kind == "emit":
            out.append(a)
            continue
        steps: list[tuple[str, Any, Any, Any]] = []
        _diff(a, b, p, steps)
        stack.extend(reversed(steps))
    return out


def _emit(change: dict[str, Any]) -> tuple[str, Any, Any, Any]:
    return ("emit", change, None, None)


def _diff(old: Any, new: Any, path: Path, steps: list[tuple[str, Any, Any, Any]]) -> None:
    """The steps of one level: changes found here and the children still to compare."""
    if isinstance(old, dict) and isinstance(new, dict):
        for k, v in old.items():
            if k not in new:
                steps.append(_emit({"path": [*path, k], "op": "remove", "old": v, "new": None}))
            else:
                w = new[k]
                if type(v) is type(w) and (type(v) is dict or type(v) is list):
                    steps.append(("diff", v, w, [*path, k]))
                elif not _same(v, w):
                    steps.append(("diff", v, w, [*path, k]))
        for k, v in new.items():
            if k not in old:
                steps.append(_emit({"path": [*path, k], "op": "add", "old": None, "new": v}))
        return
    if isinstance(old, list) and isinstance(new, list):
        _diff_list(old, new, path, steps)
        return
    if not _same(old, new):
        steps.append(_emit({"path": path, "op": "change", "old": old, "new": new}))


_EXACT = frozenset({str, type(None)})  # == between these (and one numeric type) is _same


def _exact_eq(old: list[Any], new: list[Any]) -> bool:
    """Whether C-level ``==`` on these lists' elements means ``_same`` (no 1 == 1.0 == True)."""
    types = set(map(type, old))
    types.update(map(type, new))
    return len(types - _EXACT) <= 1 and types <= _EXACT | {int, float, bool}


def _diff_list(
    old: list[Any], new: list[Any], path: Path, steps: list[tuple[str, Any, Any, Any]]
) -> None:
    # Fast paths: common prefix, then pure append / pure truncation.
    n = min(len(old), len(new))
    if n > 64 and _exact_eq(old, new):  # one C comparison instead of n Python ones
        if old == new[: len(old)]:
            i = len(old)
        elif new == old[: len(new)]:
            i = len(new)
        else:
            i = 0
    else:
        i = 0
    while i < n and _atom_same(old[i], new[i]):
        i += 1
    if i == len(old):
        for j in range(i, len(new)):
            steps.append(_emit({"path": [*path, j], "op": "add", "old": None, "new": new[j]}))
        return
    if i == len(new):
        for j in range(len(old) - 1, i - 1, -1):
            steps.append(_emit({"path": [*path, j], "op": "remove", "old": old[j], "new": None}))
        return
    a = [canonical_json(v) for v in old]
    b = [canonical_json(v) for v in new]
    sm = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    removes: list[tuple[str, Any, Any, Any]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace":
            k = min(i2 - i1, j2 - j1)
            for d in range(k):
                steps.append(("diff", old[i1 + d], new[j1 + d], [*path, j1 + d]))
            for d in range(k, i2 - i1):
                removes.append(_emit(
                    {"path": [*path, i1 + d], "op": "remove", "old": old[i1 + d], "new": None}
                ))
            for d in range(k, j2 - j1):
                steps.append(_emit(
                    {"path": [*path, j1 + d], "op": "add", "old": None, "new": new[j1 + d]}
                ))
        elif tag == "delete":
            for d in range(i1, i2):
                removes.append(
                    _emit({"path": [*path, d], "op": "remove", "old": old[d], "new": None})
                )
        elif tag == "insert":
            for d in range(j1, j2):
                steps.append(_emit({"path": [*path, d], "op": "add", "old": None, "new": new[d]}))
    steps.extend(reversed(removes))


def _atom_same(a: Any, b: Any) -> bool:
    """``_same`` for the common-prefix scan: containers compare by their canonical JSON."""
    ta = type(a)
    if ta is dict or ta is list:
        return type(b) is ta and canonical_json(a) == canonical_json(b)
    return _same(a, b)


def get_path(value: Any, path: Path) -> tuple[bool, Any]:
    """(found, value) at ``path`` in a normalised value."""
    cur = value
    for p in path:
        if isinstance(cur, dict):
            if p in cur:
                cur = cur[p]
                continue
            if isinstance(p, int) and str(p) in cur:
                cur = cur[str(p)]
                continue
            return False, None
        if isinstance(cur, list):
            try:
                idx = int(p)
            except (TypeError, ValueError):
                return False, None
            if -len(cur) <= idx < len(cur):
                cur = cur[idx]
                continue
            return False, None
        return False, None
    return True, cur


def parse_path(text: str) -> Path:
    """``items.0.qty`` -> ``["items", 0, "qty"]`` (digit runs are list indices)."""
    if not text or not text.strip():
        from inspector.core.errors import InspectorError

        raise InspectorError("PATH is empty (e.g. balance or items.0.qty)")
    out: Path = []
    for part in text.strip().split("."):
        out.append(int(part) if part.isdigit() else part)
    return out
