"""The reviewed knowledge files: well-formed, sourced and reviewed, the domain covered, no
repeated questions, enough for every group, and direct examples without tool calls."""

from __future__ import annotations

from collections import Counter

from punie_datagen.build import _example
from punie_datagen.generators import direct, plan_for
from punie_datagen.knowledge import load_knowledge
from punie_datagen.merge import dedup


def test_entries_are_well_formed_sourced_and_reviewed() -> None:
    entries = load_knowledge()
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.group in {"ruff_check", "pytest_run", "typecheck", "base"}, entry.id
        assert len(entry.questions) == 3 and len(set(entry.questions)) == 3, entry.id
        assert 60 <= len(entry.answer) <= 1200, entry.id
        assert len(entry.source) >= 10 and entry.reviewed.startswith("20"), entry.id
    questions = [q for e in entries for q in e.questions]
    assert len(set(questions)) == len(questions)


def test_the_domain_and_the_tool_comparisons_are_covered() -> None:
    text = " ".join(e.answer for e in load_knowledge())
    ids = {e.id for e in load_knowledge()}
    for library in ("tdom", "svcs", "svcs-di", "tdom-svcs"):
        assert library in text
    assert {
        "ruff-and-pylint",
        "ruff-prefixes",
        "pytest-vs-unittest",
        "pytest-flags",
        "pytest-fixtures",
    } <= ids
    assert {
        "tdom-what",
        "tdom-components",
        "svcs-what",
        "svcs-di-what",
        "tdom-svcs-what",
        "stack-layers",
    } <= ids


def _examples():
    return [_example(spec, [], []) for spec in direct.generate(plan_for(0))]


def test_every_tool_group_gets_at_least_ten_direct_answers_after_dedup() -> None:
    kept, _ = dedup(_examples())
    per_group = Counter(e.meta.group for e in kept)
    for group in ("ruff_check", "pytest_run", "typecheck"):
        assert per_group[group] >= 10, per_group
    assert per_group["base"] >= 100, per_group


def test_direct_examples_have_no_tool_call_and_one_entry_stays_in_one_split() -> None:
    examples = _examples()
    ex = examples[0]
    assert [m["role"] for m in ex.messages] == ["system", "user", "assistant"]
    assert not ex.messages[-1].get("tool_calls")
    splits: dict[str, set[str]] = {}
    for e in examples:
        extra = e.meta.model_extra or {}
        splits.setdefault(extra["knowledge"], set()).add(extra["split"])
    assert all(len(s) == 1 for s in splits.values())
    assert {"train", "valid", "test"} == set().union(*splits.values())
