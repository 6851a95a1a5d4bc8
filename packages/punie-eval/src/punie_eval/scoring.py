"""Judge an episode by behaviour: which tools really ran with which arguments, in which order,
what the final answer says, and what state the workspace was left in (re-checked with real tools).
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from punie_eval.suite import CallPattern, Query, StateCheck, Suite
from punie_tools.runners import pytest_run, ruff_check, typecheck

if TYPE_CHECKING:
    from punie_eval.loop import Episode

__all__ = [
    "TOOL_PARAMS",
    "CallInfo",
    "QueryScore",
    "StateResult",
    "calls_in_code",
    "executed_calls",
    "facts_missing",
    "match_pattern",
    "normalize_path",
    "score_episode",
]

# The external functions' parameters, in order: positional arguments in model code map onto these.
TOOL_PARAMS: dict[str, tuple[str, ...]] = {
    "read_file": ("path",),
    "write_file": ("path", "content"),
    "run_command": ("command", "args", "cwd"),
    "typecheck": ("path",),
    "ruff_check": ("path",),
    "pytest_run": ("path",),
}
HIDDEN_TEST_FILE = "tests/test_zz_eval_hidden.py"


class CallInfo(BaseModel):
    """One tool call: from the code's AST (written) or from the sandbox record (ran)."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    turn: int = 0
    error: str | None = None


class StateResult(BaseModel):
    """The outcome of one final-workspace check."""

    check: str
    path: str | None = None
    ok: bool
    detail: str = ""


class QueryScore(BaseModel):
    """Pass/fail for one query and every reason it failed."""

    passed: bool
    reasons: list[str] = Field(default_factory=list)
    calls: list[CallInfo] = Field(default_factory=list)
    written_calls: list[CallInfo] = Field(default_factory=list)
    state: list[StateResult] = Field(default_factory=list)
    scoring_s: float = 0.0

    @property
    def why(self) -> str:
        return "; ".join(self.reasons) if self.reasons else "all expectations met"


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None  # computed at run time; the executed record has the real value


def calls_in_code(code: str, turn: int = 0) -> list[CallInfo]:
    """Tool calls written in `code`, read from its AST (names and literal arguments), in order."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return []
    found: list[tuple[int, int, CallInfo]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        params = TOOL_PARAMS.get(node.func.id)
        if params is None:
            continue
        arguments: dict[str, Any] = {}
        for name, arg in zip(params, node.args, strict=False):
            arguments[name] = _literal(arg)
        for keyword in node.keywords:
            if keyword.arg:
                arguments[keyword.arg] = _literal(keyword.value)
        found.append(
            (
                node.lineno,
                node.col_offset,
                CallInfo(name=node.func.id, arguments=arguments, turn=turn),
            )
        )
    return [info for _, _, info in sorted(found, key=lambda item: (item[0], item[1]))]


def executed_calls(episode: Episode) -> list[CallInfo]:
    """Every tool call that really ran in the sandbox, in order, across turns."""
    calls: list[CallInfo] = []
    for turn in episode.turns:
        if turn.record is None:
            continue
        for call in turn.record.calls:
            calls.append(
                CallInfo(
                    name=call.name,
                    arguments=dict(call.arguments),
                    turn=turn.index,
                    error=call.error,
                )
            )
    return calls


def normalize_path(value: Any) -> str | None:
    """A workspace-relative path in canonical form ('./src/' → 'src', '' → '.')."""
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\\", "/")
    if not text:
        return "."
    return posixpath.normpath(text)


def _path_ok(pattern: CallPattern, value: Any) -> bool:
    if pattern.path is None or pattern.path_match == "any":
        return True
    actual = normalize_path(value)
    if actual is None:
        return False
    if pattern.path_match == "glob":
        return fnmatch.fnmatchcase(actual, pattern.path)
    target = normalize_path(pattern.path) or "."
    if pattern.path_match == "exact":
        return actual == target
    # covers: the call's path is the target itself or a directory that contains it
    return actual in (".", target) or target.startswith(actual.rstrip("/") + "/")


def match_pattern(pattern: CallPattern, call: CallInfo, index: int, last_write: int) -> bool:
    """Whether the call at position `index` satisfies the pattern."""
    if call.name != pattern.tool or call.error is not None:
        return False
    if pattern.after_last_write and index < last_write:
        return False
    if pattern.path is not None and not _path_ok(pattern, call.arguments.get("path")):
        return False
    if pattern.command is not None:
        command = str(call.arguments.get("command") or "").strip().split(" ")[0]
        if posixpath.basename(command) not in pattern.command:
            return False
    if pattern.args_contain is not None:
        raw = call.arguments.get("args")
        args = " ".join(str(a) for a in raw) if isinstance(raw, list) else str(raw or "")
        args += " " + str(call.arguments.get("command") or "")
        if not any(alt.lower() in args.lower() for alt in pattern.args_contain):
            return False
    return True


def _describe(pattern: CallPattern) -> str:
    parts = [pattern.tool]
    if pattern.path is not None:
        parts.append(f"{pattern.path_match} {pattern.path}")
    if pattern.command:
        parts.append("command in " + "/".join(pattern.command))
    if pattern.args_contain:
        parts.append("args with " + "/".join(pattern.args_contain))
    if pattern.after_last_write:
        parts.append("after the last write")
    return parts[0] + ("(" + ", ".join(parts[1:]) + ")" if len(parts) > 1 else "()")


def facts_missing(answer: str, facts: list[list[str]]) -> list[list[str]]:
    """The fact groups none of whose alternatives occur in the answer (case-insensitive)."""
    text = answer.lower()
    return [group for group in facts if not any(alt.lower() in text for alt in group)]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for file in files:
        if "__pycache__" in file.parts or file.suffix == ".pyc" or ".ruff_cache" in file.parts:
            continue
        h.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        h.update(file.read_bytes())
    return h.hexdigest() if path.exists() else "missing"


def _defines(file: Path, name: str) -> bool:
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == name
        for node in tree.body
    )


def run_state_check(
    check: StateCheck, workspace: Path, pristine: Path, suite: Suite
) -> StateResult:
    """Re-run one check on the final workspace with the real tools."""
    path = check.path or "."
    if check.check == "typecheck_clean":
        result = typecheck(path, cwd=workspace)
        detail = result.tool_error or f"{result.error_count} type errors"
        return StateResult(check=check.check, path=path, ok=result.success, detail=detail)
    if check.check == "ruff_clean":
        result = ruff_check(path, cwd=workspace)
        detail = result.tool_error or f"{result.error_count} lint errors"
        return StateResult(check=check.check, path=path, ok=result.success, detail=detail)
    if check.check == "pytest_pass":
        result = pytest_run(path, cwd=workspace)
        ok = result.success and result.passed >= check.min_passed
        detail = result.tool_error or f"{result.passed}/{result.total} passed"
        return StateResult(check=check.check, path=path, ok=ok, detail=detail)
    if check.check in ("unchanged", "changed"):
        same = _digest(workspace / path) == _digest(pristine / path)
        ok = same if check.check == "unchanged" else not same
        return StateResult(
            check=check.check, path=path, ok=ok, detail="same" if same else "modified"
        )
    if check.check == "defines":
        ok = _defines(workspace / path, check.name or "")
        detail = f"{check.name} {'defined' if ok else 'not defined at top level'}"
        return StateResult(check=check.check, path=path, ok=ok, detail=detail)
    # hidden_test: the suite's own test of the behaviour asked for, written after the episode
    target = workspace / HIDDEN_TEST_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(suite.hidden_tests[check.name or ""], encoding="utf-8")
    result = pytest_run(HIDDEN_TEST_FILE, cwd=workspace)
    target.unlink(missing_ok=True)
    ok = result.success and result.passed > 0
    detail = result.tool_error or f"hidden test {check.name}: {result.passed}/{result.total} passed"
    return StateResult(check=check.check, path=check.name, ok=ok, detail=detail)


def score_episode(
    query: Query, episode: Episode, workspace: Path, pristine: Path, suite: Suite
) -> QueryScore:
    """Score one episode against its query's expectations (see data/eval/suite.toml)."""
    import time

    start = time.perf_counter()
    reasons: list[str] = []
    calls = executed_calls(episode)
    written = [c for t in episode.turns if t.code for c in calls_in_code(t.code, t.index)]
    code_turns = [t for t in episode.turns if t.kind == "code"]

    if episode.outcome == "backend_error":
        reasons.append(f"backend error: {episode.turns[-1].reason}")
    if episode.outcome == "malformed":
        reasons.append(
            f"malformed output at turn {episode.turns[-1].index + 1}: {episode.turns[-1].reason}"
        )
    for turn in code_turns:
        if turn.record is not None and turn.record.error is not None:
            err = turn.record.error
            if err.kind in ("syntax", "type") and not turn.record.calls:
                reasons.append(
                    f"turn {turn.index + 1}: code rejected before running "
                    f"({err.kind}: {err.message[:120]})"
                )

    if query.kind == "direct":
        if code_turns:
            names = sorted({c.name for c in written} | {c.name for c in calls}) or ["code"]
            reasons.append(f"expected a direct answer, but the model ran code ({', '.join(names)})")
        if episode.final_answer is None:
            if episode.outcome not in ("malformed", "backend_error"):
                reasons.append("no final answer")
        else:
            for group in facts_missing(episode.final_answer, query.facts):
                reasons.append("answer lacks a required fact: one of " + " | ".join(group))
    else:
        if not code_turns and episode.outcome == "answer":
            reasons.append("answered directly, but a tool call was expected")
        used = {c.name for c in calls} | {c.name for c in written}
        for tool in query.forbid:
            if tool in used:
                reasons.append(f"called forbidden tool {tool}")
        writes = [i for i, c in enumerate(calls) if c.name == "write_file" and c.error is None]
        last_write = writes[-1] if writes else -1
        for pattern in query.requires:
            if not any(match_pattern(pattern, c, i, last_write) for i, c in enumerate(calls)):
                reasons.append(f"missing call {_describe(pattern)}")
        position = 0
        for pattern in query.sequence:
            while position < len(calls) and not match_pattern(
                pattern, calls[position], position, last_write
            ):
                position += 1
            if position >= len(calls):
                reasons.append(f"sequence broken: no {_describe(pattern)} in order")
                break
            position += 1
        if query.answer_facts:
            if episode.final_answer is None:
                reasons.append("no final answer")
            else:
                for group in facts_missing(episode.final_answer, query.answer_facts):
                    reasons.append("answer lacks a required fact: one of " + " | ".join(group))
    state = [run_state_check(check, workspace, pristine, suite) for check in query.state]
    for result in state:
        if not result.ok:
            reasons.append(f"workspace check {result.check}({result.path}) failed: {result.detail}")
    return QueryScore(
        passed=not reasons,
        reasons=reasons,
        calls=calls,
        written_calls=written,
        state=state,
        scoring_s=time.perf_counter() - start,
    )
