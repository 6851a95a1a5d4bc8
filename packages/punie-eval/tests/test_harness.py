"""End-to-end runs of the suite through the real wire parser, Monty sandbox and tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scripted import AlwaysDirect, Garbage, OracleRun, Scripted, Transcript, WrongFile

from punie_eval.harness import evaluate_query, prepare, run_suite
from punie_eval.report import Report, write_report
from punie_eval.suite import Suite, SuiteError


@pytest.fixture(scope="module")
def oracle_report(oracle_run: OracleRun) -> Report:
    return oracle_run.report


def test_the_oracle_scores_20_of_20(oracle_report: Report) -> None:
    failures = {q.id: q.why for q in oracle_report.queries if not q.passed}
    assert failures == {}
    assert oracle_report.overall.passed == 20
    assert oracle_report.passed and oracle_report.error is None
    assert all(c.met for c in oracle_report.categories.values())
    assert oracle_report.model == {"backend": "oracle"}
    assert len(oracle_report.fixture_sha256) == 64


def test_oracle_report_shows_facts_checks_and_calls(oracle_report: Report, tmp_path: Path) -> None:
    by_id = {q.id: q for q in oracle_report.queries}
    fix = by_id["multi-fix-types-config"]
    assert [c.name for c in fix.calls] == ["typecheck", "read_file", "write_file", "typecheck"]
    assert [c.name for c in fix.written_calls] == [c.name for c in fix.calls]
    assert fix.calls[0].arguments == {"path": "src/punie/agent/config.py"}
    assert all(s.ok for s in fix.state) and len(fix.state) == 4
    typecheck = by_id["single-typecheck"]
    assert [f.fact for f in typecheck.facts] == [
        "typecheck(src/punie/agent) count",
        "typecheck(src/punie/agent) files",
        "lines",
    ]
    assert typecheck.facts[0].expected == "3" and typecheck.facts[0].claimed == "3"
    add = by_id["multi-add-function"]
    mutants = next(s for s in add.state if s.check == "mutants")
    assert "reject 4 of 4 known-bad" in mutants.detail
    refactor = by_id["multi-refactor"]
    simpler = next(s for s in refactor.state if s.check == "simpler")
    assert simpler.ok and "before" in simpler.detail
    direct = by_id["single-protocol"]
    assert direct.calls == [] and direct.turns == 1 and direct.final_answer
    assert direct.rubric_stated
    write_report(oracle_report, tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    assert "### single-typecheck: pass" in markdown
    assert "| typecheck(src/punie/agent) count | 3 | 3 | yes |" in markdown


def test_always_direct_fails_every_tool_query(suite: Suite) -> None:
    report, _ = run_suite(suite, AlwaysDirect())
    by_kind = {q.id: q for q in report.queries}
    for query in suite.queries:
        result = by_kind[query.id]
        assert not result.passed, query.id
        if query.kind == "tool":
            assert "answered directly" in result.why
    assert report.categories["multi_step"].passed == 0
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
    assert episode.turns[0].records[0].calls[0].name == "typecheck"
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
    output = episode.turns[0].runs[0].tool_output
    assert "def build_agent" in output and "broken = (" not in output
    assert (suite.workspace / "src/punie/agent/factory.py").read_text().count("broken = (") == 0


def test_calls_written_but_never_run_do_not_count(suite: Suite) -> None:
    # A misspelt result field is rejected by the sandbox's stub check before anything runs.
    typo = Scripted(['r = typecheck("src/punie/agent")\nprint(r.error_cnt)'])
    result, _ = evaluate_query(suite.query("single-typecheck"), typo, suite)
    assert [c.name for c in result.written_calls] == ["typecheck"]
    assert result.calls == []
    assert not result.passed and "missing call typecheck" in result.why


def test_backend_exceptions_are_recorded(suite: Suite) -> None:
    class Broken:
        name = "broken"

        def complete(self, messages, tools):
            raise ConnectionError("server went away")

    result, episode = evaluate_query(suite.query("single-lint"), Broken(), suite)
    assert episode.outcome == "backend_error"
    assert not result.passed and "server went away" in result.why


def test_several_calls_in_one_turn_run_in_order(suite: Suite) -> None:
    from punie_tools import wire

    turn = (
        wire.render_qwen3_coder('print(typecheck("src/punie/agent").error_count)')
        + "\n"
        + wire.render_hermes('print("second")')
    )
    five = "\n".join(wire.render_qwen3_coder(f"print({n})") for n in range(5))
    result, episode = evaluate_query(
        suite.query("single-typecheck"), Transcript([turn, five, "3 type errors."]), suite
    )
    first, second = episode.turns[0], episode.turns[1]
    assert [r.tool_output for r in first.runs] == ["3", "second"]
    assert [m["role"] for m in episode.messages[2:5]] == ["assistant", "tool", "tool"]
    assert len(episode.messages[2]["tool_calls"]) == 2
    assert [r.refused is None for r in second.runs] == [True] * 4 + [False]
    assert "at most 4 tool calls" in (second.runs[4].refused or "")
    assert result.turn_summaries[1].refused == 1


def test_the_time_limit_counts_tool_time(suite: Suite) -> None:
    slow = 'print(pytest_run("tests").failed)'
    result, episode = evaluate_query(
        suite.query("single-tests-passing"), Scripted([slow] * 8), suite, time_limit=1.0
    )
    assert episode.outcome == "timeout"
    assert not result.passed and "per-query time limit of 1 s" in result.why
    assert len(episode.turns) < 8


def test_only_reports_the_subset_honestly(suite: Suite) -> None:
    failing = Transcript(["It looks fine."])
    report, _ = run_suite(suite, failing, only=["multi-refactor"])
    assert report.partial and not report.passed
    assert report.categories["multi_step"].threshold is None
    assert not report.categories["multi_step"].met
    with pytest.raises(SuiteError, match="unknown query ids nope"):
        run_suite(suite, failing, only=["nope"])


def test_repeat_reports_per_query_consistency(suite: Suite) -> None:
    class Flaky:
        name = "flaky"

        def __init__(self) -> None:
            self.seed = 0

        def reset(self, seed: int) -> None:
            self.seed = seed

        def complete(self, messages, tools):
            from punie_eval.backends import Completion

            good = "A Protocol is structural typing: a class matches it by having its methods."
            return Completion(text=good if self.seed % 2 == 0 else "It is a network protocol.")

    report, transcripts = run_suite(suite, Flaky(), only=["single-protocol"], repeat=3, seed=4)
    query = report.queries[0]
    assert report.repeat == 3 and len(transcripts) == 3
    assert [t["run"] for t in transcripts] == [0, 1, 2]
    assert query.pass_rate == pytest.approx(2 / 3) and query.consistent is False
    assert not query.passed and "failed in 1 of 3 runs" in query.why


def test_the_first_request_failing_is_an_infrastructure_error(suite: Suite) -> None:
    from punie_eval.backends import BackendUnavailable

    class Down:
        name = "down"

        def complete(self, messages, tools):
            raise BackendUnavailable("HTTP 404 from http://x/v1/chat/completions: no such model")

    report, _ = run_suite(suite, Down())
    assert report.error and "no such model" in report.error
    assert len(report.queries) == 1 and not report.passed


def test_a_harness_bug_is_recorded_and_the_run_goes_on(suite: Suite, monkeypatch) -> None:
    import punie_eval.harness as harness

    real = harness.score_episode

    def broken(query, *args, **kwargs):
        if query.id == "single-protocol":
            raise RuntimeError("scoring bug")
        return real(query, *args, **kwargs)

    monkeypatch.setattr(harness, "score_episode", broken)
    report, _ = run_suite(suite, AlwaysDirect(), only=["single-protocol", "domain-tdom-svcs"])
    assert [q.outcome for q in report.queries] == ["harness_error", "answer"]
    assert report.error and "scoring bug" in report.error


def test_transcripts_replay_to_the_same_report(
    suite: Suite, oracle_run: OracleRun, tmp_path: Path
) -> None:
    """The oracle run's transcripts, replayed with replay:FILE, give the same scores and calls
    (a tool query, a fix, a domain answer and a direct answer)."""
    from punie_eval.backends import make_backend

    ids = ["single-typecheck", "multi-fix-lint-factory", "domain-tdom-svcs", "single-protocol"]
    write_report(oracle_run.report, tmp_path, oracle_run.transcripts)
    lines = [json.loads(line) for line in (tmp_path / "transcripts.jsonl").read_text().splitlines()]
    assert len(lines) == 20
    assert next(t for t in lines if t["id"] == ids[0])["outputs"][0]["text"].startswith(
        "<tool_call>"
    )
    again, _ = run_suite(suite, make_backend(f"replay:{tmp_path / 'transcripts.jsonl'}"), only=ids)
    first = {q.id: q for q in oracle_run.report.queries}
    assert sorted(q.id for q in again.queries) == sorted(ids)
    assert [(q.id, q.passed, [c.name for c in q.calls]) for q in again.queries] == [
        (q.id, first[q.id].passed, [c.name for c in first[q.id].calls]) for q in again.queries
    ]
    assert again.overall.passed == 4
    assert again.model["backend"] == "replay" and len(again.model["sha256"]) == 64


def test_prepare_is_cached_and_read_only(suite: Suite) -> None:
    snapshot, truth = prepare(suite)
    assert prepare(suite)[0] is snapshot
    assert snapshot.path != suite.workspace.resolve()
    assert not (snapshot.path / "README.md").stat().st_mode & 0o222
    assert truth.files == snapshot.files
