"""The data a replay produces: states, failures as data, and time helpers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspector.core.errors import InspectorError

Row = tuple[Any, int, str, bytes]  # (position, version, topic, state) as stored
Progress = Callable[[int, int], None]
Cancelled = Callable[[], bool]


class ReplayCancelled(InspectorError):
    """The caller's ``cancelled()`` returned true."""


@dataclass(slots=True)
class ReplayFailure:
    version: int | None
    topic: str | None
    position: int | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "topic": self.topic,
            "position": self.position,
            "message": self.message,
        }

    def __str__(self) -> str:
        return (
            f"replay stopped at version {self.version} (topic {self.topic}, "
            f"position {self.position}): {self.message}"
        )


@dataclass(slots=True)
class StateResult:
    stream: str
    version: int | None  # the version asked for
    mode: str
    state: dict[str, Any] | None  # normalised state at last_good_version (or version)
    approximate: bool
    error: ReplayFailure | None = None
    last_good_version: int | None = None
    mode_reason: str | None = None
    # generic mode: {"snapshot_version", "from_snapshot": [path], "inferred": [path]}
    provenance: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "stream": self.stream,
            "version": self.version,
            "mode": self.mode,
            "state": self.state,
            "approximate": self.approximate,
            "error": self.error.to_json() if self.error else None,
            "last_good_version": self.last_good_version,
            "mode_reason": self.mode_reason,
        }
        if self.provenance is not None:
            out["provenance"] = self.provenance
        return out


class StepFailed(Exception):
    """Raised inside a replay: carries the :class:`ReplayFailure` that stops it."""

    def __init__(self, failure: ReplayFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def to_seconds(t: dt.datetime) -> float:
    """POSIX seconds (naive times are taken as local time, as ``datetime.timestamp`` does)."""
    return t.timestamp()


def iso_of(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).isoformat()


def parse_time(at: str | dt.datetime) -> dt.datetime:
    if isinstance(at, dt.datetime):
        return at
    try:
        t = dt.datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise InspectorError(f"--at {at!r}: not an ISO 8601 date-time") from None
    try:
        t.timestamp()  # year 1 in a zone east of UTC is before year 1 in UTC, and so on
    except (ValueError, OverflowError, OSError):
        raise InspectorError(
            f"--at {at!r}: out of range (give a time between years 1 and 9999 in UTC)"
        ) from None
    return t


def failure_at(row: Row, message: str) -> ReplayFailure:
    """The failure of one stored row ``(position, version, topic, state)``."""
    return ReplayFailure(row[1], row[2], row[0], message)


def to_seconds_or_none(t: Any) -> float | None:
    if isinstance(t, float):
        return t
    if isinstance(t, dt.datetime):
        return t.timestamp()
    if isinstance(t, str):
        try:
            return dt.datetime.fromisoformat(t).timestamp()
        except ValueError:
            return None
    return None
