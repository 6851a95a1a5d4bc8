"""Properties of dedup and the split: mined examples (near-duplicate dedup, stratified split)
and generated ones (exact repeats only, the split the plan chose)."""

from __future__ import annotations

from collections import Counter
from itertools import product

from hypothesis import given, settings
from hypothesis import strategies as st

from punie_datagen.merge import NEAR_THRESHOLD, dedup, jaccard, normalize, shingles, split
from punie_tools import wire

WORDS = [
    "check",
    "lint",
    "fix",
    "the",
    "tests",
    "module",
    "inventory",
    "run",
    "types",
    "file",
    "why",
    "does",
    "fail",
]


def example(
    request: str, group: str = "mined", category: str = "simple", **meta: object
) -> wire.Example:
    messages = [{"role": "user", "content": request}, wire.assistant_text_message("ok")]
    data = {"group": group, "category": category, "source": "test", "request": request, **meta}
    return wire.Example(
        messages=messages, tools=wire.TOOLS, meta=wire.ExampleMeta.model_validate(data)
    )


requests = st.lists(st.sampled_from(WORDS), min_size=1, max_size=9).map(" ".join)
groups = st.just("mined")
categories = st.sampled_from(["simple", "direct", "check-and-fix"])
examples = st.lists(st.builds(example, requests, groups, categories), max_size=60)


def unique_examples(n: int, strata: list[tuple[str, str]]) -> list[wire.Example]:
    return [
        example(f"request number {i} {'x' * (i % 7)} {i * 7919}", *strata[i % len(strata)])
        for i in range(n)
    ]


def test_normalize_ignores_case_punctuation_and_spacing() -> None:
    assert normalize("  Run   the TESTS, please!") == normalize("run the tests please")
    assert normalize("run the tests") != normalize("run the test")


@given(examples)
def test_dedup_keeps_no_exact_or_near_duplicates(items: list[wire.Example]) -> None:
    kept, dropped = dedup(items)
    assert len(kept) + dropped == len(items)
    assert len({normalize(e.meta.request) for e in kept}) == len(kept)
    sh = [shingles(e.meta.request) for e in kept]
    for i, j in product(range(len(kept)), repeat=2):
        if i < j:
            assert jaccard(sh[i], sh[j]) < NEAR_THRESHOLD


@given(examples)
def test_dedup_is_idempotent(items: list[wire.Example]) -> None:
    kept, _ = dedup(items)
    again, dropped = dedup(kept)
    assert dropped == 0 and again == kept


def test_dedup_drops_a_near_duplicate_and_keeps_a_different_request() -> None:
    a = example("check the inventory module with ruff and list every violation it reports")
    b = example("Check the inventory module with ruff and list every violation it reports, please")
    c = example("run the tests of the webhooks project and explain the failure")
    kept, dropped = dedup([a, b, c])
    assert kept == [a, c] and dropped == 1


@given(examples, st.integers(0, 3))
def test_split_is_a_partition_and_deterministic(items: list[wire.Example], seed: int) -> None:
    kept, _ = dedup(items)
    parts = split(kept, seed)
    assert sorted(parts) == ["test", "train", "valid"]
    ids = [id(e) for part in parts.values() for e in part]
    assert len(ids) == len(set(ids)) == len(kept)
    assert split(list(reversed(kept)), seed) == parts  # input order does not matter


@settings(max_examples=30)
@given(st.integers(10, 300), st.integers(1, 4), st.integers(0, 5))
def test_split_ratios_hold_per_stratum(n: int, n_strata: int, seed: int) -> None:
    strata = [("mined", "code"), ("mined", "testing"), ("mined", "concepts"), ("mined", "tools")][
        :n_strata
    ]
    parts = split(unique_examples(n, strata), seed)
    for stratum in strata:
        size = Counter(
            {
                name: sum(1 for e in part if (e.meta.group, e.meta.category) == stratum)
                for name, part in parts.items()
            }
        )
        total = sum(size.values())
        if total >= 10:
            for name, ratio in (("valid", 0.1), ("test", 0.1)):
                assert abs(size[name] - total * ratio) <= 1, (stratum, size)
            assert size["train"] >= total * 0.8 - 2


@given(examples, st.integers(0, 3))
def test_no_near_duplicate_request_crosses_splits(items: list[wire.Example], seed: int) -> None:
    kept, _ = dedup(items)
    parts = split(kept, seed)
    for a_name, b_name in (("train", "valid"), ("train", "test"), ("valid", "test")):
        for a in parts[a_name]:
            for b in parts[b_name]:
                assert jaccard(shingles(a.meta.request), shingles(b.meta.request)) < NEAR_THRESHOLD


def test_small_strata_reach_every_split() -> None:
    parts = split(unique_examples(3, [("mined", "tools")]), 0)
    assert {name: len(part) for name, part in parts.items()} == {"train": 1, "valid": 1, "test": 1}


def test_generated_examples_keep_the_split_the_plan_gave_them() -> None:
    planned = [
        example(f"ask {i}", "ruff_check", "lint", split=s)
        for i, s in enumerate(["test", "valid", "train"] * 5)
    ]
    parts = split(planned, 0)
    for name, part in parts.items():
        assert part and all(e.meta.model_extra["split"] == name for e in part)


def test_the_same_vague_request_on_two_projects_is_two_examples_but_a_repeat_is_dropped() -> None:
    a = example("anything failing?", "pytest_run", "tests-yesno", workspace={"project": "a"})
    b = example("anything failing?", "pytest_run", "tests-yesno", workspace={"project": "b"})
    again = example("Anything failing", "pytest_run", "tests-yesno", workspace={"project": "a"})
    kept, dropped = dedup([a, b, again])
    assert kept == [a, b] and dropped == 1
