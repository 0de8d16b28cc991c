"""Diffs: hand-checked expectations, unit level and on a store written by the library."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

from inspector.core.diff import diff_values, get_path, parse_path  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402


def ops(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(c["op"], tuple(c["path"]), c["old"], c["new"]) for c in changes]


def test_append_is_one_add_at_its_index() -> None:
    old = {"items": [1, 2, 3]}
    new = {"items": [1, 2, 3, 4]}
    assert ops(diff_values(old, new)) == [("add", ("items", 3), None, 4)]


def test_remove_in_the_middle_is_one_remove() -> None:
    old = {"items": ["a", "b", "c", "d"]}
    new = {"items": ["a", "c", "d"]}
    assert ops(diff_values(old, new)) == [("remove", ("items", 1), "b", None)]


def test_insert_at_front_is_one_add() -> None:
    assert ops(diff_values(["b", "c"], ["a", "b", "c"])) == [("add", (0,), None, "a")]


def test_element_change_is_diffed_inside() -> None:
    old = {"lines": [{"sku": "x", "qty": 1}, {"sku": "y", "qty": 2}]}
    new = {"lines": [{"sku": "x", "qty": 1}, {"sku": "y", "qty": 5}]}
    assert ops(diff_values(old, new)) == [("change", ("lines", 1, "qty"), 2, 5)]


def test_keys_added_removed_changed() -> None:
    old = {"a": 1, "b": {"c": "x"}, "gone": True}
    new = {"a": 2, "b": {"c": "x", "d": None}, "new": [1]}
    assert ops(diff_values(old, new)) == [
        ("change", ("a",), 1, 2),
        ("add", ("b", "d"), None, None),
        ("remove", ("gone",), True, None),
        ("add", ("new",), None, [1]),
    ]


def test_type_change_and_identity() -> None:
    assert ops(diff_values({"v": 1}, {"v": "1"})) == [("change", ("v",), 1, "1")]
    assert ops(diff_values({"v": {"x": 1}}, {"v": [1]})) == [("change", ("v",), {"x": 1}, [1])]
    assert diff_values({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2}]}) == []
    assert ops(diff_values(None, {"a": 1})) == [("change", (), None, {"a": 1})]


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


def test_value_objects_by_attribute() -> None:
    old = normalise({"price": Money(Decimal("1.50"), "EUR")})
    new = normalise({"price": Money(Decimal("1.75"), "EUR")})
    assert ops(diff_values(old, new)) == [("change", ("price", "amount"), "1.50", "1.75")]


def test_paths() -> None:
    assert parse_path("items.0.qty") == ["items", 0, "qty"]
    assert get_path({"items": [{"qty": 3}]}, ["items", 0, "qty"]) == (True, 3)
    assert get_path({"items": []}, ["items", 0]) == (False, None)


@pytest.fixture
def dog_store(tmp_path: Path) -> tuple[Any, str]:
    from eidomain.dogs import Dog, DogSchool, Trick

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(DogSchool) as app:
        d = Dog("fido")  # v1
        d.add_trick(Trick("sit", 1))  # v2
        d.add_trick(Trick("roll", 2))  # v3
        d.score("ann", Decimal("9.5"))  # v4
        d.score("ann", Decimal("8"))  # v5
        d.forget_trick(0)  # v6
        d.nickname = "F"  # v7 (a snapshot is taken at 7)
        d.weigh(Decimal("12.30"))  # v8
        app.save(d)
    return h, str(d.id)


def _diff(h: Any, stream: str, a: int, b: int, *more: str) -> dict[str, Any]:
    r = run_cli(
        "diff",
        h.location,
        stream,
        "--from",
        str(a),
        "--to",
        str(b),
        "--path",
        DOMAINS,
        "--app-class",
        "eidomain.dogs:DogSchool",
        "--json",
        *more,
    )
    assert r.code == 0, r.err
    return r.json()


def _user(changes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [c for c in ops(changes) if c[1][0] not in ("_version", "_modified_on")]


def test_store_diffs_hand_checked(dog_store: tuple[Any, str]) -> None:
    h, stream = dog_store
    out = _diff(h, stream, 1, 2)
    assert out["from"] == 1 and out["to"] == 2 and out["mode"] == "domain"
    assert ops(out["changes"])[0] == ("change", ("_version",), 1, 2)
    assert _user(out["changes"]) == [("add", ("tricks", 0), None, {"name": "sit", "difficulty": 1})]
    assert _user(_diff(h, stream, 2, 3)["changes"]) == [
        ("add", ("tricks", 1), None, {"name": "roll", "difficulty": 2})
    ]
    assert _user(_diff(h, stream, 3, 4)["changes"]) == [("add", ("scores", "ann"), None, "9.5")]
    assert _user(_diff(h, stream, 4, 5)["changes"]) == [("change", ("scores", "ann"), "9.5", "8")]
    assert _user(_diff(h, stream, 5, 6)["changes"]) == [
        ("remove", ("tricks", 0), {"name": "sit", "difficulty": 1}, None)
    ]
    assert _user(_diff(h, stream, 6, 7)["changes"]) == [("add", ("_nickname",), None, "F")]
    assert _user(_diff(h, stream, 7, 8)["changes"]) == [("change", ("weight",), "0", "12.30")]
    # several versions at once, and backwards
    assert _user(_diff(h, stream, 1, 3)["changes"]) == [
        ("add", ("tricks", 0), None, {"name": "sit", "difficulty": 1}),
        ("add", ("tricks", 1), None, {"name": "roll", "difficulty": 2}),
    ]
    assert _user(_diff(h, stream, 8, 7)["changes"]) == [("change", ("weight",), "12.30", "0")]
    # generic mode: the event's own attributes
    g = _diff(h, stream, 4, 5, "--mode", "generic")
    assert g["approximate"] is True
    assert _user(g["changes"]) == [("change", ("points",), "9.5", "8")]


def test_event_changes_api(dog_store: tuple[Any, str]) -> None:
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.core.replay import Replayer
    from inspector.stores.open import open_database

    h, stream = dog_store
    with open_database(h.location) as db:
        rp = Replayer(
            db.store(), Codec(), "auto", load_domain([DOMAINS], "eidomain.dogs:DogSchool")
        )
        assert _user(rp.event_changes(stream, 6)) == [
            ("remove", ("tricks", 0), {"name": "sit", "difficulty": 1}, None)
        ]
        first = rp.event_changes(stream, 1)
        assert ("add", ("name",), None, "fido") in ops(first)
        assert rp.diff(stream, 5, 6)["changes"] == rp.event_changes(stream, 6)


def test_diff_bad_input(dog_store: tuple[Any, str]) -> None:
    h, stream = dog_store
    r = run_cli("diff", h.location, stream, "--from", "1", "--to", "99")
    assert r.code == 1 and "out of range" in r.err and "\n" not in r.err.strip()
