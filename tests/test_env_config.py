"""With no STORE, the inspector reads the store the eventsourcing environment points at."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import new_key, store_env

from inspector.core.config import spec_from_env


def write(h: Any, app_cls: type = BankAccounts) -> str:
    with h.open_app(app_cls) as app:
        aid = app.open_account("Env Ann", "env@example.com")
        app.credit_account(aid, Decimal("12.5"))
        ds = getattr(app.recorder, "datastore", None)
        if hasattr(ds, "engine"):
            ds.engine.dispose()
    return str(aid)


def use_env(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)


def check_reads(aid: str, *more: str) -> None:
    r = run_cli("info", *more, "--json")
    assert r.code == 0, r.err
    assert r.json()["applications"][0]["events"] == 2
    r = run_cli("streams", *more, "--json")
    assert r.code == 0, r.err
    assert [s["id"] for s in r.json()] == [aid]
    r = run_cli("log", *more, "--json")
    assert r.code == 0, r.err
    assert r.json()[1]["data"]["amount"] == "12.5"
    assert all(row["error"] is None for row in r.json())


@pytest.mark.parametrize("encoding", ["plain", "zlib+aes"])
def test_sqlite_env(encoding: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding=encoding)
    aid = write(h)
    use_env(monkeypatch, h.env)  # exactly the app's environment (CIPHER_KEY, COMPRESSOR_TOPIC...)
    check_reads(aid)
    r = run_cli("events", aid, "--json")  # events: STORE is positional and required
    assert r.code == 2


def test_sqlite_dbname_alone_and_as_uri(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    aid = write(h)
    monkeypatch.setenv("SQLITE_DBNAME", h.location)  # no PERSISTENCE_MODULE
    check_reads(aid)
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", f"file:{h.location}?mode=rw")
    check_reads(aid)


def test_app_prefixed_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The library looks up ``<APP>_KEY`` before ``KEY``; so does the inspector with --app."""
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    aid = write(h)
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(tmp_path / "elsewhere.db"))
    monkeypatch.setenv("STORED_SQLITE_DBNAME", h.location)
    monkeypatch.setenv("STORED_CIPHER_KEY", h.cipher_key or "")
    check_reads(aid, "--app", "stored")


@pytest.mark.postgres
def test_postgres_env(pg, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("postgres", pg=pg, encoding="zlib+aes")
    aid = write(h)
    use_env(monkeypatch, h.env)
    check_reads(aid)
    # POSTGRES_SCHEMA unset: the library's default schema "public" (empty here)
    monkeypatch.delenv("POSTGRES_SCHEMA")
    r = run_cli("info", "--json")
    assert r.code == 1 and "public" in r.err


@pytest.mark.postgres
def test_sqlalchemy_env_postgres(pg, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("sa_postgres", pg=pg, encoding="zlib")
    aid = write(h)
    use_env(monkeypatch, h.env)  # SQLALCHEMY_URL postgresql+psycopg://..., SQLALCHEMY_SCHEMA
    check_reads(aid)
    monkeypatch.delenv("PERSISTENCE_MODULE")  # SQLALCHEMY_URL alone is enough
    check_reads(aid)


def test_sqlalchemy_env_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("sa_sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    aid = write(h)
    use_env(monkeypatch, h.env)  # SQLALCHEMY_URL=sqlite:///...
    check_reads(aid)


def test_cipher_key_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    aid = write(h)
    key = h.cipher_key or ""
    monkeypatch.setenv("CIPHER_KEY", new_key())  # a wrong key in the app's variable ...
    monkeypatch.setenv("EVENT_INSPECTOR_CIPHER_KEY", key)  # ... the inspector's own one wins
    check_reads(aid, h.location)
    monkeypatch.setenv("EVENT_INSPECTOR_CIPHER_KEY", new_key())
    check_reads(aid, h.location, "--cipher-key", key)  # and --cipher-key wins over both
    monkeypatch.delenv("EVENT_INSPECTOR_CIPHER_KEY")
    monkeypatch.setenv("CIPHER_KEY", key)
    check_reads(aid, h.location)  # CIPHER_KEY alone is honoured
    monkeypatch.setenv("CIPHER_KEY", new_key())
    r = run_cli("log", h.location, "--json")
    assert r.code == 0 and all("wrong cipher key" in row["error"] for row in r.json())


def test_env_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    r = run_cli("info")
    assert r.code == 1 and "no STORE" in r.err and "Traceback" not in r.err
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    r = run_cli("streams")
    assert r.code == 1 and "nothing on disk" in r.err
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    r = run_cli("log")
    assert r.code == 1 and "SQLITE_DBNAME" in r.err
    monkeypatch.setenv("SQLITE_DBNAME", ":memory:")
    r = run_cli("info")
    assert r.code == 1 and "memory" in r.err
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.postgres")
    r = run_cli("info")
    assert r.code == 1 and "POSTGRES_DBNAME" in r.err


def test_spec_from_env_builds_urls() -> None:
    spec = spec_from_env({
        "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": "db",
        "POSTGRES_HOST": "h", "POSTGRES_PORT": "5433", "POSTGRES_USER": "u@x",
        "POSTGRES_PASSWORD": "p:w/@", "POSTGRES_SCHEMA": "s", "COMPRESSOR_TOPIC": "zlib",
    })
    assert spec.location == "postgresql://u%40x:p%3Aw%2F%40@h:5433/db"
    assert (spec.schema, spec.compressor) == ("s", "zlib")
    spec = spec_from_env({"INFRASTRUCTURE_FACTORY": "eventsourcing.sqlite:SQLiteFactory",
                          "SQLITE_DBNAME": "/x/y.db"})
    assert spec.location == "/x/y.db"
