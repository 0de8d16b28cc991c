"""One writer at a time: two processes race ``rebuild --write`` of one projection, many times.

Each round starts process A, then process B after a random offset within one rebuild's
duration (so B arrives before A, mid-batch, between batches, or after A is done), on SQLite and
on PostgreSQL. Every round: each process exits 0 or says "busy: another rebuild of dogstats is
running (since ..., pid ... on ...)" in one line with exit 1; at least one finished; and the view
equals a clean rebuild's, tracking position at the head. Also: a holder killed with SIGKILL
leaves no lock behind (the store / the OS releases it), and snapshot writes are guarded too.

``EI_RACE_RUNS`` (default 50) sets the rounds per backend; the processes are forked from a
preloaded fork server (tests/race_server.py) so a round costs about one rebuild, not an
interpreter start.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from opsfixtures import DOGS_APP, PATH_ARGS
from storefactory import inspector_args, pg_connect, store_env

N_DOGS = 16
TRICKS = 5  # 16 dogs x 6 events = 96 events, batches of 8 (12 batches)
BATCH = "8"
RUNS = int(os.environ.get("EI_RACE_RUNS", "50"))


def write_store(h: Any) -> None:
    from eidomain.dogs import Dog, DogSchool, Trick

    with h.open_app(DogSchool) as app:
        for i in range(N_DOGS):
            d = Dog(f"dog{i}")
            for j in range(TRICKS):
                d.add_trick(Trick(f"t{j}", j))
            app.save(d)


class RaceServer:
    """tests/race_server.py in a subprocess: forks racers from a preloaded, single-thread parent."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).parent / "race_server.py")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1,
        )
        assert json.loads(self._read())["ready"]

    def _read(self) -> str:
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert line, "race server died"
        return line

    def preload(self, modules: list[str]) -> None:
        self.proc.stdin.write(json.dumps({"preload": modules}) + "\n")  # type: ignore
        self.proc.stdin.flush()  # type: ignore[union-attr]
        self._read()

    def run(self, jobs: list[dict[str, Any]], wait: bool = True) -> list[int]:
        self.proc.stdin.write(json.dumps({"jobs": jobs, "wait": wait}) + "\n")  # type: ignore
        self.proc.stdin.flush()  # type: ignore[union-attr]
        pids = json.loads(self._read())["pids"]
        if wait:
            json.loads(self._read())
        return list(pids)

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait(30)


@pytest.fixture
def racer() -> Any:
    server = RaceServer()
    try:
        yield server
    finally:
        server.close()


def _env() -> dict[str, str]:
    return {k: os.environ[k] for k in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")}


def _rebuild_argv(h: Any) -> list[str]:
    return ["rebuild", *inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP), "dogstats",
            "--write", "--yes", "--batch", BATCH, "--json"]


def _view(h: Any) -> tuple[list[tuple[Any, ...]], int | None]:
    if h.kind == "sqlite":
        c = sqlite3.connect(f"file:{h.location}?mode=ro", uri=True)
        try:
            rows = c.execute("SELECT * FROM dogstats_dogs ORDER BY dog_id").fetchall()
            pos = c.execute("SELECT notification_id FROM tracking"
                            " WHERE application_name = 'DogSchool'").fetchone()
        finally:
            c.close()
    else:
        with pg_connect(h.env["POSTGRES_DBNAME"]) as c:
            rows = [tuple(r) for r in c.execute(
                f'SELECT * FROM "{h.schema}".dogstats_dogs ORDER BY dog_id').fetchall()]
            pos = c.execute(f'SELECT notification_id FROM "{h.schema}".dogstats_tracking'
                            " WHERE application_name = 'DogSchool'").fetchone()
    return rows, (pos[0] if pos else None)


def _race(h: Any, tmp_path: Path, runs: int, server: RaceServer) -> dict[str, int]:
    from cli_runner import run_cli

    argv = _rebuild_argv(h)
    first = run_cli(*argv)  # the clean rebuild: the oracle of every round
    assert first.code == 0, first.err
    clean_rows, head = _view(h)
    server.preload(sorted(m for m in sys.modules if not m.startswith(("PySide6", "pytest",
                                                                       "_pytest", "pytestqt"))))
    out = str(tmp_path / "solo.txt")
    t0 = time.monotonic()
    server.run([{"argv": argv, "env": _env(), "out": out}])
    one = time.monotonic() - t0  # one rebuild in a racer: offsets span it (and a bit after)
    assert Path(out).read_text().startswith("0\n")
    if os.environ.get("EI_RACE_VERBOSE"):
        print(f"one rebuild in a racer: {one:.3f}s")
    assert len(clean_rows) == N_DOGS and head == N_DOGS * (TRICKS + 1)
    rng = random.Random(4242)
    seen = {"both_done": 0, "one_busy": 0}
    for i in range(runs):
        outs = [str(tmp_path / f"r{i}a.txt"), str(tmp_path / f"r{i}b.txt")]
        offset = rng.uniform(0, one * 1.2)
        tr = time.monotonic()
        server.run([{"argv": argv, "env": _env(), "out": outs[0], "delay": 0.0},
                    {"argv": argv, "env": _env(), "out": outs[1], "delay": offset}])
        results = []
        for o in outs:
            code, _, err = Path(o).read_text().partition("\n")
            results.append((int(code), err))
        for code, err in results:
            assert "Traceback" not in err and code != 99, err
            if code != 0:
                assert code == 1, (i, results)
                busy = [ln for ln in err.splitlines() if ln.startswith("event-inspector: busy")]
                assert busy, (i, results)
                assert "another rebuild of dogstats is running (since " in busy[0], busy
                assert "pid " in busy[0] and " on " in busy[0], busy
        codes = sorted(c for c, _ in results)
        assert codes[0] == 0, (i, results)
        seen["both_done" if codes == [0, 0] else "one_busy"] += 1
        if os.environ.get("EI_RACE_VERBOSE"):
            print(f"round {i}: offset {offset:.3f}s codes {[c for c, _ in results]} "
                  f"{time.monotonic() - tr:.2f}s")
        rows, pos = _view(h)
        assert pos == head, f"round {i} (offset {offset:.3f}s): tracking at {pos}, head {head}"
        assert rows == clean_rows, f"round {i} (offset {offset:.3f}s): view differs"
    return seen


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_two_rebuilds_race(kind: str, tmp_path: Path, request: Any, racer: Any) -> None:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, filename="live.db")
    write_store(h)
    seen = _race(h, tmp_path, RUNS, racer)
    # Both kinds of round happened: the lock was contended, and it was free again afterwards.
    assert seen["one_busy"] >= 1 and seen["both_done"] >= 1, seen
    print(f"\n{kind}: {RUNS} rounds: {seen}")


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_killed_holder_releases_the_lock(kind: str, tmp_path: Path, request: Any,
                                        racer: Any) -> None:
    from cli_runner import run_cli

    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, filename="live.db")
    write_store(h)
    argv = _rebuild_argv(h)
    # A rebuild that sleeps in every event (OPSPROJ_SLEEP) so it can be killed mid-way.
    env = {**_env(), "OPSPROJ_SLEEP": "0.05"}
    pid = racer.run([{"argv": argv, "env": env, "out": str(tmp_path / "held.txt")}],
                    wait=False)[0]
    deadline = time.monotonic() + 30
    while True:  # until the holder committed a batch (it holds the lock from before that)
        try:
            pos = _view(h)[1]
        except Exception:  # noqa: BLE001 - the view's tables do not exist yet
            pos = None
        if pos:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)
    r = run_cli(*argv)
    assert r.code == 1 and "busy: another rebuild of dogstats" in r.err, r
    assert f"pid {pid}" in r.err, r.err
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.3)
    r = run_cli(*argv)  # the crashed holder's lock is gone: this one resumes and finishes
    assert r.code == 0, r.err
    rows, pos = _view(h)
    assert pos == N_DOGS * (TRICKS + 1) and len(rows) == N_DOGS


def test_lock_in_cache_dir_not_beside_the_store(tmp_path: Path) -> None:
    from inspector.core.locks import BusyError, lock_dir, write_lock
    from inspector.stores.open import open_database

    h = store_env("sqlite", tmp_path=tmp_path, filename="live.db")
    write_store(h)
    def beside() -> list[str]:
        return sorted(n for n in os.listdir(tmp_path) if not n.startswith("xdg-"))

    before = beside()
    db = open_database(h.location)
    try:
        store = db.store(None)
        with write_lock(store, "snapshot", "s1"):
            with write_lock(store, "snapshot", "s1"):  # re-entrant in one thread
                assert beside() == before
            assert any(lock_dir().iterdir())
            import threading

            errors: list[str] = []

            def other() -> None:
                try:
                    with write_lock(store, "snapshot", "s1"):
                        pass
                except BusyError as exc:
                    errors.append(str(exc))

            t = threading.Thread(target=other)
            t.start()
            t.join()
            assert errors and errors[0].startswith("busy: another snapshot of s1 is running")
            with write_lock(store, "snapshot", "s2"):  # another target is independent
                pass
        # The application can write meanwhile: no write transaction is held.
        c = sqlite3.connect(h.location, timeout=0.5)
        try:
            with write_lock(store, "rebuild", "x"):
                c.execute("CREATE TABLE t_probe (x)")
                c.commit()
        finally:
            c.close()
    finally:
        db.close()
