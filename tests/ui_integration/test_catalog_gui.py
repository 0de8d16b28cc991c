"""The catalog in the main window: type filter with counts, store statistics, incremental
update and cancel — on a real store written by the library, checked against the library's log."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from helpers import TIMEOUT, open_store
from PySide6.QtCore import Qt
from shopdomain import DAYS, Order, Shop, library_counts, on_day, write_shop
from storefactory import store_env

from inspector.ui.format import short_topic
from inspector.ui.widgets.days_chart import day_of


@pytest.fixture
def shop(tmp_path: Path) -> Any:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib", filename="shop.db")
    with h.open_app(Shop) as app:
        ids = write_shop(app)
    return h, ids


def wait_catalog(qtbot: Any, win: Any, state: str = "done") -> dict[str, Any]:
    feed = win.catalog_feed
    qtbot.waitUntil(lambda: feed.data is not None and feed.data["state"] == state
                    and not feed.running(), timeout=TIMEOUT)
    return feed.data


def combo_items(win: Any) -> dict[str, str]:
    box = win.streams_panel.type_box
    return {box.itemData(i): box.itemText(i) for i in range(1, box.count())}


def test_type_filter_lists_catalog_types_with_counts(qtbot, main_win, shop) -> None:
    h, ids = shop
    with h.open_app(Shop) as app:
        per_type, _per_day, total = library_counts(app)
    win = main_win
    open_store(qtbot, win, h.location)
    data = wait_catalog(qtbot, win)
    assert data["summary"]["events"] == total
    items = combo_items(win)
    # every aggregate type the library wrote, with its stream count, whatever the first page held
    assert set(items) == set(per_type)
    for topic, text in items.items():
        name = topic.split(":")[-1]
        assert text == f"{short_topic(topic)} ({len(ids[name]):,})"
    by_type = {t["type"]: t for t in data["summary"]["types"]}
    assert {t: by_type[t]["events"] for t in per_type} == per_type

    # picking "Order (n)" lists exactly the library's orders
    order_topic = next(t for t in items if t.endswith(":Order"))
    box = win.streams_panel.type_box
    box.setCurrentIndex(box.findData(order_topic))
    win.streams_panel.apply_filter()
    model = win.streams_panel.model
    qtbot.waitUntil(lambda: model.type_filter == order_topic and not model.pending
                    and model.exhausted, timeout=TIMEOUT)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.pending, timeout=TIMEOUT)
    assert sorted(r["id"] for r in model.rows) == sorted(ids["Order"])
    # the catalog is up to date: the filter paged through its index, not a bounded scan
    assert {r["type_source"] for r in model.rows} == {"catalog"}
    assert all(r["type"] == order_topic for r in model.rows)

    # a new store resets the list; the counts come back for it
    open_store(qtbot, win, h.location)
    assert win.streams_panel.type_counts == {} or win.catalog_feed.data is not None
    wait_catalog(qtbot, win)
    assert set(combo_items(win)) == set(per_type)


def test_store_statistics_view_and_incremental_update(qtbot, main_win, shop) -> None:
    h, ids = shop
    win = main_win
    open_store(qtbot, win, h.location)
    wait_catalog(qtbot, win)
    win.act_stats.trigger()
    dlg = win.stats_dialog
    qtbot.waitUntil(lambda: dlg.isVisible() and not win.catalog_feed.running(), timeout=TIMEOUT)
    with h.open_app(Shop) as app:
        per_type, per_day, total = library_counts(app)
    assert dlg.values["events"].text() == f"{total:,}"
    assert dlg.values["streams"].text() == f"{len(ids['Customer']) + len(ids['Order']):,}"
    assert dlg.values["types"].text() == str(len(per_type))
    assert dlg.values["first"].text().startswith(DAYS[0].date().isoformat())
    assert dlg.values["last"].text().startswith(DAYS[-1].date().isoformat())
    assert "up to date" in dlg.values["position"].text()
    rows = {dlg.table.item(i, 0).toolTip(): (dlg.table.item(i, 1).text(),
                                             dlg.table.item(i, 2).text())
            for i in range(dlg.table.rowCount())}
    assert rows == {t: (f"{len(ids[t.split(':')[-1]]):,}", f"{n:,}") for t, n in per_type.items()}
    # the chart: one curve per type, its points the library's per-day counts
    curves = dlg.plot.getPlotItem().listDataItems()
    assert len(curves) == len(per_type)
    plotted = {(c.name(), day_of(x)): int(y)
               for c in curves for x, y in zip(*c.getData(), strict=True)}
    assert {k: v for k, v in plotted.items() if v} == {
        (t.split(":")[-1], d): n for (t, d), n in per_day.items()}
    assert set(plotted.values()) >= {0}  # the day without events is drawn as 0
    assert len({d for (_t, d) in per_day}) == len(DAYS)

    # events appended by the library while the window is open: Update adds just those
    with h.open_app(Shop) as app, on_day(DAYS[-1]):
        c = app.repository.get(UUID(ids["Customer"][0]))
        for _ in range(7):
            c.visit()
        app.save(c)
        per_type2, _d, total2 = library_counts(app)
    qtbot.mouseClick(dlg.update_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.catalog_feed.result is not None
                    and win.catalog_feed.result["processed"] == 7
                    and not win.catalog_feed.running(), timeout=TIMEOUT)
    assert dlg.values["events"].text() == f"{total2:,}" and total2 == total + 7
    assert "7 new events" in dlg.status.text()
    cust = next(t for t in per_type2 if t.endswith(":Customer"))
    i = next(i for i in range(dlg.table.rowCount()) if dlg.table.item(i, 0).toolTip() == cust)
    assert dlg.table.item(i, 2).text() == f"{per_type2[cust]:,}"

    # double-clicking a type filters the streams panel by it
    dlg._activated(i, 0)
    qtbot.waitUntil(lambda: win.streams_panel.model.type_filter == cust, timeout=TIMEOUT)


def test_catalog_update_cancels_and_resumes(qtbot, main_win, shop, monkeypatch) -> None:
    from inspector.core import catalog as core_catalog

    h, _ids = shop
    win = main_win
    feed = win.catalog_feed
    feed.batch = 40
    real_apply = core_catalog.Catalog._apply

    def slow_apply(self: Any, events: list[Any]) -> None:
        time.sleep(0.08)
        real_apply(self, events)

    monkeypatch.setattr(core_catalog.Catalog, "_apply", slow_apply)
    open_store(qtbot, win, h.location)
    win.act_stats.trigger()
    dlg = win.stats_dialog
    qtbot.waitUntil(lambda: feed.running() and dlg.cancel_btn.isEnabled(), timeout=TIMEOUT)
    qtbot.waitUntil(lambda: "position" in feed.status, timeout=TIMEOUT)
    t0 = time.monotonic()
    qtbot.mouseClick(dlg.cancel_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled" in dlg.status.text(), timeout=TIMEOUT)
    assert time.monotonic() - t0 < 1.0
    assert not win.runner.is_busy("catalog")
    assert win.runner.wait_idle(1000)  # the cancelled task stops within a second
    head = win.session.store.max_position()
    with core_catalog.Catalog(win.session.store, win.session.codec) as cat:
        kept = cat.position()
    assert kept is not None and 0 < kept < head  # what was committed stays

    monkeypatch.setattr(core_catalog.Catalog, "_apply", real_apply)
    qtbot.mouseClick(dlg.update_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: feed.result is not None and feed.result["status"] == "done"
                    and not feed.running(), timeout=TIMEOUT)
    assert feed.result["processed"] == head - kept  # resumed, not rebuilt
    with h.open_app(Shop) as app:
        _pt, _pd, total = library_counts(app)
    assert feed.data["summary"]["events"] == total


@pytest.mark.postgres
def test_catalog_types_on_encrypted_postgres_store(qtbot, main_win, pg) -> None:
    h = store_env("postgres", pg=pg, encoding="zlib+aes")
    with h.open_app(Shop) as app:
        ids = write_shop(app, customers=12, orders_per_day=4)
        per_type, _per_day, total = library_counts(app)
    win = main_win
    open_store(qtbot, win, h.location, schema=h.schema, cipher_key=h.cipher_key)
    data = wait_catalog(qtbot, win)
    s = data["summary"]
    assert (s["events"], s["streams"], s["undecoded"]) == (
        total, len(ids["Customer"]) + len(ids["Order"]), 0)
    assert {t["type"]: t["events"] for t in s["types"]} == per_type
    assert combo_items(win) == {
        t: f"{short_topic(t)} ({len(ids[t.split(':')[-1]]):,})" for t in per_type}


def test_catalog_without_the_cipher_key_says_so(qtbot, main_win, tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes", filename="locked.db")
    with h.open_app(Shop) as app:
        write_shop(app, customers=5, orders_per_day=2)
        _pt, _pd, total = library_counts(app)
    win = main_win
    open_store(qtbot, win, h.location)  # no key: payloads cannot be read
    data = wait_catalog(qtbot, win)
    assert data["summary"]["undecoded"] == total
    assert win.streams_panel.type_counts == {}  # no "?" type offered as a filter
    assert "could not be decoded" in win.catalog_feed.status
    win.act_stats.trigger()
    dlg = win.stats_dialog
    qtbot.waitUntil(lambda: not win.catalog_feed.running(), timeout=TIMEOUT)
    assert f"{total:,} events not decoded" in dlg.values["position"].text()
    assert dlg.plot.getPlotItem().listDataItems() == []  # no days known: nothing drawn


def test_catalog_rebuilt_in_projections_panel_is_republished(qtbot, main_win, shop) -> None:
    h, _ids = shop
    win = main_win
    open_store(qtbot, win, h.location)
    wait_catalog(qtbot, win)
    lazy = win.extra_panels["Projections"]
    win.right_tabs.setCurrentWidget(lazy)
    panel = lazy.panel()
    with h.open_app(Shop) as app, on_day(DAYS[1]):
        app.save(Order("late"))
        per_type, _pd, total = library_counts(app)
    seen: list[dict[str, Any]] = []
    win.catalog_feed.updated.connect(seen.append)
    with qtbot.waitSignal(panel.rebuildFinished, timeout=TIMEOUT):
        panel.update_catalog()
    qtbot.waitUntil(lambda: any(d["state"] == "done" for d in seen)
                    and not win.catalog_feed.running(), timeout=TIMEOUT)
    assert win.catalog_feed.data["summary"]["events"] == total
    order = next(t for t in per_type if t.endswith(":Order"))
    assert win.streams_panel.type_counts[order]["events"] == per_type[order]


def test_two_catalog_updates_at_once_count_each_event_once(shop, tmp_path) -> None:
    """The window's background update and the projections panel's may overlap."""
    import threading

    from inspector.core.catalog import Catalog
    from inspector.core.codec import Codec
    from inspector.stores.open import open_database

    h, _ids = shop
    with h.open_app(Shop) as app:
        per_type, per_day, total = library_counts(app)
    db = open_database(h.location)
    try:
        store = db.store()
        path = tmp_path / "cat.sqlite"
        cats = [Catalog(store, Codec(None), path) for _ in range(2)]
        threads = [threading.Thread(target=c.update, kwargs={"batch": 25}) for c in cats]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        s = cats[0].summary()
        assert s["events"] == total
        assert {t["type"]: t["events"] for t in s["types"]} == per_type
        assert {(d["type"], d["day"]): d["events"] for d in cats[1].per_day()} == per_day
        for c in cats:
            c.close()
    finally:
        db.close()
