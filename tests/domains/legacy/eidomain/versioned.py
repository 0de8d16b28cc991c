"""Version 1 of ``eidomain.versioned``: amounts as strings, a ``Frozen`` event later removed."""

from __future__ import annotations

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    @event("Opened")
    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.balance = "0"

    @event("Deposited")
    def deposit(self, amount: str) -> None:
        self.balance = str(float(self.balance) + float(amount)) if amount != "n/a" else self.balance

    @event("Frozen")
    def freeze(self) -> None:
        self.frozen = True


class Bank(Application):
    is_snapshotting_enabled = True


def write(env: dict[str, str]) -> dict[str, str]:
    """Write three accounts; returns their ids by role."""
    app = Bank(env=env)
    ok = Account("ann")
    for a in ("10.50", "2.25", "7"):
        ok.deposit(a)
    bad = Account("bob")
    bad.deposit("1")
    bad.deposit("n/a")  # the v2 upcaster cannot read this
    bad.deposit("3")
    frozen = Account("cid")
    frozen.deposit("5")
    frozen.freeze()  # the v2 model has no Frozen event
    frozen.deposit("6")
    app.save(ok, bad, frozen)
    app.take_snapshot(ok.id, version=3)  # a class_version 1 snapshot of the aggregate
    app.close()
    return {"ok": str(ok.id), "bad": str(bad.id), "frozen": str(frozen.id)}
