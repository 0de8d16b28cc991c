"""An open store as the GUI holds it: database, the chosen application, codec and replayer.

Plain Python (no Qt): :func:`open_session` runs in a worker thread and either returns a
:class:`Session` or raises an InspectorError with one readable line.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from typing import Any

from inspector.core.codec import Codec, cipher_key_from_env
from inspector.core.errors import InspectorError
from inspector.stores.base import Database
from inspector.stores.protocol import EventStore
from inspector.ui.connection.spec import ConnectionSpec


@dataclass
class OpenRequest(ConnectionSpec):
    """What the user asked to open (from the command line, a dialog, a drop or a recent entry)."""

    from_dialog: bool = False  # the connection dialog already recorded it as recent

    @classmethod
    def from_spec(cls, spec: Any, mode: str = "auto") -> OpenRequest:
        """From a ``ConnectionSpec`` of the connection dialog (duck-typed)."""
        values = {f.name: getattr(spec, f.name, None) for f in fields(ConnectionSpec)}
        for name, value in values.items():
            if isinstance(value, str) and not value:
                values[name] = None
        values["location"] = spec.location
        values["paths"] = list(values["paths"] or [])
        values["mode"] = values["mode"] or mode
        values["production"] = bool(values["production"])
        return cls(**values)

    def to_spec(self) -> ConnectionSpec:
        """The ``ConnectionSpec`` without secrets (for the recent list)."""
        return ConnectionSpec(
            **{f.name: getattr(self, f.name) for f in fields(ConnectionSpec)}
        ).without_secrets()


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
    store: EventStore
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


def make_replayer(
    store: EventStore, codec: Codec, req: OpenRequest
) -> tuple[Any | None, str | None]:
    """(Replayer or None, why not). Domain code is loaded when a path or app class is given."""
    try:
        from inspector.core.replay import Replayer
    except ImportError as exc:
        return None, f"replay engine unavailable ({exc})"
    domain = None
    if req.paths or req.app_class or req.projector:
        from inspector.core.domain import load_domain

        domain = load_domain(req.paths, req.app_class, req.cipher_key, projector=req.projector)
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
        if req.snapshots_table:
            from inspector.stores.pairing import apply_snapshots_choice

            apply_snapshots_choice(db, req.app, req.snapshots_table)
        store = db.store(req.app)
        if req.app_class:  # the application's own ORIGINATOR_ID_TYPE (ids shown as it stores)
            from inspector.core.ids import app_id_type

            store.id_type_hint = app_id_type(req.app_class, req.paths)
        key = req.cipher_key or cipher_key_from_env()
        codec = Codec(key, req.max_payload_mb).for_store(store)
        replayer, why = make_replayer(store, codec, req)
    except BaseException:
        db.close()
        raise
    return Session(req, db, store, codec, replayer, why)
