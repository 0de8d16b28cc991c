"""The snapshot and projection panels, driven offscreen with pytest-qt on real stores."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest
from opsfixtures import DOGS_APP, DOMAINS, OPSDOMAIN, scenarios, state_of
from storefactory import store_env

from inspector.core.codec import Codec
from inspector.core.domain import load_domain
from inspector.core.replay import Replayer
from inspector.stores.open import open_database


@pytest.fixture
def dogs(tmp_path):  # type: ignore[no-untyped-def]
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = scenarios.write_dogs(h)
    db = open_database(h.location)
    store = db.store()
    codec = Codec(h.cipher_key)
    dom = load_domain([DOMAINS, OPSDOMAIN], DOGS_APP, h.cipher_key)
    yield SimpleNamespace(h=h, w=w, db=db, store=store, codec=codec, dom=dom,
                          replayer=Replayer(store, codec, "auto", dom))
    db.close()


def session_for(d: Any, replayer: Any, paths: list[str] | None = None) -> Any:
    req = SimpleNamespace(paths=paths or [], app_class=DOGS_APP, env_colour=None)
    return SimpleNamespace(store=d.store, codec=d.codec, replayer=replayer, request=req)


def test_snapshots_panel_list_take_verify_delete(qtbot, dogs) -> None:
    from inspector.ui.panels.snapshots import SnapshotsPanel

    panel = SnapshotsPanel()
    qtbot.addWidget(panel)
    stream = dogs.w.streams[0]
    panel.set_context(dogs.store, dogs.codec, dogs.replayer, write_enabled=False)
    with qtbot.waitSignal(panel.snapshotsChanged, timeout=10_000) as sig:
        panel.set_stream(stream)
    assert sig.args[0] == [7, 14]
    assert panel.table.rowCount() == 2
    assert not panel.take_btn.isEnabled() and not panel.delete_btn.isEnabled()
    assert panel.write_btn.isVisible() or not panel.isVisible()

    # Write mode off: a take writes nothing.
    panel.take(5)
    assert "write mode is off" in (panel.last_error or "")

    panel.set_write_enabled(True)
    qtbot.waitUntil(lambda: panel.take_btn.isEnabled(), timeout=10_000)
    plans: list[Any] = []
    panel.confirm = lambda plan: plans.append(plan) or True
    with qtbot.waitSignal(panel.snapshotsChanged, timeout=10_000,
                          check_params_cb=lambda v: 5 in v) as sig:
        panel.take(5)
    assert sig.args[0] == [5, 7, 14]
    assert plans[0].action == "snapshot take"
    assert plans[0].changes[0].values["originator_version"] == 5
    with dogs.h.open_app(dogs.w.app_class) as app:
        snaps = list(app.snapshots.get(UUID(stream)))
        assert [s.originator_version for s in snaps] == [5, 7, 14]
        at5 = state_of(app.repository.get(UUID(stream), version=5))
        assert state_of(snaps[0].mutate(None)) == at5

    panel.verify()
    qtbot.waitUntil(lambda: panel.table.item(0, 3) is not None
                    and panel.table.item(0, 3).text() == "yes", timeout=10_000)
    assert [panel.table.item(i, 3).text() for i in range(3)] == ["yes", "yes", "yes"]

    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: "version 5" in panel.detail.toPlainText(), timeout=10_000)
    assert "eidomain.dogs:Dog" in panel.detail.toPlainText()

    # Declining the confirmation writes nothing; confirming deletes.
    panel.confirm = lambda plan: False
    panel.delete([5])
    qtbot.waitUntil(lambda: "Not confirmed" in panel.status.text(), timeout=10_000)
    assert len(dogs.store.snapshots(stream)) == 3
    panel.confirm = lambda plan: True
    with qtbot.waitSignal(panel.snapshotsChanged, timeout=10_000,
                          check_params_cb=lambda v: 5 not in v) as sig:
        panel.delete([5])
    assert sig.args[0] == [7, 14]


def test_snapshots_panel_generic_mode_cannot_take(qtbot, dogs) -> None:
    from inspector.ui.panels.snapshots import SnapshotsPanel

    panel = SnapshotsPanel()
    qtbot.addWidget(panel)
    generic = Replayer(dogs.store, dogs.codec, "generic", None)
    panel.set_context(dogs.store, dogs.codec, generic, write_enabled=True)
    with qtbot.waitSignal(panel.snapshotsChanged, timeout=10_000):
        panel.set_stream(dogs.w.streams[0])
    assert not panel.take_btn.isEnabled()
    assert "domain mode" in panel.take_btn.toolTip()
    panel.confirm = lambda plan: True
    panel.take(5)
    qtbot.waitUntil(lambda: panel.last_error is not None, timeout=10_000)
    assert "generic mode" in panel.last_error
    assert [s.version for s in dogs.store.snapshots(dogs.w.streams[0])] == [7, 14]


def test_projections_panel_catalog_rebuild_cancel_resume(qtbot, dogs, monkeypatch) -> None:
    from inspector.ui.panels.projections import ProjectionsPanel

    panel = ProjectionsPanel()
    qtbot.addWidget(panel)
    panel.set_session(session_for(dogs, dogs.replayer, [DOMAINS, OPSDOMAIN]))
    qtbot.waitUntil(lambda: panel.combo.findText("dogstats") >= 0, timeout=10_000)
    assert not panel.rebuild_btn.isEnabled()  # write mode is off

    # The catalog: update, then a dry run that matches it.
    with qtbot.waitSignal(panel.rebuildFinished, timeout=20_000) as sig:
        panel.update_catalog()
    head = dogs.store.max_position()
    assert sig.args[0]["processed"] == head and sig.args[0]["status"] == "done"
    assert panel.catalog_summary["types"][0]["type"] == "eidomain.dogs:Dog"
    assert panel.plot is not None and panel.plot.getPlotItem().listDataItems()
    panel.combo.setCurrentText("catalog")
    with qtbot.waitSignal(panel.rebuildFinished, timeout=20_000) as sig:
        panel.dry_run()
    assert all(t["same"] for t in sig.args[0]["differences"].values())

    # A user projection: rebuild, cancel mid-way, resume.
    panel.set_write_enabled(True)
    panel.confirm = lambda plan: True
    panel.combo.setCurrentText("dogstats")
    monkeypatch.setenv("OPSPROJ_SLEEP", "0.02")
    import time

    with qtbot.waitSignal(panel.rebuildFinished, timeout=30_000) as sig:
        panel.rebuild()
        qtbot.waitUntil(lambda: panel.cancel_btn.isEnabled(), timeout=10_000)
        qtbot.wait(150)
        t_cancel = time.monotonic()
        panel.cancel()
    cancel_latency = time.monotonic() - t_cancel
    assert cancel_latency < 1.0  # the rebuild stopped (and committed) within a second
    res = sig.args[0]
    assert res["status"] == "cancelled", res
    assert 0 < (res["position"] or 0) < head
    monkeypatch.setenv("OPSPROJ_SLEEP", "0")
    with qtbot.waitSignal(panel.rebuildFinished, timeout=30_000) as sig:
        panel.rebuild()
    res2 = sig.args[0]
    assert res2["status"] == "done" and res2["resumed_from"] == res["position"]
    qtbot.waitUntil(lambda: any(e["position"] == head for e in panel.entries), timeout=10_000)
    assert panel.table.rowCount() == len(panel.entries) >= 1


def test_write_mode_on_production_needs_the_store_name(qtbot, dogs, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from inspector.ui.panels.snapshots import SnapshotsPanel

    panel = SnapshotsPanel()
    qtbot.addWidget(panel)
    sess = session_for(dogs, dogs.replayer)
    sess.request.production = True
    sess.request.profile_name = "prod-dogs"
    panel.set_session(sess)
    answers = iter([("wrong", True), ("prod-dogs", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    assert panel.request_write_mode() is False and panel.write_enabled is False
    with qtbot.waitSignal(panel.writeModeChanged) as sig:
        assert panel.request_write_mode() is True
    assert sig.args == [True] and panel.write_enabled
