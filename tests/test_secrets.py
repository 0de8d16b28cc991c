"""Secrets are never stored, shown or printed: the CLI with a known password, every output and
every file the inspector writes (settings, audit log, catalog cache, rebuild markers) grepped.

The GUI half (settings file, connection bar, title, banner, status bar) is
tests/ui/test_secrets_gui.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import PG_HOST, PG_PORT, PgServer, store_env

from inspector.core.redact import redact, strip_password

PW = "Kn0wnPassw0rd-q7Zx"
WRONG = "Wr0ngSecret-H4x9"


def written_files(tmp_path: Path) -> list[Path]:
    """Every file under the test's XDG dirs and temp dir (settings, data, cache)."""
    roots = [tmp_path, *(Path(os.environ[k]) for k in
                         ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"))]
    out: list[Path] = []
    for root in roots:
        if root.exists():
            out.extend(p for p in root.rglob("*") if p.is_file())
    return out


def assert_nowhere(secret: str, tmp_path: Path, texts: list[str]) -> None:
    for t in texts:
        assert secret not in t, t
    for p in written_files(tmp_path):
        assert secret.encode() not in p.read_bytes(), p


@pytest.mark.parametrize("text, shown", [
    ("postgresql://u:PW@h/db", "postgresql://u:***@h/db"),
    ("postgresql://user:PW@[::1/x", "postgresql://user:***@[::1/x"),
    ("cannot open 'postgresql+psycopg://u:p@ss@h:5/db?x=1': no", "postgresql+psycopg://u:***@h:5"),
    ("host=h password=PW dbname=d", "password=***"),
    ("postgresql://u@h/db?sslmode=require&password=PW", "password=***"),
])
def test_redact_any_text(text: str, shown: str) -> None:
    out = redact(text)
    assert shown in out and "PW" not in out and "p@ss" not in out
    assert redact(out) == out  # idempotent


def test_strip_password_of_unparseable_url() -> None:
    loc, pw = strip_password("postgresql://user:S3cr@t@[::1/x")
    assert pw == "S3cr@t" and "S3cr" not in loc and loc.startswith("postgresql://user@")


@pytest.mark.postgres
def test_cli_never_prints_or_stores_a_password(pg: PgServer, tmp_path: Path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        acc_id = app.open_account("Ann", "ann@example.com")
        app.credit_account(acc_id, 100)
    user, role_pw = pg.select_only_role(h.schema or "public")
    with pg.connect() as c:
        c.execute(f"ALTER ROLE \"{user}\" PASSWORD '{PW}'")
    url = f"postgresql://{user}:{PW}@{PG_HOST}:{PG_PORT}/{pg.dbname}"
    base = [url, "--schema", h.schema or "public"]
    texts: list[str] = []
    runs = [
        ("info", *base, "--json"),
        ("info", *base),
        ("streams", *base, "--json"),
        ("log", *base, "--json"),
        ("events", *base, str(acc_id), "--json"),
        ("state", *base, str(acc_id), "--json"),
        ("catalog", *base, "--json"),
        ("projections", *base, "--json"),
        ("rebuild", *base, "catalog", "--write", "--yes", "--json"),
        ("snapshot", "take", *base, str(acc_id), "--json"),  # refused: no --write
    ]
    for argv in runs:
        r = run_cli(*argv)
        texts += [r.out, r.err]
    ok = run_cli("info", *base, "--json")
    assert ok.code == 0, ok.err
    assert "***" in ok.json()["location"]
    failing = [
        ("info", f"postgresql://{user}:{WRONG}@{PG_HOST}:{PG_PORT}/{pg.dbname}"),
        ("info", f"postgresql://{user}:{WRONG}@[::1/x"),
        ("info", f"postgresql://{user}:{WRONG}@{PG_HOST}:1/{pg.dbname}?connect_timeout=2"),
        ("streams", f"postgresql://{user}:{WRONG}@h/db", "--limit", "many"),
        ("gui", f"postgresql://{user}:{WRONG}@h/db", "--size", "huge"),
        ("nosuchcommand", f"postgresql://{user}:{WRONG}@h/db"),
    ]
    for argv in failing:
        r = run_cli(*argv)
        # (the test server may trust local connections: a wrong password can still open)
        assert r.code in (0, 1, 2), (argv, r)
        assert "Traceback" not in r.err, (argv, r)
        if r.code:
            assert r.err.strip(), (argv, r)
        texts += [r.out, r.err]
    assert_nowhere(PW, tmp_path, texts)
    assert_nowhere(WRONG, tmp_path, texts)
    from inspector.core.writes import audit_path

    assert audit_path().exists()  # the audit log was written (and holds no password)
