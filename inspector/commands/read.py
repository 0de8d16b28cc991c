"""Read subcommands: ``info``, ``streams``, ``events``, ``log``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from inspector.commands.support import (
    add_store_arg,
    dump_json,
    open_from_args,
    open_store,
    print_table,
)
from inspector.core.browse import events_json, store_info, streams_page
from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.core.normalise import json_bytes as _json_bytes
from inspector.core.search import DEFAULT_SCAN_CAP, search_log
from inspector.stores.protocol import check_tags_supported


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
    p.add_argument(
        "--type", dest="types", action="append", default=[],
        help="stored event type (DCB: the decision's topic; same as --topic; repeatable)",
    )
    p.add_argument(
        "--tag", dest="tags", action="append", default=[],
        help="only events carrying this tag (DCB stores; repeatable: all must match)",
    )
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
    from inspector.commands.replay import add_domain_view  # domain mode: app transcodings, upcast

    add_domain_view(args, codec, raw, rows)
    decorate = getattr(args, "decorate_events", None)
    if decorate is not None:
        decorate(store, raw, rows)
    return rows


def cmd_info(args: argparse.Namespace) -> int:
    db, spec, codec = open_from_args(args)
    with db:
        stores = [db.store(spec.app)] if spec.app else None
        info = store_info(db, codec, stores)
    for err in info["decode_errors"]:
        print(f"event-inspector: warning: {err}", file=sys.stderr)
    if args.json:
        dump_json(info)
        return 0
    print(f"layout:      {info['layout']}")
    print(f"location:    {info['location']}")
    enc = info["encrypted"]
    comp = info["compression"] or "none"
    if info.get("compression_note"):
        comp += f" ({info['compression_note']})"
    print(f"compression: {comp}")
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
    for a in info["applications"]:
        if a.get("snapshots_note"):
            print(f"note: {a['snapshots_note']}")
    return 0


def check_limits(args: argparse.Namespace) -> None:
    """Reject a zero/negative --limit or --scan-limit before touching the store."""
    for name in ("limit", "scan_limit"):
        value = getattr(args, name, None)
        if value is not None and value <= 0:
            raise InspectorError(f"--{name.replace('_', '-')} must be positive (got {value})")


def why_no_streams(store: Any, args: argparse.Namespace) -> str:
    """Why a streams page is empty (one line)."""
    head = store.max_position()
    if head is None:
        return f"application {store.name!r} has no events"
    parts = []
    if args.prefix:
        parts.append(f"id prefix {args.prefix!r}")
    if args.type_filter:
        parts.append(f"type {args.type_filter!r}")
    if args.after:
        parts.append(f"ids after {args.after!r}")
    return f"no streams with {' and '.join(parts)} in application {store.name!r}" if parts \
        else f"no streams in application {store.name!r}"


def why_no_events(store: Any, after: int | None, topics: Sequence[str],
                  contains: str | None = None) -> str:
    """Why a log page is empty (one line)."""
    head = store.max_position()
    if head is None:
        return f"application {store.name!r} has no events"
    if after is not None and after >= head:
        return f"no events after position {after}: the head of {store.name!r} is {head}"
    what = []
    if topics:
        what.append(f"topic {', '.join(topics)}")
    if contains:
        what.append(f"text {contains!r}")
    where = f" after position {after}" if after is not None else ""
    return f"no events with {' and '.join(what)}{where} (head {head})" if what \
        else f"no events{where} (head {head})"


def cmd_streams(args: argparse.Namespace) -> int:
    check_limits(args)
    store, db, codec = open_store(args)
    with db:
        page = streams_page(store, codec, args.after, args.limit, args.prefix, args.type_filter,
                            progress=scan_progress())
        why = why_no_streams(store, args) if not page.rows and not page.capped else None
    if page.capped:
        print(
            "event-inspector: --type scan stopped at its cap;"
            f" continue with --after {page.scanned_to}",
            file=sys.stderr,
        )
    if why:
        print(f"event-inspector: {why}", file=sys.stderr)
    if args.json:
        dump_json(page.rows)
        return 0
    print_table(
        ["stream", "version", "type"], [[r["id"], r["version"], r["type"]] for r in page.rows]
    )
    if not page.exhausted and page.rows:
        print(f"\nmore: --after {page.scanned_to}")
    return 0


def scan_progress(quiet_s: float = 1.0) -> Any:
    """A progress callback for a long catalog scan (UmaDB's first streams listing): one line
    on stderr at most every second, after the first second (Ctrl-C stops; what was read stays)."""
    import time

    t0 = time.monotonic()
    last = [t0]

    def report(p: Any) -> None:
        now = time.monotonic()
        if now - t0 >= quiet_s and now - last[0] >= 1.0:
            last[0] = now
            print(f"event-inspector: catalog scan: {p.text()}", file=sys.stderr)

    return report


EVENTS_BATCH = 2000


def stream_batches(
    store: Any, stream: str, lo: int | None, hi: int | None, limit: int | None,
    batch: int | None = None,
) -> Iterator[list[Any]]:
    """A stream's events in version order, in keyset batches (never the whole stream at once)."""
    batch = batch or EVENTS_BATCH
    remaining = limit
    while remaining is None or remaining > 0:
        n = batch if remaining is None else min(batch, remaining)
        page = store.stream_events(stream, lo, hi, limit=n)
        if page:
            yield page
        if len(page) < n:
            return
        lo = page[-1].version + 1
        if remaining is not None:
            remaining -= len(page)


def cmd_events(args: argparse.Namespace) -> int:
    check_limits(args)
    store, db, codec = open_store(args)
    with db:
        store.require_stream(args.stream)
        batches = stream_batches(
            store, args.stream, args.from_version, args.to_version, args.limit
        )
        if args.json:  # streamed: memory stays bounded whatever the stream's length
            if not write_json_rows(
                row for raw in batches for row in event_rows(args, store, codec, raw)
            ):
                print(f"event-inspector: {why_no_versions(store, args)}", file=sys.stderr)
            return 0
        rows = [row for raw in batches for row in event_rows(args, store, codec, raw)]
        if not rows:
            print(f"event-inspector: {why_no_versions(store, args)}", file=sys.stderr)
    _print_events(args, rows)
    return 0


def why_no_versions(store: Any, args: argparse.Namespace) -> str:
    last = store.last_version(args.stream)
    return (f"stream {args.stream} has versions up to {last}; none in "
            f"[{args.from_version if args.from_version is not None else '…'}, "
            f"{args.to_version if args.to_version is not None else '…'}]")


def write_json_rows(rows: Iterable[dict[str, Any]]) -> int:
    """Stream ``rows`` to stdout as one JSON array, one row at a time (bounded memory).

    A failure mid-stream still closes the array (stdout stays valid JSON) and is then raised
    (one line on stderr, exit 1). Decode errors are summed up in one warning line at the end.
    """
    out = sys.stdout.buffer
    total, bad = 0, 0
    first_bad: dict[str, Any] | None = None
    out.write(b"[")
    try:
        for row in rows:
            data = json_bytes(row)  # before writing anything of it: a row is whole or absent
            out.write(b"\n" if total == 0 else b",\n")
            out.write(data)
            total += 1
            if row.get("error"):
                bad += 1
                first_bad = first_bad or row
    finally:
        out.write(b"\n]\n" if total else b"]\n")
        out.flush()
    if first_bad is not None:
        warn_line(bad, total, first_bad)
    return total


def json_bytes(obj: Any) -> bytes:
    """One JSON value as the ``--json`` output writes it (normalised, indented)."""
    return _json_bytes(obj)


LOG_BATCH = 1000


def log_batches(
    args: argparse.Namespace, store: Any, codec: Codec, topics: Sequence[str]
) -> Iterator[list[Any]]:
    """The events ``log`` shows, in position order, a bounded batch at a time.

    A ``--topic``/``--type`` without ':' that no stored topic equals exactly is a short form
    (the part after ':' or its last dotted parts, as ``streams --type``): those events are
    picked from a scan of the log bounded by ``--scan-limit``."""
    exact, short = split_topic_names(store, topics)
    if short:
        yield from _short_topic_batches(args, store, codec, exact, short)
        return
    remaining = args.limit
    cursor = args.after
    if not args.contains:
        while remaining > 0:
            n = min(LOG_BATCH, remaining)
            page = (
                store.log(cursor, n, topics, tags=args.tags) if args.tags
                else store.log(cursor, n, topics)
            )
            if page:
                yield page
                cursor = page[-1].position
                remaining -= len(page)
            if len(page) < n:
                return
        return
    scanned = 0
    while remaining > 0 and scanned < args.scan_limit:
        result = search_log(
            store, codec, args.contains, after=cursor, limit=min(LOG_BATCH, remaining),
            topics=topics, scan_cap=args.scan_limit - scanned, tags=args.tags,
        )
        scanned += result.scanned
        if result.events:
            yield result.events
            remaining -= len(result.events)
        cursor = result.last_position
        if result.exhausted:
            return
        if result.capped or scanned >= args.scan_limit:
            if remaining > 0:
                print(
                    f"event-inspector: scanned {scanned:,} events without filling the page; "
                    f"continue with --after {cursor}",
                    file=sys.stderr,
                )
            return


def split_topic_names(store: Any, topics: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(exact, short)``: a name with ':' or one some stored event has as its whole topic
    is exact (an exact match wins); any other is a short form."""
    exact: list[str] = []
    short: list[str] = []
    for t in topics:
        (exact if ":" in t or store.log(None, 1, [t]) else short).append(t)
    return exact, short


def short_topic_matches(topic: Any, exact: Sequence[str], short: Sequence[str]) -> bool:
    """Whether a stored ``topic`` is one of ``exact``, or ends (after ':', at a '.' boundary)
    with one of ``short``: ``Order.Shipped`` and ``Shipped`` match ``shop:Order.Shipped``."""
    if isinstance(topic, (bytes, memoryview)):
        topic = bytes(topic).decode("utf-8", "replace")
    if not isinstance(topic, str):
        return False
    if topic in exact:
        return True
    qual = topic.split(":", 1)[-1]
    return any(qual == w or qual.endswith("." + w) for w in short)


def _short_topic_batches(
    args: argparse.Namespace, store: Any, codec: Codec, exact: Sequence[str],
    short: Sequence[str],
) -> Iterator[list[Any]]:
    remaining = args.limit
    cursor = args.after
    scanned = 0
    while remaining > 0 and scanned < args.scan_limit:
        if args.contains:
            result = search_log(
                store, codec, args.contains, after=cursor, limit=min(LOG_BATCH, remaining),
                scan_cap=args.scan_limit - scanned, tags=args.tags,
            )
            scanned += result.scanned
            page, cursor = list(result.events), result.last_position
            done = result.exhausted
        else:
            n = min(LOG_BATCH, args.scan_limit - scanned)
            page = (store.log(cursor, n, (), tags=args.tags) if args.tags
                    else store.log(cursor, n, ()))
            scanned += len(page)
            done = len(page) < n
            if page:
                cursor = page[-1].position
        hits = [e for e in page if short_topic_matches(e.topic, exact, short)][:remaining]
        if hits:
            yield hits
            remaining -= len(hits)
        if done:
            return
    if remaining > 0:
        print(f"event-inspector: scanned {scanned:,} events without filling the page; "
              f"continue with --after {cursor}", file=sys.stderr)


def cmd_log(args: argparse.Namespace) -> int:
    check_limits(args)
    store, db, codec = open_store(args)
    topics = [*args.topic, *args.types]
    with db:
        check_tags_supported(store, args.tags)
        batches = log_batches(args, store, codec, topics)
        if args.json:  # streamed, as ``events``: memory stays bounded at any --limit
            if not write_json_rows(
                row for raw in batches for row in event_rows(args, store, codec, raw)
            ):
                print(f"event-inspector: {why_no_events(store, args.after, topics, args.contains)}",
                      file=sys.stderr)
            return 0
        rows = [row for raw in batches for row in event_rows(args, store, codec, raw)]
        if not rows:
            print(f"event-inspector: {why_no_events(store, args.after, topics, args.contains)}",
                  file=sys.stderr)
    _print_events(args, rows)
    return 0


def warn_decode_errors(rows: Sequence[dict[str, Any]]) -> None:
    """One line on stderr when some payloads could not be decoded (they are error values)."""
    bad = [r for r in rows if r.get("error")]
    if bad:
        warn_line(len(bad), len(rows), bad[0])


def warn_line(bad: int, total: int, first: dict[str, Any]) -> None:
    print(
        f"event-inspector: warning: {bad} of {total} events not decoded"
        f" (first: {first['stream']} v{first['version']}: {first['error']})",
        file=sys.stderr,
    )


def _print_events(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    warn_decode_errors(rows)
    if args.json:
        dump_json(rows)
        return
    table = [
        [
            r["position"], r["stream"], r["version"], (r["topic"] or "").split(":")[-1],
            r["timestamp"],
            r["data"] if r["error"] is None else f"ERROR: {r['error']}",
        ]
        for r in rows
    ]
    print_table(["position", "stream", "version", "type", "timestamp", "data"], table)
