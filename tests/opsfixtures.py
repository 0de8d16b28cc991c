"""Shared helpers of the operations tests (snapshots, projections, catalog, write guard)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

HERE = Path(__file__).parent
DOMAINS = str(HERE / "domains")
OPSDOMAIN = str(HERE / "opsdomain")
for _p in (DOMAINS, OPSDOMAIN):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import scenarios  # noqa: E402  (tests/domains is on sys.path now)

PATH_ARGS = ["--path", DOMAINS, "--path", OPSDOMAIN]
DOGS_APP = "eidomain.dogs:DogSchool"


__all__ = ["scenarios"]


def state_of(agg: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(agg).items() if k != "_pending_events"}


def uid(stream: str) -> UUID:
    return UUID(stream)


def audit_entries() -> list[dict[str, Any]]:
    from inspector.core.writes import audit_path

    p = audit_path()
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]
