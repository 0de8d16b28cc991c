"""A plain install has everything it uses: run with the python of a clean venv that holds only the
built wheel (and its runtime dependencies, no dev group). See .ci/install_check.sh.

Writes a SQLite and a PostgreSQL store with the library (a runtime dependency of the wheel),
then runs every headless command of the installed ``event-inspector`` against both and checks
its JSON output. Exit 0 when all held; otherwise one line per failure and exit 1.

PostgreSQL: ``EI_TEST_PG_HOST/PORT/USER/PASSWORD`` (default 127.0.0.1:5432, postgres); a fresh
database is created and dropped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DOMAINS = REPO / "tests" / "domains"
OPSDOMAIN = REPO / "tests" / "opsdomain"
BIN = Path(sys.executable).parent
INSPECTOR = str(BIN / "event-inspector")
PG = {
    "host": os.environ.get("EI_TEST_PG_HOST", "127.0.0.1"),
    "port": os.environ.get("EI_TEST_PG_PORT", "5432"),
    "user": os.environ.get("EI_TEST_PG_USER", "postgres"),
    "password": os.environ.get("EI_TEST_PG_PASSWORD", ""),
}
failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok    " if ok else "FAIL  ") + what, flush=True)
    if not ok:
        failures.append(what)


def run(*args: str, env: dict[str, str] | None = None, expect: int = 0) -> Any:
    """Run the installed CLI; its JSON output (or None when the command failed)."""
    t0 = time.monotonic()
    p = subprocess.run([INSPECTOR, *args], capture_output=True, text=True, timeout=120,
                       env={**os.environ, **(env or {})}, cwd=tempfile.gettempdir())
    took = time.monotonic() - t0
    label = " ".join(a if len(a) < 40 else a[:37] + "..." for a in args[:3])
    if p.returncode != expect or "Traceback" in p.stderr:
        check(False, f"{label}: exit {p.returncode} ({took:.1f}s): {p.stderr.strip()[-400:]}")
        return None
    try:
        return json.loads(p.stdout) if "--json" in args else p.stdout
    except ValueError as exc:
        check(False, f"{label}: output is not JSON ({exc}): {p.stdout[:200]}")
        return None


def write_stores(tmp: Path, dbname: str, schema: str) -> tuple[dict[str, str], dict[str, str]]:
    sys.path[:0] = [str(DOMAINS), str(OPSDOMAIN)]
    from eidomain.dogs import Dog, DogSchool, Trick

    sqlite_env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                  "SQLITE_DBNAME": str(tmp / "store.db")}
    pg_env = {"PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": dbname,
              "POSTGRES_HOST": PG["host"], "POSTGRES_PORT": PG["port"],
              "POSTGRES_USER": PG["user"], "POSTGRES_PASSWORD": PG["password"] or "x",
              "POSTGRES_SCHEMA": schema}
    for env in (sqlite_env, pg_env):
        app = DogSchool(env={**env, "IS_SNAPSHOTTING_ENABLED": "y"})
        try:
            for i in range(5):
                d = Dog(f"dog{i}")
                for j in range(4):
                    d.add_trick(Trick(f"t{j}", j))
                app.save(d)
        finally:
            app.close()
    return sqlite_env, pg_env


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(host=PG["host"], port=PG["port"], user=PG["user"],
                         password=PG["password"] or None, dbname="postgres",
                         autocommit=True) as c:
        c.execute(sql)


def commands(store: list[str], stream: str, kind: str) -> None:
    dom = ["--path", str(DOMAINS), "--path", str(OPSDOMAIN), "--app-class",
           "eidomain.dogs:DogSchool"]
    info = run("info", *store, "--json")
    check(bool(info) and info["applications"][0]["events"] == 25, f"{kind} info: 25 events")
    streams = run("streams", *store, "--json")
    check(bool(streams) and stream in [s["id"] for s in streams], f"{kind} streams lists it")
    events = run("events", *store, stream, "--json")
    check(bool(events) and len(events) == 5, f"{kind} events: 5")
    log = run("log", *store, "--limit", "7", "--json")
    check(bool(log) and len(log) == 7, f"{kind} log --limit 7")
    state = run("state", *store, stream, *dom, "--version", "3", "--json")
    check(bool(state) and state.get("version") == 3 and state.get("mode") == "domain",
          f"{kind} state --version 3 in domain mode")
    gstate = run("state", *store, stream, "--json")
    check(bool(gstate) and gstate.get("version") == 5, f"{kind} state (generic)")
    diff = run("diff", *store, stream, "--from", "1", "--to", "5", "--json")
    check(bool(diff) and bool(diff.get("changes")), f"{kind} diff 1..5 has changes")
    blame = run("blame", *store, stream, "tricks", "--json")
    check(blame is not None, f"{kind} blame tricks")
    take = run("snapshot", "take", *store, stream, *dom, "--version", "4", "--write", "--yes",
               "--json")
    check(bool(take) and take.get("done") is True, f"{kind} snapshot take --write")
    snaps = run("snapshots", *store, stream, *dom, "--verify", "--json")
    check(bool(snaps) and any(s.get("version") == 4 for s in snaps),
          f"{kind} snapshots --verify lists version 4")
    delete = run("snapshot", "delete", *store, stream, "--version", "4", "--write", "--yes",
                 "--json")
    check(bool(delete) and delete.get("done") is True, f"{kind} snapshot delete --write")
    cat = run("catalog", *store, "--json")
    check(bool(cat) and cat.get("events") == 25, f"{kind} catalog: 25 events")
    rb = run("rebuild", *store, "dogstats", *dom, "--write", "--yes", "--json")
    check(bool(rb) and rb.get("status") == "done" and rb.get("processed") == 25,
          f"{kind} rebuild dogstats --write (the library's projection runner pieces)")
    # PostgreSQL: the scratch schema is a write (write mode); SQLite: a temporary file
    mode = ["--write", "--yes"] if kind == "postgres" else []
    dry = run("rebuild", *store, "dogstats", *dom, "--dry-run", *mode, "--json")
    check(bool(dry) and dry.get("status") == "done" and all(
        d["same"] for d in (dry.get("differences") or {"x": {"same": False}}).values()),
        f"{kind} rebuild dogstats --dry-run: the live view equals a clean rebuild")
    projections = run("projections", *store, "--json")
    check(bool(projections) and any(p.get("upstream") == "DogSchool" and p.get("lag") == 0
                                    for p in projections),
          f"{kind} projections: tracking at the head")
    for extra in (["check", *store, *dom, "--json"], ["stats", *store, "--json"],
                  ["types", *store, "--json"]):
        out = run(*extra)
        check(out is not None, f"{kind} {extra[0]}")


def main() -> int:
    import inspector

    where = Path(inspector.__file__).resolve()
    check(str(where).startswith(str(Path(sys.prefix).resolve())),
          f"inspector is imported from the venv ({where})")
    for dev_only in ("pytest", "hypothesis", "eventsourcing_sqlalchemy"):
        try:
            __import__(dev_only)
            check(False, f"{dev_only} is not installed (a clean venv without the dev group)")
        except ImportError:
            pass
    tmp = Path(tempfile.mkdtemp(prefix="ei-install-"))
    dbname = f"ei_install_{uuid.uuid4().hex[:8]}"
    schema = "shop"
    env_home = {"XDG_CONFIG_HOME": str(tmp / "cfg"), "XDG_DATA_HOME": str(tmp / "data"),
                "XDG_CACHE_HOME": str(tmp / "cache")}
    os.environ.update(env_home)
    pg_admin(f'CREATE DATABASE "{dbname}"')
    try:
        pg_admin_schema = f'CREATE SCHEMA IF NOT EXISTS "{schema}"'
        import psycopg

        with psycopg.connect(host=PG["host"], port=PG["port"], user=PG["user"],
                             password=PG["password"] or None, dbname=dbname,
                             autocommit=True) as c:
            c.execute(pg_admin_schema)
        sqlite_env, pg_env = write_stores(tmp, dbname, schema)
        first = run("streams", sqlite_env["SQLITE_DBNAME"], "--json")
        stream = first[0]["id"] if first else ""
        commands([sqlite_env["SQLITE_DBNAME"]], stream, "sqlite")
        auth = PG["user"] + (f":{PG['password']}" if PG["password"] else "")
        url = f"postgresql://{auth}@{PG['host']}:{PG['port']}/{dbname}"
        first = run("streams", url, "--schema", schema, "--json")
        stream = first[0]["id"] if first else ""
        commands([url, "--schema", schema], stream, "postgres")
        shot = tmp / "shot.png"
        run("gui", sqlite_env["SQLITE_DBNAME"], "--screenshot", str(shot),
            env={"QT_QPA_PLATFORM": "offscreen"})
        check(shot.exists() and shot.stat().st_size > 1000, "gui --screenshot renders")
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"install check: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
