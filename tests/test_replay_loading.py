"""Loading domain code: the app's mapper without touching any store; clear errors on bad input."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest
from cli_runner import run_cli
from storefactory import CIPHER_KEY, store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

import scenarios  # noqa: E402

from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.errors import InspectorError  # noqa: E402


def test_mapper_of_the_app_without_constructing_it(tmp_path: Path, monkeypatch) -> None:
    # The user's environment points at a store: building the mapper must not open it.
    target = tmp_path / "would_be_created.db"
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.sqlite")
    monkeypatch.setenv("SQLITE_DBNAME", str(target))
    monkeypatch.setenv("COMPRESSOR_TOPIC", "eventsourcing.compressor:ZlibCompressor")
    dom = load_domain([DOMAINS], "eventsourcing.tests.application:BankAccounts", CIPHER_KEY)
    assert not target.exists()
    from eventsourcing.domain import Snapshot
    from eventsourcing.tests.application import BankAccounts
    from eventsourcing.tests.domain import BankAccount, EmailAddress

    assert dom.app_class is BankAccounts
    assert dom.mapper.cipher is not None and dom.mapper.compressor is not None
    assert "email_address_as_str" in dom.mapper.transcoder.names
    acc = BankAccount.open("Ann", "ann@example.com")
    stored = dom.mapper.to_stored_event(acc.collect_events()[0])
    back = dom.mapper.to_domain_event(stored)
    assert back.email_address == EmailAddress("ann@example.com")
    assert dom.resolves("eventsourcing.tests.domain:BankAccount")
    assert not dom.resolves("no_such_module_here:Thing")
    assert not dom.resolves("eventsourcing.tests.domain:NoSuchClass")
    assert dom.snapshot_class_for(BankAccount) is Snapshot
    from eidomain.strids import StrSnapshot, Ticket

    assert dom.snapshot_class_for(Ticket) is StrSnapshot


def test_store_bytes_unchanged_by_domain_replay(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = scenarios.write_dogs(h)
    before = hashlib.sha256(Path(h.location).read_bytes()).hexdigest()
    listing = sorted(p.name for p in tmp_path.iterdir())
    for cmd in (
        ["state"],
        ["blame", w.streams[0], "tricks"],
        ["snapshots", w.streams[0], "--verify"],
    ):
        argv = [
            cmd[0],
            h.location,
            *(cmd[1:] if cmd[0] != "state" else [w.streams[0]]),
            "--cipher-key",
            h.cipher_key,
            "--path",
            DOMAINS,
            "--app-class",
            w.app_class_spec,
            "--json",
        ]
        r = run_cli(*argv)
        assert r.code == 0, (cmd, r.err)
    assert hashlib.sha256(Path(h.location).read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--app-class", "eidomain.dogs"], "expected MODULE:CLASS"),
        (["--app-class", "eidomain.dogs:Nope"], "has no 'Nope'"),
        (["--app-class", "eidomain.dogs:Dog"], "not an eventsourcing Application"),
        (["--app-class", "no_such_pkg.mod:App"], "cannot import"),
        (["--path", "/no/such/dir"], "not a directory"),
        (["--version", "0"], "out of range"),
        (["--at", "not a time"], "ISO 8601"),
    ],
)
def test_bad_input_one_line(tmp_path: Path, extra: list[str], message: str) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    w = scenarios.write_gadgets(h, n_parts=1)
    r = run_cli("state", h.location, w.streams[0], "--path", DOMAINS, *extra)
    assert r.code == 1
    assert message in r.err
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err


def test_unknown_stream(tmp_path: Path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    scenarios.write_gadgets(h, n_parts=1)
    r = run_cli("state", h.location, "00000000-0000-0000-0000-000000000000")
    assert r.code == 1 and "no stream" in r.err
    with pytest.raises(InspectorError):
        load_domain([str(tmp_path / "missing")])
