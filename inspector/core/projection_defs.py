"""Projection definitions: the user's ``eventsourcing.projection.Projection`` subclasses.

Found by reading the source under ``--path`` (:mod:`inspector.core.source_scan`; nothing is
imported to find them), or named ``module:Class``; a projection's module is imported only when
the user picks it (by name or ``module:Class``), with the one view class that fits it.
The view class is the concrete ``TrackingRecorder`` subclass of the projection's view type
(``Projection[View]``) for this database (``PostgresTrackingRecorder`` or
``SQLiteTrackingRecorder``), or ``--view``.
A module that cannot be parsed is reported, never fatal for the others.
"""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError


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


@dataclass
class ProjectionSource:
    """A projection class found by reading source (nothing was imported to find it).

    ``view`` is the one concrete view class that fits this database, found the same way (None
    when none or several do: ``candidates`` lists them). ``topics`` is None when the class
    body does not give them as literal strings.
    """

    name: str
    spec: str
    view: str | None
    view_type: str | None
    topics: tuple[str, ...] | None
    candidates: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "class": self.spec,
            "view": self.view,
            "view_type": self.view_type.rsplit(".", 1)[-1] if self.view_type else None,
            "topics": list(self.topics or ()),
            "topics_known": self.topics is not None,
        }


def _source_definitions(index: Any, kind: str) -> list[ProjectionSource]:
    from eventsourcing.projection import Projection

    base = _backend_base(kind)
    out = []
    for c in index.subclasses_of(Projection, concrete=True):
        name = index.attribute(c, "name")
        if not isinstance(name, str) or "name" not in c.attrs:
            name = c.name  # Projection.__init_subclass__: the class name unless set
        topics = index.attribute(c, "topics")
        if not (isinstance(topics, (tuple, list)) and all(isinstance(t, str) for t in topics)):
            topics = None
        vt = _source_view_type(index, c)
        candidates: list[str] = []
        if vt is not None:
            candidates = [
                v.spec for v in index.classes()
                if index.derives_from(v, base) and not index.abstract_methods(v)
                and (v.dotted == vt or _derives_from_dotted(index, v, vt))
            ]
        out.append(ProjectionSource(name, c.spec, candidates[0] if len(candidates) == 1 else None,
                                    vt, tuple(topics) if topics is not None else None,
                                    candidates))
    return out


def _source_view_type(index: Any, cls: Any, depth: int = 0) -> str | None:
    """The dotted name of ``X`` in the first ``Projection[X]``-like base along scanned bases."""
    if depth > 50:
        return None
    for args in cls.base_args:
        if args:
            found = index.lookup(args[0])
            return found.dotted if hasattr(found, "dotted") else args[0]
    for b in cls.bases:
        found = index.lookup(b)
        if hasattr(found, "bases"):
            vt = _source_view_type(index, found, depth + 1)
            if vt:
                return vt
    return None


def _derives_from_dotted(index: Any, cls: Any, target: str, depth: int = 0) -> bool:
    if depth > 50:
        return False
    for b in cls.bases:
        found = index.lookup(b)
        dotted = found.dotted if hasattr(found, "dotted") else found
        if dotted == target:
            return True
        if hasattr(found, "bases") and _derives_from_dotted(index, found, target, depth + 1):
            return True
    return False


def discover_projections(
    paths: Sequence[str], kind: str
) -> tuple[list[ProjectionSource], list[str]]:
    """Projection classes defined under ``paths``, found by reading source: (found, problems).

    Nothing under ``paths`` is imported (see :mod:`inspector.core.source_scan`); a projection is
    imported only when the user picks it (:func:`find_projection`, :func:`load_definition`).
    """
    from inspector.core.source_scan import SourceIndex

    for p in paths:
        if not Path(p).expanduser().is_dir():
            raise InspectorError(f"--path {p}: not a directory")
    index = SourceIndex(paths)
    return _source_definitions(index, kind), list(index.problems)


def load_definition(
    src: ProjectionSource | ProjectionDef, paths: Sequence[str], kind: str
) -> ProjectionDef:
    """The projection the user picked (a discovered one), imported now because it was picked."""
    if isinstance(src, ProjectionDef):
        return src
    return find_projection(src.spec, paths, kind, src.view)


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
        if d.view_class is None and not d.candidates and paths:
            # Its view may live in a module the projection's module does not import.
            src_views = [s.view for s in discover_projections(paths, kind)[0]
                         if s.spec == name and s.view]
            if src_views:
                d.view_class = _import_spec(src_views[0], "view")
    else:
        found, problems = discover_projections(paths, kind)
        matches = [d for d in found if d.name.lower() == name.lower()
                   or d.spec.rpartition(":")[2].rsplit(".", 1)[-1].lower() == name.lower()]
        if not matches:
            known = ", ".join(sorted(d.name for d in found)) or "none"
            hint = f"; problems: {'; '.join(problems[:3])}" if problems else ""
            where = "under " + ", ".join(paths) if paths else "(give --path DIR)"
            raise InspectorError(f"no projection {name!r} found {where} (found: {known}){hint}")
        if len(matches) > 1:
            raise InspectorError(f"projection {name!r} is ambiguous: "
                                 + ", ".join(d.spec for d in matches))
        src = matches[0]
        # The user picked this projection: import it (and the one view class that fits it).
        cls = _import_spec(src.spec, "projection")
        if not (isinstance(cls, type) and issubclass(cls, Projection)):
            raise InspectorError(f"projection {src.spec}: not an eventsourcing Projection subclass")
        if view_cls is None and src.view is not None:
            view_cls = _import_spec(src.view, "view")
        d = _definition(cls, kind, view_cls)
        if d.view_class is None and src.candidates:
            raise InspectorError(
                f"projection {d.name}: several view classes fit; choose one with --view: "
                + ", ".join(src.candidates)
            )
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


