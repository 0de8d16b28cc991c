"""Projection definitions: the user's ``eventsourcing.projection.Projection`` subclasses.

Found by importing the modules under ``--path`` (or named ``module:Class``). The view class is
the concrete ``TrackingRecorder`` subclass of the projection's view type (``Projection[View]``)
for this database (``PostgresTrackingRecorder`` or ``SQLiteTrackingRecorder``), or ``--view``.
A module that cannot be imported is reported, never fatal for the others.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError

MAX_DISCOVERED_MODULES = 500


@dataclass
class ProjectionDef:
    name: str
    projection_class: type
    view_class: type | None
    view_type: type | None
    topics: tuple[str, ...]
    candidates: list[type] = field(default_factory=list)

    @property
    def spec(self) -> str:
        c = self.projection_class
        return f"{c.__module__}:{c.__qualname__}"

    def to_json(self) -> dict[str, Any]:
        v = self.view_class
        return {
            "name": self.name,
            "class": self.spec,
            "view": f"{v.__module__}:{v.__qualname__}" if v else None,
            "view_type": self.view_type.__qualname__ if self.view_type else None,
            "topics": list(self.topics),
        }


def _import_spec(spec: str, what: str) -> Any:
    if ":" not in spec:
        raise InspectorError(f"{what} {spec!r}: expected MODULE:CLASS")
    module, _, qual = spec.partition(":")
    try:
        obj: Any = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - user code may raise anything on import
        raise InspectorError(f"{what} {spec}: cannot import {module!r}: "
                             f"{type(exc).__name__}: {exc}") from None
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InspectorError(f"{what} {spec}: {module!r} has no {qual!r}") from None
    return obj


def _modules_under(paths: Sequence[str]) -> Iterator[str]:
    count = 0
    for p in paths:
        root = Path(p)
        for info in pkgutil.iter_modules([str(root)]):
            yield info.name
            count += 1
            if info.ispkg:
                for sub in pkgutil.walk_packages([str(root / info.name)], prefix=info.name + "."):
                    yield sub.name
                    count += 1
                    if count > MAX_DISCOVERED_MODULES:
                        return


def view_type_of(projection_class: type) -> type | None:
    for klass in projection_class.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            args = typing.get_args(base)
            if args and isinstance(args[0], type):
                return args[0]
    return None


def _all_subclasses(cls: type) -> list[type]:
    out, todo = [], [cls]
    while todo:
        c = todo.pop()
        for s in c.__subclasses__():
            if s not in out:
                out.append(s)
                todo.append(s)
    return out


def _backend_base(kind: str) -> type:
    if kind == "postgres":
        from eventsourcing.postgres import PostgresTrackingRecorder

        return PostgresTrackingRecorder
    from eventsourcing.sqlite import SQLiteTrackingRecorder

    return SQLiteTrackingRecorder


def _definition(cls: type, kind: str, view: type | None) -> ProjectionDef:
    vt = view_type_of(cls)
    base = _backend_base(kind)
    candidates = []
    if vt is not None:
        candidates = [
            c for c in [vt, *_all_subclasses(vt)]
            if issubclass(c, base) and not inspect.isabstract(c)
        ]
    chosen = view or (candidates[0] if len(candidates) == 1 else None)
    return ProjectionDef(str(cls.name), cls, chosen, vt, tuple(getattr(cls, "topics", ()) or ()),
                         candidates)


def discover_projections(paths: Sequence[str], kind: str) -> tuple[list[ProjectionDef], list[str]]:
    """Projection subclasses defined in modules under ``paths``; (definitions, import problems)."""
    from eventsourcing.projection import Projection

    from inspector.core.domain import add_paths

    roots = add_paths(paths)
    problems: list[str] = []
    found: dict[type, None] = {}
    for modname in _modules_under(roots):
        try:
            mod = importlib.import_module(modname)
        except Exception as exc:  # noqa: BLE001 - user modules
            problems.append(f"{modname}: {type(exc).__name__}: {exc}")
            continue
        for obj in vars(mod).values():
            if (
                isinstance(obj, type) and issubclass(obj, Projection) and obj is not Projection
                and obj.__module__ == mod.__name__ and not inspect.isabstract(obj)
            ):
                found[obj] = None
    return [_definition(c, kind, None) for c in found], problems


def find_projection(
    name: str, paths: Sequence[str], kind: str, view: str | None = None
) -> ProjectionDef:
    """The projection named ``name`` (``Projection.name``, case-insensitive) or ``module:Class``."""
    from eventsourcing.projection import Projection

    from inspector.core.domain import add_paths

    add_paths(paths)
    view_cls: type | None = None
    if view:
        view_cls = _import_spec(view, "--view")
        base = _backend_base(kind)
        if not (isinstance(view_cls, type) and issubclass(view_cls, base)):
            raise InspectorError(f"--view {view}: not a {base.__name__} subclass "
                                 f"(the view must suit this {kind} database)")
    if ":" in name:
        cls = _import_spec(name, "projection")
        if not (isinstance(cls, type) and issubclass(cls, Projection)):
            raise InspectorError(f"projection {name}: not an eventsourcing Projection subclass")
        d = _definition(cls, kind, view_cls)
    else:
        defs, problems = discover_projections(paths, kind)
        matches = [d for d in defs if d.name.lower() == name.lower()
                   or d.projection_class.__name__.lower() == name.lower()]
        if not matches:
            known = ", ".join(sorted(d.name for d in defs)) or "none"
            hint = f"; import problems: {'; '.join(problems[:3])}" if problems else ""
            where = "under " + ", ".join(paths) if paths else "(give --path DIR)"
            raise InspectorError(f"no projection {name!r} found {where} (found: {known}){hint}")
        if len(matches) > 1:
            raise InspectorError(f"projection {name!r} is ambiguous: "
                                 + ", ".join(d.spec for d in matches))
        d = matches[0]
        if view_cls is not None:
            d.view_class = view_cls
    if d.view_class is None:
        if d.candidates:
            raise InspectorError(
                f"projection {d.name}: several view classes fit; choose one with --view: "
                + ", ".join(f"{c.__module__}:{c.__qualname__}" for c in d.candidates)
            )
        raise InspectorError(
            f"projection {d.name}: no concrete {_backend_base(kind).__name__} subclass of its "
            f"view type {getattr(d.view_type, '__qualname__', '?')} was found; give --view "
            f"MODULE:CLASS"
        )
    return d


