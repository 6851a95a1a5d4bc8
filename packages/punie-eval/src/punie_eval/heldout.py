"""The held-out test split as a second report: for each example, give the model the conversation
up to its first assistant turn and check that its reply chooses the same tool(s), or a direct
answer, and that the reply is well-formed (format validity).
"""

from __future__ import annotations

import ast
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from punie_eval._outcome import interpret
from punie_eval.backends import Backend
from punie_eval.report import atomic_write
from punie_eval.scoring import calls_in_code
from punie_tools import wire

__all__ = [
    "HELDOUT_SCHEMA",
    "HeldoutExample",
    "HeldoutReport",
    "expected_choice",
    "render_heldout_markdown",
    "run_heldout",
]

HELDOUT_SCHEMA = "punie-eval/heldout/v1"


class HeldoutExample(BaseModel):
    """One example's expected and predicted choice."""

    index: int
    group: str
    category: str
    request: str
    expected: str  # "direct" or "+"-joined sorted tool names ("" when code calls no tool)
    predicted: str  # same, or "malformed" / "error"
    correct: bool
    valid: bool
    reason: str | None = None
    seconds: float = 0.0


class GroupStats(BaseModel):
    total: int = 0
    correct: int = 0
    valid: int = 0


class HeldoutReport(BaseModel):
    """heldout report.json."""

    schema_: str = Field(default=HELDOUT_SCHEMA, alias="schema")
    backend: str
    data: str
    total: int
    skipped: int
    tool_choice_accuracy: float
    format_validity_rate: float
    by_group: dict[str, GroupStats]
    examples: list[HeldoutExample]

    model_config = {"populate_by_name": True}


def _code_of(message: dict[str, Any]) -> str | None:
    for call in message.get("tool_calls") or []:
        arguments = (call.get("function") or {}).get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                return None
        if isinstance(arguments, dict) and isinstance(arguments.get("code"), str):
            return arguments["code"]
    return None


def _choice_of_code(code: str) -> str:
    return "+".join(sorted({c.name for c in calls_in_code(code)}))


def expected_choice(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str] | None:
    """The prompt (messages before the first assistant turn) and the choice that turn made."""
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            code = _code_of(message)
            choice = "direct" if code is None else _choice_of_code(code)
            return messages[:index], choice
    return None


def _valid_code(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError):
        return False
    return True


def run_heldout(
    data: Path,
    backend: Backend,
    *,
    limit: int | None = None,
    on_example: Callable[[HeldoutExample], None] | None = None,
) -> HeldoutReport:
    """Ask the backend for the first reply of every example in the JSONL file `data`.

    With `limit`, `limit` examples evenly spaced through the file are asked (the splits are
    written stratum by stratum, so the first N lines would all come from one or two groups).
    """
    examples: list[HeldoutExample] = []
    skipped = 0
    lines = data.read_text(encoding="utf-8").splitlines()
    chosen: list[int] = list(range(len(lines)))
    if limit is not None and 0 <= limit < len(lines):
        last = len(lines) - 1
        chosen = (
            sorted({round(k * last / (limit - 1)) for k in range(limit)})
            if limit > 1
            else [0][:limit]
        )
    for index in chosen:
        line = lines[index]
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            found = expected_choice(list(raw["messages"]))
        except (json.JSONDecodeError, KeyError, TypeError):
            found = None
        if found is None:
            skipped += 1
            continue
        prompt, expected = found
        meta = raw.get("meta") or {}
        request = next((str(m.get("content")) for m in prompt if m.get("role") == "user"), "")
        start = time.perf_counter()
        reason: str | None = None
        try:
            outcome = interpret(backend.complete(prompt, raw.get("tools") or wire.TOOLS))
        except Exception as exc:  # recorded, never raised
            predicted, valid, reason = "error", False, f"{type(exc).__name__}: {exc}"
        else:
            if outcome.kind == "malformed":
                predicted, valid, reason = "malformed", False, outcome.reason
            elif outcome.kind == "answer":
                predicted, valid = "direct", True
            else:
                code = outcome.code or ""
                valid = _valid_code(code)
                predicted = _choice_of_code(code) if valid else "malformed"
                reason = None if valid else "code is not valid Python"
        example = HeldoutExample(
            index=index,
            group=str(meta.get("group", "unknown")),
            category=str(meta.get("category", "unknown")),
            request=request[:200],
            expected=expected,
            predicted=predicted,
            correct=predicted == expected,
            valid=valid,
            reason=reason,
            seconds=time.perf_counter() - start,
        )
        examples.append(example)
        if on_example is not None:
            on_example(example)
    by_group: dict[str, GroupStats] = {}
    for ex in examples:
        stats = by_group.setdefault(ex.group, GroupStats())
        stats.total += 1
        stats.correct += ex.correct
        stats.valid += ex.valid
    total = len(examples)
    return HeldoutReport(
        backend=getattr(backend, "name", type(backend).__name__),
        data=str(data),
        total=total,
        skipped=skipped,
        tool_choice_accuracy=sum(e.correct for e in examples) / total if total else 0.0,
        format_validity_rate=sum(e.valid for e in examples) / total if total else 0.0,
        by_group=dict(sorted(by_group.items())),
        examples=examples,
    )


def render_heldout_markdown(report: HeldoutReport) -> str:
    """heldout report.md."""
    lines = [
        "# punie-eval held-out report",
        "",
        f"- backend: `{report.backend}`",
        f"- data: `{report.data}` ({report.total} examples, {report.skipped} skipped)",
        f"- tool-choice accuracy: {report.tool_choice_accuracy:.1%}",
        f"- format validity rate: {report.format_validity_rate:.1%}",
        "",
        "| group | examples | tool choice | valid format |",
        "|---|---|---|---|",
    ]
    for group, s in report.by_group.items():
        lines.append(f"| {group} | {s.total} | {s.correct}/{s.total} | {s.valid}/{s.total} |")
    return "\n".join(lines) + "\n"


def write_heldout(report: HeldoutReport, out: Path) -> None:
    """Write the held-out report.json and report.md under `out`."""
    atomic_write(out / "report.json", report.model_dump_json(indent=2, by_alias=True) + "\n")
    atomic_write(out / "report.md", render_heldout_markdown(report))
