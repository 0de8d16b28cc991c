"""``stats`` and ``types``: storage statistics and schema history from the catalog.

Both first bring the store's catalog (:mod:`inspector.core.catalog`, a local cache) up to date
incrementally, then read it. Contract shapes: DESIGN.md ``stats`` and ``types``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inspector.commands.support import add_store_arg, dump_json, open_store, print_table


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    p = sub.add_parser("stats", parents=[common],
                       help="storage: bytes per type/day/stream, compression, snapshot coverage")
    add_store_arg(p)
    p.add_argument("--top", type=int, default=20, help="how many of the largest streams")
    p.set_defaults(func=cmd_stats)
    p = sub.add_parser("types", parents=[common], help="schema history of each event type")
    add_store_arg(p)
    p.add_argument("--topic", help="only this event topic")
    p.set_defaults(func=cmd_types)
    return ["stats", "types"]


def _updated_catalog(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from inspector.commands.ops import _interruptible, _Reporter
    from inspector.core.catalog import Catalog

    store, db, codec = open_store(args)
    try:
        cat = Catalog(store, codec)
        with _interruptible() as stop:
            res = cat.update(progress=_Reporter(args.json), cancelled=stop.is_set)
        if res.status != "done":
            from inspector.core.errors import InspectorError

            cat.close()
            raise InspectorError(
                f"interrupted: the catalog is at position {res.position} of {res.head} "
                "(run again to continue)")
        undecoded = cat.undecoded()  # every run says so, not only the one that met them
        if undecoded:
            print(f"event-inspector: warning: {undecoded:,} events could not be decoded "
                  f"(encrypted? give --cipher-key): no time, shape or decoded size for them",
                  file=sys.stderr)
        return store, db, cat
    except BaseException:
        db.close()
        raise


def _size(n: int | None) -> str:
    if n is None:
        return ""
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n = n / 1024  # type: ignore[assignment]
    return str(n)


def cmd_stats(args: argparse.Namespace) -> int:
    store, db, cat = _updated_catalog(args)
    with db:
        try:
            out = cat.storage(args.top)
        finally:
            cat.close()
    if args.json:
        dump_json(out)
        return 0
    ratio = out["ratio"]
    print(f"events: {out['events']:,}   stored: {_size(out['bytes'])}   decoded: "
          f"{_size(out['decoded_bytes'])}" + (f"   stored/decoded: {ratio:.2f}" if ratio else ""))
    snaps = out["snapshots"]
    mean = snaps["mean_events_replayed_per_load"]
    print(f"snapshots: {snaps['count']:,} ({_size(snaps['bytes'])}) of {snaps['streams']:,} "
          f"streams; a load replays {mean if mean is not None else '?'} events on average")
    print()
    print_table(["type", "events", "stored", "decoded", "ratio"],
                [[t["topic"], t["events"], _size(t["bytes"]), _size(t["decoded_bytes"]),
                  t["ratio"]] for t in out["by_type"]])
    print()
    print_table(["day", "events", "stored", "total so far"],
                [[d["day"], d["events"], _size(d["bytes"]), _size(g["bytes"])]
                 for d, g in zip(out["by_day"], out["growth"], strict=True)])
    print()
    print_table(["largest streams", "type", "events", "stored"],
                [[s["id"], s["type"], s["events"], _size(s["bytes"])]
                 for s in out["largest_streams"]])
    return 0


def cmd_types(args: argparse.Namespace) -> int:
    from inspector.commands.replay import domain_from_args, wants_domain

    store, db, cat = _updated_catalog(args)
    with db:
        try:
            out = cat.type_history(args.topic)
        finally:
            cat.close()
        if wants_domain(args):
            from inspector.core.codec import Codec
            from inspector.core.schema_history import code_mismatches

            domain = domain_from_args(args, Codec(getattr(args, "cipher_key", None)))
            code_mismatches(out, domain)
    if args.json:
        dump_json(out)
        return 0
    for t in out:
        code = t.get("code")
        flag = ""
        if code is not None:
            if not code.get("resolves", True):
                flag = "  [no longer resolves]"
            elif code.get("matches") is False:
                flag = (f"  [MISMATCH with the code: missing {code['missing_in_store']}, "
                        f"not in code {code['not_in_code']}]")
        print(f"{t['topic']}: {t['events']:,} events, class_version(s) "
              f"{t['class_versions'] or [1]}, {t['first']['timestamp']} .. "
              f"{t['last']['timestamp']}{flag}")
        print_table(["  field", "types", "share", "first seen", "last seen"],
                    [[f"  {f['name']}", ", ".join(f["types"]), f"{f['share']:.1%}",
                      f["first"]["timestamp"] or f["first"]["position"],
                      f["last"]["timestamp"] or f["last"]["position"]] for f in t["fields"]])
        for c in t["changes"]:
            print(f"  shape changed at position {c['position']} ({c['timestamp']}): "
                  f"added {c['added']}, removed {c['removed']}")
        print()
    return 0
