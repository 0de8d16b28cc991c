"""GUI benchmark (issue 4), offscreen, on stores written by the real library.

Run:  .venv/bin/python tests/bench/bench_gui.py [--cache DIR] [--runs N] [--steps N]

Prints, measured in the same run:
* start-up: from process start to the main window shown with the first streams page of the
  1,000,000-event / 100,000-stream store (the issue-2 bench store, built and cached by
  ``_benchstore``): the real GUI code path in a fresh process; target <= 1.0 s. For reference, a
  fresh process that only opens the library's own Application on the same file and reads its
  first 200 notifications is timed too.
* UI-thread stall while a 100,000-event stream loads and replays (open the stream at its last
  version: the state replay, the timeline's times and the events pages all run): a 5 ms
  heartbeat QTimer records the longest gap between ticks; target <= 100 ms. Generic mode and
  domain mode (the stream's own ``Dog`` class) are both measured.
* slider steps on that stream (after the first replay): from ``slider.setValue(v)`` to the state
  view showing v; single steps and random jumps; target median <= 50 ms, p95 <= 120 ms; against
  the library's ``app.repository.get(id, version=v)`` for the same versions (ratio = library /
  inspector).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(ROOT))

import _benchstore  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


# -- 1. start-up (child processes) -------------------------------------------------------------
STARTUP_CHILD = r"""
import os, sys, time
t_start = float(sys.argv[2])
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from inspector.cli import build_parser
args = build_parser()[0].parse_args(["gui", sys.argv[1]])   # what `event-inspector STORE` parses
from inspector.commands.gui import request_from_args
req = request_from_args(args)
from PySide6.QtCore import QSettings
from inspector.ui.app import make_app
from inspector.ui.main_window import MainWindow
app = make_app()
win = MainWindow(settings=QSettings(sys.argv[3], QSettings.Format.IniFormat))
win.show()
win.open_store(req)
model = win.streams_panel.model
def done(n):
    if n and win.isVisible():
        app.processEvents()  # let the rows paint
        print(f"{time.time() - t_start:.4f} {n}")
        app.quit()
model.pageLoaded.connect(done)
app.exec()
"""

LIBRARY_CHILD = r"""
import sys, time
t_start = float(sys.argv[2])
from eventsourcing.application import Application
app = Application(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                       "SQLITE_DBNAME": sys.argv[1], "CREATE_TABLE": "no"})
n = app.recorder.select_notifications(start=1, limit=200)
print(f"{time.time() - t_start:.4f} {len(n)}")
"""


def child_time(code: str, *args: str) -> float:
    t0 = time.time()
    r = subprocess.run([sys.executable, "-c", code, args[0], f"{t0:.6f}", *args[1:]],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    if r.returncode != 0:
        raise SystemExit(f"child failed: {r.stderr}")
    return float(r.stdout.split()[0])


def startup(location: str, runs: int) -> dict[str, Any]:
    settings = "/tmp/ei-bench/bench_gui_settings.ini"
    child_time(STARTUP_CHILD, location, settings)  # warm the OS page cache once
    gui = [child_time(STARTUP_CHILD, location, settings) for _ in range(runs)]
    lib = [child_time(LIBRARY_CHILD, location) for _ in range(runs)]
    return {"gui": gui, "library": lib}


# -- 2 and 3: in-process, offscreen --------------------------------------------------------------
class Heartbeat:
    """A 5 ms QTimer on the UI thread; the longest gap between two ticks is the worst stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.last = time.perf_counter()
        self.max_gap = 0.0
        self.ticks = 0
        self.timer.start()

    def tick(self) -> None:
        now = time.perf_counter()
        self.max_gap = max(self.max_gap, now - self.last)
        self.last = now
        self.ticks += 1

    def stop(self) -> float:
        self.timer.stop()
        self.tick()
        return self.max_gap


def spin_until(pred: Any, timeout: float = 600.0) -> None:
    from PySide6.QtCore import QCoreApplication, QEventLoop

    deadline = time.perf_counter() + timeout
    while not pred():
        if time.perf_counter() > deadline:
            raise SystemExit("timed out waiting for the window")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def load_and_scrub(location: str, big_id: str, last: int, mode: str, steps: int) -> dict[str, Any]:
    from PySide6.QtCore import QSettings

    from inspector.ui.main_window import MainWindow
    from inspector.ui.session import OpenRequest

    win = MainWindow(settings=QSettings("/tmp/ei-bench/bench_gui_settings.ini",
                                        QSettings.Format.IniFormat))
    win.resize(1440, 900)
    win.show()
    paths = [str(HERE)] if mode == "domain" else []
    win.open_store(OpenRequest(location, paths=paths, mode=mode))
    spin_until(lambda: win.session is not None and not win.runner.is_busy())
    hb = Heartbeat()
    hb.start()
    t0 = time.perf_counter()
    win.open_stream(big_id)
    spin_until(lambda: win.stream is not None and win.state_panel.result is not None
               and win.state_panel.result.version == last and win.timeline.times is not None
               and not win.runner.is_busy())
    load_s = time.perf_counter() - t0
    stall = hb.stop()
    assert win.state_result.mode == mode, (win.state_result.mode, win.state_result.mode_reason)

    shown: list[int] = []
    win.stateShown.connect(shown.append)

    def step_to(v: int) -> float:
        shown.clear()
        t = time.perf_counter()
        win.timeline.slider.setValue(v)
        spin_until(lambda: v in shown)
        return time.perf_counter() - t

    rnd = random.Random(4)
    singles = []
    v = rnd.randrange(1, last - steps - 1)
    step_to(v)
    for _ in range(steps):
        v += 1
        singles.append(step_to(v))
    jumps_at = [rnd.randrange(1, last + 1) for _ in range(steps)]
    hb.start()
    jumps = [step_to(j) for j in jumps_at]
    scrub_stall = hb.stop()
    mem = win.session.replayer.checkpoint_memory(big_id)
    win.close()
    return {"load_s": load_s, "stall_s": stall, "singles": singles, "jumps": jumps,
            "jump_versions": jumps_at, "scrub_stall_s": scrub_stall, "checkpoint_mb": mem / 2**20}


def library_steps(location: str, big_id: str, versions: list[int]) -> list[float]:
    import uuid

    from _benchstore import BenchApp

    app = BenchApp(env={**_benchstore.sqlite_env(location), "CREATE_TABLE": "no"})
    out = []
    try:
        for v in versions:
            t = time.perf_counter()
            app.repository.get(uuid.UUID(big_id), version=v)
            out.append(time.perf_counter() - t)
    finally:
        app.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default="/tmp/ei-bench")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--library-steps", type=int, default=5)
    a = ap.parse_args()
    cache = Path(a.cache)

    path, meta = _benchstore.sqlite_store(cache, 1_000_000, 100_000, 10_000)
    print(f"== start-up on {meta['events']:,} events / {meta['streams']:,} streams ({path})")
    st = startup(path, a.runs)
    print(f"window shown with the first streams page, from process start: median "
          f"{ms(statistics.median(st['gui']))}, max {ms(max(st['gui']))}  (target <= 1000 ms)")
    print(f"  reference: library Application + first 200 notifications in a fresh process: "
          f"median {ms(statistics.median(st['library']))}; ratio GUI / library "
          f"{statistics.median(st['gui']) / statistics.median(st['library']):.2f}")

    big_path, big_meta = _benchstore.sqlite_store(cache, 101_000, 11, 100_000)
    big_id, last = big_meta["big_id"], big_meta["big"]
    from inspector.ui.app import make_app

    make_app()
    for mode in ("generic", "domain"):
        print(f"\n== a {last:,}-event stream, {mode} mode ({big_path})")
        r = load_and_scrub(big_path, big_id, last, mode, a.steps)
        print(f"open the stream at its last version (replay + timeline + pages): "
              f"{ms(r['load_s'])}; worst UI-thread stall meanwhile {ms(r['stall_s'])}  "
              f"(target <= 100 ms)")
        s, j = r["singles"], r["jumps"]
        print(f"slider single steps ({len(s)}): median {ms(statistics.median(s))}, "
              f"p95 {ms(pct(s, 95))}, max {ms(max(s))}  (target median <= 50, p95 <= 120 ms)")
        print(f"slider random jumps ({len(j)}): median {ms(statistics.median(j))}, "
              f"p95 {ms(pct(j, 95))}, max {ms(max(j))}; worst stall while scrubbing "
              f"{ms(r['scrub_stall_s'])}; checkpoints {r['checkpoint_mb']:.1f} MB")
        lib_versions = r["jump_versions"][: a.library_steps]
        lib = library_steps(big_path, big_id, lib_versions)
        ours = r["jumps"][: a.library_steps]
        print(f"library repository.get(id, version=v) for {len(lib)} of those versions: median "
              f"{ms(statistics.median(lib))}; ratio library / inspector slider step "
              f"{statistics.median(lib) / statistics.median(ours):.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
