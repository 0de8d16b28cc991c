"""``event-inspector``: the GUI launcher and the headless subcommands (DESIGN.md contract).

Subcommands live in ``inspector.commands.*`` modules, each with ``register(subparsers, common)``;
this module only builds the parser, dispatches, and turns InspectorError into one line on stderr
with exit code 1. Headless subcommands never import Qt.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from inspector import __version__
from inspector.core.errors import InspectorError
from inspector.core.redact import redact


class _Parser(argparse.ArgumentParser):
    """argparse with every message redacted (a URL with a password may be in a bad argument)."""

    def _print_message(self, message: str, file: object = None) -> None:
        super()._print_message(redact(message) if message else message, file)  # type: ignore[arg-type]

COMMAND_MODULES = (
    "inspector.commands.read",
    "inspector.commands.replay",
    "inspector.commands.ops",
    "inspector.commands.health",
    "inspector.commands.storage",
    "inspector.commands.gui",
)


# Options of the top-level parser itself; anything else before a subcommand is a gui option.
TOP_LEVEL_FLAGS = ("-h", "--help", "--version")


def common_options() -> argparse.ArgumentParser:
    p = _Parser(add_help=False)
    g = p.add_argument_group("store options")
    g.add_argument("--app", help="application whose tables to read (case-insensitive)")
    g.add_argument("--schema", help="PostgreSQL schema (default: search all schemas)")
    g.add_argument(
        "--snapshots-table", metavar="NAME",
        help="the application's snapshots table, where the schema leaves it ambiguous",
    )
    g.add_argument(
        "--cipher-key",
        help="AES key, base64 (default: EVENT_INSPECTOR_CIPHER_KEY or CIPHER_KEY)",
    )
    g.add_argument("--password", help="database password (prefer PGPASSWORD or the URL)")
    g.add_argument(
        "--api-key",
        help="UmaDB API key (prefer EVENT_INSPECTOR_UMADB_API_KEY; never stored or printed)",
    )
    g.add_argument("--tls-ca", metavar="FILE", help="UmaDB: CA certificate for a TLS server")
    g.add_argument("--mode", choices=("auto", "domain", "generic"), default="auto")
    g.add_argument(
        "--path", action="append", default=[], metavar="DIR",
        help="directory added to sys.path for domain code (repeatable)",
    )
    g.add_argument("--app-class", metavar="MODULE:CLASS", help="the application class of the store")
    g.add_argument(
        "--max-payload", type=_megabytes, default=None, metavar="MB",
        help="largest event payload decoded, in MB after decompression/decryption"
        " (default 64); a larger one is shown as a cut marker",
    )
    g.add_argument(
        "--projector", metavar="MODULE:FUNCTION",
        help="projector function of functional aggregates (as Repository.get's projector_func; "
        "default: the app class's snapshotting_projectors)",
    )
    g.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _megabytes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of MB: {text!r}") from None
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError(f"must be a positive number of MB (got {text})")
    return value


def build_parser() -> tuple[argparse.ArgumentParser, set[str]]:
    parser = _Parser(
        prog="event-inspector",
        description="Browse, decode, replay and operate eventsourcing event stores.",
    )
    parser.add_argument("--version", action="version", version=f"event-inspector {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = common_options()
    names: set[str] = set()
    for modname in COMMAND_MODULES:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:
            if exc.name == modname:
                continue
            raise
        names.update(mod.register(sub, common))
    return parser, names


def _looks_like_a_mistyped_command(word: str) -> bool:
    """A bare word (no '-', '/', '.', '://') that is not an existing path: a typo of a
    subcommand rather than a STORE for the GUI."""
    if not word or word.startswith("-") or any(c in word for c in "/.\\:"):
        return False
    return not os.path.exists(word)


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, names = build_parser()
    # No subcommand (a bare STORE, --demo, --path DIR, any gui option): open the GUI.
    if "gui" in names and (
        not args_list or (args_list[0] not in names and args_list[0] not in TOP_LEVEL_FLAGS)
    ):
        if _looks_like_a_mistyped_command(args_list[0]):
            commands = ", ".join(sorted(names))
            parser.print_usage(sys.stderr)
            print(f"event-inspector: error: unknown command {redact(args_list[0])!r}"
                  f" (not a subcommand and no such file); commands: {commands}",
                  file=sys.stderr)
            return 2
        args_list = ["gui", *args_list]
    real_stderr = sys.stderr
    sys.stderr = _RedactingStream(real_stderr)  # every warning and progress line, too
    try:
        return _main(parser, args_list)
    finally:
        sys.stderr = real_stderr


# A message line on stderr longer than this is cut in the middle (a 100 kB --contains text or
# stream name typed back in full helps nobody); JSON and tables go to stdout, never cut.
STDERR_LINE_LIMIT = 2000


def _shorten(text: str) -> str:
    if len(text) <= STDERR_LINE_LIMIT:
        return text
    out = []
    for line in text.split("\n"):
        if len(line) > STDERR_LINE_LIMIT:
            cut = len(line) - 1800
            line = f"{line[:1500]} … [{cut:,} characters cut] … {line[-300:]}"
        out.append(line)
    return "\n".join(out)


class _RedactingStream:
    """A text stream that hides passwords (``core.redact``) in what is written to it, and
    cuts overlong lines (:data:`STDERR_LINE_LIMIT`) after hiding them."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(_shorten(redact(text)))  # type: ignore[attr-defined]
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def _main(parser: argparse.ArgumentParser, args_list: list[str]) -> int:
    args = parser.parse_args(args_list)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        validate_args(args, option_names(parser, args))
        return int(args.func(args) or 0)
    except InspectorError as exc:
        print(f"event-inspector: {redact(one_line(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("event-inspector: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (OSError, ValueError, OverflowError, UnicodeError, TypeError, RecursionError,
            MemoryError) as exc:
        # A bug or an unforeseen input: one line (redacted), the traceback only on request.
        if os.environ.get("EVENT_INSPECTOR_DEBUG"):
            traceback.print_exc()
        print(f"event-inspector: internal error: {type(exc).__name__}: "
              f"{redact(one_line(exc))} (EVENT_INSPECTOR_DEBUG=1 shows the traceback)",
              file=sys.stderr)
        return 1


INT64 = 2**63


def option_names(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict[str, str]:
    """``dest -> how the user wrote it`` (``--from``, ``STREAM``) for the command that ran.

    Also ``dest + "\\x00scalar"`` for options that take exactly one value.
    """
    names: dict[str, str] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            chosen = action.choices.get(getattr(args, action.dest, None) or "")
            if chosen is not None:
                names.update(option_names(chosen, args))
        elif action.option_strings:
            names[action.dest] = max(action.option_strings, key=len)
            if action.nargs is None and type(action) is argparse._StoreAction:
                names[f"{action.dest}\x00scalar"] = ""
        else:
            names.setdefault(action.dest, str(action.metavar or action.dest).upper())
    return names


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _shown_bytes(text: str) -> str:
    """The bytes the user gave, escaped (``ab\\xff``), at most 60 characters."""
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        raw = text.encode("utf-8", "backslashreplace")
    return repr(raw)[2:-1][:60]


def validate_args(args: argparse.Namespace, names: dict[str, str]) -> None:
    """Every parsed value fits what stores hold: integers in 64 bits, text valid UTF-8.

    argparse's ``type=int`` accepts any size, and the shell hands over non-UTF-8 bytes as lone
    surrogates; a store's versions and positions are 64-bit integers and its ids, topics and
    names UTF-8 text, so such a value could only end in a driver's OverflowError or
    UnicodeEncodeError. One line (InspectorError) names the argument instead.
    """
    for dest, value in vars(args).items():
        name = names.get(dest, "--" + dest.replace("_", "-"))
        if isinstance(value, list) and f"{dest}\x00scalar" in names:
            # argparse turns ``--opt=--`` into an empty list
            raise InspectorError(f"{name}: give a value")
        for v in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(v, bool):
                continue
            if isinstance(v, int) and not -INT64 <= v < INT64:
                raise InspectorError(
                    f"{name} {v}: out of range (stores keep 64-bit integers: at most "
                    f"{INT64 - 1:,})"
                )
            if isinstance(v, str) and _has_surrogates(v):
                raise InspectorError(f"{name}: not valid UTF-8 text ({_shown_bytes(v)})")
            if isinstance(v, str) and "\x00" in v:
                raise InspectorError(f"{name}: holds a NUL character")


def one_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (its type name when it has none)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()
    return type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
