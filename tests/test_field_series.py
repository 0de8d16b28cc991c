"""A numeric field over versions, checked against the library's Repository.get at every version."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from storefactory import store_env

from inspector.core.field_series import field_series, numeric, sample_evenly

DOMAINS = str(Path(__file__).parent / "domains")
sys.path.insert(0, DOMAINS)

BIG = 2**70 + 1  # not exact as a float


def _store(tmp_path: Path) -> tuple[Any, str, int]:
    from eidomain.dogs import Dog, DogSchool, Trick

    h = store_env("sqlite", tmp_path=tmp_path)
    with h.open_app(DogSchool) as app:  # snapshots every 7 versions
        d = Dog("fido")
        for i in range(40):
            if i % 5 == 4:
                d.tag(f"t{i}")  # no weight change
            else:
                d.weigh(Decimal(i * 3 % 17) + Decimal("0.25"))
        d.add_trick(Trick("sit", BIG))
        d.weigh(Decimal("12345678901234567890.5"))
        app.save(d)
        last = d.version
    return h, str(d.id), last


def _replayer(h: Any, db: Any) -> Any:
    from inspector.core.codec import Codec
    from inspector.core.domain import load_domain
    from inspector.core.replay import Replayer

    return Replayer(db.store(), Codec(h.cipher_key), "auto",
                    load_domain([DOMAINS], "eidomain.dogs:DogSchool", h.cipher_key))


def _step_value(points: list[dict[str, Any]], v: int) -> Any:
    value = None
    for p in points:
        if p["version"] <= v:
            value = p["value"]
    return value


def test_series_matches_repository_get_at_every_version(tmp_path: Path) -> None:
    import uuid

    from eidomain.dogs import DogSchool

    from inspector.stores.open import open_database

    h, stream, last = _store(tmp_path)
    with open_database(h.location) as db:
        rp = _replayer(h, db)
        seen: list[tuple[int, int]] = []
        s = field_series(rp, stream, ["weight"], progress=lambda d, t: seen.append((d, t)))
        tricks = field_series(rp, stream, ["tricks", 0, "difficulty"])
        names = field_series(rp, stream, ["name"])
    assert s["cut"] is None and s["error"] is None and s["non_numeric"] == 0
    assert seen, "progress was reported"
    versions = [p["version"] for p in s["points"]]
    assert versions == sorted(versions) and versions[0] == 1
    assert all(p["timestamp"] for p in s["points"])
    with h.open_app(DogSchool) as app:
        for v in range(1, last + 1):
            agg = app.repository.get(uuid.UUID(stream), version=v)
            assert _step_value(s["points"], v) == str(agg.weight), v
    # each point is a real change; the last one is exact decimal text
    vals = [p["value"] for p in s["points"]]
    assert all(a != b for a, b in zip(vals, vals[1:], strict=False))
    assert vals[-1] == "12345678901234567890.5"
    # big ints stay exact; a text field has no numeric points
    assert [p["value"] for p in tricks["points"]] == [BIG]
    assert type(tricks["points"][0]["value"]) is int
    assert names["points"] == [] and names["non_numeric"] == 1


def test_series_is_bounded_and_sampled_evenly(tmp_path: Path) -> None:
    from inspector.stores.open import open_database

    h, stream, _ = _store(tmp_path)
    with open_database(h.location) as db:
        rp = _replayer(h, db)
        full = field_series(rp, stream, ["weight"])
        few = field_series(rp, stream, ["weight"], max_points=5)
    n = len(full["points"])
    assert n > 5
    assert len(few["points"]) == 5
    assert few["cut"]["size"] == n and few["cut"]["_inspector_"] == "truncated"
    assert few["points"][0] == full["points"][0] and few["points"][-1] == full["points"][-1]


def test_numeric_and_sampling_helpers() -> None:
    assert numeric(True) is None and numeric("abc") is None and numeric([1]) is None
    assert numeric(BIG) == BIG and numeric("1.5") == 1.5 and numeric("NaN") is None
    assert sample_evenly(list(range(10)), 3) == [0, 4, 9]
    assert sample_evenly([1, 2], 5) == [1, 2]
