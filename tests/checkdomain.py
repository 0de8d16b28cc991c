"""A throwaway domain package for the health-scan tests: written by the real library with one
version of the code (in a subprocess), then checked with a changed version of the same package.

``write_package(root, name, variant)`` writes ``root/<name>/model.py``; ``variant`` is "old"
(the code the store was written with) or "new" (the changed code: a renamed class, a broken
apply, a bumped class_version without an upcaster, a failing upcaster, a changed __init__).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

OLD = '''
from decimal import Decimal
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Box(Aggregate):
    @event("Made")
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str] = []
        self.size = 1

    @event("Put")
    def put(self, item: str) -> None:
        self.items.append(item)

    @event("Grown")
    def grow(self, by: int) -> None:
        self.size += by


class Note(Aggregate):
    class Written(Aggregate.Created):
        text: str

    @event(Written)
    def __init__(self, text: str) -> None:
        self.text = text


class Ledger(Aggregate):
    @event("Opened")
    def __init__(self) -> None:
        self.total = 0

    class Added(Aggregate.Event):
        amount: int

    @event(Added)
    def add(self, amount: int) -> None:
        self.total += amount



class Meter(Aggregate):
    @event("Installed")
    def __init__(self) -> None:
        self.reading = 0

    class Read(Aggregate.Event):
        value: int
        class_version = 2

    @event(Read)
    def read(self, value: int) -> None:
        self.reading = value


class Gauge(Aggregate):
    @event("Mounted")
    def __init__(self) -> None:
        self.level = 0

    class Set(Aggregate.Event):
        level: int

    @event(Set)
    def set(self, level: int) -> None:
        self.level = level


class Store(Application):
    snapshotting_intervals = {Box: 4}  # noqa: RUF012
'''

# The changed code: Box.put fails on "boom"; grow() adds twice (snapshots drift);
# Note moved to module notes.py (its stored topic no longer resolves, a same-named class exists);
# Ledger.Added now class_version 3 with only upcast_v2_v3 (v1 events lack a step) .
NEW = '''
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event


class Box(Aggregate):
    @event("Made")
    def __init__(self, name: str) -> None:
        self.name = name
        self.items: list[str] = []
        self.size = 1

    @event("Put")
    def put(self, item: str) -> None:
        if item == "boom":
            raise ValueError("no room for boom")
        self.items.append(item)

    @event("Grown")
    def grow(self, by: int) -> None:
        self.size += 2 * by


class Ledger(Aggregate):
    @event("Opened")
    def __init__(self) -> None:
        self.total = 0

    class Added(Aggregate.Event):
        amount: int
        class_version = 3

        @staticmethod
        def upcast_v2_v3(state):
            state["amount"] = state["amount"] * 1

    @event(Added)
    def add(self, amount: int) -> None:
        self.total += amount



class Meter(Aggregate):
    @event("Installed")
    def __init__(self, serial: str = "") -> None:
        self.reading = 0
        self.serial = serial

    class Read(Aggregate.Event):
        value: int

    @event(Read)
    def read(self, value: int) -> None:
        self.reading = value


class Gauge(Aggregate):
    @event("Mounted")
    def __init__(self) -> None:
        self.level = 0

    class Set(Aggregate.Event):
        level: int
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state):
            state["level"] = state["missing"]

    @event(Set)
    def set(self, level: int) -> None:
        self.level = level


class Store(Application):
    snapshotting_intervals = {Box: 4}  # noqa: RUF012
'''

NOTES = '''
from eventsourcing.domain import Aggregate, event


class Note(Aggregate):
    class Written(Aggregate.Created):
        text: str

    @event(Written)
    def __init__(self, text: str) -> None:
        self.text = text
'''

WRITER = '''
import json, os, sys
from {name}.model import Store, Box, Note, Ledger, Meter, Gauge
app = Store(env=dict(os.environ))
ids = {{"box": [], "boom": [], "grown": [], "note": [], "ledger": [], "meter": [], "gauge": []}}
n = int(sys.argv[1])
for i in range(n):
    b = Box(f"b{{i}}")
    for j in range(i % 6):
        b.put(f"i{{j}}")
    if i % 5 == 1:
        b.put("boom")
        ids["boom"].append(str(b.id))
    if i % 7 == 2:
        for _ in range(5):
            b.grow(1)
        ids["grown"].append(str(b.id))
    app.save(b)
    ids["box"].append(str(b.id))
    if i % 10 == 0:
        nt = Note(f"n{{i}}")
        app.save(nt)
        ids["note"].append(str(nt.id))
    if i % 10 == 3:
        lg = Ledger()
        lg.add(5)
        lg.add(7)
        app.save(lg)
        ids["ledger"].append(str(lg.id))
    if i % 10 == 4:
        m = Meter()
        m.read(3)
        app.save(m)
        ids["meter"].append(str(m.id))
        g = Gauge()
        g.set(4)
        app.save(g)
        ids["gauge"].append(str(g.id))
app.close()
print(json.dumps(ids))
'''


def write_package(root: Path, name: str, variant: str) -> Path:
    pkg = root / name
    pkg.mkdir(parents=True, exist_ok=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "model.py").write_text(textwrap.dedent(OLD if variant == "old" else NEW))
    if variant != "old":
        (pkg / "notes.py").write_text(textwrap.dedent(NOTES))
    return root


def write_store(root: Path, name: str, env: dict[str, str], n: int) -> dict[str, Any]:
    """Write a store with the old code in a subprocess; returns the ids by role."""
    old = write_package(root / "old", name, "old")
    e = dict(os.environ)
    e.update(env)
    e["PYTHONPATH"] = str(old)
    e["IS_SNAPSHOTTING_ENABLED"] = "y"
    out = subprocess.run(
        [sys.executable, "-c", WRITER.format(name=name), str(n)],
        env=e, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)


NEW_WRITER = '''
import json, os, sys
from {name}.model import Store, Meter
app = Store(env=dict(os.environ))
ids = []
for i in range(int(sys.argv[1])):
    m = Meter(serial=f"s{{i}}")
    app.save(m)
    ids.append(str(m.id))
app.close()
print(json.dumps(ids))
'''


def write_more_with_new_code(root: Path, name: str, env: dict[str, str], n: int) -> list[str]:
    """Append Meter streams written by the *new* code (a new field on Meter.Installed)."""
    new = write_package(root / "new", name, "new")
    e = dict(os.environ)
    e.update(env)
    e["PYTHONPATH"] = str(new)
    out = subprocess.run(
        [sys.executable, "-c", NEW_WRITER.format(name=name), str(n)],
        env=e, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout)
