"""Schema history of each event type, kept by the catalog (DESIGN.md ``types`` contract).

Per event the catalog records its *shape*: the stored attribute names in stored order, the JSON
type of each (``string``, ``integer``, ``number``, ``boolean``, ``null``, ``array``, ``object``, or
the name of a transcoding envelope such as ``datetime_iso``), and its stored ``class_version``
(1 when absent). Shapes are aggregated per event topic in the catalog table ``shapes``
(count, first and last position and time), so the catalog stores one row per distinct shape,
not per event. From these rows :func:`type_history` derives, per topic: the fields with their
types, the share of events carrying each and where each was first and last seen; the
``class_version``s; and the *changes*: each point where a shape with a different set of fields
first appeared (added/removed fields relative to the shape before it).

With the user's code (domain mode) :func:`code_mismatches` compares the newest stored shape of
each topic with the fields of the event class the topic resolves to (its dataclass fields minus
``originator_id``/``originator_version``), when the stored ``class_version`` is the class's own.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS shapes (topic TEXT, fields TEXT, types TEXT, class_version "
    "INTEGER, events INTEGER NOT NULL, first_position INTEGER, first_time TEXT, "
    "last_position INTEGER, last_time TEXT, PRIMARY KEY (topic, fields, types, class_version)) "
    "WITHOUT ROWID",
)
TABLES = ("shapes",)

_UPSERT = (
    "INSERT INTO shapes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT "
    "(topic, fields, types, class_version) DO UPDATE SET events = shapes.events + excluded.events, "
    "first_position = min(shapes.first_position, excluded.first_position), "
    "first_time = CASE WHEN excluded.first_position < shapes.first_position "
    "THEN excluded.first_time ELSE shapes.first_time END, "
    "last_position = max(shapes.last_position, excluded.last_position), "
    "last_time = CASE WHEN excluded.last_position > shapes.last_position "
    "THEN excluded.last_time ELSE shapes.last_time END"
)

_SCALAR = {str: "string", int: "integer", float: "number", bool: "boolean",
           type(None): "null", list: "array"}


def json_type(v: Any) -> str:
    t = _SCALAR.get(type(v))
    if t is not None:
        return t
    if type(v) is dict:
        if len(v) == 2 and "_type_" in v and "_data_" in v and type(v["_type_"]) is str:
            return v["_type_"]
        return "object"
    return type(v).__name__


class ShapeBatch:
    """Shapes of one batch of events (in position order), written with the batch.

    The catalog's loop updates ``shapes`` itself (the hot path): the key is
    ``(topic, names, Python value types, class_version)``; a new key is added with :meth:`new`,
    which names the JSON types from that first event (a transcoding envelope by its name).
    """

    def __init__(self) -> None:
        # key -> [events, first pos, first ts, last pos, last ts, JSON type names]
        self.shapes: dict[tuple[Any, ...], list[Any]] = {}

    def new(self, key: tuple[Any, ...], data: dict[str, Any], position: int,
            ts: str | None) -> None:
        types = tuple([json_type(v) for v in data.values()])
        self.shapes[key] = [1, position, ts, position, ts, types]

    def add(self, topic: str, data: dict[str, Any], position: int, ts: str | None) -> None:
        key = (topic, tuple(data), tuple(map(type, data.values())),
               data.get("class_version", 1))
        s = self.shapes.get(key)
        if s is None:
            self.new(key, data, position, ts)
        else:
            s[0] += 1
            s[3] = position
            s[4] = ts

    def write(self, conn: Any) -> None:
        if not self.shapes:
            return
        dumps = json.dumps
        merged: dict[tuple[Any, ...], list[Any]] = {}
        for (topic, names, _pytypes, cv), s in self.shapes.items():
            types = s[5]
            keep = [i for i, n in enumerate(names) if n != "class_version"]
            key = (topic, dumps([names[i] for i in keep]), dumps([types[i] for i in keep]),
                   cv if isinstance(cv, int) else None)
            m = merged.get(key)
            if m is None:
                merged[key] = s[:5]
            else:
                m[0] += s[0]
                if s[1] < m[1]:
                    m[1], m[2] = s[1], s[2]
                if s[3] > m[3]:
                    m[3], m[4] = s[3], s[4]
        conn.executemany(_UPSERT, [(*k, *v) for k, v in merged.items()])


def type_history(conn: Any, topic: str | None = None) -> list[dict[str, Any]]:
    """The ``types`` contract from the catalog's shapes (one item per event topic)."""
    sql = ("SELECT topic, fields, types, class_version, events, first_position, first_time, "
           "last_position, last_time FROM shapes")
    params: list[Any] = []
    if topic is not None:
        sql += " WHERE topic = ?"
        params.append(topic)
    sql += " ORDER BY topic, first_position"
    by_topic: dict[str, list[tuple[Any, ...]]] = {}
    for r in conn.execute(sql, params):
        by_topic.setdefault(r[0], []).append(r)
    out = []
    for t, rows in by_topic.items():
        total = sum(r[4] for r in rows)
        fields: dict[str, dict[str, Any]] = {}
        for _, fjson, tjson, _cv, n, fp, ft, lp, lt in rows:
            for name, typ in zip(json.loads(fjson), json.loads(tjson), strict=False):
                f = fields.get(name)
                if f is None:
                    f = fields[name] = {"name": name, "types": [], "events": 0,
                                        "first": {"position": fp, "timestamp": ft},
                                        "last": {"position": lp, "timestamp": lt}}
                if typ not in f["types"]:
                    f["types"].append(typ)
                f["events"] += n
                if fp is not None and fp < (f["first"]["position"] or fp + 1):
                    f["first"] = {"position": fp, "timestamp": ft}
                if lp is not None and lp > (f["last"]["position"] or -1):
                    f["last"] = {"position": lp, "timestamp": lt}
        for f in fields.values():
            f["share"] = round(f["events"] / total, 6) if total else 0.0
            f["types"].sort()
        first_row = min(rows, key=lambda r: r[5])
        last_row = max(rows, key=lambda r: r[7])
        changes = []
        prev: set[str] | None = None
        prev_list: list[str] = []
        seen: set[tuple[str, ...]] = set()
        for r in rows:  # by first appearance
            names = json.loads(r[1])
            key = tuple(sorted(names))
            if key in seen:
                continue
            seen.add(key)
            cur = set(names)
            if prev is not None:
                changes.append({
                    "position": r[5], "timestamp": r[6],
                    "added": [n for n in names if n not in prev],
                    "removed": [n for n in prev_list if n not in cur],
                    "class_version": r[3],
                })
            prev, prev_list = cur, names
        out.append({
            "topic": t,
            "events": total,
            "first": {"position": first_row[5], "timestamp": first_row[6]},
            "last": {"position": last_row[7], "timestamp": last_row[8]},
            "class_versions": sorted({r[3] for r in rows if r[3] is not None}),
            "fields": sorted(fields.values(), key=lambda f: (f["first"]["position"] or 0,
                                                              f["name"])),
            "changes": changes,
            "shapes": len(rows),
            "latest_fields": json.loads(last_row[1]),
        })
    return out


def code_fields(cls: Any) -> list[str] | None:
    """The attributes the library's mapper stores for an event class (None if unknown)."""
    import dataclasses

    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
    else:
        names = []
        for klass in reversed(cls.__mro__):
            names += [n for n in getattr(klass, "__annotations__", {}) if n not in names]
        if not names:
            return None
    return [n for n in names if n not in ("originator_id", "originator_version")]


def code_mismatches(history: list[dict[str, Any]], domain: Any) -> None:
    """Add ``code`` to each item: the event class's fields and any mismatch with the newest
    stored shape (``missing_in_store``: fields the class has that the events lack;
    ``not_in_code``: stored fields the class does not declare). ``matches`` is None when the
    stored ``class_version`` differs from the class's (its upcasters convert on read)."""
    for item in history:
        topic = item["topic"]
        try:
            cls = domain.resolve(topic)
        except Exception as exc:  # noqa: BLE001 - InspectorError with the reason
            item["code"] = {"resolves": False, "error": str(exc), "matches": False}
            continue
        names = code_fields(cls) if isinstance(cls, type) else None
        stored = item["latest_fields"]
        cv = getattr(cls, "class_version", 1)
        last_cv = item["class_versions"][-1] if item["class_versions"] else 1
        info: dict[str, Any] = {"resolves": True, "class_version": cv, "fields": names}
        if names is None:
            info["matches"] = None
        elif last_cv != cv:
            info["matches"] = None
            info["note"] = (f"stored class_version {last_cv}, code {cv}: upcasters convert "
                            f"on read")
        else:
            missing = [n for n in names if n not in stored]
            extra = [n for n in stored if n not in names]
            info.update(matches=not missing and not extra, missing_in_store=missing,
                        not_in_code=extra)
        item["code"] = info
