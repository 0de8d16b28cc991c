"""A small domain for the GUI tests: accounts with nested state, written by the real library."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str, currency: str = "EUR") -> None:
        self.owner = owner
        self.currency = currency
        self.balance = 0
        self.tags: list[str] = []
        self.limits: dict[str, int] = {}
        self.last_memo: str | None = None

    @event("Deposited")
    def deposit(self, amount: int, memo: str) -> None:
        self.balance += amount
        self.last_memo = memo

    @event("Withdrawn")
    def withdraw(self, amount: int, memo: str) -> None:
        self.balance -= amount
        self.last_memo = memo

    @event("Tagged")
    def tag(self, tag: str) -> None:
        self.tags.append(tag)

    @event("LimitSet")
    def set_limit(self, kind: str, value: int) -> None:
        self.limits[kind] = value


class Bank(Application):
    name = "Bank"

    def open(self, owner: str) -> Account:
        acc = Account(owner)
        self.save(acc)
        return acc


def activity(acc: Account, n: int, seed: int = 0) -> None:
    """``n`` more events on ``acc``: deposits, withdrawals, tags and limits, deterministic."""
    for i in range(n):
        k = (i + seed) % 10
        if k < 5:
            acc.deposit(100 + i, f"salary {i}")
        elif k < 8:
            acc.withdraw(7 + i % 13, f"coffee {i}")
        elif k == 8:
            acc.tag(f"tag-{i}")
        else:
            acc.set_limit("daily" if i % 2 else "monthly", 1000 + i)
