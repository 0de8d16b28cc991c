"""Decode-path benchmark: µs per event of domain-mode replay for each kind of application codec,
against the library's own ``Repository.get`` on the same store, measured in the same run.

Run: ``.venv/bin/python tests/bench/bench_codecs.py [--events N]``.

Paths (tests/h1domains/codecs_h1.py): the stock ``JSONTranscoder`` (the inspector's fast path:
orjson plus the library's envelope rule), a ``Transcoder`` with only encode/decode (orjson), a
non-JSON transcoder (msgpack), a stock transcoder with a custom transcoding, a compressor the
codec cannot sniff (raw deflate), and a custom mapper (pydantic + orjson). One stream of N
events each, written by the library into a temporary SQLite file. Figures are medians of 3 on
a shared machine: noisy.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "h1domains"))

import codecs_h1 as C  # noqa: E402
from eventsourcing.application import Application  # noqa: E402
from storefactory import store_env  # noqa: E402

from inspector.core.codec import Codec  # noqa: E402
from inspector.core.domain import load_domain  # noqa: E402
from inspector.core.replay import Replayer  # noqa: E402
from inspector.stores.open import open_database  # noqa: E402


class StockNotes(Application):
    pass


def _write(app: Any, kind: str, n: int) -> str:
    if kind == "dogs":
        dog = C.Dog("Fido")
        for i in range(n - 1):
            dog.rename(f"name {i}")
            if len(dog.pending_events) >= 1000:
                app.save(dog)
        app.save(dog)
        return str(dog.id)
    if kind == "till":
        till = C.Till(C.Money(C.Decimal("1.00"), "EUR"))
        for i in range(n - 1):
            till.count(C.Money(C.Decimal(f"{i % 100}.25"), "EUR"))
            if len(till.pending_events) >= 1000:
                app.save(till)
        app.save(till)
        return str(till.id)
    note = C.Note("start")
    for i in range(n - 1):
        note.edit(f"edit {i}")
        if len(note.pending_events) >= 1000:
            app.save(note)
    app.save(note)
    return str(note.id)


def _median(fn: Any, runs: int = 3) -> float:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=20_000)
    n = ap.parse_args().events
    cases = [
        ("stock JSONTranscoder (fast path)", None, StockNotes, "notes"),
        ("orjson Transcoder (encode/decode)", "codecs_h1:OrjsonNotes", C.OrjsonNotes, "notes"),
        ("msgpack Transcoder (not JSON)", "codecs_h1:MsgpackNotes", C.MsgpackNotes, "notes"),
        ("stock + custom transcoding", "codecs_h1:MoneyShop", C.MoneyShop, "till"),
        ("raw-deflate Compressor", "codecs_h1:RawDeflateNotes", C.RawDeflateNotes, "notes"),
        ("pydantic Mapper + orjson", "codecs_h1:PydanticShelf", C.PydanticShelf, "dogs"),
    ]
    tmp = Path(tempfile.mkdtemp(prefix="ei-bench-codecs-"))
    print(f"{n:,} events per stream; medians of 3 (shared machine: noisy)\n")
    print(f"{'path':36} {'inspector µs/ev':>16} {'library µs/ev':>14} {'speed-up':>9}")
    for label, spec, cls, kind in cases:
        h = store_env("sqlite", tmp_path=tmp, filename=f"{cls.__name__}.db")
        with h.open_app(cls, IS_SNAPSHOTTING_ENABLED="no") as app:
            stream = _write(app, kind, n)
            lib = _median(lambda app=app, s=stream: app.repository.get(UUID(s)))
        domain = load_domain([str(TESTS / "h1domains")], spec, None)
        with open_database(h.location) as db:
            store = db.store()

            def replay(store: Any = store, domain: Any = domain, s: str = stream) -> None:
                res = Replayer(store, Codec(None), "domain", domain).state(s)
                assert res.error is None, res.error

            ins = _median(replay)
        print(f"{label:36} {ins / n * 1e6:16.2f} {lib / n * 1e6:14.2f} {lib / ins:8.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
