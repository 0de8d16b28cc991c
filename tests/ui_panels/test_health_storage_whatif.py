"""The Health, Types/Storage and What-if panels, offscreen on real stores, against the core."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

from checkdomain import write_package, write_store
from storefactory import store_env

from inspector.core import health_run
from inspector.core.codec import Codec
from inspector.core.domain import load_domain
from inspector.core.replay import Replayer
from inspector.core.whatif import whatif
from inspector.stores.open import open_database

DOMAINS = str(Path(__file__).parent.parent / "domains")
TIMEOUT = 60_000


def _changed(tmp_path: Path) -> tuple[Any, str, Path]:
    h = store_env("sqlite", tmp_path=tmp_path)
    name = f"hp{uuid.uuid4().hex[:8]}"
    write_store(tmp_path / "code", name, h.env, 20)
    root = write_package(tmp_path / "code" / "new", name, "new")
    return h, name, root


def test_health_panel_groups_and_jump(qtbot: Any, tmp_path: Path) -> None:
    from inspector.ui.panels.health import HealthPanel

    h, name, root = _changed(tmp_path)
    opts = health_run.CheckOptions(h.location, paths=[str(root)],
                                   app_class=f"{name}.model:Store")
    want = health_run.run_check(opts, resume=False)
    panel = HealthPanel()
    qtbot.addWidget(panel)
    panel.set_options(opts)
    assert panel.run_btn.isEnabled()
    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT) as sig:
        panel.run()
    rep = sig.args[0]
    assert {k: v for k, v in rep.items() if k not in ("seconds", "rate")} == {
        k: v for k, v in want.items() if k not in ("seconds", "rate")}
    assert panel.tree.topLevelItemCount() == len(want["groups"])
    assert "UNHEALTHY" in panel.status.text()
    top = panel.tree.topLevelItem(0)
    child = top.child(0)
    ex = want["groups"][0]["examples"][0]
    with qtbot.waitSignal(panel.eventActivated, timeout=5_000) as jump:
        panel._activated(child)
    assert jump.args == [ex["stream"], ex["version"]]
    assert "register_topic" in panel.suggestions.toPlainText()
    # without code the panel says what it needs and cannot run
    panel.set_options(health_run.CheckOptions(h.location))
    assert not panel.run_btn.isEnabled() and "code" in panel.status.text()


def test_storage_panel_stats_charts_and_open(qtbot: Any, tmp_path: Path) -> None:
    from inspector.core.catalog import Catalog
    from inspector.ui.panels.storage import StoragePanel

    h, name, root = _changed(tmp_path)
    db = open_database(h.location)
    try:
        store = db.store()
        codec = Codec(None)
        panel = StoragePanel()
        qtbot.addWidget(panel)
        panel.set_context(store, codec, None, False)
        with qtbot.waitSignal(panel.loaded, timeout=TIMEOUT) as sig:
            panel.refresh()
        data = sig.args[0]
        with Catalog(store, codec) as cat:
            assert data["stats"] == cat.storage()
        assert panel.types_table.rowCount() == len(data["stats"]["by_type"]) > 0
        assert len(panel.bytes_plot.getPlotItem().items) == len(
            {d["topic"] for d in data["per_day"]})
        assert len(panel.shape_plot.getPlotItem().items) >= len(data["types"])
        panel.types_table.selectRow(0)
        assert panel.fields_table.rowCount() > 0
        first = data["stats"]["largest_streams"][0]["id"]
        with qtbot.waitSignal(panel.eventActivated, timeout=5_000) as jump:
            panel._open_stream(0, 0)
        assert jump.args == [first, 0]
    finally:
        db.close()


def test_whatif_panel_skip_and_jump(qtbot: Any, tmp_path: Path) -> None:
    from inspector.ui.panels.whatif import WhatIfPanel

    sys.path.insert(0, DOMAINS)
    import scenarios

    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_dogs(h)
    db = open_database(h.location)
    try:
        store = db.store()
        codec = Codec(None)
        rp = Replayer(store, codec, "domain",
                      load_domain([DOMAINS], "eidomain.dogs:DogSchool", None))
        panel = WhatIfPanel()
        qtbot.addWidget(panel)
        panel.set_context(store, codec, rp, False)
        stream = w.streams[0]
        panel.set_stream(stream)
        panel.skip(3)
        panel.skip(5)
        assert panel.skip_edit.text() == "3, 5"
        with qtbot.waitSignal(panel.finished, timeout=TIMEOUT) as sig:
            panel.run()
        out = sig.args[0]
        assert out == whatif(rp, stream, skip=[3, 5])
        assert panel.diff_table.rowCount() == len(out["differences"]) > 0
        assert panel.versions_table.rowCount() == len(out["versions"])
        with qtbot.waitSignal(panel.eventActivated, timeout=5_000) as jump:
            panel._go(0, 0)
        assert jump.args == [stream, 3]
        # skipping the created event: the message, no result
        panel.skip_edit.setText("1")
        panel.run()
        qtbot.waitUntil(lambda: "created" in panel.status.text(), timeout=TIMEOUT)
        # bad JSON in an edit: a message, nothing run
        panel.skip_edit.clear()
        panel.edit_version.setValue(4)
        panel.edit_json.setPlainText("{not json")
        panel.run()
        assert panel.last_error
    finally:
        db.close()


def test_main_window_has_the_panels(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    for title in ("Health", "Types/Storage", "What-if"):
        lazy = win.extra_panels[title]
        panel = lazy.panel()
        assert hasattr(panel, "eventActivated")
    win.close()
