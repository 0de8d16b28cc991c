"""JUnit XML of a ``check`` report, for CI systems (one test case per failure group)."""

from __future__ import annotations

from typing import Any


def junit_xml(rep: dict[str, Any]) -> bytes:
    """JUnit XML for CI: one test case per failure group (or one passing case when healthy)."""
    import xml.etree.ElementTree as ET

    groups = rep.get("groups", [])
    suite = ET.Element("testsuite", {
        "name": "event-inspector check",
        "tests": str(max(1, len(groups))),
        "failures": str(len(groups)),
        "errors": "0",
        "time": str(rep.get("seconds", 0)),
    })
    props = ET.SubElement(suite, "properties")
    for k in ("streams", "events", "snapshots"):
        ET.SubElement(props, "property", {"name": k, "value": str(rep.get(k))})
    if not groups:
        ET.SubElement(suite, "testcase", {
            "classname": "store", "name": f"replay of {rep.get('streams')} streams"})
    for g in groups:
        case = ET.SubElement(suite, "testcase", {
            "classname": f"check.{g['kind']}", "name": f"{g['topic'] or '-'}: {g['error']}"[:300]})
        lines = [f"{g['count']} failure(s): {g['error']}"]
        for e in g["examples"]:
            lines.append(f"  stream {e['stream']} version {e['version']} position {e['position']}")
        fail = ET.SubElement(case, "failure", {"message": g["error"][:500], "type": g["kind"]})
        fail.text = "\n".join(lines)
    for s in rep.get("suggestions", []):
        ET.SubElement(suite, "system-out").text = f"suggestion for {s['topic']}: {s['suggest']}"
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)
