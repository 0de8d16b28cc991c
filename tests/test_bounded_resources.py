"""Bounded resources on hostile data (issue 9 section 3).

* A 1 MB event inflating to 1 GiB: every command decompresses incrementally and stops at
  ``--max-payload`` (default 64 MB) before the memory is spent; the event shows the one cut
  marker. Peak memory is measured as ``ru_maxrss`` of a fresh process per command.
* ``log --limit 1000000 --json`` streams its output (bounded memory at any limit) and keeps
  stdout valid JSON when a failure happens mid-stream.
"""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import store_env

from inspector.core.codec import Codec
from inspector.core.cuts import is_cut

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)
REPO = Path(__file__).resolve().parent.parent

GIB = 1 << 30
RSS_LIMIT_MB = 400  # the interpreter and libraries take ~100 MB; the cap 64 MB (x2 transient)


def zlib_bomb(inflated: int = GIB) -> bytes:
    """A zlib stream of ~1 MB that inflates to ``inflated`` bytes of ``{"a":"xxxx...``.

    One compressed block of 1 MB of 'x' after a full flush is position-independent, so it is
    repeated instead of compressing a gigabyte; the Adler-32 trailer is computed over it all.
    """
    head = b'{"a":"'
    chunk = b"x" * (1 << 20)
    n = (inflated - len(head)) // len(chunk) + 1
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    pre = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    end = c.flush(zlib.Z_FINISH)
    adler = zlib.adler32(head)
    for _ in range(n):
        adler = zlib.adler32(chunk, adler)
    return b"\x78\xda" + pre + block * n + end + struct.pack(">I", adler)


@pytest.fixture(scope="module")
def bomb_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A zlib-compressed store written by the library; event 2's state replaced by the bomb."""
    from eidomain.values import Vault, Vaults

    tmp = tmp_path_factory.mktemp("bomb")
    h = store_env("sqlite", tmp_path=tmp, encoding="zlib")
    with h.open_app(Vaults) as app:
        v = Vault(1)
        v.count(2)
        v.count(3)
        app.save(v)
    bomb = zlib_bomb()
    assert len(bomb) < 1_200_000
    with sqlite3.connect(h.location) as c:
        c.execute("UPDATE stored_events SET state = ? WHERE originator_version = 2", (bomb,))
    return h.location, str(v.id)


def test_codec_cap_holds_before_the_memory_is_spent() -> None:
    import tracemalloc

    bomb = zlib_bomb(256 << 20)
    tracemalloc.start()
    try:
        d = Codec(max_payload_mb=4).decode(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert is_cut(d.data) and d.data["reason"] == "payload larger than 4 MB after decompression"
    assert d.error == d.data["reason"]
    assert peak < 16 << 20, peak  # the cap (4 MB) and transient copies, not 256 MB
    for mod in ("bz2", "lzma", "gzip"):
        m = __import__(mod)
        small = m.compress(b'{"a":"' + b"y" * (3 << 20) + b'"}')
        assert Codec(max_payload_mb=4).decode(small).data == {"a": "y" * (3 << 20)}
        big = m.compress(b'{"a":"' + b"y" * (5 << 20) + b'"}')
        d = Codec(max_payload_mb=4).decode(big)
        assert is_cut(d.data) and d.compression == mod, (mod, d.error)


def _peak_rss_mb(args: list[str], home: Path) -> tuple[int, str, str, float]:
    """(exit code, stdout, stderr, peak RSS in MB) of ``event-inspector ARGS`` in a new process."""
    # VmHWM: the peak RSS of this process image (ru_maxrss would carry the parent's peak
    # across fork + exec on Linux)
    code = (
        "import sys\n"
        "from inspector.cli import main\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            return int(line.split()[1])\n"
        "try:\n"
        "    rc = main(sys.argv[1:])\n"
        "finally:\n"
        "    sys.stderr.write('\\nMAXRSS %d\\n' % peak())\n"
        "sys.exit(rc)\n"
    )
    env = dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / "cache"),
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    p = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
        cwd=REPO, timeout=300,
    )
    rss_kb = int(p.stderr.rsplit("MAXRSS", 1)[1].split()[0])
    return p.returncode, p.stdout, p.stderr, rss_kb / 1024


@pytest.mark.parametrize("command", ["info", "events", "log", "state", "catalog"])
def test_bomb_peak_memory(bomb_store: tuple[str, str], tmp_path: Path, command: str) -> None:
    location, sid = bomb_store
    args = {
        "info": ["info", location, "--json"],
        "events": ["events", location, sid, "--json"],
        "log": ["log", location, "--json"],
        "state": ["state", location, sid, "--version", "3", "--mode", "generic", "--json"],
        "catalog": ["catalog", location, "--json"],
    }[command]
    code, out, err, rss = _peak_rss_mb(args, tmp_path)
    assert "Traceback" not in err, err
    assert rss < RSS_LIMIT_MB, f"{command}: peak {rss:.0f} MB"
    if command in ("events", "log"):
        rows = json.loads(out)
        bad = [r for r in rows if r["version"] == 2][0]
        assert is_cut(bad["data"])
        assert bad["data"]["reason"] == "payload larger than 64 MB after decompression"
        assert [r["error"] for r in rows if r["version"] != 2] == [None, None]
    if command == "state":  # generic replay stops at the event it cannot read, says which
        assert "payload larger than 64 MB" in out + err


def test_max_payload_option(bomb_store: tuple[str, str]) -> None:
    location, sid = bomb_store
    r = run_cli("events", location, sid, "--json", "--max-payload", "0.5")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert rows[1]["data"]["reason"] == "payload larger than 0.5 MB after decompression"
    assert rows[0]["data"]["n"] == 1
    for bad in ("0", "-1", "x"):
        r = run_cli("events", location, sid, "--max-payload", bad)
        assert r.code == 2 and "max-payload" in r.err and "Traceback" not in r.err


def _many_events_store(tmp_path: Path, n: int) -> tuple[str, str]:
    """One library-written stream, its last event copied to versions up to ``n`` in SQL."""
    from eidomain.values import Vault, Vaults

    h = store_env("sqlite", tmp_path=tmp_path, filename=f"many{n}.db")
    with h.open_app(Vaults) as app:
        v = Vault(1)
        v.write("z" * 300)
        app.save(v)
    with sqlite3.connect(h.location) as c:
        c.execute(
            "WITH RECURSIVE k(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM k WHERE i < ?)"
            " INSERT INTO stored_events (originator_id, originator_version, topic, state)"
            " SELECT e.originator_id, k.i, e.topic, e.state FROM stored_events e, k"
            " WHERE e.originator_version = 2",
            (n,),
        )
    return h.location, str(v.id)


def test_log_json_streams_with_bounded_memory(tmp_path: Path) -> None:
    small, _ = _many_events_store(tmp_path, 2_000)
    big, _ = _many_events_store(tmp_path, 60_000)
    rss = {}
    for name, loc in (("small", small), ("big", big)):
        code, out, err, rss[name] = _peak_rss_mb(
            ["log", loc, "--limit", "1000000", "--json"], tmp_path
        )
        assert code == 0, err
        assert out.count('"position"') == (2_000 if name == "small" else 60_000)
    # 58,000 more events (~40 MB of output) may not grow the peak by more than a few batches
    assert rss["big"] - rss["small"] < 25, rss


def test_log_json_stays_valid_when_failing_mid_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from inspector.core.errors import InspectorError
    from inspector.stores.base import SqlStore

    loc, _ = _many_events_store(tmp_path, 3_500)
    real = SqlStore.log
    calls = {"n": 0}

    def failing(self: Any, *a: Any, **k: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise InspectorError("connection lost")
        return real(self, *a, **k)

    monkeypatch.setattr(SqlStore, "log", failing)
    for extra in ([], ["--contains", "z"]):
        calls["n"] = 0
        r = run_cli("log", loc, "--limit", "1000000", "--json", *extra)
        assert r.code == 1 and "connection lost" in r.err and "Traceback" not in r.err
        rows = json.loads(r.out)  # still one valid JSON array: the rows before the failure
        assert rows and len(rows) < 3_500  # the rows before the failure, whole
        assert [r["position"] for r in rows] == sorted(r["position"] for r in rows)
