"""The reviewed knowledge file: well-formed, no repeated questions, enough for every group."""

from __future__ import annotations

from collections import Counter

from punie_datagen.generators import direct
from punie_datagen.knowledge import load_knowledge
from punie_datagen.merge import dedup


def test_entries_are_well_formed() -> None:
    entries = load_knowledge()
    assert len({e.id for e in entries}) == len(entries)
    for entry in entries:
        assert entry.group in {"ruff_check", "pytest_run", "typecheck", "base"}, entry.id
        assert len(entry.questions) == 3 and len(set(entry.questions)) == 3, entry.id
        assert 60 <= len(entry.answer) <= 1200, entry.id


def test_every_tool_group_gets_at_least_ten_direct_answers_after_dedup() -> None:
    from punie_datagen.build import _example

    examples = [_example(spec, []) for spec in direct.generate(0)]
    kept, _ = dedup(examples)
    per_group = Counter(e.meta.group for e in kept)
    for group in ("ruff_check", "pytest_run", "typecheck"):
        assert per_group[group] >= 10, per_group
    assert per_group["base"] >= 100, per_group


def test_direct_examples_have_no_tool_call() -> None:
    from punie_datagen.build import _example

    spec = direct.generate(0)[0]
    ex = _example(spec, [])
    assert [m["role"] for m in ex.messages] == ["system", "user", "assistant"]
    assert "tool_calls" not in ex.messages[-1] or not ex.messages[-1]["tool_calls"]
