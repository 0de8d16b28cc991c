"""A store wrapper for tests: counts the event rows a replayer fetches from the database."""

from __future__ import annotations

from typing import Any

from inspector.stores.base import SqlStore


class CountingStore:
    """Delegates to a real store; ``rows`` counts the rows of every stream page fetched."""

    def __init__(self, store: Any) -> None:
        self._store = store
        self.rows = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def stream_rows(self, *args: Any, **kw: Any) -> list[tuple[Any, ...]]:
        out = self._store.stream_rows(*args, **kw)
        self.rows += len(out)
        return out

    # the store's own keyset loop, run over this wrapper's counting ``stream_rows``
    iter_stream_rows = SqlStore.iter_stream_rows
