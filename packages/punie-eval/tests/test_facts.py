"""Tool answers checked against the truth of the run: facts derived from the real tools at load."""

from __future__ import annotations

import pytest

from punie_eval.facts import check_answer, files_named, hallucinated_files, parse_number
from punie_eval.harness import prepare
from punie_eval.suite import AnswerCheck, Suite
from punie_eval.truth import Truth


@pytest.fixture(scope="module")
def truth(suite: Suite) -> Truth:
    return prepare(suite)[1]


def _check(truth: Truth, suite: Suite, qid: str, answer: str, seen: str | None = None) -> list[str]:
    query = suite.query(qid)
    return [
        f"{r.fact}: {r.detail}"
        for r in check_answer(answer, query.answer, truth.probes, seen)
        if not r.ok
    ]


def test_truth_is_measured_on_the_fixture_not_typed_in_the_suite(
    suite: Suite, truth: Truth
) -> None:
    types = truth.probes[suite.query("single-typecheck").answer[0].key]
    assert (types.total, sorted(types.by_file)) == (
        3,
        ["src/punie/agent/config.py", "src/punie/agent/toolset.py"],
    )
    tests = truth.probes[suite.query("single-run-tests").answer[0].key]
    assert (tests.passed, tests.failed, tests.failing) == (
        11,
        1,
        ["test_select_tools_respects_the_limit"],
    )
    unused = truth.probes[suite.query("single-unused-imports").answer[0].key]
    assert unused.total == 4 and set(unused.codes) == {"F401"}
    assert sorted(unused.names) == ["json", "json", "os", "sys"]
    grep = truth.probes[suite.query("domain-svcs-registration").answer[0].key]
    assert list(grep.by_file) == ["app/services.py"]
    before = truth.complexity["src/punie/agent/history.py::summarize_history"]
    assert before.complexity > 5 and before.statements > 10
    raw = (suite.root / "suite.toml").read_text()
    assert "error_count" not in raw and "passed = 11" not in raw


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("ty found 3 type errors.", True),
        ("Three type errors in total.", True),
        ("type errors: 3", True),
        ("There are three problems: two in config.py and one in toolset.py.", True),
        ("No type errors.", False),
        ("The package is clean.", False),
        ("ty found 5 type errors.", False),
        ("config.py has 3 type errors.", False),
        ("3 type errors; toolset.py is clean.", False),
        ("3 type errors; the package is not clean.", True),
        ("I looked at it.", False),
    ],
)
def test_type_error_counts(suite: Suite, truth: Truth, answer: str, ok: bool) -> None:
    check = AnswerCheck(tool="typecheck", path="src/punie/agent", facts=["count"])
    results = check_answer(answer, [check], truth.probes)
    assert all(r.ok for r in results) is ok, [r.detail for r in results]


@pytest.mark.parametrize(
    ("answer", "ok"),
    [
        ("11 of 12 tests pass; test_select_tools_respects_the_limit fails.", True),
        ("No: 1 failed, 11 passed (test_select_tools_respects_the_limit).", True),
        ("test_select_tools_respects_the_limit is failing; eleven pass.", True),
        ("All tests pass except test_select_tools_respects_the_limit.", False),
        ("12 passed, test_select_tools_respects_the_limit aside.", False),
        ("Yes, the tests are passing.", False),
    ],
)
def test_test_run_answers(suite: Suite, truth: Truth, answer: str, ok: bool) -> None:
    assert (not _check(truth, suite, "single-run-tests", answer)) is ok, _check(
        truth, suite, "single-run-tests", answer
    )


def test_codes_and_lines_must_be_real(suite: Suite, truth: Truth) -> None:
    good = "7 violations in factory.py and toolset.py: I001, F401, E711, E501 (line 31), F541."
    assert _check(truth, suite, "single-lint", good) == []
    bad = "7 violations in factory.py and toolset.py: E999 on line 400."
    problems = _check(truth, suite, "single-lint", bad)
    assert any("E999" in p for p in problems) and any("400" in p for p in problems)


def test_facts_must_have_been_seen_in_the_episode(suite: Suite, truth: Truth) -> None:
    answer = "3 type errors, in src/punie/agent/config.py and src/punie/agent/toolset.py."
    assert _check(truth, suite, "single-typecheck", answer, seen="3") == [
        "typecheck(src/punie/agent) files: names src/punie/agent/config.py, "
        "src/punie/agent/toolset.py, which no tool output in the episode showed"
    ]
    shown = "src/punie/agent/config.py 26\nsrc/punie/agent/toolset.py 32"
    assert _check(truth, suite, "single-typecheck", answer, seen=shown) == []


def test_file_names_and_numbers() -> None:
    assert files_named("see `app/services.py` and card.py, not app/") == [
        "app/services.py",
        "card.py",
    ]
    assert hallucinated_files("in utils.py and app/services.py", {"app/services.py"}) == [
        "utils.py"
    ]
    assert [parse_number(w) for w in ("3", "three", "no", "a single")] == [3, 3, 0, 1]
