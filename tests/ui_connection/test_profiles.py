"""Profiles and recents: fields in the settings file on disk, secrets only in the keyring."""

from __future__ import annotations

from pathlib import Path

import pytest
from keyring.backends import chainer

from inspector.ui.connection import ConnectionSpec, ProfileStore, SecretStore
from inspector.ui.connection.profiles import MAX_RECENT
from inspector.ui.connection.settings import settings_path
from inspector.ui.connection.spec import ENVIRONMENTS, check_app_class, split_password

PASSWORD = "s3cret-Pa55word"
KEY = "mVm3DB5kbAJH+oUcZ8pJAzDf0eJ/RRq8hkNiYV6o3sY="


def settings_text() -> str:
    path = settings_path()
    assert path is not None and path.is_file(), path
    return path.read_text(encoding="utf-8")


def spec(name: str | None = "staging-pg", **more: object) -> ConnectionSpec:
    values: dict = dict(
        location="postgresql://reader@db.example.com:5432/shop",
        schema="orders",
        app="Orders",
        cipher_key=KEY,
        password=PASSWORD,
        paths=["/src/shop", "/src/common"],
        app_class="shop.app:ShopApplication",
        projector="shop.lamps:project_lamp",
        profile_name=name,
        env_colour=ENVIRONMENTS["staging"],
        production=False,
        mode="domain",
    )
    values.update(more)
    return ConnectionSpec(**values)


def test_settings_file_honours_xdg_config_home(tmp_path: Path) -> None:
    path = settings_path()
    assert path == tmp_path / "xdg-config" / "EventHistoryInspector" / "event-inspector.conf"


def test_profile_round_trip_secrets_only_in_keyring(memory_keyring) -> None:
    store = ProfileStore()
    assert store.secrets_available and store.secrets_status is None
    original = spec()
    store.save(original)

    text = settings_text()
    assert "db.example.com" in text and "staging-pg" in text
    assert PASSWORD not in text and KEY not in text

    again = ProfileStore()  # a fresh process would see the same
    [loaded] = again.profiles()
    assert loaded.password is None and loaded.cipher_key is None
    assert loaded == original.without_secrets()
    assert loaded.environment == "staging"
    assert again.password_for(loaded) == PASSWORD
    assert again.cipher_key_for(loaded) == KEY
    assert again.with_secrets(loaded) == original
    assert set(memory_keyring.secrets.values()) == {PASSWORD, KEY}

    again.delete("staging-pg")
    assert again.profiles() == []
    assert memory_keyring.secrets == {}


def test_profile_replaced_and_sorted(memory_keyring) -> None:
    store = ProfileStore()
    store.save(spec("b"))
    store.save(spec("a", production=True, env_colour=ENVIRONMENTS["production"]))
    store.save(spec("b", schema="other", password=None))
    names = [(p.profile_name, p.schema, p.production) for p in store.profiles()]
    assert names == [("a", "orders", True), ("b", "other", False)]
    # saving "b" without a password removed the old one from the keyring
    assert store.password_for(store.profile("b")) is None
    assert store.password_for(store.profile("a")) == PASSWORD


def test_no_keyring_backend_keeps_nothing(no_keyring) -> None:
    store = ProfileStore()
    assert not store.secrets_available
    assert "no keyring backend" in (store.secrets_status or "")
    store.save(spec())
    store.add_recent(spec(None))
    [loaded] = store.profiles()
    assert store.password_for(loaded) is None and store.cipher_key_for(loaded) is None
    text = settings_text()
    assert PASSWORD not in text and KEY not in text


def test_chainer_without_backends_is_not_usable() -> None:
    class EmptyChainer(chainer.ChainerBackend):
        backends = []  # what keyring finds when no real backend is viable

    secrets = SecretStore(EmptyChainer())
    assert not secrets.available
    assert "no keyring backend" in (secrets.status or "")
    assert secrets.set("password", "x", "y") is False


def test_recent_dedup_order_and_limit(memory_keyring) -> None:
    store = ProfileStore()
    specs = [spec(None, location=f"/data/app{i}.db", password=f"pw{i}") for i in range(12)]
    for s in specs:
        store.add_recent(s)
    store.add_recent(specs[5])  # again: moves to the front, no duplicate
    recent = store.recent()
    assert len(recent) == MAX_RECENT
    assert [r.location for r in recent[:3]] == ["/data/app5.db", "/data/app11.db", "/data/app10.db"]
    assert all(r.password is None for r in recent)
    assert store.password_for(recent[0]) == "pw5"
    # entries pushed off the list took their secrets with them
    dropped = [s for s in specs if s.location not in {r.location for r in recent}]
    assert dropped and all(store.password_for(s.without_secrets()) is None for s in dropped)
    assert "pw0" not in settings_text()


def test_recent_without_remembering(memory_keyring) -> None:
    store = ProfileStore()
    store.add_recent(spec(None), remember_secrets=False)
    assert store.password_for(store.recent()[0]) is None
    assert memory_keyring.secrets == {}


def test_profile_needs_a_name(memory_keyring) -> None:
    with pytest.raises(ValueError):
        ProfileStore().save(spec(None))


def test_password_moved_out_of_url() -> None:
    url, password = split_password("postgresql+psycopg://bob:p%40ss@db:5432/shop?sslmode=require")
    assert password == "p@ss"
    assert url == "postgresql+psycopg://bob@db:5432/shop?sslmode=require"
    assert split_password("/tmp/app.db") == ("/tmp/app.db", None)
    assert split_password("postgresql://bob@db/shop") == ("postgresql://bob@db/shop", None)


def test_app_class_check() -> None:
    assert check_app_class("shop.app:ShopApplication") is None
    assert check_app_class("") is None
    assert "module:ClassName" in (check_app_class("shop.app.ShopApplication") or "")


def test_broken_keyring_degrades_to_asking(memory_keyring) -> None:
    class Locked(type(memory_keyring)):
        def get_password(self, service: str, username: str) -> str | None:
            raise RuntimeError("the keyring is locked")

    store = ProfileStore(secrets=SecretStore(Locked()))
    assert store.secrets_available
    loaded = spec().without_secrets()
    assert store.password_for(loaded) is None  # no crash; and from now on, says why
    assert not store.secrets_available
    assert "locked" in (store.secrets_status or "")
