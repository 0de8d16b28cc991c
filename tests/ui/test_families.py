"""The same panels on the other store families: DCB tables on PostgreSQL (streams = tags) and
a UmaDB server (streams from the local catalog); a UmaDB server that is down: a banner, the
window keeps running."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from dcbstores import DOMAINS, oracle_at, write_courses
from helpers import TIMEOUT, open_store, open_stream
from umadbserver import free_port, start_server, uma_env

from inspector.core.normalise import normalise
from inspector.core.replay import bookkeeping_attrs
from inspector.ui.session import OpenRequest

if DOMAINS not in sys.path:
    sys.path.insert(0, DOMAINS)


@pytest.mark.postgres
def test_dcb_store_in_the_window(qtbot: Any, win: Any, pg: Any) -> None:
    st = write_courses(pg, n_courses=2, n_students=2)
    open_store(qtbot, win, st.args[0], schema=st.schema, paths=[DOMAINS])
    rows = win.streams_panel.model.rows
    assert [r["id"] for r in rows] == sorted(st.courses + st.students)
    tag = st.courses[0]
    open_stream(qtbot, win, tag, 2)
    assert win.state_result.mode == "domain"
    with st.app() as app:
        want = oracle_at(app, tag, version=2)
    hidden = bookkeeping_attrs(want)
    assert win.state_panel.state() == normalise(
        {k: v for k, v in vars(want).items() if k not in hidden}
    )


def test_umadb_store_in_the_window(qtbot: Any, win: Any, tmp_path: Path) -> None:
    from eidomain.dogs import Dog, PlainDogSchool, Trick

    srv = start_server(tmp_path / "uma")
    try:
        with PlainDogSchool(env=uma_env(srv)) as app:
            d = Dog(name="Fido")
            for i in range(4):
                d.add_trick(Trick(f"t{i}", i))
            app.save(d)
            want = normalise({k: v for k, v in vars(app.repository.get(d.id, version=3)).items()
                              if k != "_pending_events"})
        open_store(qtbot, win, srv.url, paths=[DOMAINS], app_class="eidomain.dogs:PlainDogSchool")
        assert [r["id"] for r in win.streams_panel.model.rows] == [str(d.id)]
        open_stream(qtbot, win, str(d.id), 3)
        assert win.state_result.mode == "domain"
        assert win.state_panel.state() == want
    finally:
        srv.stop()


def test_umadb_down_is_a_banner(qtbot: Any, win: Any) -> None:
    win.open_store(OpenRequest(f"umadb://127.0.0.1:{free_port()}"))
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=TIMEOUT)
    text = win.banner.text.text()
    assert "cannot connect" in text and "\n" not in text
    assert win.session is None
