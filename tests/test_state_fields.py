"""An object's fields without ``vars()``, and checkpoint copies of every kind of state."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel, ConfigDict

sys.path.insert(0, str(Path(__file__).parent / "domains"))

from stylesdomain import values  # noqa: E402
from stylesdomain.cases import Till  # noqa: E402

from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay_copy import NOT_PLAIN, deep_copy, freeze, is_immutable, thaw  # noqa: E402
from inspector.core.state_fields import fields_of, instance_dict, state_of  # noqa: E402


@dataclass(frozen=True, slots=True)
class Slotted:
    a: int
    b: tuple[values.Point, ...]


class Extra(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)
    x: int


class Mutable(BaseModel):
    items: list[int]


class Private:
    __slots__ = ("__hidden", "shown")

    def __init__(self) -> None:
        self.shown = 1
        self.__hidden = 2


def test_decorated_class_fields_and_copies() -> None:
    t = Till(500)
    t.ring(5)
    try:
        vars(t)
    except TypeError:
        pass
    else:  # pragma: no cover - the reason this module exists
        raise AssertionError("vars() works on decorated classes now: simplify state_fields")
    f = fields_of(t)
    assert f is not None and f["cents"] == 505 and "_pending_events" not in f
    assert instance_dict(t) is not None and "_pending_events" in instance_dict(t)
    stored, _ = freeze(t)
    assert stored is not NOT_PLAIN
    copy = thaw(stored)
    assert type(copy) is Till and copy is not t and fields_of(copy) == f
    copy.cents = 1
    assert t.cents == 505
    other = deep_copy(t)
    assert other is not t and fields_of(other) == f


def test_slots_pydantic_and_private_slots() -> None:
    s = Slotted(1, (values.Point(1, Decimal("2.5")),))
    assert fields_of(s) == {"a": 1, "b": s.b}
    assert normalise(state_of(s)) == {"a": 1, "b": [{"x": 1, "y": "2.5"}]}
    e = Extra(x=1, y=[2])
    assert fields_of(e) == {"x": 1, "y": [2]}
    assert fields_of(Private()) == {"shown": 1, "_Private__hidden": 2}
    assert state_of(42) == {"value": 42}


def test_immutable_states_are_shared_mutable_ones_copied() -> None:
    s = Slotted(1, (values.Point(1, Decimal("2.5")),))
    assert is_immutable(s)
    stored, _ = freeze(s)
    assert stored is s and thaw(stored) is s
    badge = values.sample(1)["badge"]
    assert is_immutable(badge)
    # a frozen record holding a list is not immutable: copied, not shared
    e = Extra(x=1, y=[2])
    assert not is_immutable(e)
    assert freeze(e)[0] is NOT_PLAIN  # pydantic: the caller pickles it
    m = Mutable(items=[1])
    assert not is_immutable(m)
    # a plain object holding immutable records: the records are shared inside the copy
    t = Till(1)
    t.ring(2)
    t.badge = badge
    t.points = [values.Point(1, Decimal(1))]
    copy = thaw(freeze(t)[0])
    assert copy.badge is badge and copy.points is not t.points
    assert copy.points[0] is t.points[0]
