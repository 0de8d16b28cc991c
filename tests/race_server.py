"""A tiny fork server for race tests: preload once, then fork racers in milliseconds.

Run as ``python tests/race_server.py``; it reads JSON lines on stdin::

    {"jobs": [{"argv": [...], "out": "/path", "delay": 0.25, "env": {...}}, ...], "wait": true}

forks one child per job (the child sets ``env``, sleeps ``delay`` s, runs ``inspector.cli.main``
in-process with stdin empty, writes "<exit code>\\n<stderr>" to ``out`` and ``_exit``\\s), answers
``{"pids": [...]}`` at once and, with ``wait``, ``{"status": [...]}`` when all children ended.
The server is single-threaded, so forking it is safe (unlike forking a pytest process that ran
Qt tests); multiprocessing's own forkserver re-runs the parent's main module per child (~1.5 s).
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
for _p in (HERE, HERE / "domains", HERE / "opsdomain"):
    sys.path.insert(0, str(_p))

PRELOAD = ("inspector.cli", "inspector.commands.ops", "inspector.core.projections",
           "inspector.core.projection_views", "inspector.core.domain", "inspector.core.locks",
           "eventsourcing.postgres", "eventsourcing.sqlite", "psycopg", "filelock",
           "eidomain.dogs", "opsproj.dogstats", "cli_runner")


def _child(job: dict) -> None:
    try:
        os.environ.update(job.get("env") or {})
        if job.get("delay"):
            time.sleep(float(job["delay"]))
        from cli_runner import run_cli

        sys.stdin = io.StringIO("")
        r = run_cli(*job["argv"])
        Path(job["out"]).write_text(f"{r.code}\n{r.err}")
    except BaseException as exc:  # noqa: BLE001 - reported to the test through the file
        Path(job["out"]).write_text(f"99\nrace_server child: {type(exc).__name__}: {exc}")
    finally:
        os._exit(0)


def main() -> None:
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        for name in req.get("preload", []):  # warm up: what the parent imported for one run
            try:
                importlib.import_module(name)
            except BaseException:  # noqa: BLE001 - a module that will not import here
                pass
        if "jobs" not in req:
            print(json.dumps({"pids": []}), flush=True)
            continue
        pids = []
        for job in req["jobs"]:
            pid = os.fork()
            if pid == 0:
                _child(job)
            pids.append(pid)
        print(json.dumps({"pids": pids}), flush=True)
        if req.get("wait", True):
            status = [os.waitpid(pid, 0)[1] for pid in pids]
            print(json.dumps({"status": status}), flush=True)
        else:
            # reap later, but do not leave zombies forever
            for pid in pids:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass


if __name__ == "__main__":
    main()
