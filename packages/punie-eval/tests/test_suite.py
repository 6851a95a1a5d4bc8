"""The suite data: 20 queries, thresholds, oracle turns, and a workspace whose problems are real."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.fixture import fresh_copy
from punie_eval.harness import prepare
from punie_eval.scoring import run_state_check
from punie_eval.suite import Suite, SuiteError, load_suite
from punie_tools.runners import pytest_run, ruff_check, typecheck


def test_suite_shape(suite: Suite) -> None:
    counts = {c: sum(q.category == c for q in suite.queries) for c in suite.categories}
    assert counts == {"single_tool": 8, "multi_step": 7, "domain": 5}
    assert {k: c.threshold for k, c in suite.categories.items()} == {
        "single_tool": 8,
        "multi_step": 6,
        "domain": 5,
    }
    assert suite.overall_threshold == 19
    assert all(q.oracle and q.oracle[-1].answer for q in suite.queries)
    assert all(q.rubric and q.rubric.require for q in suite.queries if q.kind == "direct")
    assert all(q.targets for q in suite.queries if any(c.check != "unchanged" for c in q.state))


def test_planted_problems_are_real(suite: Suite) -> None:
    with fresh_copy(suite.workspace) as ws:
        types = typecheck("src/punie/agent", cwd=ws)
        assert sorted((e.file, e.line) for e in types.errors) == [
            ("src/punie/agent/config.py", 26),
            ("src/punie/agent/config.py", 32),
            ("src/punie/agent/toolset.py", 32),
        ]
        lint = ruff_check("src/punie/agent", cwd=ws)
        assert sorted(v.code for v in lint.violations) == [
            "E501",
            "E711",
            "F401",
            "F401",
            "F401",
            "F541",
            "I001",
        ]
        tests = pytest_run("tests", cwd=ws)
        assert (tests.passed, tests.failed) == (11, 1)
        assert tests.failures[0].test_id.endswith("test_select_tools_respects_the_limit")
        card = typecheck("components", cwd=ws)
        assert card.error_count == 1


def test_untouched_workspace_fails_the_multi_step_state_checks(suite: Suite) -> None:
    snapshot, truth = prepare(suite)
    with fresh_copy(snapshot.path) as ws:
        for query in suite.queries:
            if query.category != "multi_step" or query.id == "multi-tdom-quality":
                continue
            # one failing check is enough to fail the query: the rest are not run (any() stops)
            results = (
                run_state_check(c, ws, ws, snapshot.path, suite, query, truth) for c in query.state
            )
            assert not all(r.ok for r in results), query.id


def test_missing_or_broken_suite_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no suite"):
        load_suite(tmp_path)
    (tmp_path / "suite.toml").write_text(
        "version = 1\n[[queries]]\nid = 'x'\ncategory = 'nope'\nrequest = 'r'\nkind = 'tool'\n"
    )
    (tmp_path / "workspace").mkdir()
    with pytest.raises(SuiteError, match="unknown category"):
        load_suite(tmp_path)


def test_suite_rejects_unknown_fields_and_bad_rubrics(tmp_path: Path) -> None:
    (tmp_path / "workspace").mkdir()
    base = "version = 2\n[categories.c]\ntitle = 'c'\nthreshold = 1\n[[queries]]\nid = 'x'\n"
    (tmp_path / "suite.toml").write_text(
        base + "category = 'c'\nrequest = 'r'\nkind = 'tool'\nfacts = []\n"
    )
    with pytest.raises(SuiteError, match="facts"):
        load_suite(tmp_path)
    (tmp_path / "suite.toml").write_text(base + "category = 'c'\nrequest = 'r'\nkind = 'direct'\n")
    with pytest.raises(SuiteError, match="needs a rubric"):
        load_suite(tmp_path)
    bad = "[queries.rubric]\nrequire = [{ name = 'n', any = ['(unclosed'] }]\n"
    (tmp_path / "suite.toml").write_text(
        base + "category = 'c'\nrequest = 'r'\nkind = 'direct'\n" + bad
    )
    with pytest.raises(SuiteError, match="bad regex"):
        load_suite(tmp_path)
