"""Load the user's domain code for domain-mode replay, without touching their store.

``load_domain(paths, app_class)`` adds the ``--path`` directories to ``sys.path``, imports the
application class named by ``--app-class module:Class`` (if any) and builds that application's
:class:`~eventsourcing.persistence.Mapper` — its registered transcodings, cipher, compressor and
transcoder — **without constructing the application against the store**: the application object
is a shell (``object.__new__``) whose infrastructure factory is the library's in-memory POPO
factory, so no CREATE TABLE, no WAL switch and no write can happen. Nothing is unpickled or
evaluated; code runs only by importing modules.

Which code may be imported: the application class's module (the user named it), modules already
imported, and modules whose files lie under one of the ``--path`` directories. A topic whose
module is anywhere else does not resolve (the replay then says so, or ``auto`` picks generic mode).
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from inspector.core.errors import InspectorError

_IMPORT_LOCK = threading.RLock()


class DomainContext:
    """What domain-mode replay needs from the user's code: a mapper and a topic resolver."""

    def __init__(
        self,
        mapper: Any,
        app_class: type | None,
        paths: list[str],
        env: dict[str, str],
    ) -> None:
        self.mapper = mapper
        self.app_class = app_class
        self.paths = [str(Path(p).resolve()) for p in paths]
        self.env = env
        self._resolved: dict[str, Any] = {}
        self._failed: dict[str, str] = {}
        # functional aggregates (inspector.core.projector.attach): --projector and the app
        # class's snapshotting_projectors
        self.projector: Any = None
        self.projector_name: str | None = None
        self.projectors: dict[Any, Any] = {}
        self._lock = threading.RLock()
        # A mapper without cipher/compressor: replay feeds it plaintext (the codec sniffs and
        # undoes compression/encryption whatever the environment says).
        plain = copy.copy(mapper)
        plain.cipher = None
        plain.compressor = None
        self.plain_mapper = plain

    # -- topics -------------------------------------------------------------------------------
    def resolve(self, topic: str) -> Any:
        """The object a topic names; InspectorError (with the reason) if it does not resolve."""
        with self._lock:
            if topic in self._resolved:
                return self._resolved[topic]
            if topic in self._failed:
                raise InspectorError(self._failed[topic])
            try:
                obj = self._resolve(topic)
            except InspectorError as exc:
                self._failed[topic] = str(exc)
                raise
            self._resolved[topic] = obj
            return obj

    def resolves(self, topic: str) -> bool:
        try:
            self.resolve(topic)
        except InspectorError:
            return False
        return True

    def _resolve(self, topic: str) -> Any:
        from eventsourcing.utils import TopicError, _topic_cache, resolve_topic

        if not isinstance(topic, str) or not topic:
            raise InspectorError(f"topic {topic!r} is not a topic")
        if topic not in _topic_cache and not _registered_prefix(topic, _topic_cache):
            module = topic.partition(":")[0]
            if not self.may_import(module):
                raise InspectorError(
                    f"topic {topic!r}: module {module!r} is not importable from the given "
                    f"--path/--app-class"
                )
        try:
            with _IMPORT_LOCK:
                return resolve_topic(topic)
        except TopicError as exc:
            raise InspectorError(f"topic {topic!r} does not resolve: {exc}") from None
        except Exception as exc:  # importing user code may raise anything
            raise InspectorError(
                f"topic {topic!r}: importing its module failed: {type(exc).__name__}: {exc}"
            ) from None

    def may_import(self, module: str) -> bool:
        """Already imported, or found under one of the ``--path`` directories."""
        if module in sys.modules:
            return True
        top = module.split(".", 1)[0]
        if top in sys.modules:
            mod = sys.modules[top]
            locations = list(getattr(mod, "__path__", []) or [])
            f = getattr(mod, "__file__", None)
            if f:
                locations.append(f)
            return any(self._under_paths(loc) for loc in locations)
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            return False
        if spec is None:
            return False
        locations = list(spec.submodule_search_locations or [])
        if spec.origin:
            locations.append(spec.origin)
        return any(self._under_paths(loc) for loc in locations)

    def _under_paths(self, location: str) -> bool:
        try:
            p = str(Path(location).resolve())
        except OSError:
            return False
        return any(p == root or p.startswith(root + os.sep) for root in self.paths)

    # -- snapshots ----------------------------------------------------------------------------
    def snapshot_class_for(self, agg_cls: type) -> type:
        """The snapshot class the library would use for ``agg_cls`` (``take_snapshot``'s rule)."""
        default = getattr(self.app_class, "snapshot_class", None) if self.app_class else None
        if default is None:
            from eventsourcing.domain import Snapshot

            default = Snapshot
        return getattr(agg_cls, "Snapshot", default)

    def mapper_for_encoding(self, compression: str | None) -> Any:
        """The mapper, with a compressor matching what the store uses when the env named none.

        ``compression`` is what the codec sniffed ('zlib', 'bz2', 'lzma' or None).
        """
        if self.mapper.compressor is not None or compression is None:
            return self.mapper
        m = copy.copy(self.mapper)
        if compression == "zlib":
            from eventsourcing.compressor import ZlibCompressor

            m.compressor = ZlibCompressor()
        else:
            m.compressor = importlib.import_module(compression)
        return m


def _registered_prefix(topic: str, cache: dict[str, Any]) -> bool:
    """Whether the library's topic cache covers ``topic`` by a registered prefix."""
    module, _, attr = topic.partition(":")
    parts = attr.split(".")
    for i in range(len(parts) - 1, 0, -1):
        if f"{module}:{'.'.join(parts[:i])}" in cache:
            return True
    mparts = module.split(".")
    return any(".".join(mparts[:i]) in cache for i in range(len(mparts), 0, -1))


def add_paths(paths: Iterable[str]) -> list[str]:
    out = []
    for p in paths:
        path = Path(p).expanduser()
        if not path.is_dir():
            raise InspectorError(f"--path {p}: not a directory")
        s = str(path.resolve())
        if s not in sys.path:
            # Appended, not prepended: a file in the user's folder named like a standard or
            # installed module (``gzip.py``, ``config.py``...) must never shadow it and run
            # when the inspector imports that module.
            sys.path.append(s)
        out.append(s)
    importlib.invalidate_caches()
    return out


def import_app_class(spec: str) -> type:
    """Import ``module:Class`` (the ``--app-class`` the user named)."""
    if ":" not in spec:
        raise InspectorError(f"--app-class {spec!r}: expected MODULE:CLASS")
    module, _, qual = spec.partition(":")
    try:
        with _IMPORT_LOCK:
            obj: Any = importlib.import_module(module)
    except Exception as exc:  # user code may raise anything on import
        raise InspectorError(f"--app-class {spec}: cannot import {module!r}: {exc}") from None
    for part in qual.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise InspectorError(f"--app-class {spec}: {module!r} has no {qual!r}") from None
    from eventsourcing.application import Application
    from eventsourcing.dcb.application import DCBApplication

    if not (isinstance(obj, type) and issubclass(obj, (Application, DCBApplication))):
        raise InspectorError(f"--app-class {spec}: not an eventsourcing Application subclass")
    return obj


def build_mapper(app_class: type | None, env: dict[str, str]) -> Any:
    """The application's mapper, built on an application *shell* with the in-memory factory."""
    from eventsourcing.application import Application
    from eventsourcing.popo import POPOFactory

    if app_class is not None and not issubclass(app_class, Application):
        app_class = None  # a DCBApplication: its own mapper is its env's MAPPER_TOPIC
    cls = app_class or Application
    app = object.__new__(cls)
    try:
        app.env = app.construct_env(cls.name, env)
        app.factory = POPOFactory(app.env)
        return app.construct_mapper()
    except InspectorError:
        raise
    except Exception as exc:
        raise InspectorError(
            f"cannot build the mapper of {cls.__name__}: {type(exc).__name__}: {exc}"
        ) from None


def load_domain(
    paths: list[str],
    app_class: str | None = None,
    cipher_key: str | None = None,
    env: dict[str, str] | None = None,
    projector: str | None = None,
) -> DomainContext:
    """Prepare domain mode: ``--path`` dirs, ``--app-class module:Class``, the app's mapper,
    and the projector functions of functional aggregates (``--projector module:function``, the
    app class's ``snapshotting_projectors``; see :mod:`inspector.core.projector`)."""
    roots = add_paths(paths or [])
    cls = import_app_class(app_class) if app_class else None
    e: dict[str, str] = dict(env or {})
    # The inspector never writes through this mapper's factory; no persistence module needed.
    e["PERSISTENCE_MODULE"] = "eventsourcing.popo"
    if cipher_key:
        e["CIPHER_KEY"] = cipher_key
        if cls is not None:
            e[f"{cls.name.upper()}_CIPHER_KEY"] = cipher_key
    mapper = build_mapper(cls, e)
    if cls is not None:
        mod = sys.modules.get(cls.__module__)
        f = getattr(mod, "__file__", None)
        if f:  # the app's own package is user-named code too
            top = sys.modules.get(cls.__module__.split(".", 1)[0])
            locs = list(getattr(top, "__path__", []) or []) or [str(Path(f).parent)]
            roots = [*roots, *[str(Path(x).resolve()) for x in locs]]
    ctx = DomainContext(mapper, cls, roots, e)
    from inspector.core.projector import attach

    attach(ctx, projector)
    return ctx
