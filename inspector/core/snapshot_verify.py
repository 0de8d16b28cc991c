"""Stored snapshots checked against the state replayed from events alone (``snapshots --verify``).

For each stored snapshot of a stream: the state it holds (in domain mode the aggregate the
library would restore from it — ``Snapshot.mutate``, or the stream's projector function applied
to it, see :mod:`inspector.core.projector`), and the state at its version replayed from the
events without any snapshot; both normalised (:mod:`inspector.core.state_fields`,
:mod:`inspector.core.normalise`) and compared with :func:`inspector.core.diff.diff_values`.
Domain mode compares the whole state; generic mode (approximate) only the attributes present on
both sides. A snapshot that cannot be read, or whose version lies at or after a replay failure,
is reported as such, never as clean.
"""

from __future__ import annotations

from typing import Any

from inspector.core.codec import Codec
from inspector.core.diff import diff_values
from inspector.core.replay_types import StepFailed

GENERIC = "generic"  # inspector.core.replay.GENERIC (not imported: replay imports this module)


def snapshot_row(s: Any, codec: Codec) -> dict[str, Any]:
    """``{"version", "timestamp", "topic", "state_topic", "size", "ok", "differences",
    "error"}`` of one stored snapshot (``ok``/``differences`` None until verified)."""
    d = codec.decode(s.state)
    ts = d.data.get("timestamp") if isinstance(d.data, dict) else None
    return {
        "version": s.version,
        "timestamp": ts if isinstance(ts, str) else None,
        "topic": s.topic,
        "state_topic": d.data.get("topic") if isinstance(d.data, dict) else None,
        "size": len(s.state),
        "ok": None,
        "differences": None,
        "error": d.error,
    }


def verify_snapshots(rp: Any, stream: str) -> list[dict[str, Any]]:
    """Each stored snapshot of ``stream`` against the state the Replayer ``rp`` replays from
    events alone: :func:`snapshot_row` plus ``ok``, ``differences`` (paths), ``changes``
    (``{"path", "op", "replayed", "snapshot"}``), ``mode`` and ``approximate``.

    Domain mode compares the whole state. Generic mode (approximate) compares only the
    attributes present in both the snapshot and the generic fold.
    """
    with rp._lock:
        mode, _ = rp._mode_and_reason(stream)
        rp.store.require_stream(stream)
        snaps = rp.store.snapshots(stream)
        ch = rp._chain(stream, mode, use_snapshots=False)
        out: list[dict[str, Any]] = []
        for s in snaps:
            row = snapshot_row(s, rp.codec)
            try:
                snap_state = rp._normalised(rp._snapshot_state(ch, s))
            except StepFailed as f:
                row.update(ok=False, differences=[], error=f.failure.message)
                out.append(row)
                continue
            except Exception as exc:  # noqa: BLE001 - user code in Snapshot.mutate
                row.update(ok=False, differences=[], error=f"{type(exc).__name__}: {exc}")
                out.append(row)
                continue
            rp._extend(ch, s.version, None, None)
            if (
                ch.failure is not None
                and ch.failure.version is not None
                and s.version >= ch.failure.version
            ):
                row.update(ok=None, differences=None, error=str(ch.failure))
                out.append(row)
                continue
            replayed = rp._normalised(rp._state_object(ch, s.version))
            changes = diff_values(replayed, snap_state)
            if mode == GENERIC:
                # The generic fold names attributes after the events, the snapshot after
                # the aggregate: only attributes present on both sides are compared.
                changes = [c for c in changes if c["op"] == "change"]
            row.update(
                ok=not changes,
                differences=[c["path"] for c in changes],
                changes=[
                    {
                        "path": c["path"],
                        "op": c["op"],
                        "replayed": c["old"],
                        "snapshot": c["new"],
                    }
                    for c in changes
                ],
                mode=mode,
                approximate=mode == GENERIC,
                error=None,
            )
            out.append(row)
        return out
