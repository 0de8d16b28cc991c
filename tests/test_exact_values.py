"""Exact values everywhere (issue 8 section 4, issue 9 section 3).

Integers beyond 64 bits, Decimal, NaN/Infinity, control characters and a 200 kB string, written by
the real library, come out exactly in ``events``, ``log --contains``, ``state`` (domain and
generic), ``diff``, ``blame`` and the GUI's export; deep nesting is kept whole or cut with the one
marker (``inspector.core.cuts``), never a repr, and no walk raises RecursionError at any depth.
The oracle for state is the library's ``Repository.get(id, version=V)``.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cli_runner import run_cli
from storefactory import inspector_args, store_env

from inspector.core.cuts import is_cut
from inspector.core.normalise import json_bytes, normalise

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)
DOMAIN = ["--path", DOMAINS, "--app-class", "eidomain.values:Vaults"]

BIG = 2**64
NOTE = "ctl:\x00\x01\x1b[31m\n\t\u2028" + "x" * 200_000


def _write(h: Any) -> tuple[str, dict[int, Any]]:
    """A Vault with every value kind; returns (id, {version: library state as JSON})."""
    from eidomain.values import Vault, Vaults, nested

    with h.open_app(Vaults) as app:
        v = Vault(BIG)  # v1
        v.count(BIG + 1)  # v2
        v.count(-(2**70))  # v3
        v.value(Decimal("12345678901234567890.000000001"), float("nan"))  # v4
        v.value(Decimal("1"), float("inf"))  # v5
        v.write(NOTE)  # v6
        v.grow(nested(300))  # v7
        app.save(v)
        app.take_snapshot(v.id, version=7)
        v.count(BIG)  # v8: back to the first value
        v.grow(nested(600))  # v9: deeper than the inspector keeps
        app.save(v)
        oracle = {}
        for version in range(1, 10):
            agg = app.repository.get(v.id, version=version)
            state = {k: x for k, x in vars(agg).items() if k != "_pending_events"}
            oracle[version] = json.loads(json_bytes(normalise(state)))
    return str(v.id), oracle


def _json(*argv: str) -> Any:
    r = run_cli(*argv, "--json")
    assert r.code == 0, r.err
    assert "Traceback" not in r.err and "RecursionError" not in r.err
    return json.loads(r.out)  # the standard parser: integers exact at any size


def _deepest(value: Any) -> Any:
    while isinstance(value, dict) and "d" in value:
        value = value["d"]
    return value


@pytest.mark.parametrize(
    "kind,encoding", [("sqlite", "plain"), ("sqlite", "zlib+aes"), ("postgres", "plain")]
)
def test_values_exact_everywhere(tmp_path: Path, request: Any, kind: str, encoding: str) -> None:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding)
    sid, oracle = _write(h)
    args = inspector_args(h)

    # events: the stored values exactly
    rows = _json("events", *args, sid)
    data = {r["version"]: r["data"] for r in rows}
    assert [r["error"] for r in rows] == [None] * 9
    assert data[1]["n"] == BIG and type(data[1]["n"]) is int
    assert data[2]["n"] == BIG + 1 and data[3]["n"] == -(2**70)
    assert data[4]["amount"] == "12345678901234567890.000000001" and data[4]["ratio"] == "NaN"
    assert data[5]["ratio"] == "Infinity"
    assert data[6]["note"] == NOTE  # control characters and 200 kB, whole
    assert _deepest(data[7]["tree"]) == 1  # 300 levels: kept whole
    assert is_cut(_deepest(data[9]["tree"]))  # 600 levels: cut with the one marker

    # state: the library's object at every version (domain), exact ints in generic mode too
    for version in range(1, 10):
        got = _json("state", *args, sid, "--version", str(version), *DOMAIN)
        assert got["mode"] == "domain"
        assert got["state"] == oracle[version], version
        gen = _json("state", *args, sid, "--version", str(version), "--mode", "generic")
        assert gen["state"]["n"] == oracle[version]["n"], version
        assert "_pending_events" not in gen["state"]
    assert is_cut(_deepest(oracle[9]["tree"]))  # normalise cuts as the codec does

    # search: text and path = value, integers exact
    found = _json("log", *args, "--contains", str(BIG + 1))
    assert [(r["stream"], r["version"]) for r in found] == [(rows[0]["stream"], 2)]
    found = _json("log", *args, "--contains", f"n = {-(2**70)}")
    assert [r["version"] for r in found] == [3]
    found = _json("log", *args, "--contains", f"n={BIG}")
    assert [r["version"] for r in found] == [1, 8]

    # blame: a change only where the value changed (no spurious one at the snapshot)
    for mode in (DOMAIN, ["--mode", "generic"]):
        blame = _json("blame", *args, sid, "n", *mode)
        assert [(b["version"], b["old"], b["new"]) for b in blame] == [
            (1, None, BIG), (2, BIG, BIG + 1), (3, BIG + 1, -(2**70)), (8, -(2**70), BIG)
        ], mode

    # diff: exact old/new; deep values diffed without RecursionError
    d = _json("diff", *args, sid, "--from", "2", "--to", "3", *DOMAIN)
    assert {"path": ["n"], "op": "change", "old": BIG + 1, "new": -(2**70)} in [
        {k: c[k] for k in ("path", "op", "old", "new")} for c in d["changes"]
    ]
    d = _json("diff", *args, sid, "--from", "8", "--to", "9", *DOMAIN)
    assert d["changes"]
    assert all(c["path"][0] in ("tree", "_modified_on", "_version") for c in d["changes"])


def test_gui_export_and_tree_keep_big_integers(tmp_path: Path) -> None:
    """The GUI's export and JSON tree show the stored integer (no float on the way)."""
    from inspector.core.codec import Codec
    from inspector.stores.open import open_database
    from inspector.ui.export import export_stream_json, write_json

    h = store_env("sqlite", tmp_path=tmp_path)
    sid, oracle = _write(h)
    with open_database(h.location) as db:
        session = SimpleNamespace(store=db.store(), codec=Codec())
        out = tmp_path / "events.json"
        assert export_stream_json(session, sid, str(out)) == 9
        rows = json.loads(out.read_text(encoding="utf-8"))
    assert rows[0]["data"]["n"] == BIG and rows[2]["data"]["n"] == -(2**70)
    write_json(str(tmp_path / "state.json"), {"state": oracle[2]})
    assert json.loads((tmp_path / "state.json").read_text())["state"]["n"] == BIG + 1

    from inspector.ui.format import one_line

    assert one_line(BIG) == str(BIG)
    assert "\x1b" not in one_line(NOTE) and "\x00" not in one_line(NOTE)


def _deep_text(levels: int, kind: str) -> str:
    if kind == "list":
        return "[" * levels + "]" * levels
    return '{"d":' * levels + "1" + "}" * levels


@pytest.mark.parametrize("levels", [499, 1000, 5000, 100_000])
def test_any_depth_no_recursion_error(tmp_path: Path, levels: int) -> None:
    """Payloads nested to any depth the decoder accepts: every command walks them (kept whole
    to 500 levels, cut with the marker below), never a RecursionError or a traceback."""
    from eidomain.values import Vault, Vaults

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(Vaults) as app:
        v = Vault(1)
        for i in range(4):
            v.grow(i)  # v2..v5, then made deep below
        app.save(v)
    sid = str(v.id)
    with sqlite3.connect(h.location) as c:
        for version, kind in ((2, "list"), (3, "dict"), (5, "dict")):
            (state,) = c.execute(
                "SELECT state FROM stored_events WHERE originator_version = ?", (version,)
            ).fetchone()
            doc = json.loads(state)
            text = json.dumps({k: x for k, x in doc.items() if k != "tree"})
            text = text[:-1] + ', "tree": ' + _deep_text(levels + version, kind) + "}"
            c.execute(
                "UPDATE stored_events SET state = ? WHERE originator_version = ?",
                (text.encode(), version),
            )
    args = [h.location]
    rows = _json("events", *args, sid)
    assert [r["error"] for r in rows] == [None] * 5
    tree = rows[2]["data"]["tree"]
    deepest = _deepest(tree)
    if levels + 3 < 500:
        assert deepest == 1
    else:
        assert is_cut(deepest) and deepest["size"] >= 500
    _json("log", *args)
    assert [r["version"] for r in _json("log", *args, "--contains", "tree.d.d = {")] == []
    assert len(_json("log", *args, "--contains", '"d"')) == 2
    for version in range(1, 6):
        _json("state", *args, sid, "--version", str(version), "--mode", "generic")
    _json("diff", *args, sid, "--from", "1", "--to", "5", "--mode", "generic")
    _json("diff", *args, sid, "--from", "2", "--to", "3", "--mode", "generic")
    blame = _json("blame", *args, sid, "tree", "--mode", "generic")
    assert [b["version"] for b in blame] == [2, 3, 4, 5]  # v1 has no tree
    # domain mode: the library's own decoder decides; a failure is a message, not a traceback
    r = run_cli("state", *args, sid, *DOMAIN, "--json")
    assert "Traceback" not in r.err and "RecursionError" not in r.out + r.err
    assert json.loads(r.out)["state"] is not None  # exit 1: the failure is named, v1 shown
    r = run_cli("events", *args, sid)  # the table view too
    assert r.code == 0 and "Traceback" not in r.err
