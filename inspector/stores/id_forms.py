"""How a TEXT ``originator_id`` column holds ids: UUIDs (32 lowercase hex, as
``eventsourcing.sqlite`` writes them; or the dashed canonical form) or text ids.

The dashed canonical display (and accepting any UUID form typed) is only for stores that hold
UUIDs. A TEXT column holds UUIDs when the application's configuration says so
(``ORIGINATOR_ID_TYPE`` of ``--app-class``: ``uuid`` or ``text``) or, without it, when *every*
id in the store has the one UUID form. That is decided once per store:

1. two index seeks read the lowest and highest id; a third seeks an id starting with a character
   between '9' and 'a' (upper case, punctuation): any id that is not of the form settles it;
2. otherwise one query looks for any text id not of the form (``LIMIT 1``; a damaged row's NULL
   or non-text id damages only itself). Its answer is kept in the
   user's cache directory with the highest position it covered, so the next open checks only the
   rows appended since (a position-index range): the whole table is read at most once per store.

Nothing is written to the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

HEX = "hex"
DASHED = "dashed"
STRING = "string"

_CACHE_NAME = "id-forms.json"
_CACHE_MAX = 500  # entries kept


def text_form(value: Any) -> str:
    """'hex', 'dashed' or 'string' for one stored id."""
    if type(value) is str and len(value) in (32, 36):
        from inspector.core.ids import parse_uuid

        u = parse_uuid(value)
        if u is not None:
            if value == u.hex:
                return HEX
            if value == str(u):
                return DASHED
    return STRING


def _cache_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("event-inspector", appauthor=False)) / _CACHE_NAME


def _load() -> dict[str, Any]:
    try:
        data = json.loads(_cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(key: str, value: list[Any]) -> None:
    """Atomically record ``key`` (write to a temporary file, then rename)."""
    path = _cache_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        data = _load()
        data.pop(key, None)
        data[key] = value
        while len(data) > _CACHE_MAX:
            data.pop(next(iter(data)))
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".id-forms-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def decide(store: Any) -> str:
    """The id form of ``store``'s TEXT id column: 'hex', 'dashed' or 'string' (see above)."""
    hint = getattr(store, "id_type_hint", None)
    if hint == "text":
        return STRING
    ends = []
    for order in ("", " DESC"):
        rows = store.query(
            f"SELECT originator_id FROM {store.events} WHERE originator_id IS NOT NULL"
            f" ORDER BY originator_id{order} LIMIT 1"
        )
        if rows:
            ends.append(rows[0][0])
    # a damaged row's non-text id (a BLOB or number in SQLite) damages only itself
    forms = {text_form(x) for x in ends if type(x) is str}
    if hint == "uuid":
        return forms.pop() if forms in ({HEX}, {DASHED}) else HEX
    if len(forms) != 1 or forms == {STRING}:
        return STRING  # also an empty store: nothing to rewrite
    form = forms.pop()
    p = store.placeholder
    gap = store.query(  # ':' .. '`' between '9' and 'a': upper case and punctuation
        f"SELECT originator_id FROM {store.events}"
        f" WHERE originator_id >= {p} AND originator_id < {p} LIMIT 1",
        [":", "a"],
    )
    if gap and text_form(gap[0][0]) != form:  # (a collation may order otherwise: verify)
        return STRING
    return form if _every_id_is(store, form) else STRING


def _every_id_is(store: Any, form: str) -> bool:
    """Whether no id in the store is of another form: one LIMIT 1 query, over only the rows
    appended since the last check of this store (cached)."""
    key = store.id_form_cache_key()
    entry = _load().get(key) if key else None
    checked: int | None = None
    if isinstance(entry, list) and len(entry) == 3 and entry[0] == form:
        if entry[2] is False:
            return False
        checked = entry[1] if isinstance(entry[1], int) else None
    head = store.max_position()
    sql = f"SELECT 1 FROM {store.events} WHERE {store.not_id_form_sql(form)}"
    params: list[Any] = []
    if checked is not None:
        if head is not None and head <= checked:
            return True
        sql += f" AND {store.pos} > {store.placeholder}"
        params.append(checked)
    found = bool(store.query(sql + " LIMIT 1", params))
    if key:
        _save(key, [form, head, not found])
    return not found
