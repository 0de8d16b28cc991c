"""Look into a database before opening it: layout and applications (runs in a worker thread).

Plain Python, no Qt: :func:`probe` opens the database read-only with
``inspector.stores.open.open_database``, lists its applications and closes it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from inspector.core.errors import InspectorError
from inspector.stores.open import open_database


@dataclass(frozen=True)
class ProbedApp:
    name: str
    schema: str | None
    head: int | None = None  # max notification id (an index seek, never a count)
    snapshots_note: str | None = None  # the snapshots table is ambiguous: pick one


@dataclass(frozen=True)
class ProbeResult:
    location: str
    layout: str
    apps: list[ProbedApp] = field(default_factory=list)
    encrypted: bool | None = None  # None: no event to look at
    key_fits: bool | None = None  # None: no key given, or nothing encrypted

    def encryption(self) -> str:
        """What the first events say about encryption and the key (for the dialog)."""
        if self.encrypted is None:
            return ""
        if not self.encrypted:
            return "not encrypted"
        if self.key_fits is None:
            return "encrypted: give its key in the Cipher key field"
        return "encrypted, the key fits" if self.key_fits else "encrypted: the key does NOT fit"

    def summary(self) -> str:
        """One line for the dialog: what is there."""
        if not self.apps:
            return f"{self.layout}: no applications found"
        parts = []
        for app in self.apps:
            where = f" in {app.schema}" if app.schema else ""
            count = f", head at {app.head:,}" if app.head is not None else ""
            parts.append(f"{app.name}{where}{count}")
        n = len(self.apps)
        noun = "application" if n == 1 else "applications"
        enc = self.encryption()
        notes = [a.snapshots_note for a in self.apps if a.snapshots_note]
        return f"{self.layout}: {n} {noun} — " + "; ".join(parts) + (
            f" · {enc}" if enc else "") + "".join(
            f"\n{note.replace('--snapshots-table NAME', 'the Snapshots table field')}"
            for note in notes)


SAMPLE = 8  # events decoded to tell whether the store is encrypted and the key fits


def probe(
    location: str,
    schema: str | None = None,
    password: str | None = None,
    cipher_key: str | None = None,
) -> ProbeResult:
    """Open, list, decode the first few events, close. Raises InspectorError with one line when
    the store cannot be read. The sample says whether the events are encrypted (AES-GCM, as
    the library's cipher writes them) and, with ``cipher_key``, whether it decrypts them."""
    if not location.strip():
        raise InspectorError("give a SQLite file or a database URL")
    db = open_database(location, schema or None, password or None)
    try:
        apps = []
        encrypted: bool | None = None
        key_fits: bool | None = None
        for tables in db.apps:
            store = None
            try:
                store = db.store_for(tables)
                head: int | None = store.max_position()
            except Exception:  # noqa: BLE001 - the head is a nicety, never a failure
                head = None
            apps.append(ProbedApp(tables.name, tables.schema, head,
                                  getattr(tables, "snapshots_note", None)))
            if encrypted is None and store is not None and head:
                encrypted, key_fits = _sample_encryption(store, cipher_key)
        return ProbeResult(location, db.layout, apps, encrypted, key_fits)
    finally:
        db.close()


def _sample_encryption(store: object, cipher_key: str | None) -> tuple[bool | None, bool | None]:
    from inspector.core.codec import Codec

    try:
        events = store.log(None, SAMPLE)  # type: ignore[attr-defined]
        codec = Codec(cipher_key).for_store(store)
    except Exception:  # noqa: BLE001 - a probe reports what it can
        return None, None
    if not events:
        return None, None
    decoded = [codec.decode(e.state) for e in events]
    encrypted = any(d.encrypted for d in decoded)
    if not encrypted or not cipher_key:
        return encrypted, None
    return True, all(d.error is None for d in decoded)
