"""The one-line change summary beside each event, built from the core's real diff."""

from inspector.core.change_summary import summarize_changes
from inspector.core.diff import diff_values


def test_scalar_change_and_list_append():
    old = {"balance": 10, "lines": [{"a": 1}], "owner": "x"}
    new = {"balance": 15, "lines": [{"a": 1}, {"a": 2}], "owner": "x"}
    assert summarize_changes(diff_values(old, new)) == "balance 10→15, lines +1"


def test_added_removed_fields_and_nested_changes():
    old = {"gone": 1, "meta": {"a": 1, "b": 2}, "tags": ["x", "y"]}
    new = {"meta": {"a": 3, "c": 4}, "tags": ["x"], "born": True}
    text = summarize_changes(diff_values(old, new), limit=10)
    assert text == "−gone, meta ~1 −1 +1, tags −1, +born".replace("~1 −1 +1", "+1 −1 ~1")


def test_no_change_long_values_and_limit():
    assert summarize_changes(diff_values({"a": 1}, {"a": 1})) == "(no change)"
    s = summarize_changes(diff_values({"n": "a" * 40}, {"n": "b"}))
    assert s.startswith("n 'aaaa") and "…→'b'" in s and len(s) < 40
    many = diff_values({}, {f"k{i}": i for i in range(6)})
    assert summarize_changes(many, limit=2) == "+k0, +k1, …(+4)"
    assert summarize_changes(diff_values(None, 5)) == "(state) null→5"


def test_library_bookkeeping_fields_only_when_nothing_else_changed():
    old = {"_version": 1, "_modified_on": "t1", "balance": 1}
    assert summarize_changes(diff_values(old, {**old, "_version": 2, "balance": 2})) == (
        "balance 1→2"
    )
    assert summarize_changes(diff_values(old, {**old, "_version": 2})) == "_version 1→2"
