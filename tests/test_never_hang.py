"""Never hang: a PostgreSQL server that stops answering mid-query, and stores that are not files.

The silent server is a tiny TCP proxy on 127.0.0.1 that forwards to the real server and, on a
switch, freezes: it keeps both sockets open and forwards nothing. The inspector must fail with
a clear error once no data has arrived for the idle timeout (not hang, and not cap a long scan
that keeps streaming).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from eventsourcing.tests.application import BankAccounts
from storefactory import PG_HOST, PG_PORT, PgServer, store_env

from inspector.core.errors import InspectorError
from inspector.stores.open import open_database


class FreezingProxy:
    """Forward 127.0.0.1:<port> to the PostgreSQL server until :meth:`freeze`."""

    def __init__(self) -> None:
        self.frozen = threading.Event()
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection((PG_HOST, PG_PORT))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                return
            if not data:
                return
            while self.frozen.is_set():  # hold the bytes: the socket stays open, silent
                time.sleep(0.05)
                if getattr(self, "closed", False):
                    return
            try:
                dst.sendall(data)
            except OSError:
                return

    def freeze(self) -> None:
        self.frozen.set()

    def close(self) -> None:
        self.closed = True
        self.sock.close()
        for c in self.conns:
            try:
                c.close()
            except OSError:
                pass


@pytest.mark.postgres
def test_silent_server_fails_after_the_idle_timeout(pg: PgServer, tmp_path, monkeypatch) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    proxy = FreezingProxy()
    try:
        url = h.location.replace(f":{PG_PORT}/", f":{proxy.port}/")
        assert str(proxy.port) in url
        monkeypatch.setenv("EVENT_INSPECTOR_PG_IDLE_TIMEOUT", "1.5")
        db = open_database(url, schema=h.schema)
        try:
            store = db.store(None)
            assert store.count_events().value == 1
            proxy.freeze()
            t0 = time.monotonic()
            with pytest.raises(InspectorError, match="no data from the server for 1.5 s"):
                store.log(limit=10)
            took = time.monotonic() - t0
            assert 1.4 <= took < 6, took
        finally:
            db.close()
    finally:
        proxy.close()


@pytest.mark.postgres
def test_slow_but_streaming_query_is_not_cut(pg: PgServer, monkeypatch) -> None:
    """A query that takes longer than the idle timeout in total, but keeps sending, completes."""
    monkeypatch.setenv("EVENT_INSPECTOR_PG_IDLE_TIMEOUT", "1")
    from inspector.stores.postgres import PgConnector

    conn = PgConnector(pg.url())
    try:
        # Rows of 20 kB, one every 0.25 s: each fills the server's output buffer, so bytes
        # arrive every 0.25 s while the whole statement takes 2 s (twice the idle timeout).
        t0 = time.monotonic()
        rows = conn.query(
            "SELECT pg_sleep(0.25), repeat('x', 20000) || g FROM generate_series(1, 8) g")
        assert len(rows) == 8 and time.monotonic() - t0 >= 1.9
    finally:
        conn.close()


def test_url_connect_timeout_is_honoured(pg: PgServer) -> None:
    """``?connect_timeout=2`` in the URL: no 'multiple values' TypeError, the value is used."""
    from inspector.stores.postgres import PgConnector

    conn = PgConnector(pg.url() + "?connect_timeout=2")
    try:
        assert conn.params["connect_timeout"] == "2"
        assert conn.query("SELECT 1")[0][0] == 1
    finally:
        conn.close()


# -- stores that are not regular files ---------------------------------------------------------
def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run(
        [sys.executable, "-m", "inspector.cli", *args], capture_output=True, text=True,
        timeout=timeout, env=env,
    )


def _not_files(tmp_path: Path) -> dict[str, tuple[str, str]]:
    fifo = tmp_path / "fifo.db"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.db"
    os.symlink(loop, loop)
    directory = tmp_path / "dir.db"
    directory.mkdir()
    return {
        "fifo": (str(fifo), "is a FIFO"),
        "dir": (str(directory), "is a directory"),
        "device": ("/dev/null", "is a character device"),
        "loop": (str(loop), "symbolic link loop"),
    }


@pytest.mark.parametrize("kind", ["fifo", "dir", "device", "loop"])
def test_not_a_regular_file_is_refused(tmp_path: Path, kind: str) -> None:
    path, words = _not_files(tmp_path)[kind]
    with pytest.raises(InspectorError, match=words):
        open_database(path)
    with pytest.raises(InspectorError, match=words):
        open_database(f"sqlite:///{path}")


def test_symlink_to_a_store_file_is_fine(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    link = tmp_path / "link.db"
    os.symlink(h.location, link)
    db = open_database(str(link))
    try:
        assert db.store(None).count_events().value == 1
    finally:
        db.close()


def test_fifo_cli_and_screenshot_do_not_hang(tmp_path: Path) -> None:
    path, _ = _not_files(tmp_path)["fifo"]
    r = _cli("info", path)
    assert r.returncode == 1 and "is a FIFO" in r.stderr and "Traceback" not in r.stderr
    shot = tmp_path / "shot.png"
    r = _cli("gui", path, "--screenshot", str(shot), timeout=60)
    assert r.returncode != 0, r
    assert "is a FIFO" in r.stderr
