"""The held-out test split as a second report: does the model generalise to unseen requests?

For each example the model gets the conversation up to its first assistant turn. Its reply is
scored on three things against the reference first turn:

- **tool choice**: the same set of tools (from the code's AST; when the code ran cleanly on the
  example's workspace, the tools that really ran, so a call in dead code earns nothing), or a
  direct answer when the reference answers directly;
- **arguments**: the same workspace paths in those calls (literal `path` arguments, normalised;
  after a full run, only those of calls that really ran);
- **code runs**: the code parses, passes the sandbox's stub type check and runs without error in
  the Monty sandbox on the example's own workspace (re-materialised from `meta.workspace` with
  punie-datagen; where that is not possible only parsing and the type check count).

An example's `score` is the mean of the three (a direct-answer example scores 1 when the reply
is a direct answer, else 0). The report prints, beside the model's figures, three baselines
computed on the same examples: always answer directly, always call the most common tool, and
the majority choice of each category (fitted on the examples themselves, so it is optimistic).
"""

from __future__ import annotations

import ast
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from punie_eval._outcome import interpret
from punie_eval.backends import Backend, BackendUnavailable, BackendUnreachable
from punie_eval.report import sanitize, save_text
from punie_eval.scoring import calls_in_code, normalize_path
from punie_tools import wire
from punie_tools.sandbox import SandboxLimits, run_code

if TYPE_CHECKING:
    from punie_tools.cli_support import OutputDir

__all__ = [
    "HELDOUT_SCHEMA",
    "Baseline",
    "HeldoutExample",
    "HeldoutReport",
    "expected_choice",
    "render_heldout_markdown",
    "run_heldout",
    "write_heldout",
]

HELDOUT_SCHEMA = "punie-eval/heldout/v2"
_PATH_TOOLS = frozenset({"read_file", "write_file", "typecheck", "ruff_check", "pytest_run"})


class HeldoutExample(BaseModel):
    """One example's expected and predicted first turn."""

    index: int
    group: str
    category: str
    template: str | None = None
    request: str
    expected: str  # "direct" or "+"-joined sorted tool names ("" when code calls no tool)
    expected_paths: list[str] = Field(default_factory=list)
    predicted: str  # same, or "malformed" / "error"
    predicted_paths: list[str] = Field(default_factory=list)
    correct: bool  # tool choice
    arguments_ok: bool
    runs: bool
    runs_checked: str = "full"  # full | static (no workspace) | none
    valid: bool  # format validity
    score: float
    reason: str | None = None
    seconds: float = 0.0


class GroupStats(BaseModel):
    total: int = 0
    correct: int = 0
    valid: int = 0
    score: float = 0.0


class Baseline(BaseModel):
    """A trivial predictor's figures on the same examples."""

    name: str
    tool_choice: float
    score: float


class HeldoutReport(BaseModel):
    """heldout report.json."""

    schema_: str = Field(default=HELDOUT_SCHEMA, alias="schema")
    backend: str
    model: dict[str, Any] = Field(default_factory=dict)
    temperature: float | None = None
    seed: int | None = None
    max_tokens: int | None = None
    data: str
    total: int
    skipped: int
    score: float
    tool_choice_accuracy: float
    arguments_accuracy: float
    runs_rate: float
    format_validity_rate: float
    baselines: list[Baseline] = Field(default_factory=list)
    by_group: dict[str, GroupStats]
    by_category: dict[str, GroupStats] = Field(default_factory=dict)
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


def _paths_of_code(code: str) -> list[str]:
    paths = set()
    for call in calls_in_code(code):
        if call.name in _PATH_TOOLS:
            path = normalize_path(call.arguments.get("path"))
            if path is not None:
                paths.add(f"{call.name}:{path}")
    return sorted(paths)


def expected_choice(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str] | None:
    """The prompt (messages before the first assistant turn) and the choice that turn made."""
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            code = _code_of(message)
            choice = "direct" if code is None else _choice_of_code(code)
            return messages[:index], choice
    return None


def _reference_code(messages: list[dict[str, Any]]) -> str | None:
    for message in messages:
        if message.get("role") == "assistant":
            return _code_of(message)
    return None


def _workspace_files(meta: dict[str, Any]) -> dict[str, str] | None:
    """The example's workspace files from punie-datagen, or None when they cannot be rebuilt."""
    spec = meta.get("workspace")
    if not isinstance(spec, dict) or "project" not in spec:
        return None
    try:
        from punie_datagen.workspaces import workspace_files

        files = workspace_files(spec)
    except Exception:  # an unknown project or variant: run the static checks only
        return None
    return files if isinstance(files, dict) else None


def _ran(record_calls: list[Any], code: str) -> tuple[str, list[str]]:
    """(tool choice, paths) of a reply whose code ran: the tools that really ran, and the
    literal paths of its calls that really ran. A call in dead code (`if False: typecheck(..)`)
    or one that never ran earns nothing."""
    names = sorted({c.name for c in record_calls})
    executed = {
        f"{c.name}:{normalize_path(c.arguments.get('path'))}"
        for c in record_calls
        if c.name in _PATH_TOOLS and normalize_path(c.arguments.get("path")) is not None
    }
    return "+".join(names), [p for p in _paths_of_code(code) if p in executed]


def _runs(
    code: str, files: dict[str, str] | None
) -> tuple[bool, str, str | None, list[Any] | None]:
    """Whether the code runs cleanly: (ok, how it was checked, why not, the tool calls that
    ran when it ran on the example's workspace)."""
    try:
        ast.parse(code)
    except (SyntaxError, ValueError) as exc:
        return False, "static", f"does not parse: {exc}", None
    limits = SandboxLimits(timeout=10.0, tool_timeout=60.0)
    with tempfile.TemporaryDirectory(prefix="punie-eval-heldout-") as tmp:
        root = Path(tmp)
        for rel, content in (files or {}).items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        record = run_code(code, root, limits=limits)
    error = record.error
    how = "full" if files is not None else "static"
    calls = list(record.calls) if files is not None else None
    if error is None or (files is None and error.kind not in ("syntax", "type")):
        return True, how, None, calls
    return False, how, f"{error.kind}: {error.message[:200]}", calls


def _spread(count: int, limit: int | None) -> list[int]:
    if limit is None or not 0 < limit < count:
        return list(range(count))
    if limit == 1:
        return [0]
    last = count - 1
    return sorted({round(k * last / (limit - 1)) for k in range(limit)})


def _example_score(choice_ok: bool, args_ok: bool, runs: bool, direct: bool) -> float:
    if direct:
        return 1.0 if choice_ok else 0.0
    return (choice_ok + args_ok + runs) / 3


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
    A backend that cannot be reached, or that is unavailable before it answered once, raises
    BackendUnavailable: that is an infrastructure error, not a score of 0.
    """
    examples: list[HeldoutExample] = []
    skipped = 0
    answered = False
    lines = data.read_text(encoding="utf-8").splitlines()
    for index in _spread(len(lines), limit):
        line = lines[index]
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            messages = list(raw["messages"])
            found = expected_choice(messages)
        except (json.JSONDecodeError, KeyError, TypeError):
            found = None
        if found is None:
            skipped += 1
            continue
        prompt, expected = found
        reference = _reference_code(messages)
        expected_paths = _paths_of_code(reference) if reference else []
        meta = raw.get("meta") or {}
        request = next((str(m.get("content")) for m in prompt if m.get("role") == "user"), "")
        start = time.perf_counter()
        reason: str | None = None
        predicted_paths: list[str] = []
        runs, checked, valid = False, "none", False
        try:
            outcome = interpret(backend.complete(prompt, raw.get("tools") or wire.TOOLS))
        except BackendUnavailable as exc:
            if isinstance(exc, BackendUnreachable) or not answered:
                raise  # the backend cannot serve at all: an infrastructure error, not a score
            predicted, reason = "error", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # recorded, never raised
            predicted, reason = "error", f"{type(exc).__name__}: {exc}"
        else:
            answered = True
            if outcome.kind == "malformed":
                predicted, reason = "malformed", outcome.reason
            elif outcome.kind == "answer":
                predicted, valid = "direct", True
            else:
                code = outcome.code or ""
                try:
                    ast.parse(code)
                    valid = True
                except (SyntaxError, ValueError):
                    valid = False
                predicted = _choice_of_code(code) if valid else "malformed"
                predicted_paths = _paths_of_code(code) if valid else []
                if valid:
                    runs, checked, reason, ran = _runs(code, _workspace_files(meta))
                    if ran is not None and runs:
                        predicted, predicted_paths = _ran(ran, code)
                else:
                    reason = "code is not valid Python"
        direct = expected == "direct"
        choice_ok = predicted == expected
        args_ok = choice_ok if direct else (choice_ok and predicted_paths == expected_paths)
        runs = choice_ok if direct else runs
        example = HeldoutExample(
            index=index,
            group=str(meta.get("group", "unknown")),
            category=str(meta.get("category", "unknown")),
            template=meta.get("template"),
            request=request[:200],
            expected=expected,
            expected_paths=expected_paths,
            predicted=predicted,
            predicted_paths=predicted_paths,
            correct=choice_ok,
            arguments_ok=args_ok,
            runs=runs,
            runs_checked=checked,
            valid=valid,
            score=_example_score(choice_ok, args_ok, runs, direct),
            reason=reason,
            seconds=time.perf_counter() - start,
        )
        examples.append(example)
        if on_example is not None:
            on_example(example)
    return _summarise(backend, data, examples, skipped)


def baselines(examples: list[HeldoutExample]) -> list[Baseline]:
    """Always direct, always the most common tool, majority per category (same examples)."""
    if not examples:
        return []
    n = len(examples)
    tools = Counter(e.expected for e in examples if e.expected != "direct")
    common = tools.most_common(1)[0][0] if tools else "direct"
    by_category: dict[str, Counter[str]] = {}
    for e in examples:
        by_category.setdefault(e.category, Counter())[e.expected] += 1
    majority = {c: counts.most_common(1)[0][0] for c, counts in by_category.items()}

    def figures(name: str, guess: Callable[[HeldoutExample], str]) -> Baseline:
        right = [e for e in examples if guess(e) == e.expected]
        # A baseline writes no code: a direct-answer example it gets right scores 1, a tool
        # example it gets right scores 1/3 (the choice; no arguments, nothing runs).
        score = sum(1.0 if e.expected == "direct" else 1 / 3 for e in right) / n
        return Baseline(name=name, tool_choice=len(right) / n, score=score)

    return [
        figures("always answer directly", lambda e: "direct"),
        figures(f"always {common}", lambda e: common),
        figures("majority per category", lambda e: majority[e.category]),
    ]


def _stats(
    examples: list[HeldoutExample], key: Callable[[HeldoutExample], str]
) -> dict[str, GroupStats]:
    stats: dict[str, GroupStats] = {}
    for ex in examples:
        s = stats.setdefault(key(ex), GroupStats())
        s.total += 1
        s.correct += ex.correct
        s.valid += ex.valid
        s.score += ex.score
    for s in stats.values():
        s.score = s.score / s.total if s.total else 0.0
    return dict(sorted(stats.items()))


def _summarise(
    backend: Backend, data: Path, examples: list[HeldoutExample], skipped: int
) -> HeldoutReport:
    from punie_eval.backends import backend_identity

    total = len(examples)

    def mean(values: list[float]) -> float:
        return sum(values) / total if total else 0.0

    return HeldoutReport(
        backend=getattr(backend, "name", type(backend).__name__),
        model=backend_identity(backend),
        temperature=getattr(backend, "temperature", None),
        seed=getattr(backend, "seed", None),
        max_tokens=getattr(backend, "max_tokens", None),
        data=str(data),
        total=total,
        skipped=skipped,
        score=mean([e.score for e in examples]),
        tool_choice_accuracy=mean([float(e.correct) for e in examples]),
        arguments_accuracy=mean([float(e.arguments_ok) for e in examples]),
        runs_rate=mean([float(e.runs) for e in examples]),
        format_validity_rate=mean([float(e.valid) for e in examples]),
        baselines=baselines(examples),
        by_group=_stats(examples, lambda e: e.group),
        by_category=_stats(examples, lambda e: e.category),
        examples=examples,
    )


def render_heldout_markdown(report: HeldoutReport) -> str:
    """heldout report.md."""
    lines = [
        "# punie-eval held-out report",
        "",
        f"- backend: `{report.backend}`",
        f"- data: `{report.data}` ({report.total} examples, {report.skipped} skipped)",
        "",
        "| predictor | score | tool choice | arguments | code runs | valid format |",
        "|---|---|---|---|---|---|",
        f"| **the model** | {report.score:.1%} | {report.tool_choice_accuracy:.1%} | "
        f"{report.arguments_accuracy:.1%} | {report.runs_rate:.1%} | "
        f"{report.format_validity_rate:.1%} |",
    ]
    for b in report.baselines:
        lines.append(f"| baseline: {b.name} | {b.score:.1%} | {b.tool_choice:.1%} | - | - | - |")
    lines += [
        "",
        "| group | examples | score | tool choice | valid format |",
        "|---|---|---|---|---|",
    ]
    for group, s in report.by_group.items():
        lines.append(
            f"| {group} | {s.total} | {s.score:.1%} | {s.correct}/{s.total} | {s.valid}/{s.total} |"
        )
    return "\n".join(lines) + "\n"


def write_heldout(report: HeldoutReport, out: Path, *, target: OutputDir | None = None) -> None:
    """Write the held-out report.json and report.md under `out` (through `target`, the owned
    directory holding `out`, when given)."""
    data = sanitize(report.model_dump(mode="json", by_alias=True))
    save_text(out, "report.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n", target)
    save_text(out, "report.md", sanitize(render_heldout_markdown(report)), target)
