"""Stores written by the real library for the replay tests: one writer per aggregate style.

Each writer takes a :class:`storefactory.StoreHandle` and returns a :class:`Written`: the
application class to use as the oracle (``app.repository.get(id, version=V)``), its name (the
``--app`` of PostgreSQL stores) and the stream ids. Import with ``tests/domains`` on sys.path.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
LEGACY = HERE / "legacy"


@dataclass
class Written:
    app_class: type
    app_class_spec: str | None  # the --app-class to pass, if the app's code is needed
    streams: list[str]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def app_name(self) -> str:
        return str(self.app_class.name)


def write_dogs(h: Any) -> Written:
    """Declarative ``@event`` syntax, custom transcoding, automatic snapshots every 7 versions."""
    from eidomain.dogs import Dog, DogSchool, Trick

    with h.open_app(DogSchool) as app:
        ids = []
        for n, name in enumerate(("fido", "rex")):
            d = Dog(name, owner="ann" if n else None)
            for i in range(6 + 4 * n):
                d.add_trick(Trick(f"trick{i}", i % 3))
                if i % 2:
                    d.score(f"judge{i % 3}", Decimal(f"{i}.5"))
                if i % 3 == 0:
                    d.tag(f"t{i % 2}")
            d.forget_trick(1)
            d.weigh(Decimal("12.30"))
            d.nickname = f"{name}-y"
            d.add_trick(Trick("last", 5))
            app.save(d)
            ids.append(str(d.id))
        # a second save after the first: events spread over several saves
        d2 = app.repository.get(d.id)
        d2.weigh(Decimal("13"))
        d2.forget_trick(0)
        app.save(d2)
    return Written(DogSchool, "eidomain.dogs:DogSchool", ids)


def write_bank(h: Any) -> Written:
    """Explicit event classes with ``apply``; custom ``email_address_as_str``; a manual snapshot."""
    from eventsourcing.tests.application import BankAccounts

    with h.open_app(BankAccounts) as app:
        ids = []
        for i in range(2):
            aid = app.open_account(f"Ann {i}", f"ann{i}@example.com")
            for j in range(4 + i):
                app.credit_account(aid, Decimal(f"{j}.25"))
            acc = app.get_account(aid)
            acc.set_overdraft_limit(Decimal("50.00"))
            acc.append_transaction(Decimal("-20.00"))
            app.save(acc)
            app.take_snapshot(aid, version=3)
            acc = app.get_account(aid)
            acc.close()
            app.save(acc)
            ids.append(str(aid))
    return Written(BankAccounts, "eventsourcing.tests.application:BankAccounts", ids)


def write_tickets(h: Any) -> Written:
    """String ids, ``BaseAggregate[str]`` with ``INITIAL_VERSION = 0`` (a text-id store)."""
    from eidomain.strids import Ticket
    from eventsourcing.application import Application

    with h.open_app(Application) as app:
        ids = []
        for k in ("a1", "b2"):
            t = Ticket.open(k, f"title {k}")
            for c in range(5):
                t.comment(f"{k} comment {c}")
            t.close("done")
            app.save(t)
            ids.append(t.id)
        app.take_snapshot(ids[0], version=2)
    return Written(Application, None, ids)


def write_legacy(h: Any) -> Written:
    """Written by the *old* code in a subprocess: class_version 1 events and renamed topics."""
    env = dict(os.environ)
    env.update(h.env)
    env["PYTHONPATH"] = str(LEGACY)
    r = subprocess.run(
        [sys.executable, str(LEGACY / "write_legacy.py")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if r.returncode != 0:
        raise RuntimeError(f"legacy writer failed: {r.stderr[-3000:]}")
    ids = json.loads(r.stdout.strip().splitlines()[-1])
    from eidomain.versioned import Bank

    return Written(Bank, None, [ids["ok"]], extra=ids)


def write_gadgets(h: Any, n_parts: int = 4) -> Written:
    """Aggregates for the failure and drift tests (see eidomain.failing)."""
    from eidomain.failing import Gadget
    from eventsourcing.application import Application

    with h.open_app(Application) as app:
        ids = {}
        for name in ("plain", "boom", "scaled"):
            g = Gadget(name)
            for i in range(n_parts):
                g.add_part("boom" if name == "boom" and i == 2 else f"p{i}")
            if name == "scaled":
                g.scale(2)
                g.scale(3)
            app.save(g)
            ids[name] = g.id
        app.take_snapshot(ids["scaled"])
        app.take_snapshot(ids["plain"], version=2)
    extra = {k: str(v) for k, v in ids.items()}
    return Written(Application, None, list(extra.values()), extra=extra)
