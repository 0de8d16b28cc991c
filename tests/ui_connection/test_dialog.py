"""The connection dialog driven with pytest-qt on real stores written by the library."""

from __future__ import annotations

from decimal import Decimal

import pytest
from eventsourcing.tests.application import BankAccounts
from PySide6.QtCore import Qt
from storefactory import CIPHER_KEY, store_env

from inspector.ui.connection import ConnectionDialog, ConnectionSpec, ProfileStore
from inspector.ui.connection.probe import ProbeResult
from inspector.ui.connection.settings import settings_path

PASSWORD = "pw-in-the-keyring-only"


class Branch(BankAccounts):
    name = "Branch"


def write_accounts(handle, app_class=BankAccounts, n: int = 2) -> None:
    with handle.open_app(app_class) as app:
        for i in range(n):
            account = app.open_account(f"Ann {i}", f"ann{i}@example.com")
            app.credit_account(account, Decimal("10.00"))


def make_dialog(qtbot, store: ProfileStore | None = None) -> ConnectionDialog:
    dialog = ConnectionDialog(store=store or ProfileStore())
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    return dialog


def probe_and_wait(qtbot, dialog: ConnectionDialog) -> ProbeResult | str:
    with qtbot.waitSignal(dialog.probeFinished, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    return blocker.args[0]


def test_sqlite_probe_fill_and_open(qtbot, tmp_path, memory_keyring) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    write_accounts(h, n=3)
    dialog = make_dialog(qtbot)
    qtbot.keyClicks(dialog.location, h.location)
    dialog.cipher_key.setText(h.cipher_key or "")
    qtbot.keyClicks(dialog.paths, str(tmp_path))
    qtbot.keyClicks(dialog.app_class, "eventsourcing.tests.application:BankAccounts")
    result = probe_and_wait(qtbot, dialog)
    assert isinstance(result, ProbeResult), result
    assert result.layout == "eventsourcing.sqlite"
    assert [a.head for a in result.apps] == [6]  # 3 opened + 3 credited, written above
    assert dialog.result.text().startswith("✓")
    assert dialog.app_combo.count() == 1

    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(dialog.buttons.StandardButton.Open).click()
    spec = dialog.spec()
    assert spec.location == h.location
    assert spec.app is None  # the only application: nothing to choose
    assert spec.cipher_key == CIPHER_KEY
    assert spec.paths == [str(tmp_path)]
    assert spec.app_class == "eventsourcing.tests.application:BankAccounts"
    # Open recorded a recent connection; its key went to the keyring, not the settings file
    [recent] = ProfileStore().recent()
    assert recent.location == h.location and recent.cipher_key is None
    assert ProfileStore().cipher_key_for(recent) == CIPHER_KEY
    assert CIPHER_KEY not in settings_path().read_text(encoding="utf-8")


def test_bad_store_reported_in_place(qtbot, tmp_path, memory_keyring) -> None:
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("hello")
    dialog = make_dialog(qtbot)
    dialog.location.setText(str(not_a_db))
    result = probe_and_wait(qtbot, dialog)
    assert isinstance(result, str) and "not a SQLite database" in result
    assert dialog.result.text() == "✗ " + result
    assert dialog.test_button.isEnabled()
    # an app class that is not module:Class keeps the dialog open with a message
    dialog.app_class.setText("not a class")
    dialog.accept()
    assert dialog.isVisible() and "module:ClassName" in dialog.result.text()


def test_unreachable_server(qtbot, memory_keyring) -> None:
    dialog = make_dialog(qtbot)
    dialog.location.setText("postgresql://nobody@127.0.0.1:1/nothing")
    result = probe_and_wait(qtbot, dialog)
    assert isinstance(result, str) and result
    assert dialog.result.text().startswith("✗")


@pytest.mark.postgres
def test_postgres_two_apps_profile_saved_and_restored(qtbot, pg, memory_keyring) -> None:
    h = store_env("postgres", pg=pg)
    write_accounts(h, BankAccounts, n=2)
    write_accounts(h, Branch, n=1)
    user, password = pg.select_only_role(h.schema)
    url = pg.url(user=user)

    dialog = make_dialog(qtbot)
    # a password typed into the URL moves to the password field
    with_password = url.replace(f"{user}@", f"{user}:{password}@")
    dialog.location.setFocus()
    qtbot.keyClicks(dialog.location, with_password)
    qtbot.keyClick(dialog.location, Qt.Key.Key_Tab)
    assert dialog.password.text() == password
    assert password not in dialog.location.text()
    dialog.schema.setText(h.schema)
    result = probe_and_wait(qtbot, dialog)
    assert isinstance(result, ProbeResult), result
    assert result.layout == "eventsourcing.postgres"
    assert sorted(a.name.lower() for a in result.apps) == ["bankaccounts", "branch"]
    assert "choose an application" in dialog.result.text()
    labels = [dialog.app_combo.itemText(i).lower() for i in range(dialog.app_combo.count())]
    index = next(i for i, label in enumerate(labels) if label.startswith("branch"))
    dialog.app_combo.setCurrentIndex(index)
    dialog.app_combo.activated.emit(index)
    dialog.cipher_key.setText(CIPHER_KEY)
    dialog.profile_name.setText("branch-staging")
    dialog.environment.setCurrentText("production")
    assert dialog.production.isChecked()  # production colour ticks the production flag
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert "saved" in dialog.result.text()
    chosen = dialog.spec()
    assert chosen.app and chosen.app.lower() == "branch"
    dialog.close()

    # the settings file holds the profile but neither the password nor the cipher key
    text = settings_path().read_text(encoding="utf-8")
    assert "branch-staging" in text and h.schema in text
    assert password not in text and CIPHER_KEY not in text
    assert set(memory_keyring.secrets.values()) == {password, CIPHER_KEY}

    # a new dialog lists the profile; choosing it restores every field and the secrets
    again = make_dialog(qtbot)
    items = [again.saved.item(i) for i in range(again.saved.count())]
    [item] = [i for i in items if i.text() == "branch-staging"]
    again.saved.setCurrentItem(item)
    restored = again.spec()
    assert restored == ConnectionSpec(
        location=url, schema=h.schema, app=chosen.app, cipher_key=CIPHER_KEY, password=password,
        paths=[], app_class=None, profile_name="branch-staging", env_colour="#c62828",
        production=True, mode="auto",
    )
    result = probe_and_wait(qtbot, again)  # the restored password really connects
    assert isinstance(result, ProbeResult), result


def test_no_keyring_says_so_and_asks_each_time(qtbot, tmp_path, no_keyring) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    write_accounts(h)
    dialog = make_dialog(qtbot)
    note = dialog.keyring_note.text()
    assert "no keyring backend" in note and "asked" in note
    assert not dialog.remember.isEnabled() and not dialog.remember.isChecked()
    dialog.location.setText("postgresql://reader@db.example.com/shop")
    dialog.password.setText(PASSWORD)
    dialog.profile_name.setText("no-keyring")
    assert dialog.save_profile()
    assert "not kept" in dialog.result.text()
    dialog.close()
    assert PASSWORD not in settings_path().read_text(encoding="utf-8")

    again = make_dialog(qtbot)
    item = next(again.saved.item(i) for i in range(again.saved.count())
                if again.saved.item(i).text() == "no-keyring")
    again.saved.setCurrentItem(item)
    assert again.location.text() == "postgresql://reader@db.example.com/shop"
    assert again.password.text() == ""  # asked again


def test_forget_and_clear_recent(qtbot, tmp_path, memory_keyring) -> None:
    store = ProfileStore()
    for i in range(3):
        store.add_recent(ConnectionSpec(f"/data/app{i}.db", cipher_key=f"key{i}"))
    dialog = make_dialog(qtbot, store)
    recent_items = [dialog.saved.item(i) for i in range(dialog.saved.count())
                    if dialog.saved.item(i).text().startswith("/data/")]
    assert [i.text() for i in recent_items] == ["/data/app2.db", "/data/app1.db", "/data/app0.db"]
    dialog.forget_recent(recent_items[1].data(Qt.ItemDataRole.UserRole + 1))
    assert [s.location for s in ProfileStore().recent()] == ["/data/app2.db", "/data/app0.db"]
    assert sorted(memory_keyring.secrets.values()) == ["key0", "key2"]
    dialog.clear_recent()
    assert ProfileStore().recent() == [] and memory_keyring.secrets == {}
    texts = [dialog.saved.item(i).text() for i in range(dialog.saved.count())]
    assert texts == ["Profiles", "   (none)", "Recent", "   (none)"]


def test_browse_picks_a_file_and_probes(qtbot, tmp_path, memory_keyring, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    h = store_env("sqlite", tmp_path=tmp_path, filename="picked.db")
    write_accounts(h, n=1)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (h.location, "SQLite databases")))
    dialog = make_dialog(qtbot)
    with qtbot.waitSignal(dialog.probeFinished, timeout=15000) as blocker:
        qtbot.mouseClick(dialog.browse_button, Qt.MouseButton.LeftButton)
    assert dialog.location.text() == h.location
    assert isinstance(blocker.args[0], ProbeResult) and blocker.args[0].apps[0].head == 2


def test_get_connection_returns_the_spec_or_none(qtbot, memory_keyring) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def answer(accept: bool) -> None:
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, ConnectionDialog) and w.isVisible())
        dialog.location.setText("/srv/app.db")
        dialog.app_class.setText("shop.app:ShopApplication")
        dialog.accept() if accept else dialog.reject()

    QTimer.singleShot(0, lambda: answer(True))
    spec = ConnectionDialog.get_connection(store=ProfileStore())
    assert spec == ConnectionSpec("/srv/app.db", app_class="shop.app:ShopApplication")
    assert [s.location for s in ProfileStore().recent()] == ["/srv/app.db"]
    QTimer.singleShot(0, lambda: answer(False))
    assert ConnectionDialog.get_connection(store=ProfileStore()) is None
    assert len(ProfileStore().recent()) == 1  # a cancelled dialog records nothing


def test_projector_field_opens_functional_store_in_domain_mode(
    qtbot, tmp_path, memory_keyring
) -> None:
    """The Open dialog's projector field reaches the replay: a functional (frozen-dataclass)
    store shows the library's state; a malformed reference keeps the dialog open."""
    import sys
    from pathlib import Path

    domains = str(Path(__file__).parent.parent / "domains")
    sys.path.insert(0, domains)
    from stylesdomain.cases import Lamps, project_lamp

    from inspector.core.normalise import normalise
    from inspector.ui.session import OpenRequest, open_session

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(Lamps) as app:
        lamp = app.install_and_switch(3)
        want = normalise(vars(app.repository.get(lamp, version=3, projector_func=project_lamp)))
    dialog = make_dialog(qtbot)
    dialog.location.setText(h.location)
    dialog.paths.setText(domains)
    dialog.projector.setText("not a function")
    dialog.accept()
    assert dialog.isVisible() and "module:function" in dialog.result.text()
    dialog.projector.setText("stylesdomain.cases:project_lamp")
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(dialog.buttons.StandardButton.Open).click()
    spec = dialog.spec()
    assert spec.projector == "stylesdomain.cases:project_lamp"
    [recent] = ProfileStore().recent()
    assert recent.projector == spec.projector
    session = open_session(OpenRequest.from_spec(spec))
    try:
        res = session.replayer.state(str(lamp), 3)
        assert res.mode == "domain" and res.error is None
        assert res.state == want
    finally:
        session.close()
