"""Shared plumbing of the subcommands: open the store from args/env, print JSON or tables."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from inspector.core.codec import Codec, cipher_key_from_env
from inspector.core.config import StoreSpec, spec_from_env
from inspector.stores.base import Database
from inspector.stores.open import open_database
from inspector.stores.protocol import EventStore


def add_store_arg(p: argparse.ArgumentParser, optional: bool = True) -> None:
    p.add_argument(
        "store", nargs="?" if optional else None, metavar="STORE",
        help="SQLite file or database URL (default: the eventsourcing environment variables)",
    )


def resolve_spec(args: argparse.Namespace) -> StoreSpec:
    if getattr(args, "store", None):
        spec = StoreSpec(args.store, args.schema, args.app)
    else:
        spec = spec_from_env(app=args.app)
        if args.schema:
            spec.schema = args.schema
    # --cipher-key, then EVENT_INSPECTOR_CIPHER_KEY, then the library's <APP>_CIPHER_KEY /
    # CIPHER_KEY lookup (already in the env-derived spec), then a plain CIPHER_KEY.
    spec.cipher_key = (
        args.cipher_key
        or os.environ.get("EVENT_INSPECTOR_CIPHER_KEY")
        or spec.cipher_key
        or cipher_key_from_env()
    )
    spec.app = args.app or spec.app
    spec.without_password()
    if getattr(args, "password", None):
        spec.password = args.password
    return spec


def open_from_args(args: argparse.Namespace) -> tuple[Database, StoreSpec, Codec]:
    spec = resolve_spec(args)
    codec = Codec(spec.cipher_key, max_payload_mb=getattr(args, "max_payload", None))
    api_key = getattr(args, "api_key", None) or os.environ.get("EVENT_INSPECTOR_UMADB_API_KEY")
    db = open_database(
        spec.location, schema=spec.schema, password=spec.password,
        api_key=api_key or None, tls_ca=getattr(args, "tls_ca", None) or None,
    )
    if getattr(args, "snapshots_table", None):
        from inspector.stores.pairing import apply_snapshots_choice

        try:
            apply_snapshots_choice(db, spec.app, args.snapshots_table)
        except BaseException:
            db.close()
            raise
    return db, spec, codec


def open_store(args: argparse.Namespace) -> tuple[EventStore, Database, Codec]:
    db, spec, codec = open_from_args(args)
    try:
        store = db.store(spec.app)
        codec.for_store(store)
        if getattr(args, "app_class", None):  # the application's own ORIGINATOR_ID_TYPE
            from inspector.core.ids import app_id_type

            store.id_type_hint = app_id_type(args.app_class, getattr(args, "path", None))
    except BaseException:
        db.close()
        raise
    return store, db, codec


def _default(o: Any) -> Any:
    from inspector.core.normalise import normalise

    return normalise(o)


def dump_json(obj: Any) -> None:
    from inspector.core.normalise import json_bytes

    data = json_bytes(obj)
    out = sys.stdout.buffer
    out.write(data)
    out.write(b"\n")
    out.flush()


def short(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = text[: width * 4].translate(_VISIBLE)
    return text if len(text) <= width else text[: width - 1] + "…"


# Control characters as escapes: a table cell is one line, and ESC must not reach the terminal.
_VISIBLE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {0x0A: " ", 0x09: " "}
_VISIBLE.update({0x2028: " ", 0x2029: " "})


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], max_width: int = 60) -> None:
    cells = [[short("" if v is None else v, max_width) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], len(c))
    line = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers))
    print(line.rstrip())
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(widths[i]) for i, c in enumerate(row)).rstrip())


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").lower() in ("1", "y", "yes", "true", "on")
