"""Export what the window shows: a stream's events / a state / a diff as JSON, events as CSV.

Plain Python run in a worker; the JSON shapes are the CLI's (``events``, ``state``, ``diff``).
Streams are read in bounded batches and written as they are read.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from inspector.core.browse import event_json
from inspector.core.normalise import json_bytes

CSV_COLUMNS = ("position", "stream", "version", "topic", "timestamp", "size", "error")


def _dumps(obj: Any) -> bytes:
    return json_bytes(obj)


def write_json(path: str, obj: Any) -> int:
    data = _dumps(obj)
    with open(path, "wb") as f:
        f.write(data + b"\n")
    return len(data)


def export_stream_json(
    session: Any, stream: str, path: str, cancelled: Callable[[], bool] = lambda: False
) -> int:
    """Every event of ``stream`` as the ``events --json`` array. Returns the event count."""
    n = 0
    with open(path, "wb") as f:
        f.write(b"[")
        for ev in session.store.iter_stream_events(stream, batch=2000):
            if cancelled():
                break
            row = event_json(ev, session.codec.decode(ev.state))
            f.write((b",\n" if n else b"\n") + json_bytes(row, indent=False))
            n += 1
        f.write(b"\n]\n")
    return n


def export_stream_csv(
    session: Any, stream: str, path: str, cancelled: Callable[[], bool] = lambda: False
) -> int:
    """The event list (no payloads) as CSV with a header row. Returns the event count."""
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for ev in session.store.iter_stream_events(stream, batch=2000):
            if cancelled():
                break
            row = event_json(ev, session.codec.decode(ev.state))
            w.writerow(["" if row[c] is None else row[c] for c in CSV_COLUMNS])
            n += 1
    return n
