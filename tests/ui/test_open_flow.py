"""Opening from the dialog: Test connection tells encryption and whether the key fits; GUI
messages name GUI places; a failed open keeps the dialog open and stays out of Recent."""

from __future__ import annotations

import base64
import os
from pathlib import Path
from typing import Any

from conftest import build_bank

from inspector.ui.connection.probe import probe
from inspector.ui.messages import for_gui


def test_probe_tells_encryption_and_whether_the_key_fits(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    (tmp_path / "p").mkdir()
    enc = build_bank(tmp_path / "e", encoding="aes", n_accounts=3)
    key = enc.handle.env["CIPHER_KEY"]
    wrong = base64.b64encode(os.urandom(32)).decode()
    no_key, good, bad = probe(enc.location), probe(enc.location, cipher_key=key), probe(
        enc.location, cipher_key=wrong)
    assert no_key.encrypted and no_key.key_fits is None
    assert "Cipher key field" in no_key.summary()
    assert good.encrypted and good.key_fits is True and "the key fits" in good.summary()
    assert bad.encrypted and bad.key_fits is False and "does NOT fit" in bad.summary()
    plain = probe(build_bank(tmp_path / "p", n_accounts=3).location)
    assert plain.encrypted is False and "not encrypted" in plain.summary()


def test_gui_messages_name_gui_places() -> None:
    msg = "cannot decode (if the store is encrypted, give --cipher-key); no domain code " \
          "given (--path/--app-class); give --cipher-key, EVENT_INSPECTOR_CIPHER_KEY or " \
          "CIPHER_KEY; --app NAME"
    out = for_gui(msg)
    assert "--" not in out
    assert "Cipher key field" in out and "Application class" in out
    assert "Application field" in out


def test_failed_open_keeps_the_dialog_and_stays_out_of_recent(
    qtbot: Any, win: Any, tmp_path: Path
) -> None:
    from inspector.ui.connection import ConnectionDialog
    from inspector.ui.connection.spec import ConnectionSpec
    from inspector.ui.window_opening import profile_store

    store = profile_store(win.settings)
    missing = str(tmp_path / "nothing-here.db")
    dlg = ConnectionDialog(win, store, ConnectionSpec(location=missing))
    qtbot.addWidget(dlg)
    win.attach_dialog(dlg)
    dlg.show()
    dlg.accept()
    qtbot.waitUntil(lambda: dlg.result.text().startswith("✗"), timeout=10000)
    text = dlg.result.text()
    assert dlg.isVisible() and text.count(missing) <= 1  # one clear message, no doubled path
    assert not [s for s in store.recent() if s.location == missing]
    assert win.session is None
    # a store that opens: the dialog closes, the window shows it, Recent has it
    good = build_bank(tmp_path, n_accounts=3)
    dlg.location.setText(good.location)
    dlg.accept()
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: win.session is not None, timeout=10000)
    assert win.session.store.location.endswith("bank.db")
    assert [s for s in store.recent() if s.location == good.location]
    win._fill_recent()
    labels = [a.text() for a in win.recent_menu.actions()]
    assert any(good.location in label for label in labels)  # the whole path, not shortened
    assert not any(missing in label for label in labels)


def test_recent_label_shows_the_url_without_password() -> None:
    from inspector.ui.session import OpenRequest
    from inspector.ui.window_opening import recent_label

    req = OpenRequest("postgresql://ann:s3cret@db.example.org:5432/shop", app="orders")
    label = recent_label(req)
    assert "s3cret" not in label
    assert "db.example.org:5432/shop" in label and "[orders]" in label
