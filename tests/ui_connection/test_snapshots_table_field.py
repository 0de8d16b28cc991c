"""The Open dialog's snapshots-table choice (where the schema leaves the pairing ambiguous)."""

from __future__ import annotations

from typing import Any


def test_open_dialog_has_the_snapshots_table_field(qtbot: Any, memory_keyring: Any) -> None:
    from inspector.ui.connection import ConnectionDialog, ConnectionSpec, ProfileStore

    dialog = ConnectionDialog(store=ProfileStore())
    qtbot.addWidget(dialog)
    dialog.set_spec(ConnectionSpec(location="/data/app.db", snapshots_table="keep_two"))
    assert dialog.snapshots_table.text() == "keep_two"
    dialog.snapshots_table.setText("keep_one")
    spec = dialog.spec()
    assert spec.snapshots_table == "keep_one"
    store = ProfileStore()
    store.add_recent(spec)
    assert store.recent()[0].snapshots_table == "keep_one"
