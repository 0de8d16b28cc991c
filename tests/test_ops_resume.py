"""Kill a rebuild mid-way (SIGKILL, a real crash); the resumed view equals a clean rebuild's."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cli_runner import run_cli
from opsfixtures import DOGS_APP, PATH_ARGS
from storefactory import inspector_args, store_env

N_DOGS = 30
TRICKS = 7  # 30 dogs x 8 events = 240 events


def write_store(h) -> None:  # type: ignore[no-untyped-def]
    from eidomain.dogs import Dog, DogSchool, Trick

    with h.open_app(DogSchool) as app:
        for i in range(N_DOGS):
            d = Dog(f"dog{i}")
            for j in range(TRICKS):
                d.add_trick(Trick(f"t{j}", j))
            app.save(d)


def position(path: Path) -> int | None:
    try:
        c = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            row = c.execute("SELECT notification_id FROM tracking "
                            "WHERE application_name = 'DogSchool'").fetchone()
        finally:
            c.close()
    except sqlite3.Error:
        return None
    return None if row is None else row[0]


def rows(path: Path) -> list[tuple]:
    c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return c.execute("SELECT * FROM dogstats_dogs ORDER BY dog_id").fetchall()
    finally:
        c.close()


def test_crash_and_resume(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, filename="live.db")
    write_store(h)
    live = tmp_path / "live.db"
    clean = tmp_path / "clean.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{live}{suffix}").exists():
            shutil.copyfile(f"{live}{suffix}", f"{clean}{suffix}")
    head = N_DOGS * (TRICKS + 1)

    args = [*inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP), "dogstats", "--write",
            "--yes", "--batch", "10"]
    env = dict(os.environ, OPSPROJ_SLEEP="0.004")
    proc = subprocess.Popen([sys.executable, "-m", "inspector.cli", "rebuild", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pos = position(live)
            if pos is not None and pos >= 60:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    crashed_at = position(live)
    assert crashed_at is not None and 60 <= crashed_at < head
    assert crashed_at % 10 == 0  # only whole batches were committed

    r = run_cli("rebuild", *args[:-2], "--batch", "50", "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert out["resumed_from"] == crashed_at
    assert out["processed"] == head - crashed_at
    assert position(live) == head

    r = run_cli("rebuild", *[a if a != str(live) else str(clean) for a in args[:-2]],
                "--batch", "1000", "--json")
    assert r.code == 0, r.err
    assert r.json()["resumed_from"] is None
    assert rows(live) == rows(clean)
    assert len(rows(live)) == N_DOGS
    assert all(r[2] == TRICKS and r[3] == TRICKS + 1 for r in rows(live))

    # A later rebuild starts from scratch again (the marker is gone) and changes nothing.
    r = run_cli("rebuild", *args[:-2], "--json")
    assert r.code == 0 and r.json()["processed"] == head
    assert rows(live) == rows(clean)


def test_ctrl_c_stops_within_a_second_and_resumes(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, filename="live.db")
    write_store(h)
    live = tmp_path / "live.db"
    head = N_DOGS * (TRICKS + 1)
    args = [*inspector_args(h, *PATH_ARGS, "--app-class", DOGS_APP), "dogstats", "--write",
            "--yes", "--batch", "1000"]
    env = dict(os.environ, OPSPROJ_SLEEP="0.01")
    proc = subprocess.Popen([sys.executable, "-m", "inspector.cli", "rebuild", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # One batch of 1,000 holds every event: nothing is committed until the batch ends,
        # so wait for the clearing (the view table exists) and some processing time.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                rows(live)
                break
            except sqlite3.Error:
                time.sleep(0.02)
        time.sleep(0.6)
        assert proc.poll() is None
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        stopped_in = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert stopped_in < 1.5  # the event loop stops within a second (plus process exit)
    assert "cancelled at position" in err and "run again to resume" in err
    pos = int(err.split("cancelled at position ")[1].split(";")[0])
    assert 0 < pos < head
    assert position(live) == pos  # the partial batch was committed with its tracking
    r = run_cli("rebuild", *args, "--json")
    assert r.code == 0, r.err
    assert r.json()["resumed_from"] == pos and position(live) == head
    assert len(rows(live)) == N_DOGS
