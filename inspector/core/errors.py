"""Errors the inspector reports to a person (one clear line, never a traceback)."""

from __future__ import annotations


class InspectorError(Exception):
    """A user-facing error: bad input, unreachable store, unknown stream, ..."""


class StoreOpenError(InspectorError):
    """The store could not be opened or is not an event store."""


class AmbiguousApplicationError(InspectorError):
    """A database holds several applications and none was chosen."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "this database holds several applications: "
            + ", ".join(names)
            + " (choose one with --app NAME)"
        )


class StreamNotFoundError(InspectorError):
    """No events for the given stream id."""


class WriteRefusedError(InspectorError):
    """A write was attempted without write mode."""
