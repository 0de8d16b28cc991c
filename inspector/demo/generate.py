"""Write the demo shop's event store with the real library: eight weeks of a small shop.

A discrete-event simulation: actions (a customer registers, a till sale, an order is placed, paid,
shipped, delivered, a restock...) sit in a time-ordered queue and run on the shop's aggregates with
the simulated clock set to their time (:mod:`inspector.demo.clock`). At the end of each simulated
day the day's events are saved in time order with ``ShopApplication.save`` (which also takes the
interval snapshots). Afterwards the :class:`~inspector.demo.projection.ProductSales` projection
processes the log up to two days before the end, so its tracking row shows a lag.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking

from inspector.demo.clock import Clock, simulated_clock
from inspector.demo.projection import ProductSales, ProductSalesView
from inspector.demo.shop import (
    Account,
    Customer,
    EmailAddress,
    InventoryItem,
    Order,
    Product,
    ShopApplication,
)

FIRST = ("Ada Ben Chloe Daan Eva Finn Greta Hugo Iris Jonas Kim Lars Mila Noah Olga Piet Quinn "
         "Rosa Sven Tess Umar Vera Wim Xena Yara Zeno").split()
LAST = ("Jansen de Vries Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer "
        "Kok Schouten").split(" ")
COUNTRIES = ("NL", "NL", "NL", "BE", "DE", "DE", "FR", "GB", "ES", "IT")
CITIES = ("Amsterdam", "Utrecht", "Rotterdam", "Antwerp", "Berlin", "Lyon", "Leeds", "Porto")
STREETS = ("Keizersgracht", "Main Street", "Lindenweg", "Rue Haute", "Mill Lane", "Dorpsstraat")
CATALOGUE = (
    ("coffee", "House blend coffee beans 1kg", "18.90"),
    ("dairy", "Barista oat milk 1L", "2.49"),
    ("coffee", "Single origin Ethiopia 250g", "9.50"),
    ("coffee", "Decaf espresso 500g", "11.20"),
    ("tea", "Sencha green tea 100g", "6.75"),
    ("tea", "Earl grey loose leaf 200g", "7.90"),
    ("tea", "Rooibos vanilla 100g", "5.60"),
    ("kitchen", "Ceramic pour-over dripper", "24.00"),
    ("kitchen", "Paper filters size 02 (100)", "4.95"),
    ("kitchen", "Burr grinder", "89.00"),
    ("kitchen", "Gooseneck kettle", "54.50"),
    ("kitchen", "Milk frothing jug 600ml", "16.80"),
    ("kitchen", "Digital scale 0.1g", "29.99"),
    ("kitchen", "French press 1L", "32.00"),
    ("kitchen", "Cold brew bottle", "21.50"),
    ("tableware", "Espresso cup set (4)", "27.00"),
    ("tableware", "Stoneware mug", "12.50"),
    ("tableware", "Double-walled glass 350ml", "14.25"),
    ("books", "The coffee roaster's companion", "34.90"),
    ("books", "Tea: a user's guide", "26.00"),
)
VARIANTS = ("", " (gift box)")
# The demo's calendar: it is simulated up to this hour and its stamps moved by whole weeks to
# end in the week before today, so every demo store has the same events (README counts hold).
REFERENCE_END = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


@dataclass
class DemoFacts:
    """What the generator wrote (for tests and the status line)."""

    events: int = 0
    aggregates: dict[str, int] = field(default_factory=dict)
    long_streams: dict[str, str] = field(default_factory=dict)  # label -> canonical id
    named_streams: dict[str, str] = field(default_factory=dict)  # the long ones and examples
    projection_position: int | None = None
    start: datetime | None = None
    end: datetime | None = None


Action = Callable[[], None]


class ShopSimulation:
    """Runs actions in time order; saves each simulated day's events in time order."""

    def __init__(self, app: ShopApplication, clock: Clock, rng: random.Random) -> None:
        self.app = app
        self.clock = clock
        self.rng = rng
        self._queue: list[tuple[datetime, int, Action]] = []
        self._seq = itertools.count()
        self._touched: dict[UUID, Aggregate] = {}
        self.events_written = 0

    def at(self, when: datetime, action: Action) -> None:
        heapq.heappush(self._queue, (when, next(self._seq), action))

    def touch(self, *aggregates: Aggregate) -> None:
        for agg in aggregates:
            self._touched[agg.id] = agg

    def run(self, start: datetime, end: datetime, on_day: Callable[[datetime], None]) -> None:
        day = start
        while day < end:
            on_day(day)  # schedules the day's own actions
            day_end = min(day + timedelta(days=1), end)
            while self._queue and self._queue[0][0] < day_end:
                when, _, action = heapq.heappop(self._queue)
                self.clock.set(when)
                action()
            self.clock.set(day_end - timedelta(seconds=1))  # the nightly snapshot job
            self.flush()
            day = day_end
        self._queue.clear()  # follow-ups after the end never happened

    def flush(self) -> None:
        aggregates = list(self._touched.values())
        self._touched.clear()
        events = [e for agg in aggregates for e in agg.collect_events()]
        if not events:
            return
        events.sort(key=lambda e: e.timestamp)  # stable: per-stream order is kept
        self.app.save(*events, *aggregates)  # aggregates carry no pending events now
        self.events_written += len(events)


class Shop:
    """The simulated shop's state and its actions."""

    def __init__(self, sim: ShopSimulation, rng: random.Random, long_events: int, days: int):
        self.sim = sim
        self.rng = rng
        self.customers: list[Customer] = []
        self.products: list[Product] = []
        self.stock: dict[UUID, InventoryItem] = {}
        self.store_credit: dict[UUID, Account] = {}
        self.orders: list[Order] = []
        self.till_sales_per_day = math.ceil(long_events / days) + 2
        self.bestsellers: list[Product] = []
        self.operating: Account | None = None
        self._supplier_refs = itertools.count(1001)
        self._tracking_numbers = itertools.count(70001)

    # -- set-up ------------------------------------------------------------------------------
    def open_shop(self) -> None:
        self.operating = Account.open("Shop operating account", "EUR")
        self.operating.set_overdraft_limit(Decimal("5000.00"))
        self.operating.credit(Decimal("25000.00"), "opening capital")
        self.sim.touch(self.operating)
        for variant in VARIANTS:
            for n, (category, name, price) in enumerate(CATALOGUE):
                sku = f"{category[:3].upper()}-{n + 1:03d}{'G' if variant else ''}"
                price_d = Decimal(price) + (Decimal("4.00") if variant else Decimal(0))
                product = Product(sku, name + variant, category, price_d)
                item = InventoryItem.create(product.id, sku, "AMS-1")
                self.products.append(product)
                self.stock[product.id] = item
                self.restock(item, 60 + self.rng.randrange(120))
                self.sim.touch(product, item)
        self.bestsellers = self.products[:2]

    # -- helpers -----------------------------------------------------------------------------
    def restock(self, item: InventoryItem, quantity: int) -> None:
        ref = f"PO-{next(self._supplier_refs)}"
        item.receive(quantity, ref)
        self.sim.touch(item)
        if self.operating is not None and item.version > 2:
            cost = (self.product(item.product_id).price * quantity * Decimal("0.45")).quantize(
                Decimal("0.01")
            )
            if self.operating.balance - cost >= -self.operating.overdraft_limit:
                self.operating.debit(cost, ref)
                self.sim.touch(self.operating)

    def product(self, product_id: UUID) -> Product:
        for p in self.products:
            if p.id == product_id:
                return p
        raise KeyError(product_id)

    def take(self, item: InventoryItem, quantity: int, channel: str, order: UUID | None) -> None:
        if item.on_hand < quantity + 20:
            self.restock(item, 300 + self.rng.randrange(200))
        item.ship(quantity, channel, order)
        self.sim.touch(item)

    def when(self, day: datetime, open_h: int = 8, close_h: int = 21) -> datetime:
        seconds = self.rng.randrange(open_h * 3600, close_h * 3600)
        return day + timedelta(seconds=seconds, microseconds=self.rng.randrange(1_000_000))

    # -- the day's actions -------------------------------------------------------------------
    def schedule_day(self, day: datetime, new_customers: int, new_orders: int) -> None:
        weekend = day.weekday() >= 5
        till = int(self.till_sales_per_day * (1.15 if weekend else 0.95))
        for product in self.bestsellers:
            for _ in range(till):
                self.sim.at(self.when(day), lambda p=product: self.till_sale(p))
        for _ in range(new_customers):
            self.sim.at(self.when(day, 0, 24), self.register_customer)
        for _ in range(new_orders):
            self.sim.at(self.when(day, 0, 24), self.place_order)
        if self.rng.random() < 0.5:
            self.sim.at(self.when(day, 6, 8), self.change_a_price)

    def till_sale(self, product: Product) -> None:
        qty = self.rng.choice((1, 1, 1, 2, 2, 3))
        self.take(self.stock[product.id], qty, "till", None)
        if self.rng.random() < 0.6 and self.operating is not None:
            amount = product.price * qty
            self.operating.credit(amount, f"card {self.rng.randrange(10**6):06d}")
            self.sim.touch(self.operating)

    def register_customer(self) -> None:
        first, last = self.rng.choice(FIRST), self.rng.choice(LAST)
        handle = f"{first}.{last.replace(' ', '')}{self.rng.randrange(100)}".lower()
        email = EmailAddress(f"{handle}@example.com")
        customer = Customer(f"{first} {last}", email, self.rng.choice(COUNTRIES))
        customer.add_address(
            f"{self.rng.choice(STREETS)} {self.rng.randrange(1, 300)}",
            self.rng.choice(CITIES),
            f"{self.rng.randrange(1000, 9999)} {self.rng.choice('ABCDEFGHJK')}"
            f"{self.rng.choice('LMNPRSTVWX')}",
        )
        self.customers.append(customer)
        self.sim.touch(customer)
        if self.rng.random() < 0.15:
            account = Account.open(f"Store credit: {customer.name}")
            self.store_credit[customer.id] = account
            self.sim.touch(account)

    def change_a_price(self) -> None:
        product = self.rng.choice(self.products)
        if product.discontinued:
            return
        factor = Decimal(self.rng.choice(("0.90", "0.95", "1.05", "1.10")))
        product.change_price((product.price * factor).quantize(Decimal("0.01")))
        self.sim.touch(product)

    def place_order(self) -> None:
        if not self.customers:
            return
        customer = self.rng.choice(self.customers)
        available = [p for p in self.products if not p.discontinued]
        chosen = self.rng.sample(available, k=self.rng.choice((1, 1, 2, 2, 3, 4)))
        lines = [
            {"product_id": p.id, "sku": p.sku, "qty": self.rng.choice((1, 1, 2, 3)),
             "unit_price": p.price}
            for p in chosen
        ]
        order = Order(customer.id, lines)
        self.orders.append(order)
        self.sim.touch(order)
        now = self.sim.clock.now
        r = self.rng.random()
        if r < 0.12:
            extra = self.rng.choice(available)
            self.sim.at(now + timedelta(minutes=self.rng.randrange(2, 30)),
                        lambda: self.add_line(order, extra))
        elif r < 0.2 and len(order.lines) > 1:
            self.sim.at(now + timedelta(minutes=self.rng.randrange(2, 30)),
                        lambda: self.edit_lines(order))
        if self.rng.random() < 0.07:
            self.sim.at(now + timedelta(hours=self.rng.randrange(1, 20)),
                        lambda: self.cancel(order, "customer changed their mind"))
        self.sim.at(now + timedelta(minutes=self.rng.randrange(31, 90)), lambda: self.pay(order))

    def add_line(self, order: Order, product: Product) -> None:
        if order.status != "placed":
            return
        order.add_line(product.id, product.sku, 1, product.price)
        self.sim.touch(order)

    def edit_lines(self, order: Order) -> None:
        if order.status != "placed":
            return
        if self.rng.random() < 0.5:
            order.remove_line(len(order.lines) - 1)
        else:
            order.change_quantity(0, order.lines[0]["qty"] + 1)
        self.sim.touch(order)

    def cancel(self, order: Order, reason: str) -> None:
        if order.status not in ("placed", "paid"):
            return
        if order.status == "paid" and self.operating is not None:
            refund = order.paid
            self.operating.debit(refund, f"refund {order.id.hex[:8]}")
            credit = self.store_credit.get(order.customer_id)
            if credit is not None:
                credit.credit(refund, f"refund {order.id.hex[:8]}")
                self.sim.touch(credit)
            self.sim.touch(self.operating)
        order.cancel(reason)
        self.sim.touch(order)

    def pay(self, order: Order) -> None:
        if order.status != "placed":
            return
        amount = order.total
        credit = self.store_credit.get(order.customer_id)
        if credit is not None and credit.balance >= amount:
            credit.debit(amount, f"order {order.id.hex[:8]}")
            order.pay(amount, "store credit")
            self.sim.touch(credit)
        else:
            order.pay(amount, self.rng.choice(("card", "card", "ideal", "paypal")))
            if self.operating is not None:
                self.operating.credit(amount, f"order {order.id.hex[:8]}")
                self.sim.touch(self.operating)
        self.sim.touch(order)
        now = self.sim.clock.now
        self.sim.at(now + timedelta(hours=self.rng.randrange(12, 40)), lambda: self.ship(order))

    def ship(self, order: Order) -> None:
        if order.status != "paid":
            return
        for line in order.lines:
            self.take(self.stock[line["product_id"]], int(line["qty"]), "web", order.id)
        order.ship(f"3S{next(self._tracking_numbers)}NL")
        self.sim.touch(order)
        now = self.sim.clock.now
        self.sim.at(now + timedelta(days=self.rng.randrange(1, 4), hours=self.rng.randrange(8)),
                    lambda: self.deliver(order))

    def deliver(self, order: Order) -> None:
        if order.status != "shipped":
            return
        order.deliver()
        self.sim.touch(order)
        customer = next(c for c in self.customers if c.id == order.customer_id)
        customer.earn_points(int(order.total))
        if customer.loyalty_points >= 400 and customer.tier == "standard":
            customer.change_tier("silver")
        elif customer.loyalty_points >= 1000 and customer.tier == "silver":
            customer.change_tier("gold")
        if self.rng.random() < 0.05:
            name = customer.name.lower().replace(" ", ".")
            customer.change_email(EmailAddress(f"{name}@mail.example.org"))
        self.sim.touch(customer)

    def discontinue_some(self) -> None:
        for product in self.rng.sample(self.products[2:], k=3):
            product.discontinue()
            self.sim.touch(product)


def write_demo(
    env: dict[str, str],
    *,
    end: datetime | None = None,
    days: int = 56,
    customers: int = 150,
    orders: int = 360,
    long_events: int = 5200,
    seed: int = 20261127,
    progress: Callable[[str, float], None] | None = None,
) -> DemoFacts:
    """Write the demo shop with ``ShopApplication(env=env)``; return what was written."""
    rng = random.Random(seed)
    shift = timedelta(0)
    if end is None:
        # The same shop every time (same counts, same long streams), moved by whole weeks to end
        # in the last seven days: weekdays and hours stay those of the reference calendar.
        end = REFERENCE_END
        shift = timedelta(weeks=max(0, (datetime.now(UTC) - REFERENCE_END).days // 7))
    end = end.replace(minute=0, second=0, microsecond=0)
    start = (end - timedelta(days=days)).replace(hour=0)
    facts = DemoFacts(start=start + shift, end=end + shift)
    report = progress or (lambda _msg, _frac: None)
    app = ShopApplication(env=env)
    try:
        with simulated_clock(start + timedelta(hours=7), shift) as clock:
            sim = ShopSimulation(app, clock, rng)
            shop = Shop(sim, rng, long_events, days)
            shop.open_shop()
            sim.flush()
            total_days = (end - start).days or 1

            def on_day(day: datetime) -> None:
                n = (day - start).days
                ramp = 0.5 + n / total_days  # the shop grows
                shop.schedule_day(
                    day,
                    new_customers=_spread(customers, total_days, ramp, rng),
                    new_orders=_spread(orders, total_days, ramp, rng) if n > 0 else 0,
                )
                if n == total_days - 10:
                    sim.at(day + timedelta(hours=6), shop.discontinue_some)
                report("writing events", n / total_days)

            sim.run(start, end, on_day)
            # A few snapshots taken by hand, as an operator would.
            for order in shop.orders[:: max(1, len(shop.orders) // 12)]:
                app.take_snapshot(order.id)
            facts.events = sim.events_written
            facts.aggregates = {
                "Customer": len(shop.customers),
                "Product": len(shop.products),
                "InventoryItem": len(shop.stock),
                "Order": len(shop.orders),
                "Account": len(shop.store_credit) + 1,
            }
            assert shop.operating is not None
            facts.long_streams = {
                "inventory " + p.sku: str(shop.stock[p.id].id) for p in shop.bestsellers
            }
            facts.long_streams["ledger operating account"] = str(shop.operating.id)
            facts.named_streams = dict(facts.long_streams)
            # an order with several lines that was paid, shipped and delivered
            delivered = [o for o in shop.orders if o.version >= 4 and len(o.lines) >= 3]
            if delivered:
                facts.named_streams["order delivered"] = str(delivered[0].id)
        report("projecting", 0.95)
        facts.projection_position = run_projection(app, until=end + shift - timedelta(days=2))
    finally:
        app.close()
    return facts


def _spread(total: int, days: int, ramp: float, rng: random.Random) -> int:
    mean = total / days * ramp
    return max(0, int(mean + rng.uniform(-0.5, 0.5) * mean + 0.5))


def run_projection(app: ShopApplication, until: datetime) -> int | None:
    """Process the log with :class:`ProductSales` up to events before ``until``."""
    view = app.factory.tracking_recorder(ProductSalesView)
    projection = ProductSales(view=view)
    position: int | None = None
    start = 1
    while True:
        batch = app.recorder.select_notifications(start, 500, topics=ProductSales.topics)
        if not batch:
            break
        for notification in batch:
            domain_event: Any = app.mapper.to_domain_event(notification)
            if domain_event.timestamp >= until:
                return position
            projection.process_event(domain_event, Tracking(app.name, notification.id))
            position = notification.id
        start = batch[-1].id + 1
    return position
