"""A tracked projection of the demo shop: units and revenue ordered per product.

:class:`ProductSalesView` is a library ``SQLiteTrackingRecorder`` with one extra table,
``product_sales``; every update is committed in the same transaction as the tracking row
(``tracking``: ``application_name = 'Shop'``), exactly like an ``eventsourcing.projection``
view. :class:`ProductSales` is the library ``Projection`` that feeds it from ``Order`` events.
"""

from __future__ import annotations

from decimal import Decimal
from functools import singledispatchmethod
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.sqlite import SQLiteCursor, SQLiteTrackingRecorder
from eventsourcing.utils import get_topic

from inspector.demo.shop import Order

SALES_TABLE = "product_sales"


class ProductSalesView(SQLiteTrackingRecorder):
    """``product_sales(product_id, sku, orders, units, revenue)`` plus the tracking table."""

    def construct_create_table_statements(self) -> list[str]:
        statements = super().construct_create_table_statements()
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {SALES_TABLE} ("
            "product_id TEXT PRIMARY KEY, sku TEXT NOT NULL, orders INTEGER NOT NULL, "
            "units INTEGER NOT NULL, revenue TEXT NOT NULL)"
        )
        return statements

    def record_lines(
        self, lines: list[dict[str, Any]], new_order: bool, tracking: Tracking
    ) -> None:
        """Add ``lines`` to the totals and move the tracking position, in one transaction."""
        with self.datastore.transaction(commit=True) as c:
            for line in lines:
                self._add(c, line, 1 if new_order else 0)
            self._insert_tracking(c, tracking)

    def track(self, tracking: Tracking) -> None:
        self.insert_tracking(tracking)

    @staticmethod
    def _add(c: SQLiteCursor, line: dict[str, Any], orders: int) -> None:
        pid = line["product_id"].hex
        revenue = Decimal(line["unit_price"]) * int(line["qty"])
        c.execute(f"SELECT units, revenue, orders FROM {SALES_TABLE} WHERE product_id=?", (pid,))
        row = c.fetchone()
        if row is None:
            c.execute(
                f"INSERT INTO {SALES_TABLE} VALUES (?,?,?,?,?)",
                (pid, line["sku"], orders, int(line["qty"]), str(revenue)),
            )
        else:
            c.execute(
                f"UPDATE {SALES_TABLE} SET units=?, revenue=?, orders=? WHERE product_id=?",
                (
                    row[0] + int(line["qty"]),
                    str(Decimal(row[1]) + revenue),
                    row[2] + orders,
                    pid,
                ),
            )

    def totals(self) -> dict[str, tuple[int, Decimal]]:
        """``{product_id_hex: (units, revenue)}``."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT product_id, units, revenue FROM {SALES_TABLE}")
            return {r[0]: (r[1], Decimal(r[2])) for r in c.fetchall()}


class ProductSales(Projection[ProductSalesView]):
    """Units and revenue ordered per product (order placements and added lines)."""

    name = "ProductSales"
    topics = (get_topic(Order.Placed), get_topic(Order.LineAdded))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.track(tracking)

    @process_event.register
    def _placed(self, domain_event: Order.Placed, tracking: Tracking) -> None:
        self.view.record_lines(list(domain_event.lines), True, tracking)

    @process_event.register
    def _line_added(self, domain_event: Order.LineAdded, tracking: Tracking) -> None:
        line = {
            "product_id": domain_event.product_id,
            "sku": domain_event.sku,
            "qty": domain_event.qty,
            "unit_price": domain_event.unit_price,
        }
        self.view.record_lines([line], False, tracking)
