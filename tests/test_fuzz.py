"""Property-based fuzzing (Hypothesis): the codec, id parsing and every CLI argument of every
headless command. No input may end in a traceback or an "internal error".

CI runs a fixed seed (``derandomize=True``) and ``EI_FUZZ_EXAMPLES`` examples per target
(default 200). A longer run: ``EI_FUZZ_EXAMPLES=5000 EI_FUZZ_RANDOM=1 pytest tests/test_fuzz.py``
(random seeds, the seed of a failure is printed by Hypothesis).

The CLI target runs ``inspector.cli.main`` in-process on a real SQLite store written by the
library, with arguments drawn from each command's own parser (its options, their kinds, and
hostile values: huge and negative integers, non-UTF-8 bytes as the shell hands them over,
NUL, URLs with passwords, ISO times at the edges). ``gui`` is left out (it opens a window);
its arguments go through the same validation as every other command's.
"""

from __future__ import annotations

import argparse
import base64
import bz2
import lzma
import os
import zlib
from pathlib import Path
from typing import Any

import pytest
from cli_runner import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspector.core.codec import Codec, parse_cipher_key
from inspector.core.errors import InspectorError

EXAMPLES = int(os.environ.get("EI_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=not os.environ.get("EI_FUZZ_RANDOM"),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large],
    database=None,
)
KEY = base64.b64encode(bytes(range(32))).decode()


# -- codec ------------------------------------------------------------------------------------
def _wrapped(data: bytes, how: str) -> bytes:
    if how == "zlib":
        return zlib.compress(data)
    if how == "bz2":
        return bz2.compress(data)
    if how == "lzma":
        return lzma.compress(data)
    if how == "aes":
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        nonce = os.urandom(12)
        sealed = AESGCM(base64.b64decode(KEY)).encrypt(nonce, data, None)
        return nonce + sealed[-16:] + sealed[:-16]  # the library's nonce || tag || ciphertext
    if how == "truncated-zlib":
        return zlib.compress(data)[: max(1, len(data) // 2)]
    return data


_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                               max_size=4),
    max_leaves=20,
)


@st.composite
def blobs(draw: Any) -> bytes:
    kind = draw(st.sampled_from(["raw", "json", "magic", "wrapped"]))
    if kind == "raw":
        return draw(st.binary(max_size=600))
    if kind == "json":
        import json

        return json.dumps(draw(_json_like)).encode()
    if kind == "magic":  # a compression or JSON start, then garbage
        head = draw(st.sampled_from([b"\x78\x9c", b"\x78\x01", b"BZh9", b"\xfd7zXZ\x00",
                                     b"{", b"[", b'{"_type_":', b"\x00" * 12]))
        return head + draw(st.binary(max_size=300))
    inner = draw(st.binary(max_size=300) | _json_like.map(lambda v: repr(v).encode()))
    return _wrapped(inner, draw(st.sampled_from(["zlib", "bz2", "lzma", "aes",
                                                 "truncated-zlib"])))


@FUZZ
@given(blob=blobs(), with_key=st.booleans(), fmt=st.sampled_from(["json", "msgpack"]))
def test_fuzz_codec_decode_never_raises(blob: bytes, with_key: bool, fmt: str) -> None:
    codec = Codec(KEY if with_key else None, payload_format=fmt)
    d = codec.decode(blob)
    assert d.error is None or isinstance(d.error, str)
    # the codec's own catch-all marks what nobody foresaw: that is a finding, not a pass
    assert not (d.error or "").startswith("decode failed:"), d.error


@FUZZ
@given(text=st.text(max_size=80))
def test_fuzz_cipher_key_parsing(text: str) -> None:
    # either a usable AES key (16, 24 or 32 bytes, the base64 of exactly those bytes) or one
    # InspectorError with a readable one-line reason; never any other exception
    try:
        raw = parse_cipher_key(text)
    except InspectorError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(raw) in (16, 24, 32)
    assert base64.b64decode(text.strip(), validate=True) == raw


# -- ids --------------------------------------------------------------------------------------
_id_text = st.text(max_size=60) | st.uuids().map(str) | st.uuids().map(lambda u: u.hex) | (
    st.uuids().map(lambda u: "{" + str(u).upper() + "}")) | st.from_regex(
    r"[0-9a-fA-F-]{0,40}", fullmatch=True)


@FUZZ
@given(text=_id_text, raw=st.one_of(st.binary(max_size=40), st.uuids(), st.text(max_size=40),
                                    st.integers()))
def test_fuzz_id_parsing(text: str, raw: Any) -> None:
    from inspector.core import ids

    u = ids.parse_uuid(text)
    assert u is None or len(u.hex) == 32
    assert isinstance(ids.canonical_id(raw), str)
    p = ids.hex_prefix(text)
    if p is not None:
        lo, hi = ids.hex_range(p)
        assert lo <= hi and len(lo) == 32
    assert ids.string_prefix_upper(text).startswith(text)


# -- every CLI argument ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    from eventsourcing.tests.application import BankAccounts
    from storefactory import store_env

    tmp = tmp_path_factory.mktemp("fuzzstore")
    h = store_env("sqlite", tmp_path=tmp)
    with h.open_app(BankAccounts) as app:
        a = app.open_account("Ann", "ann@example.com")
        for i in range(3):
            app.credit_account(a, i + 1)
        app.take_snapshot(a, version=2)
        b = app.open_account("Bob", "bob@example.com")
    return {"store": h.location, "stream": str(a), "other": str(b), "dir": str(tmp)}


def _surrogate_text() -> st.SearchStrategy[str]:
    # what Python makes of non-UTF-8 argv bytes: surrogateescape
    return st.binary(min_size=1, max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape"))


_INTS = st.one_of(
    st.integers(-5, 20),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 10**20, -(10**20)]),
    st.integers(),
).map(str)
_TEXT = st.one_of(
    st.text(max_size=30),
    _surrogate_text(),
    st.sampled_from(["", " ", "-", "--", "0", "abc", "%", "_", "'", "\"", ";DROP TABLE x", "*",
                     "\x00", "null", "balance", "lines.0.qty", "a.b.c", "\u202e", "☃",
                     "postgresql://u:FuzzPw123@[::1/x", "0001-01-01", "9999-12-31T23:59:59Z",
                     "1970-01-01T00:00:00+14:00", "2026-01-01", "nonsense", "1e309",
                     "99999999999999999999", "{}", "[]"]),
)


def _sane(dest: str, ctx: dict[str, str]) -> st.SearchStrategy[str] | None:
    """Values that get a command past its argument checks, into the store (by option)."""
    stream = ctx["stream"]
    table: dict[str, st.SearchStrategy[str]] = {
        "stream": st.sampled_from([stream, ctx["other"], stream.upper(), stream.replace("-", ""),
                                   "{" + stream + "}", "urn:uuid:" + stream]),
        "store": st.sampled_from([ctx["store"], f"sqlite:///{ctx['store']}"]),
        "limit": st.integers(1, 50).map(str),
        "batch": st.integers(1, 50).map(str),
        "from_version": st.integers(0, 6).map(str),
        "to_version": st.integers(0, 6).map(str),
        "version": st.integers(0, 6).map(str),
        "at_version": st.integers(0, 6).map(str),
        "versions": st.integers(0, 6).map(str),
        "after": st.one_of(st.integers(0, 8).map(str), st.just(stream)),
        "prefix": st.sampled_from([stream[:1], stream[:5], "", "zz"]),
        "at": st.one_of(st.datetimes().map(lambda d: d.isoformat()),
                        st.sampled_from(["2020-01-01", "2999-01-01T00:00:00Z"])),
        "field_path": st.sampled_from(["balance", "full_name", "x.y", "lines.0.qty"]),
        "contains": st.sampled_from(["Ann", "balance", "\"", "%"]),
        "topic": st.sampled_from(["eventsourcing.tests.domain:BankAccount.Opened", "x"]),
        "cipher_key": st.just(KEY),
        "projection": st.sampled_from(["catalog", "nope", "a:B"]),
        "app": st.sampled_from(["stored", "STORED", "nope"]),
        "type_filter": st.sampled_from(["BankAccount", "eventsourcing.tests.domain:BankAccount"]),
    }
    return table.get(dest)


def _hostile(action: argparse.Action) -> st.SearchStrategy[str]:
    return st.one_of(_INTS, _TEXT) if action.type is int else _TEXT


def _value_for(action: argparse.Action, ctx: dict[str, str]) -> st.SearchStrategy[str]:
    """Mostly a sane value (so the run gets deep), one time in four a hostile one."""
    if action.choices is not None and not isinstance(action, argparse._SubParsersAction):
        sane: st.SearchStrategy[str] | None = st.sampled_from([str(c) for c in action.choices])
    else:
        sane = _sane(action.dest, ctx)
        if action.type is int and action.dest == "after":
            sane = st.integers(0, 8).map(str)
        if sane is None and action.type is int:
            sane = st.integers(0, 10).map(str)
    if sane is None:
        return _hostile(action)
    hostile = _hostile(action)
    return st.integers(0, 3).flatmap(lambda k: hostile if k == 0 else sane)


def _commands() -> dict[str, argparse.ArgumentParser]:
    from inspector.cli import build_parser

    parser, _ = build_parser()
    out: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name == "gui":
                    continue
                nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                if nested:
                    for sname, ssub in nested[0].choices.items():
                        out[f"{name} {sname}"] = ssub
                else:
                    out[name] = sub
    return out


COMMANDS = _commands()
# options that would make a run slow or touch the developer's world: not drawn
_SKIP = {"help", "path", "app_class"}


@st.composite
def argvs(draw: Any, ctx: dict[str, str]) -> list[str]:
    name = draw(st.sampled_from(sorted(COMMANDS)))
    sub = COMMANDS[name]
    argv = name.split()
    for action in sub._actions:
        if action.dest in _SKIP or isinstance(action, argparse._SubParsersAction):
            continue
        if not action.option_strings:  # positional: usually given, sometimes missing
            if draw(st.integers(0, 29)) > 0:
                argv.append(draw(_value_for(action, ctx)))
            continue
        # an option with a sane value: one time in three; one that can only be hostile
        # (a password, a TLS file, ...): one time in ten, so most runs get into the store
        odds = 2 if (_sane(action.dest, ctx) is not None or action.choices is not None
                     or action.nargs == 0) else 9
        if not action.required and draw(st.integers(0, odds)) > 0:
            continue
        opt = draw(st.sampled_from(action.option_strings))
        if action.nargs == 0:
            argv.append(opt)
        else:
            value = draw(_value_for(action, ctx))
            argv.append(f"{opt}={value}" if value.startswith("-") else opt)
            if not value.startswith("-"):
                argv.append(value)
    if draw(st.integers(0, 29)) == 0:  # now and then an unknown option or a stray word
        argv.append(draw(st.sampled_from(["--nope", "extra", "-x"])))
    return argv


def test_fuzz_targets_cover_every_command() -> None:
    assert {"info", "streams", "events", "log", "state", "diff", "blame", "snapshots",
            "snapshot take", "snapshot delete", "projections", "rebuild",
            "catalog"} <= set(COMMANDS)


@FUZZ
@given(data=st.data())
def test_fuzz_every_cli_argument(fuzz_store: dict[str, str], data: Any) -> None:
    argv = data.draw(argvs(fuzz_store))
    r = run_cli(*argv)
    shown = [a.encode("utf-8", "backslashreplace").decode() for a in argv]
    assert r.code in (0, 1, 2), (shown, r.code, r.err[-2000:])
    assert "Traceback" not in r.err, (shown, r.err[-3000:])
    assert "internal error" not in r.err, (shown, r.err[-2000:])
    assert "FuzzPw123" not in r.err, (shown, r.err)  # stdout shows what was asked for
    if r.code:
        assert r.err.strip(), shown  # a failure says why
    # the store is unchanged unless the command wrote with --write --yes (it never hangs)
    assert Path(fuzz_store["store"]).exists()


# -- the cases the fuzzing (and the issue) found, kept as plain regressions --------------------
@pytest.mark.parametrize("argv, says", [
    (["events", "{store}", "{stream}", "--from", "99999999999999999999"], "--from"),
    (["log", "{store}", "--after", str(10**20)], "out of range"),
    (["log", "{store}", "--after", str(-(10**20))], "out of range"),
    (["state", "{store}", "{stream}", "--at", "0001-01-01"], "out of range"),
    (["events", "{store}", "ab" + b"\xff\xfe".decode("utf-8", "surrogateescape")],
     "not valid UTF-8"),
    (["streams", "{store}", "--prefix", b"\xff".decode("utf-8", "surrogateescape")],
     "not valid UTF-8"),
    (["log", "{store}", "--limit=--"], "--limit: give a value"),
    (["stats", "{store}", "--app=--"], "--app: give a value"),
    # a warning (exit 0) that echoed a URL given as a stream id: stderr is redacted as a whole
    (["streams", "{store}", "--type", "BankAccount", "--after", "postgresql://u:Pw9@[::1/x"],
     "u:***@"),
])
def test_found_cases_are_one_line_errors(fuzz_store: dict[str, str], argv: list[str],
                                         says: str) -> None:
    r = run_cli(*[a.format(**fuzz_store) for a in argv])
    assert r.code == (0 if says == "u:***@" else 1), r
    assert "Pw9" not in r.err
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "internal error" not in lines[0], r.err
