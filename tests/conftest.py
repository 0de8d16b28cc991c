"""Shared fixtures: a real PostgreSQL database per session, store writers, offscreen Qt."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")

import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

from storefactory import PgServer  # noqa: E402


def _pg_required() -> bool:
    """PostgreSQL tests fail without a server; only EI_ALLOW_NO_PG=1 (never in CI) skips them."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return True
    return os.environ.get("EI_ALLOW_NO_PG", "") != "1"


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    """A fresh database on the test server. A missing server fails (never skips in CI)."""
    try:
        server = PgServer()
    except Exception as exc:  # noqa: BLE001
        if _pg_required():
            pytest.fail(f"PostgreSQL server required but unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        yield server
    finally:
        server.drop()


@pytest.fixture(autouse=True)
def _isolate_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests never see the developer's eventsourcing/inspector environment or settings."""
    for key in list(os.environ):
        if key in ("PERSISTENCE_MODULE", "SQLITE_DBNAME", "SQLALCHEMY_URL", "CIPHER_KEY",
                   "CIPHER_TOPIC", "COMPRESSOR_TOPIC", "EVENT_INSPECTOR_CIPHER_KEY",
                   "INFRASTRUCTURE_FACTORY") or key.startswith("POSTGRES_"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
