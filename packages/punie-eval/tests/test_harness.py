"""End-to-end runs of the suite through the real wire parser, Monty sandbox and tools."""

from __future__ import annotations

import pytest
from scripted import AlwaysDirect, Garbage, Scripted, WrongFile

from punie_eval.harness import evaluate_query, run_suite
from punie_eval.report import Report
from punie_eval.suite import Suite


@pytest.fixture(scope="module")
def oracle_report(suite: Suite) -> Report:
    from punie_eval.backends.oracle import OracleBackend

    report, _ = run_suite(suite, OracleBackend(suite))
    return report


def test_the_oracle_scores_20_of_20(oracle_report: Report) -> None:
    failures = {q.id: q.why for q in oracle_report.queries if not q.passed}
    assert failures == {}
    assert oracle_report.overall.passed == 20
    assert oracle_report.passed
    assert all(c.met for c in oracle_report.categories.values())


def test_oracle_calls_are_read_from_ast_and_from_the_record(oracle_report: Report) -> None:
    by_id = {q.id: q for q in oracle_report.queries}
    fix = by_id["multi-fix-types-config"]
    assert [c.name for c in fix.calls] == ["typecheck", "read_file", "write_file", "typecheck"]
    assert [c.name for c in fix.written_calls] == [c.name for c in fix.calls]
    assert fix.calls[0].arguments == {"path": "src/punie/agent/config.py"}
    assert all(s.ok for s in fix.state) and len(fix.state) == 3
    direct = by_id["single-protocol"]
    assert direct.calls == [] and direct.turns == 1 and direct.final_answer


def test_always_direct_fails_every_tool_query(suite: Suite) -> None:
    report, _ = run_suite(suite, AlwaysDirect())
    by_kind = {q.id: q for q in report.queries}
    for query in suite.queries:
        result = by_kind[query.id]
        if query.kind == "tool":
            assert not result.passed, query.id
            assert "answered directly" in result.why
    assert report.categories["multi_step"].passed == 0
    assert not report.categories["single_tool"].met
    assert not report.passed


def test_garbage_scores_zero_without_crashing(suite: Suite) -> None:
    report, transcripts = run_suite(suite, Garbage())
    assert report.overall.passed == 0
    assert all(q.outcome == "malformed" and "malformed output" in q.why for q in report.queries)
    assert len(transcripts) == 20


def test_right_tool_on_the_wrong_file_fails(suite: Suite) -> None:
    query = suite.query("single-typecheck")
    wrong = WrongFile(suite, {'typecheck("src/punie/agent")': 'typecheck("tests")'})
    result, episode = evaluate_query(query, wrong, suite)
    assert (
        episode.turns[0].record is not None and episode.turns[0].record.calls[0].name == "typecheck"
    )
    assert not result.passed
    assert "missing call typecheck(exact src/punie/agent)" in result.why

    read = suite.query("single-read-factory")
    result, _ = evaluate_query(read, WrongFile(suite, {"factory.py": "config.py"}), suite)
    assert not result.passed and "read_file" in result.why

    fix = suite.query("multi-fix-lint-factory")
    moved = WrongFile(suite, {"src/punie/agent/factory.py": "src/punie/agent/toolset.py"})
    result, _ = evaluate_query(fix, moved, suite)
    assert not result.passed
    assert "ruff_clean(src/punie/agent/factory.py) failed" in result.why


def test_a_query_that_writes_does_not_affect_the_next(suite: Suite) -> None:
    vandal = Scripted(['write_file("src/punie/agent/factory.py", "broken = (")'], name="vandal")
    evaluate_query(suite.query("multi-fix-lint-factory"), vandal, suite)
    reader = Scripted(['print(read_file("src/punie/agent/factory.py"))'])
    _, episode = evaluate_query(suite.query("single-read-factory"), reader, suite)
    output = episode.turns[0].tool_output or ""
    assert "def build_agent" in output and "broken = (" not in output
    assert (suite.workspace / "src/punie/agent/factory.py").read_text().count("broken = (") == 0


def test_calls_written_but_never_run_do_not_count(suite: Suite) -> None:
    # A misspelt result field is rejected by the sandbox's stub check before anything runs.
    typo = Scripted(['r = typecheck("src/punie/agent")\nprint(r.error_cnt)'])
    result, _ = evaluate_query(suite.query("single-typecheck"), typo, suite)
    assert [c.name for c in result.written_calls] == ["typecheck"]
    assert result.calls == []
    assert not result.passed and "missing call typecheck" in result.why


def test_direct_answer_missing_a_fact_fails(suite: Suite) -> None:
    vague = Scripted([], answer="A Protocol is a thing in Python.")
    result, _ = evaluate_query(suite.query("single-protocol"), vague, suite)
    assert not result.passed and "required fact" in result.why


def test_backend_exceptions_are_recorded(suite: Suite) -> None:
    class Broken:
        name = "broken"

        def complete(self, messages, tools):
            raise ConnectionError("server went away")

    result, episode = evaluate_query(suite.query("single-lint"), Broken(), suite)
    assert episode.outcome == "backend_error"
    assert not result.passed and "server went away" in result.why
