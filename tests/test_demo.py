"""The demo store: written by the real library, read back by the library and the inspector."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.application import project_aggregate

from inspector.core.codec import Codec
from inspector.core.errors import InspectorError
from inspector.demo import APP_CLASS, DemoStore, ensure_demo_store
from inspector.demo import generate as demo_generate
from inspector.demo.projection import ProductSales, ProductSalesView
from inspector.demo.shop import InventoryItem, Order, ShopApplication
from inspector.stores.open import open_database

TYPES = {"Customer", "Product", "InventoryItem", "Order", "Account"}


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoStore, float]:
    data_dir = tmp_path_factory.mktemp("demo-data")
    started = time.perf_counter()
    store = ensure_demo_store(data_dir=data_dir)
    return store, time.perf_counter() - started


@pytest.fixture
def library_app(demo, tmp_path: Path):
    """The library's own view of a copy of the demo store (the original stays untouched)."""
    copy = tmp_path / "copy.db"
    shutil.copy(demo[0].location, copy)
    app = ShopApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(copy), "CREATE_TABLE": "no"})
    try:
        yield app
    finally:
        app.close()


def all_streams(store) -> list[Any]:
    rows, after = [], None
    while True:
        page = store.streams(after=after, limit=500)
        rows += page
        if len(page) < 500:
            return rows
        after = page[-1].id


def test_created_once_in_time(demo) -> None:
    store, seconds = demo
    assert store.created and Path(store.location).is_file()
    assert store.app_class == APP_CLASS == "inspector.demo.shop:ShopApplication"
    assert store.paths and (Path(store.paths[0]) / "inspector" / "demo" / "shop.py").is_file()
    assert seconds < 60, f"demo creation took {seconds:.1f} s"
    again = ensure_demo_store(data_dir=Path(store.location).parent.parent)
    assert not again.created and again.location == store.location
    assert not list(Path(store.location).parent.glob(".demo-*"))  # no temp files left
    assert not Path(store.location + "-wal").exists()


def test_types_long_streams_snapshots_tracking(demo) -> None:
    location = demo[0].location
    with open_database(location) as db:
        assert db.layout == "eventsourcing.sqlite"
        store = db.store()
        codec = Codec(None)
        streams = all_streams(store)
        by_type: dict[str, int] = {}
        for row in streams:
            created = codec.decode(row.first_state)
            topic = created.data["originator_topic"]
            by_type[topic.rsplit(":", 1)[1]] = by_type.get(topic.rsplit(":", 1)[1], 0) + 1
        assert set(by_type) == TYPES
        assert 300 <= len(streams) <= 1000, by_type
        long = [row for row in streams if store.last_version(row.id) >= 5000]
        assert len(long) >= 3
        for row in long:
            snaps = store.snapshots(row.id)
            assert len(snaps) >= 5, row.id
        tracking = {t.name: t.position for t in store.tracking()}
        head = store.max_position()
        assert 0 < tracking["Shop"] < head  # the projection lags two days behind


def test_timestamps_spread_over_weeks(demo) -> None:
    with open_database(demo[0].location) as db:
        store = db.store()
        codec = Codec(None)
        first = store.log(after=0, limit=1)[0]
        last_pos = store.max_position()
        last = store.log(after=last_pos - 1, limit=1)[0]
        t0 = datetime.fromisoformat(codec.decode(first.state).data["timestamp"])
        t1 = datetime.fromisoformat(codec.decode(last.state).data["timestamp"])
        assert t1 - t0 >= timedelta(weeks=7)
        page = store.log(after=last_pos // 2, limit=2000)
        times = [codec.decode(e.state).data["timestamp"] for e in page]
        assert times == sorted(times)  # the global log is in time order
        assert len({t[:10] for t in times}) >= 2  # and 2000 events span more than one day


def test_library_reads_long_streams_back(demo, library_app) -> None:
    app = library_app
    codec = Codec(None)
    ids = [UUID(i) for i in demo[0].facts["long_streams"].values()]
    with open_database(demo[0].location) as db:
        store = db.store()
        for aggregate_id in ids:
            with_snapshots = app.repository.get(aggregate_id)  # uses the snapshots
            events = list(app.events.get(aggregate_id))
            assert len(events) >= 5000 and with_snapshots.version == len(events)
            from_events = project_aggregate(None, events)
            assert vars(from_events) == vars(with_snapshots)
            middle = len(events) * 2 // 3
            assert vars(app.repository.get(aggregate_id, version=middle)) == vars(
                project_aggregate(None, events[:middle])
            )
            if isinstance(with_snapshots, InventoryItem):
                # the inspector's decoded payloads add up to the library's counter
                on_hand = 0
                for raw in store.iter_stream_events(str(aggregate_id)):
                    data = codec.decode(raw.state).data
                    kind = raw.topic.rsplit(".", 1)[1]
                    sign = {"StockReceived": 1, "StockShipped": -1}.get(kind, 0)
                    on_hand += sign * data.get("quantity", 0) + data.get("delta", 0)
                assert on_hand == with_snapshots.on_hand


def test_projection_matches_the_log(demo, library_app) -> None:
    app = library_app
    view = app.factory.tracking_recorder(ProductSalesView)
    position = view.max_tracking_id("Shop")
    assert position == demo[0].facts["projection"]["position"]
    expected: dict[str, tuple[int, Decimal]] = {}
    for n in app.recorder.select_notifications(1, 10**6, stop=position,
                                               topics=ProductSales.topics):
        event = app.mapper.to_domain_event(n)
        lines = event.lines if isinstance(event, Order.Placed) else [
            {"product_id": event.product_id, "qty": event.qty, "unit_price": event.unit_price}
        ]
        for line in lines:
            units, revenue = expected.get(line["product_id"].hex, (0, Decimal(0)))
            expected[line["product_id"].hex] = (
                units + line["qty"], revenue + line["unit_price"] * line["qty"]
            )
    assert expected and view.totals() == expected


def test_default_location_and_atomic_failure(monkeypatch, tmp_path: Path) -> None:
    small = {"customers": 6, "orders": 6, "long_events": 30, "days": 3}
    store = ensure_demo_store(**small)
    expected = tmp_path / "xdg-data" / "event-inspector" / "demo" / "demo.db"
    assert Path(store.location) == expected and store.created
    before = expected.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full (simulated)")

    with monkeypatch.context() as patch:
        patch.setattr(demo_generate, "run_projection", crash)
        with pytest.raises(InspectorError, match="cannot create the demo store.*disk full"):
            ensure_demo_store(force=True, **small)
    assert expected.read_bytes() == before  # the old store is intact
    assert sorted(p.name for p in expected.parent.iterdir()) == ["demo.db", "demo.json"]
    rebuilt = ensure_demo_store(force=True, **small)
    assert rebuilt.created and Path(rebuilt.location) == expected


def test_simulated_clock_is_per_thread_and_restored() -> None:
    import threading
    from datetime import UTC

    from eventsourcing.domain import CanCreateTimestamp

    from inspector.demo.clock import simulated_clock
    from inspector.demo.shop import Product

    original = CanCreateTimestamp.__dict__["create_timestamp"]
    then = datetime(2020, 2, 29, 12, 0, tzinfo=UTC)
    other: list[datetime] = []
    with simulated_clock(then) as clock:
        product = Product("SKU-1", "Mug", "tableware", Decimal("9.99"))
        clock.set(then + timedelta(days=1))
        product.change_price(Decimal("8.99"))
        worker = threading.Thread(target=lambda: other.append(Product("S", "x", "y", Decimal(1))
                                                              .created_on))
        worker.start()
        worker.join()
    assert [e.timestamp for e in product.collect_events()] == [then, then + timedelta(days=1)]
    assert other[0] > datetime.now(UTC) - timedelta(minutes=5)  # another thread: real time
    assert CanCreateTimestamp.__dict__["create_timestamp"] is original
    assert Product("S", "x", "y", Decimal(1)).created_on > then + timedelta(days=365)


def test_domain_mode_with_the_demo_paths_and_app_class(demo, library_app) -> None:
    from cli_runner import run_cli

    store = demo[0]
    ledger = demo[0].facts["long_streams"]["ledger operating account"]
    args = ["--app-class", store.app_class]
    for path in store.paths:
        args += ["--path", path]
    r = run_cli("state", store.location, ledger, "--version", "4000", *args, "--json")
    assert r.code == 0, r.err
    shown = r.json()
    assert shown["mode"] == "domain"
    account = library_app.repository.get(UUID(ledger), version=4000)
    assert Decimal(shown["state"]["balance"]) == account.balance
    assert shown["state"]["transactions"] == account.transactions


def test_readme_describes_the_demo_it_makes(demo) -> None:
    """The README's demo caption and table name what ``--demo`` writes (same every day)."""
    import re

    from inspector.ui.window_opening import demo_stream_id

    store, _seconds = demo
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    facts = store.facts
    with open_database(store.location) as db:
        s = db.store()
        m = re.search(r"([\d,]+) events in ([\d,]+) streams", readme)
        assert m, "the README states the demo's size"
        assert int(m.group(1).replace(",", "")) == facts["events"] == s.count_events().value
        assert int(m.group(2).replace(",", "")) == s.count_streams().value
        for kind, n in facts["aggregates"].items():
            plural = {"Customer": "customers", "Product": "products",
                      "InventoryItem": "inventory items", "Order": "orders",
                      "Account": "accounts"}[kind]
            assert f"{n} {plural}" in readme, (kind, n)
        named = facts["named_streams"]
        assert set(facts["long_streams"]) < set(named)
        for label in named:
            assert f"`{label}`" in readme or label.split()[-1] in readme, label
        ledger = demo_stream_id(named, "ledger")
        assert ledger == named["ledger operating account"]
        ledger_events = s.last_version(ledger)
        assert f"{ledger_events:,} events" in readme
        assert "--stream ledger --version 3000" in readme and ledger_events > 3000
        order = named["order delivered"]
        assert s.last_version(order) >= 4
