"""Plot a field: right-click a numeric state field, chart it over versions (and time)."""

from __future__ import annotations

from typing import Any

from conftest import HERE, BankStore
from helpers import open_store, open_stream
from test_browse import library_state


def test_plot_numeric_field_over_versions(qtbot: Any, win: Any, bank: BankStore) -> None:
    open_store(qtbot, win, bank.location, paths=[str(HERE)])
    open_stream(qtbot, win, bank.long_id, 40)
    tree = win.state_panel.tree
    # a text field offers no plot; the balance does
    owner = tree.json_model.index_of_path(("owner",))
    assert owner.isValid()
    assert not [a for a in tree.context_actions(owner) if a.objectName() == "plot"]
    idx = tree.json_model.index_of_path(("balance",))
    plot = next(a for a in tree.context_actions(idx) if a.objectName() == "plot")
    plot.trigger()
    dlg = win.field_plot
    assert dlg is not None and dlg.isVisible()
    qtbot.waitUntil(lambda: dlg.result is not None, timeout=15000)
    points = dlg.result["points"]
    assert len(points) > 10 and "changes of balance" in dlg.status.text()
    # the values are the library's own, at the versions listed
    for p in (points[1], points[len(points) // 2], points[-1]):
        assert library_state(bank, bank.long_id, p["version"])["balance"] == p["value"]
    # step line: every change plus the held value before the next one
    xs, ys = dlg.xy(False)
    held = 1 if points[-1]["version"] < win.stream["last"] else 0
    assert len(xs) == 2 * len(points) - 1 + held and xs[-1] == float(win.stream["last"])
    assert ys[-1] == float(points[-1]["value"])
    assert dlg.plot.getPlotItem().getAxis("bottom").labelText.startswith("version of")
    assert dlg.plot.getPlotItem().getAxis("left").labelText == "balance"
    assert dlg.curve.getData()[0] is not None and len(dlg.curve.getData()[0]) == len(xs)
    # by time: the same values against the events' times
    dlg.by_time.setChecked(True)
    assert dlg.time_plot.isVisibleTo(dlg) and not dlg.plot.isVisibleTo(dlg)
    tx, ty = dlg.xy(True)
    assert ty == ys[: len(ty)] and len(ty) == len(ys) - held and tx[0] > 1e9 and tx == sorted(tx)
    assert len(dlg.time_curve.getData()[0]) == len(tx)
    # closing it drops the dialog
    dlg.close()
    assert win.field_plot is None
