"""The adversarial suite: every cheating transcript fails, every honest one passes, none crashes."""

from __future__ import annotations

import pytest
from adversarial import CHEATS, HONEST
from scripted import Transcript

from punie_eval.harness import evaluate_query
from punie_eval.report import Report, write_report
from punie_eval.suite import Suite


def test_the_adversarial_suite_is_big_enough() -> None:
    assert len(CHEATS) >= 40
    assert len(HONEST) >= 15
    assert len({name for name, _, _ in CHEATS}) == len(CHEATS)


@pytest.mark.parametrize(("name", "query_id", "outputs"), CHEATS, ids=[c[0] for c in CHEATS])
def test_cheating_transcript_fails(
    suite: Suite, name: str, query_id: str, outputs: list[object]
) -> None:
    result, _ = evaluate_query(suite.query(query_id), Transcript(outputs, name=name), suite)
    assert not result.passed, f"{name} passed: {result.final_answer!r}"
    assert result.reasons and result.why != "all expectations met"


@pytest.mark.parametrize(("name", "query_id", "outputs"), HONEST, ids=[h[0] for h in HONEST])
def test_honest_transcript_passes(
    suite: Suite, name: str, query_id: str, outputs: list[object]
) -> None:
    result, _ = evaluate_query(suite.query(query_id), Transcript(outputs, name=name), suite)
    assert result.passed, result.why


def test_a_lone_surrogate_does_not_lose_the_report(suite: Suite, tmp_path) -> None:
    from punie_eval.harness import run_suite

    _, query_id, outputs = next(c for c in CHEATS if "surrogate" in c[0])
    report, transcripts = run_suite(suite, Transcript(outputs), only=[query_id])
    write_report(report, tmp_path, transcripts)
    loaded = Report.model_validate_json((tmp_path / "report.json").read_text())
    assert loaded.queries[0].final_answer == "No type errors \ufffd at all."
    assert "\ufffd" in (tmp_path / "report.md").read_text()
    assert "\\ud800" in (tmp_path / "transcripts.jsonl").read_text()  # the raw reply is kept
