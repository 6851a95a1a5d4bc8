"""Run the whole suite with one backend: fresh workspace per query, episode, score, report."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from punie_eval.backends import Backend
from punie_eval.loop import Episode, fresh_workspace, run_episode
from punie_eval.report import (
    QueryResult,
    Report,
    median_latency,
    overall_tps,
    shorten_calls,
    summarize,
)
from punie_eval.scoring import score_episode
from punie_eval.suite import Query, Suite

__all__ = ["evaluate_query", "run_suite", "transcript"]


def transcript(query: Query, episode: Episode) -> dict[str, Any]:
    """One transcripts.jsonl line: what the model said each turn (replayable with replay:FILE)."""
    return {
        "id": query.id,
        "request": query.request,
        "outputs": [
            {
                "text": t.text,
                "code": t.structured_code,
                "tool_call_error": t.tool_call_error,
                "completion_tokens": t.completion_tokens,
                "seconds": t.model_s,
            }
            for t in episode.turns
            if t.kind != "backend_error"
        ],
    }


def evaluate_query(
    query: Query, backend: Backend, suite: Suite, *, turn_limit: int | None = None
) -> tuple[QueryResult, Episode]:
    """Run and score one query on a fresh copy of the suite's workspace."""
    with fresh_workspace(suite.workspace) as workspace:
        episode = run_episode(
            query.request, backend, workspace, turn_limit=turn_limit or suite.turn_limit
        )
        score = score_episode(query, episode, workspace, suite.workspace, suite)
    tokens = episode.completion_tokens
    model_s = episode.model_s
    result = QueryResult(
        id=query.id,
        category=query.category,
        request=query.request,
        kind=query.kind,
        passed=score.passed,
        why=score.why,
        reasons=score.reasons,
        outcome=episode.outcome,
        turns=len(episode.turns),
        calls=shorten_calls(score.calls),
        written_calls=shorten_calls(score.written_calls),
        state=score.state,
        final_answer=episode.final_answer,
        latency_s=episode.wall_s,
        model_s=model_s,
        sandbox_s=episode.sandbox_s,
        tool_s=episode.tool_s,
        scoring_s=score.scoring_s,
        completion_tokens=tokens,
        tokens_per_s=tokens / model_s if tokens and model_s > 0 else None,
    )
    return result, episode


def run_suite(
    suite: Suite,
    backend: Backend,
    *,
    suite_label: str | None = None,
    only: list[str] | None = None,
    turn_limit: int | None = None,
    on_result: Callable[[QueryResult], None] | None = None,
) -> tuple[Report, list[dict[str, Any]]]:
    """Evaluate every query (or those in `only`), returning the report and the transcripts."""
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    start = time.perf_counter()
    queries = [q for q in suite.queries if not only or q.id in only]
    results: list[QueryResult] = []
    transcripts: list[dict[str, Any]] = []
    for query in queries:
        result, episode = evaluate_query(query, backend, suite, turn_limit=turn_limit)
        results.append(result)
        transcripts.append(transcript(query, episode))
        if on_result is not None:
            on_result(result)

    # A partial run (--only) keeps each category's allowed failures: threshold - (full - selected).
    def scaled(threshold: int, full: int, selected: int) -> int:
        return max(0, threshold - (full - selected))

    thresholds: dict[str, tuple[str, int]] = {}
    for key, cat in suite.categories.items():
        full = sum(q.category == key for q in suite.queries)
        selected = sum(q.category == key for q in queries)
        if selected:
            thresholds[key] = (cat.title, scaled(cat.threshold, full, selected))
    overall_threshold = scaled(suite.overall_threshold, len(suite.queries), len(queries))
    categories, overall = summarize(results, thresholds, overall_threshold)
    report = Report(
        backend=getattr(backend, "name", type(backend).__name__),
        suite=suite_label or str(suite.root),
        suite_version=suite.version,
        started_at=started,
        duration_s=time.perf_counter() - start,
        passed=overall.met and all(c.met for c in categories.values()),
        overall=overall,
        categories=categories,
        queries=results,
        median_latency_s=median_latency(results),
        tokens_per_s=overall_tps(results),
    )
    return report, transcripts
