"""End-to-end read of BankAccounts stores in every layout, decoded data vs the library's mapper."""

from __future__ import annotations

from decimal import Decimal

import pytest
from cli_runner import run_cli
from eventsourcing.tests.application import BankAccounts
from storefactory import inspector_args, store_env

KINDS = ["sqlite", "sa_sqlite", pytest.param("postgres", marks=pytest.mark.postgres),
         pytest.param("sa_postgres", marks=pytest.mark.postgres)]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["plain", "zlib", "zlib+aes"])
def test_bank_accounts_read(kind: str, encoding: str, tmp_path, request) -> None:
    pg = request.getfixturevalue("pg") if "postgres" in kind else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding)
    with h.open_app(BankAccounts) as app:
        ids = [app.open_account(f"Ann {i}", f"ann{i}@example.com") for i in range(3)]
        for i, aid in enumerate(ids):
            for j in range(i + 2):
                app.credit_account(aid, Decimal(f"{j}.25"))
        notifications = app.recorder.select_notifications(start=1, limit=100)
        expected = {n.id: vars(app.mapper.to_domain_event(n)) for n in notifications}

    r = run_cli("log", *inspector_args(h), "--json", "--limit", "1000")
    assert r.code == 0, r.err
    rows = r.json()
    assert [row["position"] for row in rows] == sorted(expected)
    for row in rows:
        assert row["error"] is None
        want = expected[row["position"]]
        assert row["stream"] == str(want["originator_id"])
        assert row["version"] == want["originator_version"]
        assert row["timestamp"] == want["timestamp"].isoformat()
        if "amount" in want:
            assert Decimal(row["data"]["amount"]) == want["amount"]
        if "full_name" in want:
            assert row["data"]["full_name"] == want["full_name"]
            # a custom transcoding without the app class stays an envelope
            assert row["data"]["email_address"]["_type_"] == "email_address_as_str"

    r = run_cli("streams", *inspector_args(h), "--json")
    assert r.code == 0, r.err
    streams = r.json()
    assert sorted(s["id"] for s in streams) == sorted(str(i) for i in ids)
    assert all(s["type"] == "eventsourcing.tests.domain:BankAccount" for s in streams)

    r = run_cli("info", *inspector_args(h), "--json")
    assert r.code == 0, r.err
    info = r.json()
    app_info = info["applications"][0]
    assert app_info["events"] == len(expected)
    assert app_info["streams"] == 3
    assert app_info["max_position"] == max(expected)
    assert info["encrypted"] is (encoding == "zlib+aes")
    assert info["compression"] == (None if encoding == "plain" else "zlib")
