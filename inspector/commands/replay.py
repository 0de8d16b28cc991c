"""Replay subcommands: ``state``, ``diff``, ``blame``, ``snapshots`` (DESIGN.md contract).

A replay failure is data: the command prints what it has (the state before the failing event)
and the failure on stderr, and exits 1. So does ``snapshots --verify`` when any snapshot drifts.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from inspector.commands.support import add_store_arg, dump_json, open_store, print_table, short
from inspector.core.codec import Codec
from inspector.core.errors import InspectorError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    p = sub.add_parser("state", parents=[common], help="state of a stream at a version or time")
    add_store_arg(p, optional=False)
    p.add_argument("stream", metavar="STREAM")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--version", type=int, help="version (default: the last)")
    g.add_argument("--at", help="ISO 8601 time: the state after the last event at or before it")
    g.add_argument(
        "--position", type=int,
        help="global position: the state after the stream's last event at or before it",
    )
    p.add_argument(
        "--skip", metavar="V[,V...]",
        help="what-if: replay without the events at these versions (in memory only)",
    )
    p.set_defaults(func=cmd_state)

    p = sub.add_parser("diff", parents=[common], help="state changes between two versions")
    add_store_arg(p, optional=False)
    p.add_argument("stream", metavar="STREAM")
    p.add_argument("--from", dest="from_version", type=int, required=True)
    p.add_argument("--to", dest="to_version", type=int, required=True)
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("blame", parents=[common], help="which events changed PATH")
    add_store_arg(p, optional=False)
    p.add_argument("stream", metavar="STREAM")
    p.add_argument("field_path", metavar="PATH", help="e.g. balance or items.0.qty")
    p.set_defaults(func=cmd_blame)

    p = sub.add_parser("snapshots", parents=[common], help="stored snapshots of a stream")
    add_store_arg(p, optional=False)
    p.add_argument("stream", metavar="STREAM")
    p.add_argument(
        "--verify",
        action="store_true",
        help="compare each snapshot with the state replayed from events",
    )
    p.set_defaults(func=cmd_snapshots)
    return ["state", "diff", "blame", "snapshots"]


# -- shared plumbing --------------------------------------------------------------------------
def wants_domain(args: argparse.Namespace) -> bool:
    mode = getattr(args, "mode", "auto")
    if mode == "generic":
        return False
    return bool(
        getattr(args, "path", None)
        or getattr(args, "app_class", None)
        or getattr(args, "projector", None)
        or mode == "domain"
    )


def domain_from_args(args: argparse.Namespace, codec: Codec) -> Any:
    """The DomainContext the arguments ask for, or None (generic)."""
    if not wants_domain(args):
        return None
    from inspector.core.domain import load_domain

    return load_domain(
        list(args.path or []),
        args.app_class,
        codec.cipher_key_text,
        projector=getattr(args, "projector", None),
    )


def replayer_from_args(args: argparse.Namespace, store: Any, codec: Codec) -> Any:
    from inspector.core.replay import Replayer

    return Replayer(store, codec, args.mode, domain_from_args(args, codec))


def add_domain_view(
    args: argparse.Namespace, codec: Codec, raw: Sequence[Any], rows: list[dict[str, Any]]
) -> None:
    """Domain mode for ``events``/``log``: decode with the app's transcodings, add ``upcast``."""
    if not wants_domain(args):
        return
    from inspector.core.domain_decode import DomainDecoder, apply_domain_view

    apply_domain_view(DomainDecoder(domain_from_args(args, codec), codec), raw, rows)


def version_at_position(store: Any, stream: str, position: int) -> int:
    """The stream's version after its last event at or before global ``position``."""
    store.require_stream(stream)
    v = store.version_at_position(stream, position)
    if v is None:
        raise InspectorError(f"stream {stream} has no event at or before position {position}")
    return int(v)


def _report_failure(err: Any) -> None:
    if err is not None:
        print(f"event-inspector: {err}", file=sys.stderr)


def _print_state(state: dict[str, Any] | None) -> None:
    if state is None:
        print("(no state)")
        return
    rows = [[k, v] for k, v in state.items()]
    print_table(["attribute", "value"], rows, max_width=100)


def shown_id(store: Any, stream: str) -> str:
    """The stream id as listings show it (``streams``, ``events``): a UUID typed in any form
    comes back dashed and lower case, a text id exactly as stored; ``stream`` itself where the
    store has no such mapping (DCB tags, UmaDB) or the id is not found."""
    values_of = getattr(store, "id_values", None)
    display = getattr(store, "display_id", None)
    if values_of is None or display is None:
        return stream
    try:
        values = values_of(stream)
    except Exception:  # noqa: BLE001 - the replay already reported any real problem
        return stream
    return str(display(values[0])) if len(values) == 1 else stream


# -- commands ---------------------------------------------------------------------------------
def cmd_state(args: argparse.Namespace) -> int:
    if getattr(args, "skip", None):
        return _cmd_whatif(args)
    store, db, codec = open_store(args)
    with db:
        rp = replayer_from_args(args, store, codec)
        if args.at is not None:
            res = rp.state_at_time(args.stream, args.at)
        elif getattr(args, "position", None) is not None:
            res = rp.state(args.stream, version_at_position(store, args.stream, args.position))
        else:
            res = rp.state(args.stream, args.version)
        res.stream = shown_id(store, args.stream)
    if res.approximate and res.mode_reason and wants_domain(args):
        # code was given but does not replay this far: say so where scripts look
        print(f"event-inspector: note: generic mode (approximate): {res.mode_reason}",
              file=sys.stderr)
    if args.json:
        dump_json(res.to_json())
    else:
        label = res.mode + (" (approximate)" if res.approximate else "")
        print(f"stream:  {res.stream}")
        print(f"version: {res.last_good_version if res.error else res.version}")
        print(f"mode:    {label}" + (f" — {res.mode_reason}" if res.mode_reason else ""))
        prov = res.provenance
        if prov is not None:
            inferred = ", ".join(str(p[0]) for p in prov["inferred"]) or "none"
            if prov["snapshot_version"] is not None:
                taken = ", ".join(str(p[0]) for p in prov["from_snapshot"]) or "none"
                print(f"from the snapshot at version {prov['snapshot_version']}: {taken}")
            print(f"inferred from events: {inferred}")
            print("exact state: give your code with --path DIR and/or --app-class MODULE:CLASS")
        print()
        _print_state(res.state)
    _report_failure(res.error)
    return 1 if res.error else 0


def _cmd_whatif(args: argparse.Namespace) -> int:
    """``state --skip``: the what-if state, its differences from the real state, exit 1 when
    the change makes the replay fail."""
    from inspector.core.whatif import parse_versions, whatif

    if args.at is not None or getattr(args, "position", None) is not None:
        from inspector.core.errors import InspectorError

        raise InspectorError("--skip works with --version (or the last version), not --at or "
                             "--position")
    skip = parse_versions(args.skip)
    store, db, codec = open_store(args)
    with db:
        rp = replayer_from_args(args, store, codec)
        out = whatif(rp, args.stream, skip=skip, version=args.version)
        out["stream"] = shown_id(store, args.stream)
    err = out["error"]
    if args.json:
        dump_json(out)
    else:
        label = out["mode"] + (" (approximate)" if out["approximate"] else "")
        print(f"stream:  {out['stream']}")
        print(f"version: {out['version']}   what-if: without version(s) "
              f"{', '.join(map(str, out['skip']))}   mode: {label}")
        if out["from_snapshot"] is not None:
            print(f"(started from the snapshot at version {out['from_snapshot']})")
        print()
        _print_state(out["state"])
        print()
        if out["differences"]:
            print("differs from the real state:")
            print_table(
                ["path", "op", "real", "what-if"],
                [[".".join(map(str, c["path"])), c["op"], c["old"], c["new"]]
                 for c in out["differences"]],
            )
        else:
            print("same as the real state")
    if err is not None:
        why = "caused by the change" if err["caused_by_change"] else "also in the real replay"
        print(f"event-inspector: what-if replay stopped at version {err['version']} "
              f"({why}): {err['message']}", file=sys.stderr)
        return 1
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    store, db, codec = open_store(args)
    with db:
        rp = replayer_from_args(args, store, codec)
        out = rp.diff(args.stream, args.from_version, args.to_version)
    if args.json:
        dump_json(out)
    else:
        print(
            f"diff {out['from']} -> {out['to']}  mode: {out['mode']}"
            + (" (approximate)" if out["approximate"] else "")
        )
        print()
        print_table(
            ["path", "op", "old", "new"],
            [[".".join(map(str, c["path"])), c["op"], c["old"], c["new"]] for c in out["changes"]],
        )
    err = out.get("error")
    if err:
        _report_failure(
            f"replay stopped at version {err['version']} (topic {err['topic']}, "
            f"position {err['position']}): {err['message']}"
        )
        return 1
    return 0


def cmd_blame(args: argparse.Namespace) -> int:
    from inspector.core.diff import parse_path

    path = parse_path(args.field_path)
    store, db, codec = open_store(args)
    with db:
        rp = replayer_from_args(args, store, codec)
        res = rp.blame_result(args.stream, path)
    rows = res["changes"]
    if args.json:
        dump_json(rows)
    else:
        reason = res.get("mode_reason")
        print(f"blame {args.field_path}  mode: {res['mode']}" + (f" — {reason}" if reason else ""))
        print()
        print_table(
            ["version", "timestamp", "type", "old", "new"],
            [
                [r["version"], r["timestamp"], r["topic"].split(":")[-1], r["old"], r["new"]]
                for r in rows
            ],
        )
    if not rows and not res["error"]:
        print(f"event-inspector: no version of stream {args.stream} sets or changes "
              f"{args.field_path!r} (no such field in its state?)", file=sys.stderr)
    _report_failure(res["error"])
    return 1 if res["error"] else 0


def why_no_snapshots(store: Any, stream: str) -> str:
    """Why a stream shows no snapshots: no table found for the application, or none taken."""
    table = getattr(getattr(store, "tables", None), "snapshots_table", None)
    if not getattr(store, "has_snapshots", True):
        return f"this store ({store.layout}) keeps no snapshots"
    if not table:
        choices = getattr(store.tables, "snapshots_choices", None) or []
        return (f"no snapshots table was found for application {store.name!r}"
                + (f" (tables that fit: {', '.join(choices)}; pick one with --snapshots-table)"
                   if choices else ""))
    return f"stream {stream} has no snapshots in {table}"


def cmd_snapshots(args: argparse.Namespace) -> int:
    store, db, codec = open_store(args)
    with db:
        store.require_stream(args.stream)
        note = getattr(store.tables, "snapshots_note", None)
        if note and not store.tables.snapshots_table:
            raise InspectorError(note)
        if args.verify:
            rp = replayer_from_args(args, store, codec)
            rows = rp.verify_snapshots(args.stream)
        else:
            from inspector.core.replay import snapshot_row

            rows = [snapshot_row(s, codec) for s in store.snapshots(args.stream)]
    if not rows:
        print(f"event-inspector: {why_no_snapshots(store, args.stream)}", file=sys.stderr)
    if args.json:
        dump_json(rows)
    else:
        if args.verify and rows:
            mode = rows[0].get("mode") or "?"
            print(
                f"mode: {mode}"
                + (
                    " (approximate: attributes on both sides compared)"
                    if rows[0].get("approximate")
                    else ""
                )
            )
            print()
        print_table(
            ["version", "timestamp", "size", "ok", "differences"],
            [
                [
                    r["version"],
                    r["timestamp"],
                    r["size"],
                    "" if r["ok"] is None else ("yes" if r["ok"] else "NO"),
                    short(
                        r.get("error")
                        or ", ".join(".".join(map(str, p)) for p in r["differences"] or []),
                        80,
                    ),
                ]
                for r in rows
            ],
        )
    if args.verify:
        bad = [r for r in rows if r["ok"] is not True]
        if bad:
            print(
                f"event-inspector: {len(bad)} of {len(rows)} snapshots differ from the replayed "
                f"state or could not be checked",
                file=sys.stderr,
            )
            return 1
    return 0


__all__ = [
    "InspectorError",
    "add_domain_view",
    "domain_from_args",
    "register",
    "replayer_from_args",
]
