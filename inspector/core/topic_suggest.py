"""Suggest ``register_topic`` mappings for stored topics that no longer resolve.

The user's code is *read*, never imported: every ``.py`` file under the ``--path`` directories
is parsed with :mod:`ast`, and each class (nested classes included) is recorded under its
would-be topic ``module:Qual.Name``. Event classes the library creates from ``@event("Name")``
decorators on an aggregate's methods are recorded as ``Aggregate.Name`` too. A stored topic
``old.module:Qual.Name`` that does not resolve gets a suggestion when exactly one class with the
same qualified name (or, failing that, the same class name) exists in another module.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MAX_FILES = 5000
MAX_FILE_BYTES = 2_000_000
_SKIP_DIRS = {"__pycache__", "node_modules", "site-packages", "build", "dist"}


def _module_name(root: Path, path: Path) -> str | None:
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _event_name(dec: ast.expr) -> str | None:
    """``@event("Name")`` / ``@event(name="Name")`` -> "Name"."""
    if not isinstance(dec, ast.Call):
        return None
    f = dec.func
    fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    if fname not in ("event", "triggers"):
        return None
    arg = dec.args[0] if dec.args else next(
        (k.value for k in dec.keywords if k.arg == "name"), None)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return arg.value
    return None


def _classes(tree: ast.AST) -> Iterable[str]:
    def walk(body: list[ast.stmt], prefix: str) -> Iterable[str]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                qual = f"{prefix}{node.name}"
                yield qual
                yield from walk(node.body, qual + ".")
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        for dec in item.decorator_list:
                            name = _event_name(dec)
                            if name:
                                yield f"{qual}.{name}"

    body = getattr(tree, "body", [])
    yield from walk(body, "")


def class_index(paths: Iterable[str]) -> dict[str, list[str]]:
    """qualname -> [module, ...] of the classes defined under ``paths`` (read with ast)."""
    out: dict[str, list[str]] = {}
    seen = 0
    for p in paths:
        root = Path(p).expanduser().resolve()
        if not root.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(
                d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS
            )
            for fn in sorted(filenames):
                if not fn.endswith(".py"):
                    continue
                seen += 1
                if seen > MAX_FILES:
                    return out
                path = Path(dirpath) / fn
                mod = _module_name(root, path)
                if mod is None:
                    continue
                try:
                    if path.stat().st_size > MAX_FILE_BYTES:
                        continue
                    tree = ast.parse(path.read_bytes(), filename=str(path))
                except (OSError, SyntaxError, ValueError):
                    continue
                for qual in _classes(tree):
                    mods = out.setdefault(qual, [])
                    if mod not in mods:
                        mods.append(mod)
    return out


def suggest(topics: Iterable[str], paths: Iterable[str]) -> list[dict[str, Any]]:
    """``[{"topic", "suggest", "new_topic"}]`` for each unresolved topic with one candidate."""
    topics = sorted(set(topics))
    if not topics:
        return []
    index = class_index(paths)
    by_name: dict[str, list[tuple[str, str]]] = {}
    for qual, mods in index.items():
        for m in mods:
            by_name.setdefault(qual.rsplit(".", 1)[-1], []).append((m, qual))
    out = []
    for topic in topics:
        module, _, qual = topic.partition(":")
        if not qual:
            continue
        cands = [(m, qual) for m in index.get(qual, []) if m != module]
        if not cands:
            cands = [c for c in by_name.get(qual.rsplit(".", 1)[-1], []) if c[0] != module]
        if len(cands) != 1:
            continue
        new_mod, new_qual = cands[0]
        top = new_qual.split(".", 1)[0]
        out.append({
            "topic": topic,
            "suggest": (f"from {new_mod} import {top}; "
                        f"register_topic({topic!r}, {new_qual})").replace("'", '"'),
            "new_topic": f"{new_mod}:{new_qual}",
        })
    return out
