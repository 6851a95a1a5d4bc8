"""Judge an episode by behaviour and by the truth of the run.

- which tools really ran with which arguments, in which order (and which were forbidden);
- every query needs a final answer; a tool query's answer is checked against what the tools
  really report on the fixture (`punie_eval.facts`), a direct answer against its rubric
  (`punie_eval.rubric`) or, when one is given, a judge model;
- the workspace checks re-run with the real tools on a *fresh pristine copy* into which only the
  query's target files are copied from the model's workspace (its conftest.py, config edits and
  test edits are ignored unless writing tests is the task), never in the model's workspace and
  never in the pristine fixture; suppressions the model added to a target fail a fix;
- work quality: the model's tests must reject known-bad implementations (mutants) and accept the
  good one; a refactor must come out measurably simpler by ruff's own complexity measures.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import posixpath
import re
import secrets
import stat
import time
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from punie_eval.facts import FactResult, check_answer, hallucinated_files
from punie_eval.fixture import all_names, copy_tree, fresh_copy, remove_tree
from punie_eval.rubric import judge_rubric
from punie_eval.suite import CallPattern, Query, StateCheck, Suite
from punie_eval.truth import Complexity, Truth, improve_key, measure_functions
from punie_tools.models import TestResult
from punie_tools.runners import pytest_run, ruff_check, typecheck

if TYPE_CHECKING:
    from punie_eval.judge import Judge
    from punie_eval.loop import Episode

__all__ = [
    "HIDDEN_TEST_FILE",
    "TOOL_PARAMS",
    "CallInfo",
    "QueryScore",
    "StateResult",
    "calls_in_code",
    "executed_calls",
    "find_suppressions",
    "match_pattern",
    "normalize_path",
    "run_state_check",
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

_SUPPRESSIONS = re.compile(
    r"#\s*type:\s*ignore|#\s*(?:ruff|flake8)?\s*:?\s*noqa|#\s*pragma\b|#\s*ty:\s*ignore|"
    r"#\s*pyright:\s*ignore|#\s*mypy:\s*ignore|#\s*fmt:\s*(?:off|skip)|"
    # ruff's own line and range suppressions (the ignore, disable and enable comments)
    r"#\s*ruff\s*:\s*(?:ignore|disable|enable)\b|#\s*isort\s*:\s*(?:skip\w*|off)\b|"
    # code that hides code from the type checker
    r"\bno_type_check\b|\bTYPE_CHECKING\b|(?<![\w.])cast\s*\(|\btyping\.cast\b|"
    r"\bpytest\.mark\.(?:skip|skipif|xfail)\b|\bpytest\.(?:skip|xfail|importorskip)\s*\(|"
    r"\bunittest\.skip|\b__tracebackhide__|\bpytest_(?:collection_modifyitems|runtest_\w+)\b|"
    # code under test that reaches into pytest or the process to change what the checks report
    r"\b_pytest\b|\bpluggy\b|\bos\._exit\b|\bjson[_-]report\b|\bsys\.(?:settrace|setprofile)\b|"
    r"(?<![\w.])(?:exec|eval)\s*\(|(?<![\w.])compile\s*\(|\b__import__\b|\bimportlib\b",
    re.IGNORECASE,
)


class CallInfo(BaseModel):
    """One tool call: from the code's AST (written) or from the sandbox record (ran)."""

    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    turn: int = 0
    error: str | None = None


class StateResult(BaseModel):
    """The outcome of one check on the scorer's copy."""

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
    facts: list[FactResult] = Field(default_factory=list)
    rubric_stated: list[str] = Field(default_factory=list)
    judge: dict[str, Any] | None = None
    scoring_s: float = 0.0
    scoring_tool_s: float = 0.0

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
    return [
        CallInfo(name=c.name, arguments=dict(c.arguments), turn=turn.index, error=c.error)
        for turn in episode.turns
        for record in turn.records
        for c in record.calls
    ]


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


def find_suppressions(before: str, after: str) -> list[str]:
    """Suppression markers (type: ignore, noqa, pragma, skip/xfail, report hooks) `after` adds."""
    counts: dict[str, int] = {}
    for match in _SUPPRESSIONS.finditer(before):
        key = re.sub(r"\s+", "", match.group(0).lower())
        counts[key] = counts.get(key, 0) + 1
    added: list[str] = []
    for match in _SUPPRESSIONS.finditer(after):
        key = re.sub(r"\s+", "", match.group(0).lower())
        if counts.get(key, 0) > 0:
            counts[key] -= 1
        else:
            added.append(match.group(0).strip())
    return added


def _defines(file: Path, name: str) -> bool:
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return False
    return any(
        isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        and node.name == name
        for node in tree.body
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


MAX_TARGET_BYTES = 2_000_000
"""A target file larger than this is not copied into the scorer's copy (LocalBackend's own read
limit): a model cannot make the scorer read or copy a sparse multi-gigabyte file."""


def _no_link_path(root: Path, rel: str | Path) -> Path | None:
    """`root/rel` when none of its components (below `root`) is a symlink, else None."""
    current = root
    for part in PurePosixPath(Path(rel).as_posix()).parts:
        if part in ("", ".", "..", "/"):
            return None
        current = current / part
        if current.is_symlink():
            return None
    return current


def _tree_state(root: Path) -> tuple[tuple[str, int, int, int, int, int], ...]:
    """(name, mode, size, mtime_ns, ctime_ns, inode) of every entry under `root`, caches and
    folders included, links not followed: any write, chmod, rename or new file shows."""
    found: list[tuple[str, int, int, int, int, int]] = []
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            rel = os.path.relpath(entry.path, root)
            found.append((rel, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
            if stat.S_ISDIR(st.st_mode):
                stack.append(Path(entry.path))
    return tuple(sorted(found))


class _Copy:
    """The scorer's copy: the pristine fixture plus the query's targets, where the checks run.

    The checks run the model's code (its tests, the targets) with the copy as the workspace, so
    that code can change the copy: plant a `conftest.py` or a `.pyc`, edit a test, keep a counter
    between the mutant runs. `clean()` rebuilds the copy whenever its state differs from what
    the scorer itself last left, so every tool run starts from pristine + targets. Without a
    `pristine` (a caller's own folder), nothing is rebuilt.
    """

    def __init__(
        self, path: Path, pristine: Path | None = None, targets: dict[str, bytes] | None = None
    ) -> None:
        self.path = path
        self.pristine = pristine
        self.targets = dict(targets or {})
        if pristine is not None:
            self._build()
        self._state = _tree_state(path)

    def _build(self) -> None:
        assert self.pristine is not None
        if self.path.exists():
            remove_tree(self.path)
        copy_tree(self.pristine, self.path)
        for rel, data in self.targets.items():
            dest = self.path / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        self._state = _tree_state(self.path)

    def clean(self) -> Path:
        if self.pristine is not None and _tree_state(self.path) != self._state:
            self._build()
        return self.path

    def write(self, rel: str, text: str) -> None:
        dest = self.clean() / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8")
        self._state = _tree_state(self.path)

    def remove(self, rel: str) -> None:
        (self.clean() / rel).unlink(missing_ok=True)
        self._state = _tree_state(self.path)


_CANARY_NAME = "test_zz_canary_"


def _canary(nonce: str) -> str:
    """A test that must fail with `nonce` as its message: a run whose report says it passed, or
    lacks it, was changed by the code under test (a flipped report, a forged report file)."""
    return f"\n\ndef {_CANARY_NAME}{nonce[:8]}():\n    assert False, {nonce!r}\n"


def _with_canary(result: TestResult, nonce: str) -> tuple[TestResult, str | None]:
    """`result` without the canary, and why it cannot be trusted (None when it can)."""
    name = _CANARY_NAME + nonce[:8]
    mine = [f for f in result.failures if f.test_id.rsplit("::", 1)[-1] == name]
    if result.tool_error is not None:
        return result, None
    if len(mine) != 1 or nonce not in mine[0].message:
        return result, (
            "pytest's report was changed by the code under test (the scorer's canary test, "
            "which must fail, was reported as passed or missing)"
        )
    failures = [f for f in result.failures if f is not mine[0]]
    failed, total = result.failed - 1, result.total - 1
    return result.model_copy(
        update={
            "failures": failures,
            "failed": failed,
            "total": total,
            "success": total > 0 and failed == 0 and result.error_count == 0,
        }
    ), None


def _pytest_checked(
    copy: _Copy, path: str, timer: _Timer, hidden: str | None = None
) -> tuple[TestResult, str | None]:
    """pytest on `path` in a clean copy, with a canary test beside the tests: in `hidden` (the
    suite's hidden test, written to `path`), in `path` when it is a file, else in a file of its
    own in the folder `path`."""
    nonce = secrets.token_hex(16)
    root = copy.clean()
    restore: tuple[str, str | None] | None = None  # (file, its text before; None: remove it)
    if hidden is not None:
        copy.write(path, hidden.rstrip("\n") + "\n" + _canary(nonce))
    elif (root / path).is_file():
        original = _read(root / path)
        restore = (path, original)
        copy.write(path, original.rstrip("\n") + "\n" + _canary(nonce))
    elif (root / path).is_dir():
        restore = (f"{path}/test_zz_eval_canary.py", None)
        copy.write(restore[0], _canary(nonce).lstrip("\n"))
    try:
        result = timer.run(pytest_run, path, cwd=root)
    finally:
        # the canary is the scorer's, never part of what a later check runs (the mutants' own
        # runs, which must pass on the good implementation)
        if restore is not None:
            if restore[1] is None:
                copy.remove(restore[0])
            else:
                copy.write(*restore)
    return _with_canary(result, nonce)


class _Timer:
    def __init__(self) -> None:
        self.tool_s = 0.0

    def run(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.tool_s += time.perf_counter() - start


def _mutants(query: Query, copy: _Copy, pristine: Path, timer: _Timer) -> StateResult:
    spec = query.mutants
    assert spec is not None
    root = copy.clean()
    tests = root / spec.tests
    if not tests.is_file():
        return StateResult(check="mutants", path=spec.tests, ok=False, detail="no test file")
    base = _read(pristine / spec.module)
    # the model's module, restored afterwards (None: it had none, and none is left behind)
    original = _read(root / spec.module) if (root / spec.module).is_file() else None
    try:
        copy.write(spec.module, base.rstrip("\n") + "\n\n" + spec.good.strip("\n") + "\n")
        good = timer.run(pytest_run, spec.tests, cwd=copy.path)
        killed = 0
        survivors: list[int] = []
        for number, bad in enumerate(spec.bad, 1):
            # every run starts from pristine + targets: nothing a run left behind (a conftest,
            # a counter file) reaches the next one
            copy.write(spec.module, base.rstrip("\n") + "\n\n" + bad.strip("\n") + "\n")
            result = timer.run(pytest_run, spec.tests, cwd=copy.path)
            if result.success:
                survivors.append(number)
            else:
                killed += 1
    finally:
        if original is None:
            copy.remove(spec.module)
        else:
            copy.write(spec.module, original)
    good_ok = good.success and good.passed > 0
    ok = good_ok and killed >= spec.min_killed
    detail = (
        f"the tests pass on the good implementation: {'yes' if good_ok else 'no'}"
        f" ({good.tool_error or f'{good.passed}/{good.total} passed'}); they reject "
        f"{killed} of {len(spec.bad)} known-bad implementations (need {spec.min_killed})"
        + (f"; mutants {survivors} survive" if survivors else "")
    )
    return StateResult(check="mutants", path=spec.tests, ok=ok, detail=detail)


def _simpler(query: Query, copy: Path, pristine: Path, truth: Truth, timer: _Timer) -> StateResult:
    """The target function must come out simpler, and so must every function the change added:
    moving the body into a new helper (`return _impl(...)`) measures the helper too."""
    spec = query.improve
    assert spec is not None
    before = truth.complexity.get(improve_key(spec))
    measured = timer.run(measure_functions, _read(copy / spec.path))
    after = None if measured is None else measured.get(spec.function)
    if before is None or after is None:
        what = "before" if before is None else "after the change"
        return StateResult(
            check="simpler", path=spec.path, ok=False, detail=f"could not measure {what}"
        )
    old_names = set(timer.run(measure_functions, _read(pristine / spec.path)) or {})
    added = {n: c for n, c in (measured or {}).items() if n not in old_names}

    def simpler(c: Complexity) -> bool:
        return c.complexity < before.complexity or (
            c.complexity <= before.complexity and c.statements < before.statements
        )

    not_simpler = [n for n, c in added.items() if not simpler(c)]
    ok = simpler(after) and not not_simpler
    detail = f"{spec.function}: {before} before, {after} after"
    if not_simpler:
        detail += "; as complex as before in the added " + ", ".join(
            f"{n} ({added[n]})" for n in sorted(not_simpler)
        )
    return StateResult(check="simpler", path=spec.path, ok=ok, detail=detail)


def _unchanged(model_ws: Path, pristine: Path, path: str) -> bool:
    """Whether `path` (a file or folder) in the model's workspace equals the pristine one.

    Nothing in the model's workspace is followed or read beyond its own size: a symlink (the
    folder itself, a parent, or a file in it) or any non-regular entry counts as a change, and
    files are compared by size before their bytes, so a link to `/` or a sparse
    multi-gigabyte file costs nothing.
    """
    source = pristine / path
    target = _no_link_path(model_ws, path)
    if target is None:
        return False
    if not source.is_dir() and not target.is_dir():
        names = [""]
    else:
        if source.is_dir() != target.is_dir() and target.exists():
            return False
        names = sorted(set(all_names(source)) | set(all_names(target)))
    for name in names:
        mine, theirs = (target / name, source / name) if name else (target, source)
        try:
            st = os.lstat(mine)
        except FileNotFoundError:
            if theirs.exists():
                return False
            continue
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or not theirs.is_file():
            return False
        if st.st_size != theirs.stat().st_size:
            return False
        try:
            if mine.read_bytes() != theirs.read_bytes():
                return False
        except OSError:
            return False
    return True


def run_state_check(
    check: StateCheck,
    copy: Path | _Copy,
    model_ws: Path,
    pristine: Path,
    suite: Suite,
    query: Query | None = None,
    truth: Truth | None = None,
    timer: _Timer | None = None,
) -> StateResult:
    """Run one check: tools on the scorer's `copy`; (un)changed on the model's workspace.

    pytest checks run with a canary test beside the tests (see `_pytest_checked`). A `_Copy` is
    rebuilt from pristine + targets before each tool run that follows one that changed it.
    """
    timer = timer or _Timer()
    scorer = copy if isinstance(copy, _Copy) else _Copy(copy)
    path = check.path or "."
    if check.check == "typecheck_clean":
        result = timer.run(typecheck, path, cwd=scorer.clean())
        detail = result.tool_error or f"{result.error_count} type errors"
        return StateResult(check=check.check, path=path, ok=result.success, detail=detail)
    if check.check == "ruff_clean":
        result = timer.run(ruff_check, path, cwd=scorer.clean())
        detail = result.tool_error or f"{result.error_count} lint errors"
        return StateResult(check=check.check, path=path, ok=result.success, detail=detail)
    if check.check == "pytest_pass":
        tests, forged = _pytest_checked(scorer, path, timer)
        ok = forged is None and tests.success and tests.passed >= check.min_passed
        detail = forged or tests.tool_error or f"{tests.passed}/{tests.total} passed"
        return StateResult(check=check.check, path=path, ok=ok, detail=detail)
    if check.check in ("unchanged", "changed"):
        same = _unchanged(model_ws, pristine, path)
        ok = same if check.check == "unchanged" else not same
        return StateResult(
            check=check.check, path=path, ok=ok, detail="same" if same else "modified"
        )
    if check.check == "defines":
        ok = _defines(scorer.clean() / path, check.name or "")
        detail = f"{check.name} {'defined' if ok else 'not defined at top level'}"
        return StateResult(check=check.check, path=path, ok=ok, detail=detail)
    if check.check == "mutants":
        assert query is not None
        return _mutants(query, scorer, pristine, timer)
    if check.check == "simpler":
        assert query is not None and truth is not None
        return _simpler(query, scorer.clean(), pristine, truth, timer)
    # hidden_test: the suite's own test of the behaviour asked for, written into the copy
    content = suite.hidden_tests[check.name or ""]
    try:
        tests, forged = _pytest_checked(scorer, HIDDEN_TEST_FILE, timer, hidden=content)
    finally:
        scorer.remove(HIDDEN_TEST_FILE)
    ok = forged is None and tests.success and tests.passed > 0
    detail = (
        forged
        or tests.tool_error
        or f"hidden test {check.name}: {tests.passed}/{tests.total} passed"
    )
    return StateResult(check=check.check, path=check.name, ok=ok, detail=detail)


def _target_bytes(workspace: Path, target: str) -> tuple[bytes | None, str | None]:
    """The bytes of a target in the model's workspace, or (None, why it is not taken).

    A target must be a regular file reached without symlinks and at most MAX_TARGET_BYTES."""
    source = _no_link_path(workspace, target)
    if source is None:
        return None, f"{target} is (or is under) a symlink; it was not taken"
    try:
        st = os.lstat(source)
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"{target} could not be read ({exc.strerror})"
    if not stat.S_ISREG(st.st_mode):
        return None, f"{target} is not a regular file; it was not taken"
    if st.st_size > MAX_TARGET_BYTES:
        return None, f"{target} is {st.st_size} bytes, over {MAX_TARGET_BYTES}; it was not taken"
    try:
        return source.read_bytes(), None
    except OSError as exc:
        return None, f"{target} could not be read ({exc.strerror})"


def _scorer_copy_checks(
    query: Query, workspace: Path, pristine: Path, suite: Suite, truth: Truth, timer: _Timer
) -> tuple[list[StateResult], list[str]]:
    """Copy the pristine fixture, bring in only the targets, and run the state checks there."""
    reasons: list[str] = []
    targets: dict[str, bytes] = {}
    for target in query.targets:
        data, problem = _target_bytes(workspace, target)
        if problem is not None:
            reasons.append(problem)
        if data is None:
            continue
        after = data.decode("utf-8", errors="replace")
        added = find_suppressions(_read(pristine / target), after)
        if added:
            reasons.append(f"added suppressions to {target}: {', '.join(added)}")
        targets[target] = data
    with fresh_copy(pristine, prefix="punie-eval-score-") as path:
        copy = _Copy(path, pristine, targets)
        state = [
            run_state_check(check, copy, workspace, pristine, suite, query, truth, timer)
            for check in query.state
        ]
    return state, reasons


def _outcome_reasons(episode: Episode) -> list[str]:
    reasons: list[str] = []
    last = episode.turns[-1] if episode.turns else None
    if episode.outcome == "backend_error" and last is not None:
        reasons.append(f"backend error: {last.reason}")
    elif episode.outcome == "malformed" and last is not None:
        reasons.append(f"malformed output at turn {last.index + 1}: {last.reason}")
    elif episode.outcome == "timeout":
        reasons.append(f"ran past the per-query time limit of {episode.time_limit_s:g} s")
    elif episode.outcome == "turn_limit":
        reasons.append(f"never answered: {len(episode.turns)} turns without a final answer")
    if episode.outcome == "answer" and last is not None and last.truncated:
        reasons.append("the final answer was cut at the token limit (finish_reason length)")
    for turn in episode.turns:
        for record in turn.records:
            err = record.error
            if err is not None and err.kind in ("syntax", "type") and not record.calls:
                reasons.append(
                    f"turn {turn.index + 1}: code rejected before running "
                    f"({err.kind}: {err.message[:120]})"
                )
    return reasons


def score_episode(
    query: Query,
    episode: Episode,
    workspace: Path,
    pristine: Path,
    suite: Suite,
    truth: Truth,
    judge: Judge | None = None,
) -> QueryScore:
    """Score one episode against its query's expectations (see data/eval/suite.toml)."""
    start = time.perf_counter()
    timer = _Timer()
    reasons = _outcome_reasons(episode)
    calls = executed_calls(episode)
    written = [c for t in episode.turns for r in t.runs for c in calls_in_code(r.code, t.index)]
    code_turns = [t for t in episode.turns if t.kind == "code"]
    facts: list[FactResult] = []
    stated: list[str] = []
    judged: dict[str, Any] | None = None
    answer = episode.final_answer if episode.outcome == "answer" else None
    if episode.outcome == "answer" and not (answer or "").strip():
        reasons.append("the final answer is empty")
        answer = None

    if query.kind == "direct":
        if code_turns:
            names = sorted({c.name for c in written} | {c.name for c in calls}) or ["code"]
            reasons.append(f"expected a direct answer, but the model ran code ({', '.join(names)})")
        if answer is not None and query.rubric is not None:
            verdict = judge_rubric(answer, query.rubric)
            stated = verdict.stated
            if judge is not None:
                judged = judge.judge(query, answer)
                judged["rubric_passed"] = verdict.passed
                judged["rubric_reasons"] = verdict.reasons
                if judged.get("verdict") in ("pass", "fail"):
                    if judged["verdict"] == "fail":
                        reasons.append(f"the judge failed the answer: {judged.get('reason', '')}")
                else:
                    reasons += verdict.reasons  # the judge gave no verdict: the rubric decides
            else:
                reasons += verdict.reasons
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
        if answer is not None:
            seen = "\n".join(
                run.tool_output + "\n" + run.code for t in episode.turns for run in t.runs
            )
            facts = check_answer(answer, query.answer, truth.probes, seen)
            for fact in facts:
                if not fact.ok:
                    reasons.append(f"answer: {fact.fact}: {fact.detail or 'wrong'}")
            known = set(truth.files) | {
                str(c.arguments.get("path")) for c in calls if c.name == "write_file"
            }
            invented = hallucinated_files(answer, known)
            if invented:
                reasons.append(f"answer names files that do not exist: {', '.join(invented)}")
    state: list[StateResult] = []
    if query.state and not code_turns:
        # No code ran, so the workspace is the pristine fixture and the query has already
        # failed (no tool call); re-checking the untouched fixture would only cost time.
        reasons.append("workspace not checked: the model ran no code")
    elif query.state:
        state, suppressed = _scorer_copy_checks(query, workspace, pristine, suite, truth, timer)
        reasons += suppressed
    for result in state:
        if not result.ok:
            reasons.append(f"workspace check {result.check}({result.path}) failed: {result.detail}")
    return QueryScore(
        passed=not reasons,
        reasons=reasons,
        calls=calls,
        written_calls=written,
        state=state,
        facts=facts,
        rubric_stated=stated,
        judge=judged,
        scoring_s=time.perf_counter() - start,
        scoring_tool_s=timer.tool_s,
    )
