"""Read subcommands: ``info``, ``streams``, ``events``, ``log``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from inspector.commands.support import add_store_arg, dump_json, open_from_args, open_store, print_table
from inspector.core.browse import events_json, store_info, streams_page
from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.core.search import DEFAULT_SCAN_CAP, search_log


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    p = sub.add_parser("info", parents=[common], help="layout, applications, counts, encoding")
    add_store_arg(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("streams", parents=[common], help="list streams (keyset pages)")
    add_store_arg(p)
    p.add_argument("--prefix", help="stream id prefix (UUIDs with or without dashes)")
    p.add_argument("--type", dest="type_filter", help="aggregate topic or class name")
    p.add_argument("--after", help="stream id to continue after")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_streams)

    p = sub.add_parser("events", parents=[common], help="events of one stream")
    add_store_arg(p, optional=False)
    p.add_argument("stream", metavar="STREAM")
    p.add_argument("--from", dest="from_version", type=int)
    p.add_argument("--to", dest="to_version", type=int)
    p.add_argument("--limit", type=int, default=None)
    p.set_defaults(func=cmd_events)

    p = sub.add_parser("log", parents=[common], help="the global log by position")
    add_store_arg(p)
    p.add_argument("--after", type=int, default=None, help="position to continue after")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--topic", action="append", default=[], help="event topic (repeatable)")
    p.add_argument("--contains", help="only events whose decoded payload contains TEXT")
    p.add_argument(
        "--scan-limit", type=int, default=DEFAULT_SCAN_CAP,
        help="with --contains: how many events to scan at most",
    )
    p.set_defaults(func=cmd_log)
    return ["info", "streams", "events", "log"]


def event_rows(
    args: argparse.Namespace, store: Any, codec: Codec, raw: Sequence[Any]
) -> list[dict[str, Any]]:
    """Decode events for output. Domain mode (issue 3) extends this with ``upcast``."""
    rows = events_json(raw, codec)
    decorate = getattr(args, "decorate_events", None)
    if decorate is not None:
        decorate(store, raw, rows)
    return rows


def cmd_info(args: argparse.Namespace) -> int:
    db, spec, codec = open_from_args(args)
    with db:
        stores = [db.store(spec.app)] if spec.app else None
        info = store_info(db, codec, stores)
    if args.json:
        dump_json(info)
        return 0
    print(f"layout:      {info['layout']}")
    print(f"location:    {info['location']}")
    enc = info["encrypted"]
    print(f"compression: {info['compression'] or 'none'}")
    print(f"encrypted:   {'yes' if enc else 'no' if enc is False else 'unknown'}")
    rows = []
    for a in info["applications"]:
        def n(v: Any, exact: bool) -> str:
            return "?" if v is None else (f"{v:,}" if exact else f"~{v:,}")

        rows.append(
            [
                a["name"],
                a["schema"] or "",
                n(a["events"], a["events_exact"]),
                n(a["streams"], a["streams_exact"]),
                a["max_position"],
                n(a["snapshots"], a["snapshots_exact"]),
                ", ".join(f"{t['name']}@{t['position']}" for t in a["tracking"]),
            ]
        )
    print()
    print_table(["application", "schema", "events", "streams", "max position", "snapshots",
                 "tracking"], rows)
    for err in info["decode_errors"]:
        print(f"warning: {err}", file=sys.stderr)
    return 0


def cmd_streams(args: argparse.Namespace) -> int:
    store, db, codec = open_store(args)
    with db:
        if args.limit <= 0:
            raise InspectorError("--limit must be positive")
        page = streams_page(store, codec, args.after, args.limit, args.prefix, args.type_filter)
    if page.capped:
        print(
            f"event-inspector: --type scan stopped at its cap; continue with --after {page.scanned_to}",
            file=sys.stderr,
        )
    if args.json:
        dump_json(page.rows)
        return 0
    print_table(["stream", "version", "type"], [[r["id"], r["version"], r["type"]] for r in page.rows])
    if not page.exhausted and page.rows:
        print(f"\nmore: --after {page.scanned_to}")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    store, db, codec = open_store(args)
    with db:
        store.require_stream(args.stream)
        raw = store.stream_events(args.stream, args.from_version, args.to_version, args.limit)
        rows = event_rows(args, store, codec, raw)
    _print_events(args, rows)
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    store, db, codec = open_store(args)
    with db:
        if args.contains:
            result = search_log(
                store, codec, args.contains, after=args.after, limit=args.limit,
                topics=args.topic, scan_cap=args.scan_limit,
            )
            raw = result.events
            if result.capped:
                print(
                    f"event-inspector: scanned {result.scanned:,} events without filling the page; "
                    f"continue with --after {result.last_position}",
                    file=sys.stderr,
                )
        else:
            raw = store.log(args.after, args.limit, args.topic)
        rows = event_rows(args, store, codec, raw)
    _print_events(args, rows)
    return 0


def _print_events(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    if args.json:
        dump_json(rows)
        return
    table = [
        [
            r["position"], r["stream"], r["version"], r["topic"].split(":")[-1], r["timestamp"],
            r["data"] if r["error"] is None else f"ERROR: {r['error']}",
        ]
        for r in rows
    ]
    print_table(["position", "stream", "version", "type", "timestamp", "data"], table)
