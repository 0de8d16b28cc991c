"""In-place rebuild keeps the upstream name the library's tracking rows carry.

An ``eventsourcing.sqlite`` store does not hold its application's name (its tables are
``stored_events``...), so without ``--app-class`` the inspector calls it ``stored``. A rebuild
used to write its tracking row under that name beside the library's own (``Shop``), which it
left at the old position: the application's runner, resuming from ``Shop``, would then apply
the later events a second time on top of the rebuilt view."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

from cli_runner import run_cli


def test_rebuild_without_app_class_keeps_the_tracked_upstream_name(tmp_path: Path) -> None:
    from inspector.demo.generate import run_projection
    from inspector.demo.shop import Order, ShopApplication

    db = tmp_path / "shop.db"
    app = ShopApplication(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": str(db)})
    try:
        line = {"product_id": uuid4(), "sku": "X-1", "qty": 2, "unit_price": Decimal("1.50")}
        for _ in range(3):
            app.save(Order(uuid4(), [line]))
        projected = run_projection(app, datetime.now(UTC) + timedelta(days=1))
        app.save(Order(uuid4(), [line]))  # one the projection has not seen
        head = app.recorder.max_notification_id()
    finally:
        app.close()
    assert projected is not None and head is not None and head > projected

    def tracking() -> list[tuple[str, int]]:
        with sqlite3.connect(db) as c:
            return sorted(c.execute("SELECT application_name, notification_id FROM tracking"
                                    " WHERE application_name <> '__migration__'").fetchall())

    assert tracking() == [("Shop", projected)]
    r = run_cli("rebuild", str(db), "inspector.demo.projection:ProductSales", "--write", "--yes")
    assert r.code == 0, r.err
    assert tracking() == [("Shop", head)]
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT units FROM product_sales").fetchall() == [(8,)]
