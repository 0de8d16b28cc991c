"""Stream ids in any form, keyset paging, prefixes, type filter, version ranges, log filters.

A store of 90 streams of two aggregate types, written by the real library, in every layout.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from cli_runner import run_cli
from eventsourcing.domain import Aggregate, event
from eventsourcing.tests.application import BankAccounts
from eventsourcing.tests.domain import BankAccount
from storefactory import inspector_args, store_env

KINDS = [
    "sqlite",
    "sa_sqlite",
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("sa_postgres", marks=pytest.mark.postgres),
    # ORIGINATOR_ID_TYPE=text holding UUID aggregates: 32-hex TEXT (the library's postgres
    # recorder cannot do this: "operator does not exist: text = uuid")
    "sqlite/text",
]


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name
        self.tricks: list[str] = []

    @event("TrickAdded")
    def add_trick(self, trick: str, level: int) -> None:
        self.tricks.append(trick)


class Kennel(BankAccounts):
    name = "Kennel"


@pytest.fixture(scope="module", params=KINDS)
def store(request, tmp_path_factory) -> dict[str, Any]:
    kind, _, id_type = request.param.partition("/")
    pg = request.getfixturevalue("pg") if "postgres" in kind else None
    h = store_env(kind, tmp_path=tmp_path_factory.mktemp(kind), pg=pg, encoding="zlib",
                  id_type=id_type or "uuid")
    dogs, accounts = [], []
    with h.open_app(Kennel) as app:
        batch: list[Any] = []
        for i in range(60):
            d = Dog(f"Dog {i}")
            for j in range(i % 4):
                d.add_trick(f"trick {j} of dog {i}", j)
            batch.append(d)
            dogs.append(str(d.id))
        for i in range(30):
            a = BankAccount.open(full_name=f"Holder {i}", email_address=f"h{i}@example.com")
            a.append_transaction(Decimal(i))
            batch.append(a)
            accounts.append(str(a.id))
        app.save(*batch[:45])
        app.save(*batch[45:])
        notifications = app.recorder.select_notifications(start=1, limit=1000)
        versions = {str(i): app.repository.get(uuid.UUID(i)).version for i in dogs + accounts}
    return {
        "h": h,
        "dogs": dogs,
        "accounts": accounts,
        "all": sorted(dogs + accounts),
        "versions": versions,
        "log": [(n.id, str(uuid.UUID(str(n.originator_id))), n.originator_version, n.topic)
                for n in notifications],
    }


def cli(store: dict[str, Any], *argv: str) -> Any:
    r = run_cli(argv[0], *inspector_args(store["h"]), *argv[1:], "--json")
    assert r.code == 0, r.err
    return r.json()


def page_all(store: dict[str, Any], *more: str, limit: int = 7) -> list[str]:
    seen: list[str] = []
    after: list[str] = []
    for _ in range(200):
        page = cli(store, "streams", "--limit", str(limit), *after, *more)
        assert len(page) <= limit
        if not page:
            return seen
        seen += [s["id"] for s in page]
        after = ["--after", page[-1]["id"]]
    raise AssertionError("paging did not end")


def test_keyset_paging_returns_each_stream_once_in_order(store) -> None:
    seen = page_all(store)
    assert seen == store["all"]
    rows = cli(store, "streams", "--limit", "1000")
    assert [r["id"] for r in rows] == store["all"]
    assert {r["id"]: r["version"] for r in rows} == store["versions"]
    # --after in any id form continues at the same place
    mid = store["all"][40]
    want = store["all"][41:46]
    for form in (mid, mid.replace("-", ""), mid.upper(), mid.replace("-", "").upper()):
        assert [r["id"] for r in cli(store, "streams", "--after", form, "--limit", "5")] == want
    # --after a stream id that does not exist still pages from that point of the id order
    gap = str(uuid.UUID(int=uuid.UUID(mid).int + 1))
    assert [r["id"] for r in cli(store, "streams", "--after", gap, "--limit", "5")] == want


@pytest.mark.parametrize("length", [1, 2, 8, 9, 10, 13])
def test_prefix_with_and_without_dashes(store, length: int) -> None:
    target = store["all"][17]
    prefix = target[:length]
    want = [i for i in store["all"] if i.startswith(prefix)]
    assert target in want
    for form in {prefix, prefix.replace("-", ""), prefix.upper(), prefix.replace("-", "").upper()}:
        assert page_all(store, "--prefix", form, limit=3) == want
    assert cli(store, "streams", "--prefix", "zz-not-hex") == []


def test_type_filter(store) -> None:
    dogs = sorted(store["dogs"])
    accounts = sorted(store["accounts"])
    assert page_all(store, "--type", "Dog", limit=9) == dogs
    assert page_all(store, "--type", "test_read_paging:Dog", limit=50) == dogs
    assert page_all(store, "--type", "BankAccount", limit=4) == accounts
    assert cli(store, "streams", "--type", "Cat") == []
    rows = cli(store, "streams", "--limit", "1000")
    types = {r["id"]: r["type"] for r in rows}
    assert {types[d] for d in dogs} == {"test_read_paging:Dog"}
    assert {types[a] for a in accounts} == {"eventsourcing.tests.domain:BankAccount"}
    # type and prefix together
    p = dogs[3][:1]
    assert page_all(store, "--type", "Dog", "--prefix", p, limit=2) == [
        d for d in dogs if d.startswith(p)
    ]


def test_stream_ids_in_any_form(store) -> None:
    sid = next(d for d in store["dogs"] if store["versions"][d] == 4)
    u = uuid.UUID(sid)
    base = cli(store, "events", sid)
    assert [e["version"] for e in base] == [1, 2, 3, 4]
    for form in (u.hex, u.hex.upper(), sid.upper(), "{" + sid + "}", u.urn):
        assert cli(store, "events", form) == base
    assert all(e["stream"] == sid for e in base)
    assert [e["version"] for e in cli(store, "events", sid, "--from", "2")] == [2, 3, 4]
    assert [e["version"] for e in cli(store, "events", sid, "--to", "2")] == [1, 2]
    assert [e["version"] for e in cli(store, "events", sid, "--from", "2", "--to", "3")] == [2, 3]
    assert cli(store, "events", sid, "--from", "3", "--to", "2") == []
    r = run_cli("events", *inspector_args(store["h"]), str(uuid.uuid4()))
    assert r.code == 1 and "no stream" in r.err and "Traceback" not in r.err
    r = run_cli("events", *inspector_args(store["h"]), "not-a-uuid")
    assert r.code == 1 and "not-a-uuid" in r.err and len(r.err.strip().splitlines()) == 1
    r = run_cli("streams", *inspector_args(store["h"]), "--after", "not-a-uuid", "--json")
    if store["h"].kind == "sqlite":  # TEXT ids: a string bound, after every hex id
        assert r.code == 0 and r.json() == []
    else:  # a native uuid / 16-byte column: the bound cannot be a UUID, say so
        assert r.code == 1 and "--after" in r.err and "UUID" in r.err


def test_log_paging_and_filters(store) -> None:
    log = store["log"]
    rows = cli(store, "log", "--limit", "1000")
    assert [(r["position"], r["stream"], r["version"], r["topic"]) for r in rows] == log
    # --after pages: positions continue exactly
    pos: list[int] = []
    after: list[str] = []
    while True:
        page = cli(store, "log", "--limit", "13", *after)
        if not page:
            break
        pos += [r["position"] for r in page]
        after = ["--after", str(page[-1]["position"])]
    assert pos == [p for p, *_ in log]
    # --topic (repeatable)
    t_trick = "test_read_paging:Dog.TrickAdded"
    t_tx = "eventsourcing.tests.domain:BankAccount.TransactionAppended"
    got = cli(store, "log", "--topic", t_trick, "--limit", "1000")
    assert [r["position"] for r in got] == [p for p, _, _, t in log if t == t_trick]
    got = cli(store, "log", "--topic", t_trick, "--topic", t_tx, "--limit", "1000")
    assert [r["position"] for r in got] == [p for p, _, _, t in log if t in (t_trick, t_tx)]
    third = log[len(log) // 3][0]
    got = cli(store, "log", "--topic", t_trick, "--after", str(third), "--limit", "5")
    assert [r["position"] for r in got] == [p for p, _, _, t in log if t == t_trick and
                                            p > third][:5]


def test_log_contains(store) -> None:
    got = cli(store, "log", "--contains", "TRICK 2 OF DOG 7", "--limit", "1000")
    assert [(r["data"]["trick"], r["version"]) for r in got] == [("trick 2 of dog 7", 4)]
    got = cli(store, "log", "--contains", "level = 2", "--limit", "1000")
    assert len(got) == sum(1 for i in range(60) if i % 4 == 3)
    assert all(r["data"]["level"] == 2 for r in got)
    got = cli(store, "log", "--contains", "full_name = Holder 5", "--limit", "1000")
    assert [r["stream"] for r in got] == [store["accounts"][5]]
    got = cli(store, "log", "--contains", "amount = 7", "--limit", "1000")
    assert [r["stream"] for r in got] == [store["accounts"][7]]
    # text search looks at topics too, with --after and --limit
    got = cli(store, "log", "--contains", "Registered", "--limit", "5")
    assert len(got) == 5 and all(r["topic"].endswith("Dog.Registered") for r in got)
    more = cli(store, "log", "--contains", "Registered", "--after", str(got[-1]["position"]),
               "--limit", "1000")
    assert len(got) + len(more) == 60
    # a bounded scan says where to continue
    r = run_cli("log", *inspector_args(store["h"]), "--contains", "nothing like this",
                "--scan-limit", "10", "--json")
    assert r.code == 0 and r.json() == [] and "--after" in r.err


def test_limits_are_validated(store) -> None:
    sid = store["all"][0]
    for argv in (["streams", "--limit", "0"], ["log", "--limit", "-1"],
                 ["events", sid, "--limit", "0"], ["log", "--contains", "x", "--scan-limit", "0"]):
        r = run_cli(argv[0], *inspector_args(store["h"]), *argv[1:])
        assert r.code == 1 and "must be positive" in r.err and r.out == "", argv


def test_events_are_read_in_bounded_batches(store, monkeypatch) -> None:
    import inspector.commands.read as read_cmd

    sid = next(d for d in store["dogs"] if store["versions"][d] == 4)
    whole = cli(store, "events", sid)
    monkeypatch.setattr(read_cmd, "EVENTS_BATCH", 3)
    limits: list[int | None] = []
    real = read_cmd.stream_batches

    def spy(st: Any, *a: Any, **kw: Any) -> Any:
        orig = st.stream_events

        def counted(*args: Any, **kwargs: Any) -> Any:
            limits.append(kwargs.get("limit"))
            return orig(*args, **kwargs)

        st.stream_events = counted
        try:
            yield from real(st, *a, **kw)
        finally:
            del st.stream_events

    monkeypatch.setattr(read_cmd, "stream_batches", spy)
    assert cli(store, "events", sid) == whole
    assert limits and all(n is not None and n <= 3 for n in limits)
    assert cli(store, "events", sid, "--limit", "2") == whole[:2]
    assert cli(store, "events", sid, "--from", "2", "--limit", "3") == whole[1:4]
    assert cli(store, "events", sid, "--to", "3") == whole[:3]
    r = run_cli("events", *inspector_args(store["h"]), sid)  # the table view too
    assert r.code == 0 and r.out.count("TrickAdded") == 3
