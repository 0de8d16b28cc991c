"""Display helpers shared by the models: short topics, times, sizes, one-line values, hex dumps."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any


def short_topic(topic: str | None) -> str:
    """``bank.domain:Account.Credited`` -> ``Account.Credited``."""
    if not topic:
        return ""
    return topic.split(":", 1)[-1]


def short_time(iso: str | None) -> str:
    """ISO timestamp -> ``2026-11-27 03:04:05.123`` (UTC offset dropped when +00:00)."""
    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    text = t.strftime("%Y-%m-%d %H:%M:%S") + f".{t.microsecond // 1000:03d}"
    off = t.utcoffset()
    if off and off != dt.timedelta(0):
        text += t.strftime(" %z")
    return text


def compact_times(text: str) -> list[str]:
    """The shorter forms of a :func:`short_time` text, longest first, for a narrow column:
    ``2026-11-27 03:04:05.123`` -> ``11-27 03:04:05``, ``03:04:05``, ``03:04``. Any other text
    (``(undecodable)``, ``…``) has none."""
    parts = text.split(" ")
    if len(parts) < 2 or len(parts[0]) != 10 or parts[0][4] != "-" or ":" not in parts[1]:
        return []
    clock = parts[1].split(".")[0]
    return [f"{parts[0][5:]} {clock}", clock, clock[:5]]


def epoch(iso: str | None) -> float | None:
    """ISO timestamp -> POSIX seconds (naive times taken as UTC)."""
    if not iso:
        return None
    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.timestamp()


def human_size(n: int | None) -> str:
    if n is None:
        return ""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{n / (1024 * 1024):.1f} MiB"


def one_line(value: Any, width: int = 200) -> str:
    """A JSON value on one line for a table cell."""
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            text = repr(value)
    text = text[: width * 4].translate(_VISIBLE)
    return text if len(text) <= width else text[: width - 1] + "…"


# Control characters as their escapes (a cell shows one line; ESC would reach the terminal).
_VISIBLE = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F]} | {0x0A: " ", 0x09: " "}
_VISIBLE.update({0x2028: " ", 0x2029: " "})


def path_text(path: list[Any] | tuple[Any, ...]) -> str:
    """``["items", 0, "qty"]`` -> ``items.0.qty`` (the CLI's PATH syntax)."""
    return ".".join(str(p) for p in path) if path else "(root)"


def hex_dump(data: bytes, limit: int = 64 * 1024, per_line: int = 16) -> str:
    """Classic rows of ``per_line`` bytes (16, 8 or 4): offset, hex, ASCII. Long blobs are cut
    at ``limit`` bytes."""
    lines = []
    view = data[:limit]
    half = max(1, per_line // 2)
    width = 3 * per_line + (1 if per_line > half else 0)
    for off in range(0, len(view), per_line):
        chunk = view[off : off + per_line]
        hexpart = " ".join(f"{b:02x}" for b in chunk[:half])
        if len(chunk) > half:
            hexpart += "  " + " ".join(f"{b:02x}" for b in chunk[half:])
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexpart:<{width}} |{text}|")
    if len(data) > limit:
        lines.append(f"… {len(data) - limit:,} more bytes not shown")
    if not data:
        lines.append("(empty)")
    return "\n".join(lines)


def hex_line_chars(per_line: int) -> int:
    """Characters of one :func:`hex_dump` row of ``per_line`` bytes."""
    return 8 + 2 + (3 * per_line + 1) + 1 + per_line + 2  # offset, hex, |ascii|


def hex_bytes_per_line(columns: int) -> int:
    """The widest row (16, 8 or 4 bytes) that fits ``columns`` characters, so the ASCII column
    is never clipped."""
    for n in (16, 8, 4):
        if hex_line_chars(n) <= columns:
            return n
    return 4
