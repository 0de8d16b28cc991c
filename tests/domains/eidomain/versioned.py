"""Version 2 of the account model: amounts in cents (``class_version = 2`` with upcasters).

Stores written by ``tests/domains/legacy/eidomain/versioned.py`` (version 1) hold events without
``class_version``; the library upcasts them with ``upcast_v1_v2`` on read.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    class_version = 2

    class Opened(Aggregate.Created):
        owner: str
        currency: str
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["currency"] = "EUR"

    class Deposited(Aggregate.Event):
        amount_cents: int
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["amount_cents"] = int(Decimal(state.pop("amount")) * 100)

    @event(Opened)
    def __init__(self, owner: str, currency: str = "EUR") -> None:
        self.owner = owner
        self.currency = currency
        self.balance_cents = 0

    @event(Deposited)
    def deposit(self, amount_cents: int) -> None:
        self.balance_cents += amount_cents

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:  # snapshots of version 1
        state["balance_cents"] = int(Decimal(state.pop("balance")) * 100)
        state["currency"] = "EUR"


class Bank(Application):
    pass
