"""A PostgreSQL server that drops the inspector's connections: the next read reconnects."""

from __future__ import annotations

import pytest
from eventsourcing.tests.application import BankAccounts
from storefactory import PgServer, store_env

from inspector.core.errors import InspectorError
from inspector.stores.open import open_database

pytestmark = pytest.mark.postgres


def _kill_other_backends(pg: PgServer) -> int:
    with pg.connect() as c:
        row = c.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    return int(row[0])


def test_dropped_connections_are_replaced(pg: PgServer, tmp_path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
        head = app.recorder.max_notification_id()
    db = open_database(h.location, schema=h.schema)
    try:
        store = db.store(None)
        assert store.max_position() == head
        assert _kill_other_backends(pg) >= 1  # the pooled, idle connection is gone
        assert store.max_position() == head  # read again on a fresh connection
        assert len(store.log(limit=10)) == head
    finally:
        db.close()


def test_read_only_session_refuses_writes(pg: PgServer, tmp_path) -> None:
    h = store_env("postgres", tmp_path=tmp_path, pg=pg)
    with h.open_app(BankAccounts) as app:
        app.open_account("Ann", "ann@example.com")
    db = open_database(h.location, schema=h.schema)
    try:
        store = db.store(None)
        with pytest.raises(InspectorError, match="read-only transaction"):
            store.query(f"DELETE FROM {store.events}")
        assert store.count_events().value == 1
    finally:
        db.close()
