"""eventsourcing-django test stores, written by the REAL package in its own environment.

eventsourcing-django 0.6 pins ``eventsourcing<9.5`` and ``Django<5.2``, which cannot live in the
project's venv, so ``tests/gen/django_store.py`` runs through ``uv run --no-project --with ...``
(uv found as ``./run`` finds it: on PATH, else ``.tools/bin/uv``; ``./run tests`` installs it).
The SQLite store is cached outside the repository (``~/.cache/ei-test`` or ``$EI_TEST_CACHE``),
keyed by a hash of the generator, its domain module and the package pins; the PostgreSQL store
is written once per session into a fresh schema of the session's test database.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
GEN_DIR = ROOT / "tests" / "gen"
GENERATOR = GEN_DIR / "django_store.py"
PINS = ("eventsourcing-django==0.6", "eventsourcing<9.5", "Django<5.2", "psycopg[binary]")


def find_uv() -> str:
    """uv as ``./run`` finds it; a clear failure (never a skip) when it is missing."""
    for cand in (os.environ.get("EI_UV"), shutil.which("uv"), str(ROOT / ".tools" / "bin" / "uv")):
        if cand and os.path.exists(cand):
            return cand
    pytest.fail("uv is needed to write the eventsourcing-django test stores: run the tests "
                "with ./run tests (it installs uv into .tools/) or put uv on PATH")


def generator_hash() -> str:
    h = hashlib.sha256()
    for p in (GENERATOR, GEN_DIR / "django_domain.py"):
        h.update(p.read_bytes())
    h.update(repr(PINS).encode())
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("EI_TEST_CACHE") or str(Path.home() / ".cache" / "ei-test")
    return Path(base)


def run_generator(out: Path, *args: str) -> dict[str, Any]:
    cmd = [find_uv(), "run", "--quiet", "--no-project", "--python", "3.11"]
    for pin in PINS:
        cmd += ["--with", pin]
    cmd += ["python", str(GENERATOR), str(out), *args]
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH") and not k.startswith("POSTGRES_")}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
    if proc.returncode != 0:
        pytest.fail(f"the eventsourcing-django generator failed ({proc.returncode}):\n"
                    f"{proc.stderr[-3000:]}")
    return dict(json.loads((out / "expected.json").read_text()))


@dataclass
class DjangoStore:
    """A generated store: how to open it and what the library itself read back from it."""

    location: str
    options: list[str]  # e.g. ["--schema", S] for PostgreSQL
    expected: dict[str, Any]
    domain_path: str = str(GEN_DIR)

    def apps(self) -> dict[str, Any]:
        return dict(self.expected["apps"])


def sqlite_store() -> DjangoStore:
    d = cache_dir() / f"django-sqlite-{generator_hash()}"
    if not (d / "expected.json").exists() or not (d / "store.db").exists():
        tmp = d.with_name(d.name + f".tmp{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        run_generator(tmp, "sqlite")
        (tmp / "expected.json").write_text(
            (tmp / "expected.json").read_text().replace(str(tmp), str(d)))
        shutil.rmtree(d, ignore_errors=True)
        os.replace(tmp, d)
    return DjangoStore(str(d / "store.db"), [], json.loads((d / "expected.json").read_text()))


def pg_store(pg: Any, tmp: Path) -> DjangoStore:
    from storefactory import PG_HOST, PG_PASSWORD, PG_PORT, PG_USER

    schema = f"dj_{os.getpid()}"
    expected = run_generator(tmp, "postgres", PG_HOST, str(PG_PORT), PG_USER, PG_PASSWORD,
                             pg.dbname, schema)
    return DjangoStore(pg.url(), ["--schema", schema], expected)


__all__ = ["DjangoStore", "pg_store", "sqlite_store"]
