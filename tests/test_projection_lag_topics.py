"""Projection lag that respects a projection's topic filter (``ProjectionRunner`` + ``topics``).

A filtered projection advances its tracking only on the events it subscribes to, so its lag is
the number of *matching* events after its position, not head minus position. The tracking
rows are written by the library's own ``ProjectionRunner``; the topics are read from source
when literal (nothing imported: the module also has a non-literal one), else from a projection
the user picked (imported then), else the lag is unknown with the reason."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

DOMAIN = str(Path(__file__).parent / "h5domains")


def _domain() -> Any:
    if DOMAIN not in sys.path:
        sys.path.insert(0, DOMAIN)
    from lagproj import counters

    return counters


def _run(h: Any, projection: Any, view: Any, position: int) -> None:
    from eventsourcing.projection import ProjectionRunner

    m = _domain()
    with ProjectionRunner(application_class=m.Counters, projection_class=projection,
                          view_class=view, env=h.env) as runner:
        runner.wait(position, timeout=20)


def _write(h: Any, pattern: str) -> list[tuple[int, str]]:
    """Save events by pattern (i = Incremented, n = Noted); (position, topic) of all events."""
    m = _domain()
    with h.open_app(m.Counters) as app:
        c = m.Counter()
        for ch in pattern:
            if ch == "i":
                c.inc()
            else:
                c.note("x")
        app.save(c)
        notes = app.recorder.select_notifications(start=1, limit=10_000)
    return [(n.id, n.topic) for n in notes]


def projections(h: Any, *more: str) -> dict[str, Any]:
    res = run_cli("projections", *inspector_args(h, "--path", DOMAIN, *more), "--json")
    assert res.code == 0, res.err
    return {r["name"].lower(): r for r in res.json()}


INC = "lagproj.counters:Counter.Incremented"


@pytest.mark.postgres
def test_filtered_lag_from_literal_topics_picked_and_unknown(pg: Any, tmp_path: Path) -> None:
    m = _domain()
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    log = _write(h, "iinin" + "nnn")  # Started, then i i n i n n n n
    last_inc = max(p for p, t in log if t == INC)
    _run(h, m.LiteralIncrements, m.PgIncView, last_inc)
    _run(h, m.ComputedIncrements, m.PgIncView, last_inc)
    # The literal topics are read without importing the module (checked in a fresh process).
    check = ("import sys; from inspector.cli import main; rc = main(sys.argv[1:]); "
             "assert 'lagproj.counters' not in sys.modules, 'imported'; sys.exit(rc)")
    proc = subprocess.run([sys.executable, "-c", check, "projections",
                           *inspector_args(h, "--path", DOMAIN), "--json"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == list(projections(h).values())
    rows = projections(h)
    lit, comp = rows["literalinc"], rows["computedinc"]
    head = max(p for p, _ in log)
    assert lit["position"] == last_inc and lit["head"] == head
    assert head - last_inc == 4  # four Noted events after it: an unfiltered lag would say 4
    assert (lit["lag"], lit["lag_exact"], lit["topics"]) == (0, True, [INC])
    assert comp["lag"] is None
    assert "not literal" in comp["lag_note"] and "--projection" in comp["lag_note"]

    # Behind: 2 more Incremented and 3 more Noted, not processed.
    log = _write(h, "ninin")
    later = [t for p, t in log if p > last_inc]
    rows = projections(h, "--projection", "lagproj.counters:ComputedIncrements")
    assert rows["literalinc"]["lag"] == later.count(INC) == 2
    assert rows["computedinc"]["lag"] == 2 and rows["computedinc"]["lag_exact"]
    assert "imported" in rows["computedinc"]["lag_note"]
    # Picking by name works too (found in source, imported because it was named).
    rows = projections(h, "--projection", "computedinc")
    assert rows["computedinc"]["lag"] == 2
    # Without --path nothing is known of the filter: every later event counts, and it says so.
    res = run_cli("projections", *inspector_args(h), "--json")
    plain = {r["name"]: r for r in res.json()}
    assert plain["literalinc"]["lag"] == len(later)


def test_lag_count_is_bounded_and_exact_below_the_cap(tmp_path: Path) -> None:
    from inspector.stores.open import open_database

    h = store_env("sqlite", tmp_path=tmp_path)
    log = _write(h, "iinniin")
    with open_database(h.location) as db:
        st = db.store()
        for after in (None, 0, 2, 5, len(log)):
            later = [t for p, t in log if after is None or p > after]
            got = st.count_after(after)
            assert (got.value, got.exact) == (len(later), True)
            got = st.count_after(after, [INC])
            assert (got.value, got.exact) == (later.count(INC), True)
        capped = st.count_after(None, [INC], scan_cap=4)  # reads only the first 4 events
        first4 = [t for _, t in log[:4]]
        assert (capped.value, capped.exact) == (first4.count(INC), False)
