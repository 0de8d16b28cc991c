"""The built-in catalog projection against the library's own view of the same store."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from cli_runner import run_cli
from opsfixtures import scenarios, state_of, uid
from storefactory import inspector_args, store_env

KINDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def expected_catalog(h: Any, app_class: type, streams: list[str]) -> tuple[dict, Counter]:
    """Per stream (type, first/last version, first/last time, count) from the library."""
    from eventsourcing.utils import get_topic

    per_stream: dict[str, tuple[Any, ...]] = {}
    days: Counter = Counter()
    with h.open_app(app_class) as app:
        for n in app.recorder.select_notifications(start=1, limit=10_000):
            ev = app.mapper.to_domain_event(n)
            days[ev.timestamp.isoformat()[:10]] += 1
        for s in streams:
            agg = state_of(app.repository.get(uid(s)))
            events = list(app.events.get(uid(s)))
            per_stream[s] = (
                get_topic(type(app.repository.get(uid(s)))),
                events[0].originator_version, agg["_version"],
                agg["_created_on"].isoformat(), agg["_modified_on"].isoformat(), len(events),
            )
    return per_stream, days


def catalog_json(h: Any, *more: str) -> dict[str, Any]:
    r = run_cli("catalog", *inspector_args(h), "--json", *more)
    assert r.code == 0, r.err
    return r.json()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("encoding", ["plain", "zlib+aes"])
def test_catalog_build_incremental_rebuild(kind: str, encoding: str, tmp_path, request) -> None:
    pg = request.getfixturevalue("pg") if kind == "postgres" else None
    h = store_env(kind, tmp_path=tmp_path, pg=pg, encoding=encoding)
    w = scenarios.write_dogs(h)
    want, days = expected_catalog(h, w.app_class, w.streams)

    out = catalog_json(h, "--per-day", "--type", "eidomain.dogs:Dog")
    assert out["update"]["processed"] == sum(v[5] for v in want.values())
    assert out["position"] == out["head"] and out["lag"] == 0
    got = {s["id"]: (s["type"], s["first_version"], s["last_version"], s["first_time"],
                     s["last_time"], s["events"]) for s in out["streams_of_type"]}
    assert got == want
    assert {d["day"]: d["events"] for d in out["per_day"]} == dict(days)
    assert out["types"] == [{"type": "eidomain.dogs:Dog", "streams": 2,
                             "events": sum(v[5] for v in want.values())}]

    # Incremental: only the new events are processed.
    from eidomain.dogs import Dog, Trick

    with h.open_app(w.app_class) as app:
        d = app.repository.get(uid(w.streams[0]))
        d.add_trick(Trick("new", 1))
        d.tag("fresh")
        app.save(d)
        d2 = Dog("third")
        app.save(d2)
    want, days = expected_catalog(h, w.app_class, [*w.streams, str(d2.id)])
    out = catalog_json(h, "--per-day", "--type", "eidomain.dogs:Dog")
    assert out["update"]["processed"] == 3 and not out["update"]["rebuilt"]
    got = {s["id"]: (s["type"], s["first_version"], s["last_version"], s["first_time"],
                     s["last_time"], s["events"]) for s in out["streams_of_type"]}
    assert got == want
    assert {d["day"]: d["events"] for d in out["per_day"]} == dict(days)

    # Dry run: the cache equals a fresh build; --write rebuilds it to the same content.
    args = inspector_args(h)
    r = run_cli("rebuild", *args, "catalog", "--dry-run", "--json")
    assert r.code == 0, r.err
    assert all(t["same"] for t in r.json()["differences"].values())
    r = run_cli("rebuild", *args, "catalog")
    assert r.code == 1
    r = run_cli("rebuild", *args, "catalog", "--write", "--yes", "--json")
    assert r.code == 0, r.err
    assert r.json()["processed"] == sum(v[5] for v in want.values())
    out2 = catalog_json(h, "--type", "eidomain.dogs:Dog")
    assert out2["streams_of_type"] == out["streams_of_type"]
    assert out2["update"]["processed"] == 0


def test_catalog_replaced_store_is_rebuilt(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path)
    scenarios.write_dogs(h)
    first = catalog_json(h)
    for suffix in ("", "-wal", "-shm"):
        p = tmp_path / f"store.db{suffix}"
        if p.exists():
            p.unlink()
    w2 = scenarios.write_dogs(h)  # a different store at the same path
    out = catalog_json(h, "--type", "eidomain.dogs:Dog")
    assert out["update"]["rebuilt"] is True
    assert {s["id"] for s in out["streams_of_type"]} == set(w2.streams)
    assert out["events"] == first["events"]


def test_catalog_without_key_then_with_key(tmp_path) -> None:
    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    w = scenarios.write_dogs(h)
    r = run_cli("catalog", h.location, "--json")
    assert r.code == 0, r.err
    out = r.json()
    assert "could not be decoded" in r.err
    assert out["undecoded"] == out["events"] > 0
    assert [t["type"] for t in out["types"]] == ["?"]
    out = catalog_json(h)  # with the key: the cache is rebuilt
    assert out["update"]["rebuilt"] is True and out["undecoded"] == 0
    assert out["types"][0]["type"] == "eidomain.dogs:Dog"
    assert out["types"][0]["streams"] == len(w.streams)
