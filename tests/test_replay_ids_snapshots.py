"""Domain replay keeps the stored id form; snapshots written after a first replay are used;
checkpoints are cheap copies for plain-data states and adapt their spacing to their cost."""

from __future__ import annotations

import sqlite3
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from storefactory import store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

from counting import CountingStore  # noqa: E402

from inspector.core import replay as replay_mod  # noqa: E402
from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.normalise import normalise  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.core.replay_copy import NOT_PLAIN, plain_copy  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _oracle(app: Any, key: Any, version: int) -> dict[str, Any]:
    agg = app.repository.get(key, version=version)
    return normalise({k: v for k, v in vars(agg).items() if k != "_pending_events"})


def _write_tickets(h: Any, ids: list[str]) -> None:
    from eidomain.strids import Ticket
    from eventsourcing.application import Application

    with h.open_app(Application) as app:
        for i, tid in enumerate(ids):
            t = Ticket._create(Ticket.Opened, id=tid, title=f"title {i}")  # noqa: SLF001
            for c in range(4):
                t.comment(f"comment {c}")
            t.close("done")
            app.save(t)
        app.take_snapshot(ids[0], version=2)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mixed", [False, True], ids=["all-hex", "mixed"])
def test_hex_string_ids_keep_their_form(
    kind: str, mixed: bool, tmp_path: Path, request: Any
) -> None:
    """BaseAggregate[str] ids that happen to be 32 hex digits (ORIGINATOR_ID_TYPE=text): a store
    whose every id is 32 lowercase hex shows them dashed (it holds UUIDs, as far as it shows);
    beside a text id they are text ids, shown as stored. Either form is accepted, and domain
    replay gives the aggregate its real id."""
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, id_type="text")
    ids = [uuid.uuid4().hex, uuid.uuid4().hex] + (["ticket-plain"] if mixed else [])
    _write_tickets(h, ids)
    from eventsourcing.application import Application

    domain = load_domain([DOMAINS])
    with open_database(h.location, schema=h.schema) as db, h.open_app(Application) as app:
        store = db.store()
        shown = {row.id for row in store.streams()}
        rp = Replayer(store, Codec(), "domain", domain)
        for tid in ids:
            # the user names the stream as the inspector shows it (dashed) or as stored
            names = [str(uuid.UUID(hex=tid)), tid] if tid != "ticket-plain" else [tid]
            if mixed:
                names.reverse()
            assert names[0] in shown  # the display form (dashed only where all ids are hex)
            for name in names:
                for v in range(0, 6):
                    res = rp.state(name, v)
                    assert res.error is None, res.error
                    want = _oracle(app, tid, v)
                    assert res.state == want, (name, v)
                    assert res.state["_id"] == tid
                agg = rp.aggregate(name, 3)
                assert agg.id == tid and type(agg.id) is str
        # the stored snapshot (at version 2 of the first ticket) decodes with the same id
        rows = rp.verify_snapshots(str(uuid.UUID(hex=ids[0])))
        assert rows and all(r["ok"] for r in rows), rows


def _dog_stream(h: Any, n: int) -> str:
    from eidomain.dogs import Dog, PlainDogSchool

    with h.open_app(PlainDogSchool) as app:
        d = Dog("rex")
        for i in range(n - 1):
            d.weigh(Decimal(i))
        app.save(d)
    return str(d.id)


def test_snapshots_taken_or_deleted_later_are_noticed(tmp_path: Path) -> None:
    from eidomain.dogs import PlainDogSchool

    h = store_env("sqlite", tmp_path=tmp_path)
    stream = _dog_stream(h, 300)
    with open_database(h.location) as db:
        store = CountingStore(db.store())
        generic = Replayer(store, Codec(), "generic", interval=20)
        domain = Replayer(store, Codec(), "domain", load_domain([DOMAINS]), interval=20)
        # first replays: no snapshot; the generic fold has no "tags" (set in __init__'s body)
        assert "tags" not in generic.state(stream).state
        assert domain.state(stream, 250).state["weight"] == "248"
        with h.open_app(PlainDogSchool) as app:
            app.take_snapshot(uuid.UUID(stream), version=150)
            want = {v: _oracle(app, uuid.UUID(stream), v) for v in (100, 150, 200, 300)}
        store.refresh()  # the store sees other processes' commits (as live mode does)
        # the snapshot is used from now on, with no forget(): generic states at or after 150
        # are the snapshot's state (it carries "tags"), before it the fold
        assert "tags" in generic.state(stream, 200).state
        assert "tags" in generic.state(stream, 150).state
        assert "tags" not in generic.state(stream, 149).state
        store.rows = 0
        assert "tags" not in generic.state(stream, 100).state
        assert store.rows <= 20  # checkpoints below the snapshot were kept
        for v, state in want.items():
            assert domain.state(stream, v).state == state
        # deleting it (another process) is noticed too
        con = sqlite3.connect(h.location)
        con.execute("DELETE FROM stored_snapshots")
        con.commit()
        con.close()
        store.refresh()
        assert "tags" not in generic.state(stream, 200).state
        # refresh() re-reads at once (the GUI calls it after its own writes)
        with h.open_app(PlainDogSchool) as app:
            app.take_snapshot(uuid.UUID(stream), version=50)
        store.refresh()
        generic.refresh(stream)
        assert "tags" in generic.state(stream, 60).state


def test_plain_copy_shares_leaves_and_keeps_aliasing() -> None:
    shared = [1, 2]
    state = {"a": shared, "b": shared, "c": {"d": [Decimal("1.5"), "x"]}, "t": (shared, 3)}
    out, size = plain_copy(state)
    assert out == state and size > 0
    assert out["a"] is out["b"] and out["a"] is not shared and out["t"][0] is out["a"]
    out["a"].append(3)
    assert shared == [1, 2]
    assert plain_copy({"x": object()})[0] is NOT_PLAIN

    class Slotted:
        __slots__ = ("x",)

    assert plain_copy(Slotted())[0] is NOT_PLAIN


def test_checkpoint_spacing_adapts_to_cost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A costly checkpoint widens the spacing so checkpoints take a bounded share of the
    replay; the answers stay exact and a jump still replays at most one interval."""
    from eventsourcing.application import Application

    h = store_env("sqlite", tmp_path=tmp_path)
    stream = _dog_stream(h, 2000)
    with open_database(h.location) as db:
        store = CountingStore(db.store())
        rp = Replayer(store, Codec(), "domain", load_domain([DOMAINS]), interval=16)
        real = replay_mod.Replayer._copy_out

        def slow_copy(self: Any, ch: Any, state: Any) -> Any:
            import time

            t = time.perf_counter()
            while time.perf_counter() - t < 0.004:  # a state that costs 4 ms to copy
                pass
            return real(self, ch, state)

        monkeypatch.setattr(replay_mod.Replayer, "_copy_out", slow_copy)
        rp.state(stream)
        ch = next(iter(rp._chains.values()))  # noqa: SLF001
        assert ch.interval > 16  # widened
        n_ck = len(ch.ck_versions)
        assert n_ck < 2000 // 16
        with h.open_app(Application) as app:
            for v in (1, 333, 1999, 1000, 1500, 2000):
                store.rows = 0
                got = rp.state(stream, v).state
                assert got == _oracle(app, uuid.UUID(stream), v)
                assert store.rows <= ch.interval
