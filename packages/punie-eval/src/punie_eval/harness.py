"""Run the whole suite with one backend: fresh workspace per query, episode, score, report.

The fixture is snapshotted once (read-only, private) and its truth derived from the real tools;
every query runs on a fresh copy of the snapshot, with the process's working directory in an
empty temporary directory (nothing the model runs can find the caller's files through
/proc/<pid>/cwd). After each query the snapshot and the suite's fixture are checked for
tampering. Infrastructure problems (the backend unavailable on the first request or unreachable
at any point, a backend that answered no query, a tampered fixture, a harness bug) set
`Report.error`: the CLI then exits 2, with or without --no-fail.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import hashlib
import tempfile
import time
from collections.abc import Callable
from typing import Any

from punie_eval.backends import Backend, backend_identity
from punie_eval.fixture import LazyCopy, Snapshot, digest_tree, wait_for_cleanup
from punie_eval.loop import Episode, run_episode
from punie_eval.report import (
    QueryResult,
    Report,
    TurnSummary,
    median_latency,
    overall_tps,
    shorten_calls,
    summarize,
)
from punie_eval.scoring import score_episode
from punie_eval.suite import Query, Suite, SuiteError
from punie_eval.truth import Truth, derive_truth

__all__ = ["DEFAULT_QUERY_TIME_LIMIT", "evaluate_query", "prepare", "run_suite", "transcript"]

DEFAULT_QUERY_TIME_LIMIT = 600.0
_PREPARED: dict[tuple[str, str], tuple[Snapshot, Truth]] = {}


def _close_all() -> None:
    for snapshot, _ in _PREPARED.values():
        snapshot.close()
    _PREPARED.clear()


atexit.register(_close_all)


def prepare(suite: Suite) -> tuple[Snapshot, Truth]:
    """The suite's read-only snapshot and the truth derived on it (cached per fixture content)."""
    key = (str(suite.workspace), digest_tree(suite.workspace))
    cached = _PREPARED.get(key)
    if cached is not None and not cached[0].tampered():
        return cached
    snapshot = Snapshot(suite.workspace)
    truth = derive_truth(suite, snapshot.path)
    _PREPARED[key] = (snapshot, truth)
    return snapshot, truth


def transcript(query: Query, episode: Episode, run: int = 0) -> dict[str, Any]:
    """One transcripts.jsonl line: every raw reply of the query (replayable with replay:FILE)."""
    return {
        "id": query.id,
        "run": run,
        "request": query.request,
        "outputs": [
            {
                "text": t.text,
                "code": t.structured_code,
                "codes": t.structured_codes,
                "tool_call_error": t.tool_call_error,
                "finish_reason": t.finish_reason,
                "completion_tokens": t.completion_tokens,
                "seconds": t.model_s,
            }
            for t in episode.turns
            if t.kind != "backend_error"
        ],
    }


def _summaries(episode: Episode) -> list[TurnSummary]:
    return [
        TurnSummary(
            index=t.index,
            kind=t.kind,
            calls=sum(r.refused is None for r in t.runs),
            refused=sum(r.refused is not None for r in t.runs),
            finish_reason=t.finish_reason,
            thinking=t.thinking,
            error=t.reason,
        )
        for t in episode.turns
    ]


def evaluate_query(
    query: Query,
    backend: Backend,
    suite: Suite,
    *,
    turn_limit: int | None = None,
    time_limit: float | None = DEFAULT_QUERY_TIME_LIMIT,
    judge: Any = None,
    prepared: tuple[Snapshot, Truth] | None = None,
) -> tuple[QueryResult, Episode]:
    """Run and score one query on a fresh copy of the suite's pristine snapshot."""
    snapshot, truth = prepared or prepare(suite)
    with LazyCopy(snapshot.path) as workspace:
        episode = run_episode(
            query.request,
            backend,
            workspace.path,
            turn_limit=turn_limit or suite.turn_limit,
            time_limit=time_limit,
        )
        # A model that ran no code left its workspace as pristine as the snapshot.
        model_ws = workspace.path() if workspace.made else snapshot.path
        score = score_episode(query, episode, model_ws, snapshot.path, suite, truth, judge)
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
        truncated=episode.truncated,
        turn_summaries=_summaries(episode),
        calls=shorten_calls(score.calls),
        written_calls=shorten_calls(score.written_calls),
        state=score.state,
        facts=score.facts,
        rubric_stated=score.rubric_stated,
        judge=score.judge,
        final_answer=episode.final_answer,
        latency_s=episode.wall_s,
        model_s=model_s,
        sandbox_s=episode.sandbox_s,
        tool_s=episode.tool_s,
        scoring_s=score.scoring_s,
        scoring_tool_s=score.scoring_tool_s,
        completion_tokens=tokens,
        tokens_per_s=tokens / model_s if tokens and model_s > 0 else None,
    )
    return result, episode


def _harness_error(query: Query, exc: BaseException) -> QueryResult:
    why = f"harness error: {type(exc).__name__}: {exc}"
    return QueryResult(
        id=query.id,
        category=query.category,
        request=query.request,
        kind=query.kind,
        passed=False,
        why=why,
        reasons=[why],
        outcome="harness_error",
        turns=0,
        latency_s=0.0,
        model_s=0.0,
        sandbox_s=0.0,
        tool_s=0.0,
        scoring_s=0.0,
    )


def _answer_key(result: QueryResult) -> str:
    return hashlib.sha256((result.final_answer or "").encode("utf-8", "replace")).hexdigest()


def run_suite(
    suite: Suite,
    backend: Backend,
    *,
    suite_label: str | None = None,
    only: list[str] | None = None,
    turn_limit: int | None = None,
    time_limit: float | None = DEFAULT_QUERY_TIME_LIMIT,
    repeat: int = 1,
    seed: int = 0,
    temperature: float = 0.0,
    max_tokens: int | None = None,
    judge: Any = None,
    on_result: Callable[[QueryResult], None] | None = None,
) -> tuple[Report, list[dict[str, Any]]]:
    """Evaluate every query (or those in `only`) `repeat` times; the report and the transcripts.

    With `repeat` > 1, run k re-seeds the backend with `seed + k`; a query passes when it passed
    in every run, and the report gives each query's pass rate and whether its verdict and answer
    were the same in every run.
    """
    unknown = sorted(set(only or []) - {q.id for q in suite.queries})
    if unknown:
        raise SuiteError(
            f"unknown query ids {', '.join(unknown)}; the suite has "
            + ", ".join(q.id for q in suite.queries)
        )
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    start = time.perf_counter()
    queries = [q for q in suite.queries if not only or q.id in only]
    snapshot, truth = prepare(suite)
    runs: list[list[QueryResult]] = []
    transcripts: list[dict[str, Any]] = []
    error: str | None = None
    requests_made = False
    abort = False
    with tempfile.TemporaryDirectory(prefix="punie-eval-cwd-") as cwd, contextlib.chdir(cwd):
        for run in range(max(1, repeat)):
            results: list[QueryResult] = []
            for query in queries:
                reset = getattr(backend, "reset", None)
                if callable(reset):
                    reset(seed + run)
                try:
                    result, episode = evaluate_query(
                        query,
                        backend,
                        suite,
                        turn_limit=turn_limit,
                        time_limit=time_limit,
                        judge=judge,
                        prepared=(snapshot, truth),
                    )
                except Exception as exc:  # a harness bug: recorded, and the run exits 2
                    result, episode = _harness_error(query, exc), None
                    error = error or result.why
                if episode is not None:
                    transcripts.append(transcript(query, episode, run))
                    if episode.unavailable and (episode.unreachable or not requests_made):
                        error = f"the backend is unavailable: {episode.unavailable}"
                        abort = True
                    requests_made = requests_made or any(
                        t.kind != "backend_error" for t in episode.turns
                    )
                tampered = snapshot.tampered()
                if tampered:
                    result.passed = False
                    why = "the model's code modified the pristine fixture: " + "; ".join(tampered)
                    result.reasons.append(why)
                    result.why = "; ".join(result.reasons)
                    error, abort = why, True
                results.append(result)
                if on_result is not None:
                    on_result(result)
                if abort:
                    break
            runs.append(results)
            if abort:
                break
        if not abort:
            tampered = snapshot.tampered(full=True)  # contents, not only sizes and times
            if tampered:
                error = "the model's code modified the pristine fixture: " + "; ".join(tampered)
        wait_for_cleanup()
    results = _merge_runs(runs)
    if error is None and results and all(q.outcome == "backend_error" for q in results):
        error = f"the backend answered no query (first: {results[0].why})"
    partial = bool(only)
    thresholds: dict[str, tuple[str, int | None]] = {}
    for key, cat in suite.categories.items():
        if any(q.category == key for q in queries):
            thresholds[key] = (cat.title, None if partial else cat.threshold)
    categories, overall = summarize(
        results, thresholds, None if partial else suite.overall_threshold
    )
    identity = backend_identity(backend)
    report = Report(
        backend=getattr(backend, "name", type(backend).__name__),
        model=identity,
        temperature=temperature,
        seed=seed,
        max_tokens=max_tokens,
        judge=getattr(judge, "name", None),
        suite=suite_label or str(suite.root),
        suite_version=suite.version,
        fixture_sha256=snapshot.digest,
        started_at=started,
        duration_s=time.perf_counter() - start,
        query_time_limit_s=time_limit,
        partial=partial,
        repeat=len(runs),
        passed=error is None
        and len(results) == len(queries)
        and overall.met
        and all(c.met for c in categories.values()),
        error=error,
        overall=overall,
        categories=categories,
        queries=results,
        median_latency_s=median_latency(results),
        tokens_per_s=overall_tps(results),
    )
    return report, transcripts


def _merge_runs(runs: list[list[QueryResult]]) -> list[QueryResult]:
    if len(runs) <= 1:
        return runs[0] if runs else []
    merged: list[QueryResult] = []
    for first, *others in zip(*runs, strict=False):
        every = [first, *others]
        passes = sum(r.passed for r in every)
        consistent = (
            len({r.passed for r in every}) == 1 and len({_answer_key(r) for r in every}) == 1
        )
        update: dict[str, Any] = {
            "passed": passes == len(every),
            "pass_rate": passes / len(every),
            "consistent": consistent,
        }
        if first.passed and passes < len(every):
            failed = next(r for r in every if not r.passed)
            update["why"] = f"failed in {len(every) - passes} of {len(every)} runs: {failed.why}"
            update["reasons"] = [update["why"]]
        merged.append(first.model_copy(update=update))
    return merged
