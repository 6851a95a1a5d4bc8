"""The specs the generators make (no tools run): coverage, voice, plan, and the suite guard."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest

from punie_datagen.generators import all_specs, plan_for
from punie_datagen.generators.plan import Plan
from punie_datagen.suite_guard import find_leaks, load_queries
from punie_datagen.workspaces import load_projects

SUITE = Path(__file__).resolve().parents[3] / "data" / "eval" / "suite.toml"
SPECS = all_specs(0)
TOOL_BEHAVIOURS = {
    "lint", "lint-find", "lint-fix", "types", "types-fix", "annotate", "tests", "tests-yesno",
    "tests-fix", "tdd", "all-checks", "quality", "refactor", "rename", "read", "read-function",
    "search", "explore", "edit",
}  # fmt: skip


def test_every_behaviour_is_generated_and_direct_answers_exist_for_every_tool_group() -> None:
    categories = Counter(s.category for s in SPECS)
    assert set(categories) >= TOOL_BEHAVIOURS, TOOL_BEHAVIOURS - set(categories)
    direct = Counter(s.group for s in SPECS if s.category == "direct")
    assert all(direct[g] >= 10 for g in ("ruff_check", "pytest_run", "typecheck", "base")), direct


def test_tool_behaviours_spread_over_projects() -> None:
    projects = defaultdict(set)
    for s in SPECS:
        if s.project:
            projects[s.category].add(s.project)
    wanted = min(3, len(load_projects()))
    assert all(len(projects[c]) >= wanted for c in TOOL_BEHAVIOURS), {
        c: len(projects[c]) for c in TOOL_BEHAVIOURS
    }


def test_no_training_request_paraphrases_a_validation_query() -> None:
    assert find_leaks([s.request for s in SPECS], load_queries(SUITE)) == []


def test_requests_have_no_trailing_project_description_and_few_announce_the_bug() -> None:
    summaries = {p.summary for p in load_projects().values() if p.summary}
    assert not [
        s.request for s in SPECS if any(s.request.endswith(x) or x in s.request for x in summaries)
    ]
    fixes = [s for s in SPECS if s.category.endswith("fix")]
    announced = [s for s in fixes if "/announce/" in s.template]
    assert fixes and len(announced) <= 0.15 * len(fixes)


def test_each_behaviour_has_at_least_five_phrasings() -> None:
    templates = defaultdict(set)
    for s in SPECS:
        templates[s.category].add(s.template.split("/")[0])
    from punie_datagen.generators import explore, lint, tests, types, workflow

    lists = {
        "lint": lint.LINT, "lint-fix": lint.FIX, "types": types.CHECK, "types-fix": types.FIX,
        "annotate": types.ANNOTATE, "tests": tests.RUN, "tests-yesno": tests.YESNO, "tests-fix": tests.FIX,
        "tdd": tests.TDD, "all-checks": workflow.ALL, "quality": workflow.QUALITY, "rename": workflow.RENAME,
        "read": explore.READ, "read-function": explore.FUNC,
    }  # fmt: skip
    assert all(len(v) >= 5 for v in lists.values())
    assert all(len(v) >= 5 for v in lint.FIND.values()) and all(
        len(v) >= 5 for v in workflow.REFACTOR.values()
    )


def test_the_plan_holds_projects_and_forms_out_of_train() -> None:
    plan = plan_for(0)
    for s in SPECS:
        if s.project in plan.held:
            assert s.split == plan.held[s.project], (s.project, s.split)
    for key, n in (("x", 5), ("y", 3), ("z", 9)):
        pools = {name: set(plan.pool(key, n, name)) for name in ("train", "valid", "test")}
        assert not pools["test"] & pools["train"] and not pools["test"] & pools["valid"]
        assert set().union(*pools.values()) == set(range(n))
        if n >= 4:
            assert not pools["valid"] & pools["train"]


def test_templates_of_test_specs_never_occur_in_train() -> None:
    by_split = defaultdict(set)
    for s in SPECS:
        by_split[s.split].add(s.template)
    assert by_split["test"] and not by_split["test"] & by_split["train"]


@pytest.mark.parametrize("n", [4, 16])
def test_every_category_reaches_valid_and_test(n: int) -> None:
    plan = Plan(0, [f"p{i}" for i in range(n)])
    for size in (3, 10, 40):
        splits = plan.splits("b", [f"p{i % n}" for i in range(size)])
        assert {"valid", "test"} <= set(splits)
        assert size < 10 or splits.count("train") >= size * 0.5
