"""Write mode: the only way the inspector changes a store. Plans, exact previews, the audit log.

Every write is first described as a :class:`WritePlan` — the action, the store (password
redacted), and each row that will be inserted, updated or deleted with every column value (bytes
as size, SHA-256 and hex). The plan is shown, confirmed (``Proceed? [y/N]``, or ``--yes``), carried
out in one transaction by the caller, and then appended to the audit log, a JSON-lines file in
the user data directory (``platformdirs.user_data_dir("event-inspector")/audit.jsonl``): time
(UTC), OS user, store, application, action, rows and the outcome.

Without write mode a plan can be built and shown, never executed: :func:`require_write_mode`
raises :class:`~inspector.core.errors.WriteRefusedError`.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from inspector.core.errors import WriteRefusedError
from inspector.core.normalise import normalise

APP_DIR_NAME = "event-inspector"
HEX_SHOWN = 96  # bytes of hex in the text preview (the JSON preview holds all of it)
_AUDIT_LOCK = threading.Lock()


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False))


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False))


def audit_path() -> Path:
    return data_dir() / "audit.jsonl"


def describe_bytes(blob: bytes) -> dict[str, Any]:
    return {"size": len(blob), "sha256": hashlib.sha256(blob).hexdigest(), "hex": blob.hex()}


def _cell(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return describe_bytes(bytes(value))
    return normalise(value)


@dataclass
class RowChange:
    """One row a plan inserts, updates or deletes, with every column value."""

    op: str  # insert | update | delete
    table: str
    values: dict[str, Any]
    count: int = 1  # for bulk deletes described by a condition (e.g. clearing a view table)
    where: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "op": self.op,
            "table": self.table,
            "values": {k: _cell(v) for k, v in self.values.items()},
        }
        if self.where is not None:
            out["where"] = self.where
            out["rows"] = self.count
        return out

    def render(self) -> list[str]:
        if self.where is not None:
            return [f"  {self.op.upper()} {self.count:,} row(s) FROM {self.table}"
                    f" WHERE {self.where}"]
        lines = [f"  {self.op.upper()} {self.table}:"]
        for k, v in self.values.items():
            if isinstance(v, (bytes, bytearray, memoryview)):
                b = bytes(v)
                shown = b[:HEX_SHOWN].hex()
                more = f"… (+{len(b) - HEX_SHOWN} bytes)" if len(b) > HEX_SHOWN else ""
                lines.append(f"      {k} = {len(b)} bytes, sha256 {hashlib.sha256(b).hexdigest()}")
                lines.append(f"      {' ' * len(k)}   hex {shown}{more}")
            else:
                lines.append(f"      {k} = {normalise(v)!r}")
        return lines


@dataclass
class WritePlan:
    """What a write will do, exactly, before it is done."""

    action: str
    store: str  # location with the password redacted
    app: str | None
    changes: list[RowChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(c.count for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "store": self.store,
            "app": self.app,
            "changes": [c.to_json() for c in self.changes],
            "rows": self.row_count,
            "notes": list(self.notes),
            **({"details": normalise(self.details)} if self.details else {}),
        }

    def render(self) -> str:
        lines = [f"{self.action} on {self.store}" + (f" [{self.app}]" if self.app else "")]
        if not self.changes:
            lines.append("  (no rows change)")
        for c in self.changes:
            lines.extend(c.render())
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)


def require_write_mode(enabled: bool, what: str) -> None:
    if not enabled:
        raise WriteRefusedError(
            f"{what}: refusing to write without write mode (add --write); nothing was written"
        )


def confirm(
    plan: WritePlan, *, yes: bool, stdin: TextIO, stdout: TextIO
) -> bool:
    """Ask ``Proceed? [y/N]`` (unless ``yes``); True only on an explicit yes."""
    if yes:
        return True
    stdout.write("Proceed? [y/N] ")
    stdout.flush()
    answer = stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def append_audit(
    plan: WritePlan,
    outcome: str,
    *,
    extra: dict[str, Any] | None = None,
    path: Path | None = None,
) -> Path:
    """Append one JSON line to the audit log; returns its path."""
    target = path or audit_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in this environment
        user = str(os.getuid()) if hasattr(os, "getuid") else "?"
    from inspector.core.redact import redact

    entry = {
        "time": dt.datetime.now(dt.UTC).isoformat(),
        "user": user,
        "store": redact(plan.store),
        "app": plan.app,
        "action": plan.action,
        "outcome": redact(outcome),
        "rows": [c.to_json() for c in plan.changes],
        "row_count": plan.row_count,
    }
    if extra:
        entry.update(normalise(extra))
    line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    with _AUDIT_LOCK, open(target, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    return target


def read_audit(path: Path | None = None, limit: int = 1000) -> list[dict[str, Any]]:
    """The newest ``limit`` audit entries (oldest first)."""
    target = path or audit_path()
    if not target.exists():
        return []
    with open(target, encoding="utf-8") as f:
        lines = f.readlines()[-limit:]
    out = []
    for ln in lines:
        try:
            out.append(json.loads(ln))
        except json.JSONDecodeError:
            continue
    return out


def run_plan(
    plan: WritePlan,
    execute: Callable[[], Any],
    *,
    write_enabled: bool,
    audit: bool = True,
) -> Any:
    """Execute a confirmed plan (``execute`` runs its one transaction) and audit the outcome."""
    require_write_mode(write_enabled, plan.action)
    try:
        result = execute()
    except BaseException as exc:
        if audit:
            append_audit(plan, f"failed: {exc}".splitlines()[0][:500])
        raise
    if audit:
        append_audit(plan, "done")
    return result
