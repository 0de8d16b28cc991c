"""``event-inspector gui [STORE] [--stream ID] [--version V] [--screenshot FILE.png] [--demo]``.

Also what a bare ``event-inspector``, ``event-inspector STORE`` and ``event-inspector --demo``
run (cli.py routes them here). Qt is imported inside :func:`cmd_gui` only, so the headless
subcommands never load it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from inspector.commands.support import add_store_arg
from inspector.core.errors import InspectorError


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> list[str]:
    p = sub.add_parser("gui", parents=[common], help="open the desktop app (default command)")
    add_store_arg(p)
    p.add_argument("--stream", help="open this stream")
    p.add_argument("--version", dest="at_version", type=int, help="at this version (default: last)")
    p.add_argument(
        "--screenshot", metavar="FILE.png", help="render the window offscreen to FILE.png and exit"
    )
    p.add_argument("--size", default="1440x900", help="window size for --screenshot (WxH)")
    p.add_argument("--demo", action="store_true", help="open the demo store (created on first use)")
    p.set_defaults(func=cmd_gui)
    return ["gui"]


def request_from_args(args: argparse.Namespace) -> Any:
    """The OpenRequest the arguments name, or None (no store and no environment)."""
    from inspector.commands.support import resolve_spec
    from inspector.ui.session import OpenRequest

    paths = list(getattr(args, "path", None) or [])
    app_class = getattr(args, "app_class", None)
    if not args.store:
        try:
            spec = resolve_spec(args)
        except InspectorError:
            return None
    else:
        spec = resolve_spec(args)
    location = spec.location
    tls_ca = getattr(args, "tls_ca", None)
    if tls_ca and location.lower().startswith("umadb:"):
        from urllib.parse import quote

        location += ("&" if "?" in location else "?") + "tls-ca=" + quote(tls_ca, safe="/")
    return OpenRequest(
        location=location,
        schema=spec.schema,
        app=spec.app,
        cipher_key=spec.cipher_key,
        password=spec.password or getattr(args, "api_key", None),
        paths=paths,
        app_class=app_class,
        projector=getattr(args, "projector", None),
        mode=args.mode,
        max_payload_mb=getattr(args, "max_payload", None),
    )


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x", 1))
    except ValueError:
        raise InspectorError(f"--size {text!r}: give WIDTHxHEIGHT, e.g. 1440x900") from None
    if not (200 <= w <= 10000 and 200 <= h <= 10000):
        raise InspectorError(f"--size {text!r}: out of range")
    return w, h


def cmd_gui(args: argparse.Namespace) -> int:
    if args.screenshot and not args.screenshot.lower().endswith(".png"):
        raise InspectorError(f"--screenshot {args.screenshot!r}: give a .png file name")
    size = parse_size(args.size)
    startup_error = None
    try:
        req = request_from_args(args)
    except InspectorError as exc:
        if args.screenshot:
            raise
        req, startup_error = None, str(exc)
    if args.demo:
        req, startup_error = None, None
    elif args.screenshot and req is None:
        raise InspectorError("--screenshot needs a STORE (or the eventsourcing environment)")
    from inspector.ui.app import run

    code = run(
        req,
        args.stream,
        args.at_version,
        args.screenshot,
        size,
        startup_error,
        demo=args.demo,
        mode=args.mode,
    )
    sys.stdout.flush()
    return code
