"""Stream ids: canonical display form and the forms a user may type.

In a store that holds UUIDs (a ``uuid`` or 16-byte column, or a TEXT column that holds UUIDs:
see :mod:`inspector.stores.id_forms`), ids are shown with dashes (``str(uuid)``) and accepted with
or without dashes, in any case, or wrapped in braces/``urn:uuid:``. In a store of text ids every
id is shown, accepted and round-tripped exactly as stored (case, dashes and all): an exact stored
match wins, and a UUID typed in another form is looked up in its forms.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

_HEX32 = re.compile(r"^[0-9a-fA-F]{32}$")
_HEXISH = re.compile(r"^[0-9a-fA-F-]+$")


def parse_uuid(text: str) -> uuid.UUID | None:
    """Return the UUID that ``text`` names, or None if it is not a UUID in a common form."""
    t = text.strip()
    if t.startswith("urn:uuid:"):
        t = t[9:]
    if t.startswith("{") and t.endswith("}"):
        t = t[1:-1]
    t = t.replace("-", "")
    if not _HEX32.match(t):
        return None
    return uuid.UUID(hex=t)


def canonical_id(raw: Any) -> str:
    """The display form of an id from a column that holds UUIDs (32-hex text -> dashed).

    Text ids are not passed through here: ``SqlStore.display_id`` shows them as stored."""
    if isinstance(raw, uuid.UUID):
        return str(raw)
    if isinstance(raw, (bytes, bytearray, memoryview)):
        b = bytes(raw)
        if len(b) == 16:
            return str(uuid.UUID(bytes=b))
        return b.hex()
    s = str(raw)
    if len(s) == 32 and _HEX32.match(s):
        return str(uuid.UUID(hex=s))
    return s


def hex_prefix(prefix: str) -> str | None:
    """The lowercase hex digits of a UUID prefix as a user typed it, or None if not hex-like."""
    p = prefix.strip()
    if not p or not _HEXISH.match(p):
        return None
    digits = p.replace("-", "").lower()
    if len(digits) > 32:
        return None
    return digits


def hex_range(prefix_hex: str) -> tuple[str, str]:
    """Lowest and highest 32-hex ids that start with ``prefix_hex``."""
    return prefix_hex.ljust(32, "0"), prefix_hex.ljust(32, "f")


def string_prefix_upper(prefix: str) -> str:
    """An exclusive upper bound for strings starting with ``prefix`` (binary collation)."""
    return prefix + "\U0010ffff"


def app_id_type(app_class: str | None, paths: list[str] | None = None) -> str | None:
    """'uuid' or 'text': the ``ORIGINATOR_ID_TYPE`` the application named by ``--app-class``
    uses (its environment, then its class ``env``, as the library reads it), or None.

    Imports only the module the user named; a class that cannot be imported gives None (domain
    loading reports that error)."""
    if not app_class:
        return None
    import os

    from inspector.core.domain import add_paths, import_app_class
    from inspector.core.errors import InspectorError

    add_paths(list(paths or []))
    try:
        cls = import_app_class(app_class)
    except InspectorError:
        return None
    name = str(getattr(cls, "name", cls.__name__)).upper()
    env = dict(getattr(cls, "env", None) or {})
    for key in (f"{name}_ORIGINATOR_ID_TYPE", "ORIGINATOR_ID_TYPE"):
        value = os.environ.get(key) or env.get(key)
        if value:
            value = str(value).lower()
            return value if value in ("uuid", "text") else None
    return "uuid"  # the library's default
