"""An open store as the GUI holds it: database, the chosen application, codec and replayer.

Plain Python (no Qt): :func:`open_session` runs in a worker thread and either returns a
:class:`Session` or raises an InspectorError with one readable line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from inspector.core.codec import Codec, cipher_key_from_env
from inspector.core.errors import InspectorError
from inspector.stores.base import Database, SqlStore


@dataclass
class OpenRequest:
    """What the user asked to open (from the command line, a dialog, a drop or a recent entry)."""

    location: str
    schema: str | None = None
    app: str | None = None
    cipher_key: str | None = None
    password: str | None = None
    paths: list[str] = field(default_factory=list)
    app_class: str | None = None
    mode: str = "auto"
    profile_name: str | None = None
    env_colour: str | None = None  # "#rrggbb"
    production: bool = False
    from_dialog: bool = False  # the connection dialog already recorded it as recent

    @classmethod
    def from_spec(cls, spec: Any, mode: str = "auto") -> OpenRequest:
        """From a ``ConnectionSpec`` of the connection dialog (duck-typed)."""
        return cls(
            location=spec.location,
            schema=getattr(spec, "schema", None) or None,
            app=getattr(spec, "app", None) or None,
            cipher_key=getattr(spec, "cipher_key", None) or None,
            password=getattr(spec, "password", None) or None,
            paths=list(getattr(spec, "paths", None) or []),
            app_class=getattr(spec, "app_class", None) or None,
            mode=getattr(spec, "mode", None) or mode,
            profile_name=getattr(spec, "profile_name", None) or None,
            env_colour=getattr(spec, "env_colour", None) or None,
            production=bool(getattr(spec, "production", False)),
        )

    def to_spec(self) -> Any:
        """A ``ConnectionSpec`` without secrets (for the recent list), or None if unavailable."""
        try:
            from inspector.ui.connection import ConnectionSpec
        except ImportError:
            return None
        return ConnectionSpec(
            location=self.location,
            schema=self.schema,
            app=self.app,
            paths=list(self.paths),
            app_class=self.app_class,
            profile_name=self.profile_name,
            env_colour=self.env_colour,
            production=self.production,
            mode=self.mode,
        )

    def title(self) -> str:
        name = self.profile_name or self.location
        return f"{name} [{self.app}]" if self.app else name


def demo_request(demo: Any, mode: str = "auto") -> OpenRequest:
    """The request that opens the demo store (``inspector.demo.ensure_demo_store()``'s result)."""
    return OpenRequest(
        location=str(demo.location),
        paths=[str(p) for p in getattr(demo, "paths", None) or []],
        app_class=getattr(demo, "app_class", None),
        mode=mode,
        profile_name="Demo store",
    )


@dataclass
class Session:
    request: OpenRequest
    db: Database
    store: SqlStore
    codec: Codec
    replayer: Any | None  # inspector.core.replay.Replayer when the engine is available
    replay_error: str | None = None

    @property
    def read_only(self) -> bool:
        return True

    def mode_for(self, stream: str | None) -> str:
        if self.replayer is None:
            return "no replay"
        if stream is None:
            return self.request.mode
        try:
            return str(self.replayer.mode_for(stream))
        except Exception:  # noqa: BLE001 - a label must never raise
            return self.request.mode

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.db.close()


def make_replayer(store: SqlStore, codec: Codec, req: OpenRequest) -> tuple[Any | None, str | None]:
    """(Replayer or None, why not). Domain code is loaded when a path or app class is given."""
    try:
        from inspector.core.replay import Replayer
    except ImportError as exc:
        return None, f"replay engine unavailable ({exc})"
    domain = None
    if req.paths or req.app_class:
        from inspector.core.domain import load_domain

        domain = load_domain(req.paths, req.app_class, req.cipher_key)
    mode = req.mode
    if mode == "domain" and domain is None:
        mode = "auto"
    return Replayer(store, codec, mode=mode, domain=domain), None


def open_session(req: OpenRequest) -> Session:
    """Open the store read-only, pick the application and prepare decoding and replay."""
    from inspector.stores.open import open_database

    if not req.location or not req.location.strip():
        raise InspectorError("no store given: open a SQLite file or a database URL")
    db = open_database(req.location, schema=req.schema, password=req.password)
    try:
        store = db.store(req.app)
        key = req.cipher_key or cipher_key_from_env()
        codec = Codec(key)
        replayer, why = make_replayer(store, codec, req)
    except BaseException:
        db.close()
        raise
    return Session(req, db, store, codec, replayer, why)
