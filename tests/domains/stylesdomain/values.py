"""Value kinds an aggregate's state may hold, and the JSON transcodings the apps register."""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Transcoding
from pydantic import BaseModel, ConfigDict


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Point:
    x: int
    y: Decimal


class Badge(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    since: date


TZ = timezone(timedelta(hours=5, minutes=30))


def sample(i: int) -> dict[str, Any]:
    """The i-th set of values (every kind, changing with i)."""
    return {
        "tags": {f"t{i % 3}", f"u{i % 2}"},
        "pair": (i, f"p{i}"),
        "colour": Colour.RED if i % 2 else Colour.BLUE,
        "amount": Decimal(f"{i}.10"),
        "day": date(2024, 1, 1 + i % 28),
        "at": datetime(2024, 5, 1, 12, i % 60, 7, 123456, tzinfo=TZ),
        "ref": UUID(int=i + 1),
        "blob": bytes([i % 256, 0, 255]),
        "point": Point(i, Decimal(f"-{i}.5")),
        "badge": Badge(label=f"b{i}", since=date(2020, 1, 1 + i % 28)),
    }


class _ByName(Transcoding):
    def __init__(self, cls: type, name: str, enc: Any, dec: Any) -> None:
        self.type = cls
        self.name = name
        self._enc, self._dec = enc, dec

    def encode(self, obj: Any) -> Any:
        return self._enc(obj)

    def decode(self, data: Any) -> Any:
        return self._dec(data)


def register(transcoder: Any) -> None:
    """Register the transcodings for the kinds above (as an app's ``register_transcodings``)."""
    for t in (
        _ByName(set, "set", sorted, set),
        _ByName(frozenset, "frozenset", sorted, frozenset),
        _ByName(Colour, "colour", lambda c: c.value, Colour),
        _ByName(date, "date_iso", date.isoformat, date.fromisoformat),
        _ByName(bytes, "bytes_b64", lambda b: base64.b64encode(b).decode(), base64.b64decode),
        _ByName(Point, "point", lambda p: [p.x, p.y], lambda d: Point(d[0], d[1])),
        _ByName(Badge, "badge", lambda b: [b.label, b.since], lambda d: Badge(label=d[0],
                                                                              since=d[1])),
    ):
        transcoder.register(t)
