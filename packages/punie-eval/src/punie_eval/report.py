"""The run report: per-query results, per-category totals against thresholds, written as
report.json (schema `punie-eval/report/v1`, documented in the README) and report.md.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from punie_eval.scoring import CallInfo, StateResult

__all__ = [
    "SCHEMA",
    "CategoryResult",
    "QueryResult",
    "Report",
    "atomic_write",
    "load_report",
    "render_markdown",
    "write_report",
]

SCHEMA = "punie-eval/report/v1"


class QueryResult(BaseModel):
    """One query's result as stored in report.json."""

    id: str
    category: str
    request: str
    kind: Literal["tool", "direct"]
    passed: bool
    why: str
    reasons: list[str] = Field(default_factory=list)
    outcome: str  # answer | turn_limit | malformed | backend_error
    turns: int
    calls: list[CallInfo] = Field(default_factory=list)  # calls that really ran
    written_calls: list[CallInfo] = Field(default_factory=list)  # calls read from the code's AST
    state: list[StateResult] = Field(default_factory=list)
    final_answer: str | None = None
    latency_s: float  # wall time of the episode
    model_s: float  # time spent waiting for the model
    sandbox_s: float  # time spent running code (tools included)
    tool_s: float  # time inside tool calls
    scoring_s: float  # final-workspace checks
    completion_tokens: int | None = None
    tokens_per_s: float | None = None


class CategoryResult(BaseModel):
    """Passes in one category against its threshold."""

    title: str
    passed: int
    total: int
    threshold: int
    met: bool


class Report(BaseModel):
    """The whole run (report.json)."""

    schema_: str = Field(default=SCHEMA, alias="schema")
    backend: str
    suite: str
    suite_version: int
    started_at: str
    duration_s: float
    passed: bool  # every threshold met
    overall: CategoryResult
    categories: dict[str, CategoryResult]
    queries: list[QueryResult]
    median_latency_s: float
    tokens_per_s: float | None = None

    model_config = {"populate_by_name": True}

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, by_alias=True)


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
    queries: list[QueryResult], categories: dict[str, tuple[str, int]], overall: int
) -> tuple[dict[str, CategoryResult], CategoryResult]:
    """Per-category and overall totals against thresholds."""
    results: dict[str, CategoryResult] = {}
    for key, (title, threshold) in categories.items():
        mine = [q for q in queries if q.category == key]
        passed = sum(q.passed for q in mine)
        results[key] = CategoryResult(
            title=title,
            passed=passed,
            total=len(mine),
            threshold=threshold,
            met=passed >= threshold,
        )
    total_passed = sum(q.passed for q in queries)
    whole = CategoryResult(
        title="Overall",
        passed=total_passed,
        total=len(queries),
        threshold=overall,
        met=total_passed >= overall,
    )
    return results, whole


def median_latency(queries: list[QueryResult]) -> float:
    return statistics.median(q.latency_s for q in queries) if queries else 0.0


def overall_tps(queries: list[QueryResult]) -> float | None:
    tokens = sum(q.completion_tokens or 0 for q in queries)
    seconds = sum(q.model_s for q in queries if q.completion_tokens)
    return tokens / seconds if tokens and seconds > 0 else None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """report.md: the verdict, the category table and one row per query."""
    verdict = "PASS" if report.passed else "FAIL"
    lines = [
        f"# punie-eval report: {verdict}",
        "",
        f"- backend: `{report.backend}`",
        f"- suite: `{report.suite}` (version {report.suite_version})",
        f"- started: {report.started_at}, duration {report.duration_s:.1f} s",
        f"- median latency per query: {report.median_latency_s:.2f} s",
        f"- tokens/s: {report.tokens_per_s:.1f}" if report.tokens_per_s else "- tokens/s: n/a",
        "",
        "| category | passed | threshold | met |",
        "|---|---|---|---|",
    ]
    for cat in [*report.categories.values(), report.overall]:
        met = "yes" if cat.met else "**no**"
        lines.append(f"| {cat.title} | {cat.passed}/{cat.total} | {cat.threshold} | {met} |")
    lines += [
        "",
        "| query | category | result | calls | turns | latency s | tok/s | why |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for q in report.queries:
        calls = ", ".join(c.name for c in q.calls) or "-"
        tps = f"{q.tokens_per_s:.1f}" if q.tokens_per_s else "-"
        result = "pass" if q.passed else "**fail**"
        lines.append(
            f"| {_cell(q.request)} | {q.category} | {result} | {calls} | {q.turns} | "
            f"{q.latency_s:.2f} | {tps} | {_cell(q.why)} |"
        )
    return "\n".join(lines) + "\n"


def atomic_write(path: Path, text: str) -> None:
    """Write text to path via a temporary file and os.replace, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_report(
    report: Report, out: Path, transcripts: list[dict[str, Any]] | None = None
) -> None:
    """report.json, report.md and (when given) transcripts.jsonl under `out`."""
    atomic_write(out / "report.json", report.to_json() + "\n")
    atomic_write(out / "report.md", render_markdown(report))
    if transcripts is not None:
        atomic_write(out / "transcripts.jsonl", "".join(json.dumps(t) + "\n" for t in transcripts))


def load_report(path: str | Path) -> Report:
    """Read a report.json (or the directory holding one)."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    return Report.model_validate_json(path.read_text(encoding="utf-8"))
