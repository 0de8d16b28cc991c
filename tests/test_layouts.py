"""Every layout and encoding, written by the real library; every decoded event vs the library.

For each store the library's own ``mapper.to_domain_event`` decodes every notification; the
inspector's ``data`` (from ``log`` and from ``events``) must equal those attributes normalised
(DESIGN.md), custom transcodings staying ``{"_type_", "_data_"}`` envelopes, and must hold every
key of the stored JSON.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from cli_runner import run_cli
from eventsourcing.application import Application
from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    MetaDomainEvent,
    event,
)
from eventsourcing.tests.application import BankAccounts
from storefactory import inspector_args, store_env

from inspector.core.normalise import normalise

KINDS = [
    "sqlite",
    "sa_sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("sa_postgres", marks=pytest.mark.postgres),
]
BUILTIN_ENVELOPES = {"uuid_hex", "decimal_str", "datetime_iso"}


# -- a declarative aggregate with string ids (ORIGINATOR_ID_TYPE=text) ----------------------------
class StrAggregate(BaseAggregate[str]):
    INITIAL_VERSION = 0

    @dataclass(frozen=True)
    class Event(CanMutateAggregate[str], metaclass=MetaDomainEvent):
        originator_id: str
        originator_version: int
        timestamp: datetime

    @dataclass(frozen=True)
    class Created(CanInitAggregate[str], Event):
        originator_topic: str


class Thing(StrAggregate):
    @staticmethod
    def create_id(name: str) -> str:
        return f"thing-{name}"

    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0
        self.tags: list[str] = []

    @event("Bumped")
    def bump(self, by: int, note: str = "") -> None:
        self.total += by

    @event("Tagged")
    def tag(self, tag: str, weight: float) -> None:
        self.tags.append(tag)


class Ticket(StrAggregate):
    """String ids that happen to be canonical UUID strings (``str(uuid4())``)."""

    @staticmethod
    def create_id(title: str) -> str:
        return str(uuid.uuid4())

    @event("Opened")
    def __init__(self, title: str) -> None:
        self.title = title

    @event("Noted")
    def note(self, text: str) -> None:
        pass


class ThingApp(Application[str]):
    name = "Things"


# -- the oracle ----------------------------------------------------------------------------------
def lib_value(app: Application, value: Any) -> Any:
    """A library value as the inspector shows it: custom transcodings stay envelopes."""
    if isinstance(value, dict):
        return {k: lib_value(app, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [lib_value(app, v) for v in value]
    transcoding = app.mapper.transcoder.types.get(type(value))  # type: ignore[attr-defined]
    if transcoding is not None and transcoding.name not in BUILTIN_ENVELOPES:
        return {"_type_": transcoding.name, "_data_": lib_value(app, transcoding.encode(value))}
    return normalise(value)


def stored_json(app: Application, state: bytes) -> dict[str, Any]:
    """The stored JSON object, undone by the library's own cipher and compressor."""
    if app.mapper.cipher is not None:
        state = app.mapper.cipher.decrypt(state)
    if app.mapper.compressor is not None:
        state = app.mapper.compressor.decompress(state)
    return json.loads(state)


def library_view(app: Application) -> dict[int, dict[str, Any]]:
    """position -> {stream, version, topic, data, keys} for every notification, by the library."""
    out: dict[int, dict[str, Any]] = {}
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=500)
        for n in page:
            ev = app.mapper.to_domain_event(n)
            attrs = dict(vars(ev))
            stream = attrs.pop("originator_id")
            version = attrs.pop("originator_version")
            out[n.id] = {
                "stream": normalise(stream),
                "version": version,
                "topic": n.topic,
                "data": lib_value(app, attrs),
                "keys": set(stored_json(app, n.state)),
                "timestamp": attrs["timestamp"].isoformat(),
            }
        if len(page) < 500:
            return out
        start = page[-1].id + 1


def check_rows(rows: list[dict[str, Any]], expected: dict[int, dict[str, Any]]) -> None:
    for row in rows:
        want = expected[row["position"]]
        assert row["error"] is None, row
        assert row["stream"] == want["stream"]
        assert row["version"] == want["version"]
        assert row["topic"] == want["topic"]
        assert row["timestamp"] == want["timestamp"]
        assert want["keys"] <= set(row["data"]), (want["keys"], row["data"])
        assert row["data"] == want["data"]


def read_all(h: Any, expected: dict[int, dict[str, Any]], *more: str) -> None:
    """log (in two pages) and events of every stream must match the library, event by event."""
    positions = sorted(expected)
    half = positions[len(positions) // 2]
    r1 = run_cli("log", *inspector_args(h, *more), "--json", "--limit", str(len(positions)),
                 "--after", "0")
    assert r1.code == 0, r1.err
    assert [row["position"] for row in r1.json()] == positions
    check_rows(r1.json(), expected)
    r2 = run_cli("log", *inspector_args(h, *more), "--json", "--after", str(half))
    assert r2.code == 0, r2.err
    assert [row["position"] for row in r2.json()] == [p for p in positions if p > half][:100]

    by_stream: dict[str, list[int]] = {}
    for pos in positions:
        by_stream.setdefault(expected[pos]["stream"], []).append(pos)
    r = run_cli("streams", *inspector_args(h, *more), "--json", "--limit", "1000")
    assert r.code == 0, r.err
    streams = r.json()
    assert [s["id"] for s in streams] == sorted(by_stream)
    for s in streams:
        assert s["version"] == expected[by_stream[s["id"]][-1]]["version"]
        r = run_cli("events", *inspector_args(h, *more), s["id"], "--json")
        assert r.code == 0, r.err
        rows = r.json()
        assert [row["position"] for row in rows] == by_stream[s["id"]]
        check_rows(rows, expected)


def write_bank(app: BankAccounts) -> list[Any]:
    ids = [app.open_account(f"Ann {i} ☃", f"ann{i}@example.com") for i in range(4)]
    for i, aid in enumerate(ids):
        for j in range(i + 2):
            app.credit_account(aid, Decimal(f"{j}.25"))
    acc = app.get_account(ids[1])
    acc.set_overdraft_limit(Decimal("100.50"))
    app.save(acc)
    acc = app.get_account(ids[2])
    acc.close()
    app.save(acc)
    app.take_snapshot(ids[0])
    return ids


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["plain", "zlib", "zlib+aes"])
def test_uuid_stores_match_library(kind: str, encoding: str, tmp_path, request) -> None:
    pg = request.getfixturevalue("pg") if "postgres" in kind else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding)
    with h.open_app(BankAccounts) as app:
        write_bank(app)
        expected = library_view(app)
    assert len(expected) == 20
    read_all(h, expected)
    r = run_cli("info", *inspector_args(h), "--json")
    assert r.code == 0, r.err
    info = r.json()
    a = info["applications"][0]
    assert (a["events"], a["streams"], a["snapshots"]) == (20, 4, 1)
    assert info["encrypted"] is (encoding == "zlib+aes")
    assert info["compression"] == (None if encoding == "plain" else "zlib")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
@pytest.mark.parametrize("encoding", ["plain", "zlib+aes"])
def test_string_id_stores_match_library(kind: str, encoding: str, tmp_path, request) -> None:
    pg = request.getfixturevalue("pg") if "postgres" in kind else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding, id_type="text")
    with h.open_app(ThingApp) as app:
        for name in ("b", "a", "c-1", "c-2"):
            t = Thing(name)
            for i in range(3):
                t.bump(i, note=f"n{i} «x»")
            t.tag("big", 1.5)
            app.save(t)
        expected = library_view(app)
        oracle_version = app.repository.get("thing-a").version
    assert {e["stream"] for e in expected.values()} == {"thing-a", "thing-b", "thing-c-1",
                                                       "thing-c-2"}
    assert min(e["version"] for e in expected.values()) == 0  # INITIAL_VERSION = 0
    read_all(h, expected)

    r = run_cli("streams", *inspector_args(h), "--json", "--prefix", "thing-c")
    assert r.code == 0, r.err
    assert [s["id"] for s in r.json()] == ["thing-c-1", "thing-c-2"]
    assert all(s["type"] == "test_layouts:Thing" for s in r.json())
    r = run_cli("streams", *inspector_args(h), "--json", "--after", "thing-b")
    assert [s["id"] for s in r.json()] == ["thing-c-1", "thing-c-2"]
    r = run_cli("events", *inspector_args(h), "thing-a", "--json", "--from", "1", "--to", "2")
    assert r.code == 0, r.err
    assert [e["version"] for e in r.json()] == [1, 2]
    r = run_cli("events", *inspector_args(h), "thing-a", "--json")
    assert r.json()[-1]["version"] == oracle_version
    r = run_cli("events", *inspector_args(h), "thing-zzz", "--json")
    assert r.code == 1 and "thing-zzz" in r.err and "Traceback" not in r.err


@pytest.mark.postgres
def test_two_applications_in_one_schema(pg, tmp_path) -> None:
    schema = pg.new_schema()
    alpha = store_env("postgres", pg=pg, schema=schema)
    beta = store_env("postgres", pg=pg, schema=schema)
    alpha_cls = type("Alpha", (BankAccounts,), {"name": "Alpha"})
    beta_cls = type("BetaApp", (BankAccounts,), {"name": "BetaApp"})
    with alpha.open_app(alpha_cls) as app:
        a_ids = [app.open_account("A", "a@example.com") for _ in range(2)]
        a_expected = library_view(app)
    with beta.open_app(beta_cls) as app:
        b_ids = [app.open_account("B", "b@example.com") for _ in range(3)]
        app.credit_account(b_ids[0], Decimal("3"))
        b_expected = library_view(app)

    r = run_cli("info", *inspector_args(alpha), "--json")
    assert r.code == 0, r.err
    apps = {a["name"]: a for a in r.json()["applications"]}
    assert set(apps) == {"alpha", "betaapp"}
    assert (apps["alpha"]["events"], apps["betaapp"]["events"]) == (2, 4)
    assert (apps["alpha"]["streams"], apps["betaapp"]["streams"]) == (2, 3)

    for cmd in (["streams"], ["log"], ["events", str(a_ids[0])]):
        r = run_cli(cmd[0], *inspector_args(alpha), *cmd[1:], "--json")
        assert r.code == 1
        line = r.err.strip()
        assert "\n" not in line and "Traceback" not in line
        assert "alpha" in line and "betaapp" in line and "--app" in line

    read_all(alpha, a_expected, "--app", "ALPHA")
    read_all(beta, b_expected, "--app", "BetaApp")
    r = run_cli("info", *inspector_args(alpha), "--app", "betaAPP", "--json")
    assert [a["name"] for a in r.json()["applications"]] == ["betaapp"]
    r = run_cli("streams", *inspector_args(alpha), "--app", "gamma", "--json")
    assert r.code == 1 and "alpha" in r.err and "betaapp" in r.err
    # a stream of the other application is not found, with a clear message
    r = run_cli("events", *inspector_args(alpha), "--app", "alpha", str(b_ids[0]), "--json")
    assert r.code == 1 and str(b_ids[0]) in r.err


@pytest.mark.parametrize("topic", ["bz2", "lzma"])
def test_module_compressors(topic: str, tmp_path) -> None:
    """COMPRESSOR_TOPIC=bz2 / lzma (plain modules) with and without AES, via the real library."""
    for enc in ("plain", "aes"):
        h = store_env("sqlite", tmp_path=tmp_path, encoding=enc, filename=f"{topic}-{enc}.db")
        with h.open_app(BankAccounts, COMPRESSOR_TOPIC=topic) as app:
            write_bank(app)
            expected = library_view(app)
        read_all(h, expected)
        r = run_cli("info", *inspector_args(h), "--json")
        assert r.json()["compression"] == topic
        assert r.json()["encrypted"] is (enc == "aes")


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_string_ids_that_are_uuid_strings(kind: str, tmp_path, request) -> None:
    """Stored as dashed strings: ids typed with or without dashes, prefixes and --after work."""
    pg = request.getfixturevalue("pg") if "postgres" in kind else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, id_type="text")
    with h.open_app(ThingApp) as app:
        tickets = []
        for i in range(40):
            t = Ticket(f"t{i}")
            t.note("x")
            tickets.append(t)
        app.save(*tickets)
        expected = library_view(app)
    ids = sorted(t.id for t in tickets)
    read_all(h, expected)
    seen: list[str] = []
    after: list[str] = []
    while True:
        r = run_cli("streams", *inspector_args(h), "--json", "--limit", "6", *after)
        page = [s["id"] for s in r.json()]
        if not page:
            break
        seen += page
        after = ["--after", uuid.UUID(page[-1]).hex.upper()]  # typed in another form
    assert seen == ids
    target = ids[11]
    for prefix in (target[:10], target[:10].replace("-", ""), target[:3].upper()):
        r = run_cli("streams", *inspector_args(h), "--json", "--prefix", prefix)
        want = [i for i in ids if i.replace("-", "").startswith(prefix.replace("-", "").lower())]
        assert [s["id"] for s in r.json()] == want and target in want
    r = run_cli("events", *inspector_args(h), uuid.UUID(target).hex, "--json")
    assert r.code == 0, r.err
    assert [e["version"] for e in r.json()] == [0, 1]
