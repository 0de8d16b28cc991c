"""``check``: whole-store replay health with the current code (DESIGN.md ``check`` contract).

Exit 0 when healthy, 1 when any group of failures was found (or on bad input), 130 when
interrupted (the scan resumes on the next identical command).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from inspector.commands.support import add_store_arg, dump_json, print_table, resolve_spec
from inspector.core.errors import InspectorError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    p = sub.add_parser(
        "check", parents=[common],
        help="replay every aggregate with the current code and report failures by cause",
    )
    add_store_arg(p)
    p.add_argument("--type", dest="type_filter", help="only streams of this aggregate type")
    p.add_argument("--prefix", help="only streams whose id starts with this")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE")
    p.add_argument("--batch-events", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--restart", action="store_true",
                   help="discard a saved interrupted scan and start over")
    p.add_argument("--progress", action="store_true",
                   help="show progress on stderr even when it is not a terminal")
    p.set_defaults(func=cmd_check)
    return ["check"]


def options_from_args(args: argparse.Namespace) -> Any:
    from inspector.core.health_run import BATCH_EVENTS, CheckOptions

    if getattr(args, "mode", "auto") == "generic":
        raise InspectorError("check replays in domain mode: give --path/--app-class, not "
                             "--mode generic")
    if not (args.path or args.app_class):
        raise InspectorError("check needs the application's code: --path DIR and/or "
                             "--app-class MODULE:CLASS")
    if args.jobs < 1:
        raise InspectorError("--jobs must be at least 1")
    spec = resolve_spec(args)
    return CheckOptions(
        location=spec.location, schema=spec.schema, app=spec.app,
        password=spec.password or None, cipher_key=spec.cipher_key,
        paths=list(args.path or []), app_class=args.app_class, type_filter=args.type_filter,
        prefix=args.prefix, jobs=args.jobs,
        batch_events=args.batch_events or BATCH_EVENTS,
    )


def cmd_check(args: argparse.Namespace) -> int:
    from inspector.core.health_junit import junit_xml
    from inspector.core.health_run import CheckInterrupted, run_check

    opts = options_from_args(args)
    show = args.progress or sys.stderr.isatty()
    shown = False

    def progress(p: Any) -> None:
        nonlocal shown
        if show:
            shown = True
            sys.stderr.write("\r" + p.text() + "   ")
            sys.stderr.flush()

    def note(msg: str) -> None:
        print(f"event-inspector: {msg}", file=sys.stderr)

    try:
        rep = run_check(opts, progress=progress, resume=not args.restart, notes=note)
    except CheckInterrupted as exc:
        if shown:
            sys.stderr.write("\n")
        print(f"event-inspector: {exc}", file=sys.stderr)
        return 130
    finally:
        pass
    if shown:
        sys.stderr.write("\n")
    if not rep["streams"] and args.type_filter:
        note(f"no stream of type {args.type_filter!r} was found: nothing was checked")
    if args.junit:
        try:
            with open(os.path.expanduser(args.junit), "wb") as f:
                f.write(junit_xml(rep))
        except OSError as exc:
            raise InspectorError(f"--junit {args.junit}: {exc.strerror or exc}") from None
    if args.json:
        dump_json(rep)
    else:
        _print_report(rep)
    return 0 if rep["healthy"] else 1


def _print_report(rep: dict[str, Any]) -> None:
    rate = rep.get("rate")
    print(f"{'healthy' if rep['healthy'] else 'UNHEALTHY'}: {rep['streams']:,} streams, "
          f"{rep['events']:,} events, {rep.get('snapshots', 0):,} snapshots in "
          f"{rep['seconds']:.1f}s" + (f" ({rate:,.0f} events/s)" if rate else ""))
    if rep["groups"]:
        rows = []
        for g in rep["groups"]:
            ex = g["examples"][0] if g["examples"] else {}
            rows.append([g["kind"], g["count"], g["topic"] or "", g["error"],
                         f"{ex.get('stream')} v{ex.get('version')}" if ex else ""])
        print()
        print_table(["kind", "count", "topic", "error", "first example"], rows, max_width=70)
    for s in rep.get("suggestions", []):
        print(f"\nsuggestion for {s['topic']}:\n  {s['suggest']}")
