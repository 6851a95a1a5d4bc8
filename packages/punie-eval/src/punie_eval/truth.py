"""The truth of the run: what the real tools report on the fixture, measured when the suite is used.

Every tool query's `answer` checks name a probe (typecheck / ruff_check / pytest_run on a path,
a grep pattern, or the names a file defines). The probes run once per snapshot, on a throwaway
copy of it, so the facts an answer is checked against can never drift from the fixture.
"""

from __future__ import annotations

import ast
import io
import re
import tempfile
import tokenize
from pathlib import Path

from pydantic import BaseModel, Field

from punie_eval.fixture import fresh_copy, iter_files
from punie_eval.suite import AnswerCheck, Improve, Suite
from punie_tools.runners import pytest_run, ruff_check, typecheck

__all__ = [
    "Complexity",
    "Probe",
    "Truth",
    "derive_truth",
    "measure_complexity",
    "measure_functions",
]


class Probe(BaseModel):
    """What one probe found on the fixture."""

    key: str
    tool: str
    path: str
    total: int = 0  # type errors / violations / failed tests / matching files / names
    by_file: dict[str, int] = Field(default_factory=dict)
    lines: dict[str, list[int]] = Field(default_factory=dict)
    codes: dict[str, int] = Field(default_factory=dict)
    names: list[str] = Field(default_factory=list)
    passed: int = 0
    failed: int = 0
    failing: list[str] = Field(default_factory=list)  # test function names
    summary: str = ""
    tool_error: str | None = None


class Complexity(BaseModel):
    """ruff's own measures of one function (C901, PLR0912, PLR0915)."""

    complexity: int
    branches: int
    statements: int

    def __str__(self) -> str:
        return (
            f"complexity {self.complexity}, branches {self.branches}, statements {self.statements}"
        )


class Truth(BaseModel):
    """Every probe's result and every refactor target's measures before the model ran."""

    probes: dict[str, Probe] = Field(default_factory=dict)
    complexity: dict[str, Complexity] = Field(default_factory=dict)  # "path::function"
    files: list[str] = Field(default_factory=list)


def _typecheck(check: AnswerCheck, ws: Path) -> Probe:
    result = typecheck(check.path, cwd=ws)
    probe = Probe(key=check.key, tool=check.tool, path=check.path, tool_error=result.tool_error)
    errors = [e for e in result.errors if e.severity == "error"]
    for e in errors:
        probe.by_file[e.file] = probe.by_file.get(e.file, 0) + 1
        probe.lines.setdefault(e.file, []).append(e.line)
        probe.codes[e.code] = probe.codes.get(e.code, 0) + 1
    probe.total = len(errors)
    probe.summary = f"{probe.total} type errors in {len(probe.by_file)} files"
    return probe


def _ruff(check: AnswerCheck, ws: Path) -> Probe:
    result = ruff_check(check.path, cwd=ws)
    probe = Probe(key=check.key, tool=check.tool, path=check.path, tool_error=result.tool_error)
    kept = [v for v in result.violations if not check.select or v.code in check.select]
    for v in kept:
        probe.by_file[v.file] = probe.by_file.get(v.file, 0) + 1
        probe.lines.setdefault(v.file, []).append(v.line)
        probe.codes[v.code] = probe.codes.get(v.code, 0) + 1
        name = re.match(r"`([^`]+)` imported but unused", v.message)
        if name:
            probe.names.append(name.group(1).rsplit(".", 1)[-1])
    probe.total = len(kept)
    what = "/".join(check.select) + " " if check.select else ""
    probe.summary = f"{probe.total} {what}violations in {len(probe.by_file)} files"
    return probe


def _pytest(check: AnswerCheck, ws: Path) -> Probe:
    result = pytest_run(check.path, cwd=ws)
    probe = Probe(key=check.key, tool=check.tool, path=check.path, tool_error=result.tool_error)
    probe.passed, probe.failed = result.passed, result.failed
    for failure in result.failures:
        test_file = failure.test_id.split("::", 1)[0]
        probe.by_file[test_file] = probe.by_file.get(test_file, 0) + 1
        probe.failing.append(failure.test_id.rsplit("::", 1)[-1].split("[", 1)[0])
    probe.total = result.failed + result.error_count
    probe.summary = f"{result.passed} passed, {result.failed} failed"
    return probe


def _grep(check: AnswerCheck, ws: Path) -> Probe:
    pattern = re.compile(check.pattern or "")
    probe = Probe(key=check.key, tool=check.tool, path=check.path)
    base = ws / check.path
    for rel in iter_files(base) if base.is_dir() else [Path()]:
        full = base / rel if base.is_dir() else base
        name = full.relative_to(ws).as_posix()
        try:
            text = full.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if pattern.search(line):
                probe.by_file[name] = probe.by_file.get(name, 0) + 1
                probe.lines.setdefault(name, []).append(number)
    probe.total = len(probe.by_file)
    probe.summary = f"{check.pattern!r} matches in {', '.join(sorted(probe.by_file)) or 'no file'}"
    return probe


def _defines(check: AnswerCheck, ws: Path) -> Probe:
    probe = Probe(key=check.key, tool=check.tool, path=check.path)
    base = ws / check.path
    files = [base] if base.is_file() else [base / p for p in iter_files(base)]
    for file in files:
        if file.suffix != ".py":
            continue
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            defined = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            if defined and not node.name.startswith("_"):
                probe.names.append(node.name)
                rel = file.relative_to(ws).as_posix()
                probe.by_file[rel] = probe.by_file.get(rel, 0) + 1
    probe.total = len(probe.names)
    probe.summary = f"defines {', '.join(probe.names)}"
    return probe


_PROBES = {
    "typecheck": _typecheck,
    "ruff_check": _ruff,
    "pytest_run": _pytest,
    "grep": _grep,
    "defines": _defines,
}

_RUFF_MEASURES = """\
[lint]
select = ["C901", "PLR0912", "PLR0915"]
mccabe.max-complexity = 0
pylint.max-branches = 0
pylint.max-statements = 0
"""
_MEASURE = re.compile(
    r"`?(\w+)`? is too complex \((\d+) >|Too many (branches|statements) \((\d+) >"
)


def _blank_comments(source: str) -> str:
    """`source` with every comment replaced by spaces (lines and columns kept), so a
    `# noqa: C901` or `# ruff: disable[...]` the model added cannot hide what is measured."""
    lines = source.splitlines(keepends=True)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, ValueError):
        return source
    for tok in reversed(tokens):
        if tok.type != tokenize.COMMENT or tok.start[0] != tok.end[0]:
            continue
        row, col = tok.start[0] - 1, tok.start[1]
        line = lines[row]
        lines[row] = line[:col] + " " * (tok.end[1] - col) + line[tok.end[1] :]
    return "".join(lines)


def _functions(tree: ast.Module) -> dict[int, str]:
    """line of each `def` (top level, nested, methods) -> its qualified name."""
    found: dict[int, str] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    found[child.lineno] = name
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def measure_functions(source: str) -> dict[str, Complexity] | None:
    """ruff's complexity, branch and statement counts of every function in `source` (qualified
    names: `f`, `Class.method`, `outer.inner`), comments ignored. None when it does not parse
    or ruff could not run.

    ruff runs (through punie-tools) on a copy of the file in a scratch directory whose ruff.toml
    selects only the measuring rules with every limit at 0, so each function is reported with
    its numbers.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = _functions(tree)
    with tempfile.TemporaryDirectory(prefix="punie-eval-measure-") as tmp:
        (Path(tmp) / "ruff.toml").write_text(_RUFF_MEASURES, encoding="utf-8")
        (Path(tmp) / "measured.py").write_text(_blank_comments(source), encoding="utf-8")
        result = ruff_check("measured.py", cwd=tmp)
    if result.tool_error is not None:
        return None
    found = {name: {"complexity": 1, "branches": 0, "statements": 0} for name in lines.values()}
    for v in result.violations:
        name = lines.get(v.line)
        match = _MEASURE.search(v.message)
        if name is None or match is None:
            continue
        if match.group(2):
            found[name]["complexity"] = int(match.group(2))
        else:
            found[name][match.group(3)] = int(match.group(4))
    return {name: Complexity(**values) for name, values in found.items()}


def measure_complexity(source: str, function: str) -> Complexity | None:
    """ruff's complexity, branch and statement counts of a top-level `function` in `source`
    (see `measure_functions`). None when the function is not there or ruff could not run."""
    measured = measure_functions(source)
    return None if measured is None else measured.get(function)


def _improve_key(improve: Improve) -> str:
    return f"{improve.path}::{improve.function}"


def derive_truth(suite: Suite, pristine: Path) -> Truth:
    """Run every probe the suite names on a throwaway copy of `pristine`."""
    truth = Truth(files=[p.as_posix() for p in iter_files(pristine)])
    with fresh_copy(pristine, prefix="punie-eval-truth-") as ws:
        for query in suite.queries:
            for check in query.answer:
                if check.key not in truth.probes:
                    truth.probes[check.key] = _PROBES[check.tool](check, ws)
            if query.improve is not None:
                file = ws / query.improve.path
                source = file.read_text(encoding="utf-8") if file.is_file() else ""
                measured = measure_complexity(source, query.improve.function)
                if measured is not None:
                    truth.complexity[_improve_key(query.improve)] = measured
    return truth


def improve_key(improve: Improve) -> str:
    """The key of a refactor target in `Truth.complexity`."""
    return _improve_key(improve)
