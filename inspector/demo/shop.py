"""The demo shop's domain model, written with the real ``eventsourcing`` library.

This is ordinary user code as the inspector meets it in the wild, in both of the library's styles:

* declarative ``@event`` methods: :class:`Customer`, :class:`Product`, :class:`Order` (whose line
  items are a list of dicts holding UUIDs and Decimals, so nested envelopes appear in the JSON);
* explicit event classes with ``apply``: :class:`InventoryItem` (a stock counter) and
  :class:`Account` (a ledger with Decimal balances).

:class:`ShopApplication` adds a custom transcoding (``email_address``: without the application
class the inspector shows it as a ``{"_type_", "_data_"}`` envelope), zlib compression and
snapshotting intervals. Use it with ``--app-class inspector.demo.shop:ShopApplication``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, Transcoding

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class EmailAddress:
    """A value object with its own transcoding (see :class:`EmailAddressAsStr`)."""

    address: str


class EmailAddressAsStr(Transcoding):
    type = EmailAddress
    name = "email_address"

    def encode(self, obj: EmailAddress) -> str:
        return obj.address

    def decode(self, data: str) -> EmailAddress:
        return EmailAddress(data)


# --- declarative aggregates ------------------------------------------------------------------


class Customer(Aggregate):
    @event("Registered")
    def __init__(self, name: str, email: EmailAddress, country: str) -> None:
        self.name = name
        self.email = email
        self.country = country
        self.addresses: list[dict[str, str]] = []
        self.loyalty_points = 0
        self.tier = "standard"

    @event("EmailChanged")
    def change_email(self, email: EmailAddress) -> None:
        self.email = email

    @event("AddressAdded")
    def add_address(self, street: str, city: str, postcode: str) -> None:
        self.addresses.append({"street": street, "city": city, "postcode": postcode})

    @event("PointsEarned")
    def earn_points(self, points: int) -> None:
        self.loyalty_points += points

    @event("TierChanged")
    def change_tier(self, tier: str) -> None:
        self.tier = tier


class Product(Aggregate):
    @event("Listed")
    def __init__(self, sku: str, name: str, category: str, price: Decimal) -> None:
        self.sku = sku
        self.name = name
        self.category = category
        self.price = price
        self.discontinued = False

    @event("PriceChanged")
    def change_price(self, price: Decimal) -> None:
        self.price = price

    @event("Discontinued")
    def discontinue(self) -> None:
        self.discontinued = True


class Order(Aggregate):
    """An order with line items ``{"product_id", "sku", "qty", "unit_price"}``."""

    @event("Placed")
    def __init__(self, customer_id: UUID, lines: list[dict[str, Any]]) -> None:
        self.customer_id = customer_id
        self.lines = [dict(line) for line in lines]
        self.status = "placed"
        self.paid = ZERO
        self.tracking_number: str | None = None

    @property
    def total(self) -> Decimal:
        return sum((line["unit_price"] * line["qty"] for line in self.lines), ZERO)

    @event("LineAdded")
    def add_line(self, product_id: UUID, sku: str, qty: int, unit_price: Decimal) -> None:
        self.lines.append(
            {"product_id": product_id, "sku": sku, "qty": qty, "unit_price": unit_price}
        )

    @event("QuantityChanged")
    def change_quantity(self, index: int, qty: int) -> None:
        self.lines[index]["qty"] = qty

    @event("LineRemoved")
    def remove_line(self, index: int) -> None:
        del self.lines[index]

    @event("Paid")
    def pay(self, amount: Decimal, method: str) -> None:
        self.paid += amount
        self.status = "paid"

    @event("Shipped")
    def ship(self, tracking_number: str) -> None:
        self.tracking_number = tracking_number
        self.status = "shipped"

    @event("Delivered")
    def deliver(self) -> None:
        self.status = "delivered"

    @event("Cancelled")
    def cancel(self, reason: str) -> None:
        self.status = "cancelled"


# --- explicit event classes ------------------------------------------------------------------


class InventoryItem(Aggregate):
    """Stock of one product in one warehouse: a counter with a long history."""

    class Created(Aggregate.Created):
        product_id: UUID
        sku: str
        warehouse: str

    class StockReceived(Aggregate.Event):
        quantity: int
        supplier_ref: str

        def apply(self, aggregate: Aggregate) -> None:
            item = cast(InventoryItem, aggregate)
            item.on_hand += self.quantity
            item.received_total += self.quantity

    class StockShipped(Aggregate.Event):
        quantity: int
        channel: str
        order_id: UUID | None

        def apply(self, aggregate: Aggregate) -> None:
            item = cast(InventoryItem, aggregate)
            item.on_hand -= self.quantity
            item.shipped_total += self.quantity

    class StockAdjusted(Aggregate.Event):
        delta: int
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            cast(InventoryItem, aggregate).on_hand += self.delta

    def __init__(self, product_id: UUID, sku: str, warehouse: str) -> None:
        self.product_id = product_id
        self.sku = sku
        self.warehouse = warehouse
        self.on_hand = 0
        self.received_total = 0
        self.shipped_total = 0

    @classmethod
    def create(cls, product_id: UUID, sku: str, warehouse: str) -> InventoryItem:
        return cls._create(cls.Created, product_id=product_id, sku=sku, warehouse=warehouse)

    def receive(self, quantity: int, supplier_ref: str) -> None:
        self.trigger_event(self.StockReceived, quantity=quantity, supplier_ref=supplier_ref)

    def ship(self, quantity: int, channel: str, order_id: UUID | None = None) -> None:
        self.trigger_event(self.StockShipped, quantity=quantity, channel=channel, order_id=order_id)

    def adjust(self, delta: int, reason: str) -> None:
        self.trigger_event(self.StockAdjusted, delta=delta, reason=reason)


class Account(Aggregate):
    """A ledger account with a Decimal balance."""

    class Opened(Aggregate.Created):
        owner: str
        currency: str

    class Credited(Aggregate.Event):
        amount: Decimal
        reference: str

        def apply(self, aggregate: Aggregate) -> None:
            account = cast(Account, aggregate)
            account.balance += self.amount
            account.transactions += 1

    class Debited(Aggregate.Event):
        amount: Decimal
        reference: str

        def apply(self, aggregate: Aggregate) -> None:
            account = cast(Account, aggregate)
            account.balance -= self.amount
            account.transactions += 1

    class OverdraftLimitSet(Aggregate.Event):
        limit: Decimal

        def apply(self, aggregate: Aggregate) -> None:
            cast(Account, aggregate).overdraft_limit = self.limit

    def __init__(self, owner: str, currency: str) -> None:
        self.owner = owner
        self.currency = currency
        self.balance = ZERO
        self.overdraft_limit = ZERO
        self.transactions = 0

    @classmethod
    def open(cls, owner: str, currency: str = "EUR") -> Account:
        return cls._create(cls.Opened, owner=owner, currency=currency)

    def credit(self, amount: Decimal, reference: str) -> None:
        self.trigger_event(self.Credited, amount=amount, reference=reference)

    def debit(self, amount: Decimal, reference: str) -> None:
        if self.balance - amount < -self.overdraft_limit:
            raise ValueError(f"insufficient funds on {self.owner}")
        self.trigger_event(self.Debited, amount=amount, reference=reference)

    def set_overdraft_limit(self, limit: Decimal) -> None:
        self.trigger_event(self.OverdraftLimitSet, limit=limit)


# --- the application -------------------------------------------------------------------------


class ShopApplication(Application[UUID]):
    """The shop: compressed events, a custom transcoding, snapshots every N events."""

    name = "Shop"
    env: ClassVar[dict[str, str]] = {
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
    }
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {  # type: ignore[misc]
        InventoryItem: 500,
        Account: 1000,
        Customer: 5,
    }

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(EmailAddressAsStr())
