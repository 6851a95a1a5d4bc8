"""The run report: per-query results, per-category totals against thresholds, written as
report.json (schema `punie-eval/report/v2`, documented in the README) and report.md.

Text from a model can hold anything: lone surrogates and control characters are replaced
before writing (the raw replies stay in transcripts.jsonl, JSON-escaped), so writing a report
never fails on what a model said.
"""

from __future__ import annotations

import json
import os
import re
import statistics
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from punie_eval.facts import FactResult
from punie_eval.scoring import CallInfo, StateResult
from punie_tools.cli_support import write_atomic

if TYPE_CHECKING:
    from punie_tools.cli_support import OutputDir

__all__ = [
    "SCHEMA",
    "CategoryResult",
    "QueryResult",
    "Report",
    "atomic_write",
    "load_report",
    "render_markdown",
    "sanitize",
    "save_text",
    "write_report",
]

SCHEMA = "punie-eval/report/v2"
_BAD_CHARS = re.compile(r"[\ud800-\udfff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def sanitize(value: Any) -> Any:
    """The value with lone surrogates and control characters (except tab/newline) replaced."""
    if isinstance(value, str):
        return _BAD_CHARS.sub("\ufffd", value)
    if isinstance(value, list):
        return [sanitize(v) for v in value]
    if isinstance(value, dict):
        return {sanitize(k): sanitize(v) for k, v in value.items()}
    return value


class TurnSummary(BaseModel):
    """One turn as report.json shows it (the raw reply is in transcripts.jsonl)."""

    index: int
    kind: str
    calls: int = 0
    refused: int = 0
    finish_reason: str | None = None
    thinking: str | None = None
    error: str | None = None


class QueryResult(BaseModel):
    """One query's result as stored in report.json."""

    id: str
    category: str
    request: str
    kind: Literal["tool", "direct"]
    passed: bool
    why: str
    reasons: list[str] = Field(default_factory=list)
    outcome: str  # answer | turn_limit | malformed | backend_error | timeout | harness_error
    turns: int
    truncated: bool = False
    turn_summaries: list[TurnSummary] = Field(default_factory=list)
    calls: list[CallInfo] = Field(default_factory=list)  # calls that really ran
    written_calls: list[CallInfo] = Field(default_factory=list)  # calls read from the code's AST
    state: list[StateResult] = Field(default_factory=list)
    facts: list[FactResult] = Field(default_factory=list)  # expected vs claimed
    rubric_stated: list[str] = Field(default_factory=list)
    judge: dict[str, Any] | None = None
    final_answer: str | None = None
    latency_s: float  # wall time of the episode
    model_s: float  # time spent waiting for the model
    sandbox_s: float  # time spent running code (tools included)
    tool_s: float  # time inside tool calls
    scoring_s: float  # scoring, the scorer's own tool runs included
    scoring_tool_s: float = 0.0  # tool runs of the scoring
    completion_tokens: int | None = None
    tokens_per_s: float | None = None
    pass_rate: float | None = None  # with --repeat: passes / runs
    consistent: bool | None = None  # with --repeat: same verdict and answer in every run


class CategoryResult(BaseModel):
    """Passes in one category against its threshold."""

    title: str
    passed: int
    total: int
    threshold: int | None  # None in a partial run (--only): thresholds do not apply
    met: bool


class Report(BaseModel):
    """The whole run (report.json)."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    backend: str
    model: dict[str, Any] = Field(default_factory=dict)
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int | None = None
    judge: str | None = None
    suite: str
    suite_version: int
    fixture_sha256: str = ""
    started_at: str
    duration_s: float
    query_time_limit_s: float | None = None
    partial: bool = False  # --only: the verdict is "every selected query passed"
    repeat: int = 1
    passed: bool  # every threshold met (partial: every selected query passed)
    error: str | None = None  # an infrastructure error: the exit status is 2
    overall: CategoryResult
    categories: dict[str, CategoryResult]
    queries: list[QueryResult]
    median_latency_s: float
    tokens_per_s: float | None = None

    model_config = {"populate_by_name": True}

    def to_json(self) -> str:
        data = sanitize(self.model_dump(mode="json", by_alias=True))
        return json.dumps(data, indent=2, ensure_ascii=False)


def _short(value: Any, limit: int = 200) -> Any:
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"... ({len(value)} chars)"
    if isinstance(value, list):
        return [_short(v, limit) for v in value]
    if isinstance(value, dict):
        return {k: _short(v, limit) for k, v in value.items()}
    return value


def shorten_calls(calls: list[CallInfo]) -> list[CallInfo]:
    """Calls with long arguments (file contents) cut, so the report stays readable."""
    return [c.model_copy(update={"arguments": _short(c.arguments)}) for c in calls]


def summarize(
    queries: list[QueryResult], categories: dict[str, tuple[str, int | None]], overall: int | None
) -> tuple[dict[str, CategoryResult], CategoryResult]:
    """Per-category and overall totals against thresholds (None: every query must pass)."""
    results: dict[str, CategoryResult] = {}
    for key, (title, threshold) in categories.items():
        mine = [q for q in queries if q.category == key]
        passed = sum(q.passed for q in mine)
        results[key] = CategoryResult(
            title=title,
            passed=passed,
            total=len(mine),
            threshold=threshold,
            met=passed >= (threshold if threshold is not None else len(mine)),
        )
    total_passed = sum(q.passed for q in queries)
    whole = CategoryResult(
        title="Overall",
        passed=total_passed,
        total=len(queries),
        threshold=overall,
        met=total_passed >= (overall if overall is not None else len(queries)),
    )
    return results, whole


def median_latency(queries: list[QueryResult]) -> float:
    return statistics.median(q.latency_s for q in queries) if queries else 0.0


def overall_tps(queries: list[QueryResult]) -> float | None:
    tokens = sum(q.completion_tokens or 0 for q in queries)
    seconds = sum(q.model_s for q in queries if q.completion_tokens)
    return tokens / seconds if tokens and seconds > 0 else None


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _quote(text: str, limit: int = 1500) -> list[str]:
    if len(text) > limit:
        text = text[:limit] + f" … ({len(text)} characters)"
    return ["> " + line if line.strip() else ">" for line in text.splitlines()] or ["> (empty)"]


def render_markdown(report: Report) -> str:
    """report.md: the verdict, the category table, one row per query, then each query's detail:
    the answer, the expected vs claimed facts, the checks, and why it failed."""
    verdict = "PASS" if report.passed else "FAIL"
    if report.error:
        verdict = "ERROR"
    model = report.model
    where = model.get("path") or model.get("endpoint") or ""
    ident = (
        model.get("served_model_id")
        or model.get("weights_sha256")
        or model.get("weights_index_sha256")
    )
    lines = [
        f"# punie-eval report: {verdict}" + (" (partial run)" if report.partial else ""),
        "",
        f"- backend: `{report.backend}`" + (f", model `{where}`" if where else ""),
        f"- model identity: `{ident}`" if ident else "- model identity: n/a",
        f"- temperature {report.temperature:g}, seed {report.seed}, max tokens "
        f"{report.max_tokens if report.max_tokens is not None else 'n/a'}"
        + (f", {report.repeat} runs" if report.repeat > 1 else ""),
        f"- suite: `{report.suite}` (version {report.suite_version}, fixture "
        f"`{report.fixture_sha256[:12]}`)",
        f"- started: {report.started_at}, duration {report.duration_s:.1f} s",
        f"- median latency per query: {report.median_latency_s:.2f} s",
        f"- tokens/s: {report.tokens_per_s:.1f}" if report.tokens_per_s else "- tokens/s: n/a",
    ]
    if report.judge:
        lines.append(f"- judge: `{report.judge}`")
    if report.error:
        lines += ["", f"**Infrastructure error:** {report.error}"]
    lines += ["", "| category | passed | threshold | met |", "|---|---|---|---|"]
    for cat in [*report.categories.values(), report.overall]:
        met = "yes" if cat.met else "**no**"
        threshold = cat.threshold if cat.threshold is not None else f"all {cat.total} (partial)"
        lines.append(f"| {cat.title} | {cat.passed}/{cat.total} | {threshold} | {met} |")
    lines += [
        "",
        "| query | category | result | calls | turns | latency s | tok/s | why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q in report.queries:
        calls = ", ".join(c.name for c in q.calls) or "-"
        tps = f"{q.tokens_per_s:.1f}" if q.tokens_per_s else "-"
        result = "pass" if q.passed else "**fail**"
        if q.pass_rate is not None:
            result += f" ({q.pass_rate:.0%} of runs{'' if q.consistent else ', inconsistent'})"
        lines.append(
            f"| {_cell(q.request)} | {q.category} | {result} | {calls} | {q.turns} | "
            f"{q.latency_s:.2f} | {tps} | {_cell(q.why)} |"
        )
    lines += ["", "## Queries", ""]
    for q in report.queries:
        lines += [f"### {q.id}: {'pass' if q.passed else 'FAIL'}", "", f"Request: {q.request}", ""]
        lines.append(
            f"Outcome: {q.outcome} after {q.turns} turns" + (" (truncated)" if q.truncated else "")
        )
        lines += [
            "",
            "Answer:",
            "",
            *(_quote(q.final_answer) if q.final_answer else ["(none)"]),
            "",
        ]
        if q.facts:
            lines += ["| fact | expected | claimed | ok |", "|---|---|---|---|"]
            for f in q.facts:
                ok = "yes" if f.ok else f"**no**: {_cell(f.detail)}"
                lines.append(
                    f"| {_cell(f.fact)} | {_cell(f.expected)} | {_cell(f.claimed)} | {ok} |"
                )
            lines.append("")
        if q.rubric_stated:
            lines += [f"Rubric facts stated: {', '.join(q.rubric_stated)}", ""]
        if q.judge:
            lines += [f"Judge: {q.judge.get('verdict')} ({_cell(q.judge.get('reason', ''))})", ""]
        if q.state:
            lines += ["| check | path | ok | detail |", "|---|---|---|---|"]
            for s in q.state:
                lines.append(
                    f"| {s.check} | {_cell(s.path or '')} | {'yes' if s.ok else '**no**'} | "
                    f"{_cell(s.detail)} |"
                )
            lines.append("")
        thinking = [t for t in q.turn_summaries if t.thinking]
        if thinking:
            lines += [f"Thinking recorded in {len(thinking)} turns (not scored).", ""]
        if not q.passed:
            lines += ["Why it failed:", "", *[f"- {_cell(r)}" for r in q.reasons], ""]
    return sanitize("\n".join(lines) + "\n")


def atomic_write(path: Path, text: str) -> None:
    """Write text to path via a temporary file and a rename, so readers never see half a file
    (permission bits like its siblings'; characters that cannot be encoded are replaced)."""
    write_atomic(path, text.encode("utf-8", errors="replace"))


def save_text(out: Path, name: str, text: str, target: OutputDir | None = None) -> Path:
    """Write `out/name` atomically; through `target` (an owned directory holding `out`), so its
    manifest records the file as punie-eval's."""
    path = out / name
    if target is None:
        atomic_write(path, text)
        return path
    rel = Path(os.path.abspath(path)).relative_to(os.path.abspath(target.path))
    with target.open(rel.as_posix(), binary=True) as handle:
        handle.write(text.encode("utf-8", errors="replace"))
    return path


def write_report(
    report: Report,
    out: Path,
    transcripts: list[dict[str, Any]] | None = None,
    *,
    target: OutputDir | None = None,
) -> None:
    """report.json, report.md and (when given) transcripts.jsonl under `out` (through `target`,
    the owned directory, when given).

    transcripts.jsonl keeps every raw reply (thinking included) as JSON with non-ASCII escaped,
    so even lone surrogates survive and a replay sees exactly what the model said.
    """
    if transcripts is not None:
        lines = "".join(json.dumps(t, ensure_ascii=True) + "\n" for t in transcripts)
        save_text(out, "transcripts.jsonl", lines, target)
    save_text(out, "report.json", report.to_json() + "\n", target)
    save_text(out, "report.md", render_markdown(report), target)


def load_report(path: str | Path) -> Report:
    """Read a report.json (or the directory holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    return Report.model_validate_json(path.read_text(encoding="utf-8"))
