"""Blame: every event that changed a path, with old and new values (hand-checked)."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli_runner import run_cli
from storefactory import store_env

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)


def _store(tmp_path: Path) -> tuple[Any, str, list[Any]]:
    from eidomain.dogs import Dog, DogSchool, Trick

    h = store_env("sqlite", tmp_path=tmp_path, encoding="zlib+aes")
    with h.open_app(DogSchool) as app:
        d = Dog("fido")  # v1
        d.weigh(Decimal("10"))  # v2
        d.add_trick(Trick("sit", 1))  # v3
        d.weigh(Decimal("10"))  # v4: same value, not a change
        d.add_trick(Trick("roll", 2))  # v5
        d.weigh(Decimal("11.5"))  # v6
        d.forget_trick(0)  # v7 (snapshot)
        d.forget_trick(0)  # v8
        app.save(d)
        events = list(app.events.get(d.id))
    return h, str(d.id), events


def _blame(h: Any, stream: str, path: str, *more: str) -> tuple[int, Any, str]:
    r = run_cli(
        "blame",
        h.location,
        stream,
        path,
        "--cipher-key",
        h.cipher_key,
        "--path",
        DOMAINS,
        "--app-class",
        "eidomain.dogs:DogSchool",
        "--json",
        *more,
    )
    return r.code, (r.json() if r.out.strip().startswith("[") else None), r.err


def test_blame_hand_checked(tmp_path: Path) -> None:
    h, stream, events = _store(tmp_path)
    times = {e.originator_version: e.timestamp.isoformat() for e in events}
    code, rows, err = _blame(h, stream, "weight")
    assert code == 0, err
    assert [(r["version"], r["old"], r["new"]) for r in rows] == [
        (1, None, "0"),
        (2, "0", "10"),
        (6, "10", "11.5"),
    ]
    assert rows[1]["topic"] == "eidomain.dogs:Dog.Weighed"
    assert rows[1]["timestamp"] == times[2]
    code, rows, err = _blame(h, stream, "tricks.0.name")
    assert code == 0, err
    assert [(r["version"], r["old"], r["new"]) for r in rows] == [
        (3, None, "sit"),
        (7, "sit", "roll"),
        (8, "roll", None),
    ]
    code, rows, _ = _blame(h, stream, "tricks")
    assert [r["version"] for r in rows] == [1, 3, 5, 7, 8]
    code, rows, _ = _blame(h, stream, "nothing.here")
    assert code == 0 and rows == []
    # generic mode follows the event attribute of the same name
    code, rows, _ = _blame(h, stream, "weight", "--mode", "generic")
    assert [(r["version"], r["new"]) for r in rows] == [(2, "10"), (6, "11.5")]


def test_blame_api_and_bad_path(tmp_path: Path) -> None:
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.core.replay import Replayer
    from inspector.stores.open import open_database

    h, stream, _ = _store(tmp_path)
    with open_database(h.location) as db:
        rp = Replayer(
            db.store(),
            Codec(h.cipher_key),
            "domain",
            load_domain([DOMAINS], "eidomain.dogs:DogSchool", h.cipher_key),
        )
        rows = rp.blame(stream, ["tricks", 0, "difficulty"])
        assert [(r["version"], r["new"]) for r in rows] == [(3, 1), (7, 2), (8, None)]
    r = run_cli("blame", h.location, stream, "", "--cipher-key", h.cipher_key)
    assert r.code == 1 and "PATH" in r.err
