"""Operations subcommands: ``snapshot take|delete``, ``projections``, ``rebuild``, ``catalog``.

Every write shows its exact plan first, asks ``Proceed? [y/N]`` (``--yes`` answers for scripts),
runs in a transaction and is appended to the audit log. Without ``--write`` a write command
prints the plan, refuses, writes nothing and exits 1. The snapshot *listing* command
(``snapshots STREAM [--verify]``) lives in ``commands/replay.py``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from inspector.commands.support import (
    add_store_arg,
    dump_json,
    open_from_args,
    open_store,
    print_table,
)
from inspector.core.codec import Codec
from inspector.core.errors import InspectorError, WriteRefusedError
from inspector.core.writes import WritePlan, confirm


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    write = argparse.ArgumentParser(add_help=False)
    g = write.add_argument_group("write mode")
    g.add_argument("--write", action="store_true", help="allow this command to change the store")
    g.add_argument("--yes", action="store_true", help="do not ask 'Proceed? [y/N]'")

    p = sub.add_parser("snapshot", help="take or delete a snapshot (write mode)")
    ssub = p.add_subparsers(dest="snapshot_action", metavar="ACTION", required=True)
    t = ssub.add_parser("take", parents=[common, write],
                        help="take a snapshot at a version, exactly as the library would")
    add_store_arg(t, optional=False)
    t.add_argument("stream", metavar="STREAM")
    t.add_argument("--version", type=int, help="version (default: the last)")
    t.set_defaults(func=cmd_snapshot_take)
    d = ssub.add_parser("delete", parents=[common, write], help="delete snapshots of a stream")
    add_store_arg(d, optional=False)
    d.add_argument("stream", metavar="STREAM")
    d.add_argument("--version", type=int, action="append", dest="versions",
                   help="version of the snapshot to delete (repeatable)")
    d.add_argument("--all", action="store_true", dest="all_", help="delete all of them")
    d.set_defaults(func=cmd_snapshot_delete)

    p = sub.add_parser("projections", parents=[common],
                       help="tracking rows (position, head, lag) and projection definitions")
    add_store_arg(p)
    p.add_argument("--definitions", action="store_true",
                   help="also list Projection classes found under --path")
    p.add_argument("--projection", action="append", default=[], metavar="NAME|MODULE:CLASS",
                   help="a projection whose topics filter its lag (imported; repeatable); "
                        "literal topics are read from the source under --path without this")
    p.set_defaults(func=cmd_projections)

    p = sub.add_parser("rebuild", parents=[common, write],
                       help="rebuild a projection: --dry-run into a scratch target, or --write")
    add_store_arg(p, optional=False)
    p.add_argument("projection", metavar="PROJECTION",
                   help="'catalog', a Projection name found under --path, or MODULE:CLASS")
    p.add_argument("--dry-run", action="store_true",
                   help="rebuild into a scratch target and compare (PostgreSQL: with --write, "
                        "a scratch schema in this database; or --scratch URL)")
    p.add_argument("--scratch", metavar="URL",
                   help="PostgreSQL database for a dry run's scratch schema (instead of --write)")
    p.add_argument("--view", metavar="MODULE:CLASS", help="the view class (if not found)")
    p.add_argument("--batch", type=int, default=1000, help="events per committed batch")
    p.add_argument("--restart", action="store_true",
                   help="clear and start again instead of resuming an interrupted rebuild")
    p.set_defaults(func=cmd_rebuild)

    p = sub.add_parser("catalog", parents=[common],
                       help="update the local catalog (streams, types, events per day) and show it")
    add_store_arg(p)
    p.add_argument("--per-day", action="store_true", help="events per day by type")
    p.add_argument("--type", dest="type_filter", help="list the streams of this type")
    p.add_argument("--limit", type=int, default=100)
    p.set_defaults(func=cmd_catalog)
    return ["snapshot", "projections", "rebuild", "catalog"]


# -- plumbing ---------------------------------------------------------------------------------
def _show_plan(args: argparse.Namespace, plan: WritePlan) -> None:
    out = sys.stderr if args.json else sys.stdout
    print(plan.render(), file=out)


def _confirmed(args: argparse.Namespace, plan: WritePlan) -> bool:
    """Print the plan; refuse without --write; ask unless --yes. False = the user said no."""
    _show_plan(args, plan)
    if not args.write:
        raise WriteRefusedError(
            f"{plan.action}: refusing to write without --write; nothing was written"
        )
    out = sys.stderr if args.json else sys.stdout
    if not confirm(plan, yes=args.yes, stdin=sys.stdin, stdout=out):
        print("event-inspector: cancelled: nothing written", file=sys.stderr)
        return False
    return True


@contextmanager
def _interruptible() -> Iterator[threading.Event]:
    """Ctrl+C sets the event (the work stops at a consistent point) instead of killing us."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    old = signal.getsignal(signal.SIGINT)

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        print("\nevent-inspector: stopping after the current event ...", file=sys.stderr)
        stop.set()

    signal.signal(signal.SIGINT, handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, old)


class _Reporter:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.last = 0.0

    def __call__(self, p: Any) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last < 1.0:
            return
        self.last = now
        print(f"  {p.text()}", file=sys.stderr, flush=True)


def _domain(args: argparse.Namespace, codec: Codec) -> Any:
    from inspector.core.domain import load_domain

    return load_domain(
        list(args.path or []),
        args.app_class,
        codec.cipher_key_text,
        projector=getattr(args, "projector", None),
    )


# -- snapshots --------------------------------------------------------------------------------
def cmd_snapshot_take(args: argparse.Namespace) -> int:
    from inspector.commands.replay import replayer_from_args
    from inspector.core import snapshots

    store, db, codec = open_store(args)
    with db, _snapshot_lock(args, store):
        rp = replayer_from_args(args, store, codec)
        prepared = snapshots.prepare_take(store, codec, rp, args.stream, args.version)
        if not _confirmed(args, prepared.plan):
            return 1
        snapshots.execute(prepared, store, write_enabled=True)
    return _done(args, prepared.plan)


def cmd_snapshot_delete(args: argparse.Namespace) -> int:
    from inspector.core import snapshots

    store, db, codec = open_store(args)
    with db, _snapshot_lock(args, store):
        prepared = snapshots.prepare_delete(store, args.stream, args.versions, all_=args.all_)
        if not _confirmed(args, prepared.plan):
            return 1
        snapshots.execute(prepared, store, write_enabled=True)
    return _done(args, prepared.plan)


def _snapshot_lock(args: argparse.Namespace, store: Any) -> Any:
    """With --write: hold the stream's snapshot lock from planning to the end (else nothing)."""
    import contextlib

    from inspector.core.snapshots import snapshot_lock

    return snapshot_lock(store, args.stream) if args.write else contextlib.nullcontext()


def _done(args: argparse.Namespace, plan: WritePlan, extra: dict[str, Any] | None = None) -> int:
    from inspector.core.writes import audit_path

    if args.json:
        dump_json({"plan": plan.to_json(), "done": True, "audit_log": str(audit_path()),
                   **(extra or {})})
    else:
        print(f"done: {plan.action}, {plan.row_count} row(s); logged to {audit_path()}")
    return 0


# -- projections ------------------------------------------------------------------------------
def cmd_projections(args: argparse.Namespace) -> int:
    from inspector.core.projections import (
        discover_projections,
        list_projections,
        topic_filters,
    )
    from inspector.stores.writer import store_kind

    db, spec, codec = open_from_args(args)
    with db:
        defs: list[dict[str, Any]] = []
        problems: list[str] = []
        found: list[Any] = []
        kind = store_kind(db.store(spec.app) if spec.app or len(db.apps) == 1
                          else db.all_stores()[0])
        if args.definitions or args.path:
            found, problems = discover_projections(list(args.path or []), kind)
            defs = [d.to_json() for d in found]
        topics_of = topic_filters(list(args.path or []), kind, args.projection, found)
        entries = [e.to_json() for e in list_projections(db, spec.app, topics_of)]
    for msg in problems:
        print(f"event-inspector: warning: not read: {msg}", file=sys.stderr)
    if not entries:  # the same reason in text and JSON mode (stdout JSON stays as it is)
        print("no tracking rows: no projection or follower has recorded a position in "
              + ("this application" if spec.app else "this database"), file=sys.stderr)
    if args.json:
        if args.definitions:
            dump_json({"tracking": entries, "definitions": defs})
        else:
            dump_json(entries)
        return 0
    print_table(
        ["name", "table", "upstream", "position", "head", "lag"],
        [[e["name"], e["table"] + (" (multi-row)" if e["multi_row"] else ""), e["upstream"],
          e["position"], e["head"], _lag_text(e)] for e in entries],
    )
    notes = [f"{e['name']}: {e['lag_note']}" for e in entries if e.get("lag_note")]
    for note in notes:
        print(f"note: {note}")
    if defs:
        print()
        print_table(["projection", "class", "view", "topics"],
                    [[d["name"], d["class"], d["view"] or "(choose with --view)",
                      (", ".join(d["topics"]) or "all") if d.get("topics_known", True)
                      else "(set in code: known once picked)"] for d in defs])
    return 0


def _lag_text(e: dict[str, Any]) -> str:
    if e["lag"] is None:
        return "?"
    return str(e["lag"]) if e.get("lag_exact", True) else f"≥{e['lag']}"


def cmd_rebuild(args: argparse.Namespace) -> int:
    if not args.dry_run and not args.write:
        raise InspectorError("rebuild: give --dry-run (compare with a clean rebuild) or --write "
                             "(rebuild in place)")
    if args.scratch and not args.dry_run:
        raise InspectorError("--scratch is for --dry-run")
    if args.batch <= 0:
        raise InspectorError("--batch must be positive")
    if args.projection.lower() == "catalog":
        return _rebuild_catalog(args)
    from inspector.core import projections as P
    from inspector.stores.writer import store_kind

    store, db, codec = open_store(args)
    with db:
        kind = store_kind(store)
        pdef = P.find_projection(args.projection, list(args.path or []), kind, args.view)
        domain = _domain(args, codec)
        with _interruptible() as stop:
            report = _Reporter(args.json)
            if args.dry_run:
                if kind == "postgres" and not args.scratch and not args.write:
                    raise InspectorError(P.SCRATCH_ADVICE)
                in_store = kind == "postgres" and not args.scratch and args.write
                plan = P.scratch_plan(store, pdef) if in_store else None
                if plan is not None and not _confirmed(args, plan):
                    return 1
                print(f"dry run of {pdef.name} ({pdef.spec}) into a scratch target ...",
                      file=sys.stderr)
                res = P.dry_run(store, codec, pdef, domain, batch=args.batch, progress=report,
                                cancelled=stop.is_set, write_enabled=args.write,
                                scratch=args.scratch)
                if plan is not None:
                    from inspector.core.writes import append_audit

                    append_audit(plan, res.status)
                return _report_rebuild(args, res, None)
            # The lock first: a second rebuild is told "busy" before any plan or prompt.
            with P.rebuild_lock(store, pdef.name):
                prepared, view = P.prepare_in_place(store, pdef, domain, restart=args.restart)
                try:
                    ok = _confirmed(args, prepared.plan)
                except BaseException:
                    P.close_view(view)
                    raise
                if not ok:
                    P.close_view(view)
                    return 1
                res = P.run_in_place(store, codec, pdef, domain, prepared, view,
                                     write_enabled=True, batch=args.batch, progress=report,
                                     cancelled=stop.is_set)
            return _report_rebuild(args, res, prepared.plan)


def _report_rebuild(args: argparse.Namespace, res: Any, plan: WritePlan | None) -> int:
    from inspector.core.projections import summarise_differences

    if args.json:
        out = res.to_json()
        if plan is not None:
            out["plan"] = plan.to_json()
        dump_json(out)
    else:
        resumed = f" (resumed after position {res.resumed_from})" if res.resumed_from else ""
        print(f"{res.status}{resumed}: {res.processed:,} events in {res.elapsed:.2f} s "
              f"({res.rate:,.0f}/s); position {res.position} of head {res.head}")
        for line in summarise_differences(res.differences):
            print(line)
    if res.status == "failed":
        print(f"event-inspector: {res.error}", file=sys.stderr)
        if plan is not None:
            print("event-inspector: what was committed stays; run the rebuild again to resume",
                  file=sys.stderr)
        return 1
    if res.status == "cancelled":
        print(f"event-inspector: cancelled at position {res.position}"
              + ("; run again to resume" if plan is not None else ""), file=sys.stderr)
        return 1
    if res.differences and not all(d["same"] for d in res.differences.values()):
        print("event-inspector: the live view differs from a clean rebuild", file=sys.stderr)
        return 1  # like `snapshots --verify`: drift makes the command exit 1
    return 0


# -- catalog ----------------------------------------------------------------------------------
def _rebuild_catalog(args: argparse.Namespace) -> int:
    from inspector.core import catalog as C
    from inspector.core.writes import RowChange, run_plan
    from inspector.stores.writer import redacted_location

    store, db, codec = open_store(args)
    with db, _interruptible() as stop:
        report = _Reporter(args.json)
        if args.dry_run:
            res, diff = C.dry_run(store, codec, progress=report, cancelled=stop.is_set)
            if args.json:
                dump_json({**res.to_json(), "differences": diff})
            else:
                print(f"{res.status}: {res.processed:,} events in {res.elapsed:.2f} s")
                for t, d in diff.items():
                    print(f"{t}: cached {d['live_rows']:,} rows, rebuilt {d['rebuilt_rows']:,} rows"
                          f" — {'same' if d['same'] else 'DIFFERENT'}")
            if res.status != "done":
                return 1
            if not all(d["same"] for d in diff.values()):
                print("event-inspector: the cached catalog differs from a clean rebuild",
                      file=sys.stderr)
                return 1
            return 0
        cat = C.Catalog(store, codec)
        try:
            counts = cat.counts()
            plan = WritePlan(
                "rebuild catalog", redacted_location(store), store.name,
                [RowChange("delete", f"{cat.path}:{t}", {}, n, "TRUE") for t, n in counts.items()],
                ["the catalog is a local cache (the store itself is only read); it is rebuilt "
                 "from position 0 in committed batches"],
            )
            if not _confirmed(args, plan):
                return 1
            run_plan(plan, cat.clear, write_enabled=True)
            res = cat.update(progress=report, cancelled=stop.is_set)
        finally:
            cat.close()
    if args.json:
        dump_json(res.to_json())
    else:
        print(f"{res.status}: {res.processed:,} events in {res.elapsed:.2f} s; "
              f"position {res.position} of head {res.head}")
    return 0 if res.status == "done" else 1


def cmd_catalog(args: argparse.Namespace) -> int:
    from inspector.core.catalog import Catalog

    store, db, codec = open_store(args)
    with db, _interruptible() as stop, Catalog(store, codec) as cat:
        res = cat.update(progress=_Reporter(args.json), cancelled=stop.is_set)
        if res.reason:
            print(f"event-inspector: catalog rebuilt: {res.reason}", file=sys.stderr)
        undecoded = cat.undecoded()  # every run says so, not only the one that met them
        if undecoded:
            print(f"event-inspector: warning: {undecoded:,} events could not be decoded "
                  f"(encrypted? give --cipher-key): their time and type are unknown",
                  file=sys.stderr)
        summary = cat.summary()
        summary["update"] = res.to_json()
        if args.per_day:
            summary["per_day"] = cat.per_day(args.type_filter)
        if args.type_filter:
            summary["streams_of_type"] = cat.streams(args.type_filter, limit=args.limit)
            if not summary["streams_of_type"]:
                known = sorted({str(t["type"]) for t in summary["types"]})
                print(f"event-inspector: no streams of type {args.type_filter!r} in the catalog"
                      + (f" (types: {', '.join(known[:20])}"
                         + (", …" if len(known) > 20 else "") + ")" if known else ""),
                      file=sys.stderr)
    if args.json:
        dump_json(summary)
        return 0
    print(f"catalog:   {summary['path']}")
    print(f"position:  {summary['position']} of {summary['head']} "
          f"(+{res.processed:,} events in {res.elapsed:.2f} s)")
    print(f"streams:   {summary['streams']:,}   events: {summary['events']:,}")
    print(f"time span: {summary['first_time']} .. {summary['last_time']}")
    print()
    print_table(["type", "streams", "events"],
                [[t["type"], t["streams"], t["events"]] for t in summary["types"]])
    if args.per_day:
        print()
        print_table(["day", "type", "events"],
                    [[d["day"], d["type"], d["events"]] for d in summary["per_day"]])
    if args.type_filter:
        print()
        print_table(["stream", "versions", "first", "last", "events"],
                    [[s["id"], f"{s['first_version']}..{s['last_version']}", s["first_time"],
                      s["last_time"], s["events"]] for s in summary["streams_of_type"]])
    return 0 if res.status == "done" else 1
