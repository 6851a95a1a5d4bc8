"""Run the real ty, ruff and pytest in a workspace and return typed results.

Each runner executes the tool installed with punie-tools as a subprocess in `cwd` with a timeout,
always reaps it, and never raises for tool problems: `tool_error` says what went wrong. `path` is
relative to `cwd`, and so are the file paths in the result.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

from punie_tools._subprocess import ProcessOutcome, find_executable, run_process, tail
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.parsers import parse_pytest_output, parse_ruff_output, parse_ty_output

__all__ = [
    "pytest_command",
    "pytest_run",
    "ruff_check",
    "ruff_command",
    "typecheck",
    "typecheck_command",
]

PathLike = str | os.PathLike[str]
# Names an interpreter to run pytest with (e.g. Python 3.14 for a project that needs it).
PYTEST_PYTHON_ENV = "PUNIE_PYTEST_PYTHON"


def _missing(tool: str) -> str:
    return (
        f"{tool} is not installed: it was not found next to {sys.executable} nor on PATH "
        f"(install punie-tools, which depends on {tool})"
    )


def _check_inputs(tool: str, path: PathLike, cwd: PathLike) -> str | None:
    """Why the tool cannot be run on `path` in `cwd`, or None when both exist."""
    workdir = Path(cwd)
    if not workdir.is_dir():
        return f"cannot run {tool}: the directory {str(cwd)!r} does not exist"
    if not (workdir / path).exists():
        return f"cannot run {tool}: {str(path)!r} does not exist in {str(cwd)!r}"
    return None


def _not_finished(tool: str, outcome: ProcessOutcome, timeout: float) -> str | None:
    """Why a subprocess did not produce a usable result (launch failure or timeout), else None."""
    if outcome.launch_error is not None:
        return outcome.launch_error
    if outcome.timed_out:
        return f"{tool} timed out after {timeout:g} s and was stopped"
    return None


def _exit_message(tool: str, outcome: ProcessOutcome, what: str = "could not run") -> str:
    detail = tail(outcome.stderr) or tail(outcome.stdout) or "no output"
    return f"{tool} {what} (exit status {outcome.returncode}): {detail}"


# --------------------------------------------------------------------------- ty


def typecheck_command(path: PathLike) -> list[str] | None:
    """The exact `ty check` command line `typecheck` runs, or None when ty is not installed."""
    ty = find_executable("ty")
    if ty is None:
        return None
    return [ty, "check", "--output-format", "gitlab", "--no-progress", "--color", "never",
            os.fspath(path)]  # fmt: skip


def typecheck(path: PathLike, *, cwd: PathLike, timeout: float = 60.0) -> TypeCheckResult:
    """Type-check `path` (relative to `cwd`) with ty; success means no errors (warnings allowed)."""
    problem = _check_inputs("ty", path, cwd)
    if problem is not None:
        return _ty_failure(problem)
    argv = typecheck_command(path)
    if argv is None:
        return _ty_failure(_missing("ty"))
    outcome = run_process(argv, cwd=cwd, timeout=timeout)
    if (problem := _not_finished("ty", outcome, timeout)) is not None:
        return _ty_failure(problem)
    if outcome.returncode not in (0, 1):
        # 2: bad arguments, configuration or paths (ty may still print an "io" diagnostic);
        # 101: ty crashed.
        detail = outcome.stderr
        parsed = parse_ty_output(outcome.stdout, cwd=cwd)
        if parsed.tool_error is None and parsed.errors:
            detail = "; ".join(e.message for e in parsed.errors[:5])
        return _ty_failure(_exit_message("ty", ProcessOutcome(outcome.returncode, "", detail)))
    result = parse_ty_output(outcome.stdout, cwd=cwd)
    if result.tool_error is not None and outcome.stderr.strip():
        result.tool_error += f" (ty said: {tail(outcome.stderr, 500)})"
    return result


def _ty_failure(message: str) -> TypeCheckResult:
    return TypeCheckResult(success=False, error_count=0, warning_count=0, tool_error=message)


# --------------------------------------------------------------------------- ruff


def ruff_command(path: PathLike) -> list[str] | None:
    """The exact `ruff check` command line `ruff_check` runs, or None when ruff is not installed.

    `--no-fix` keeps a `fix = true` setting from editing the workspace; `--no-cache` keeps ruff
    from writing `.ruff_cache` into it.
    """
    ruff = find_executable("ruff")
    if ruff is None:
        return None
    return [ruff, "check", "--output-format", "json", "--no-fix", "--no-cache", os.fspath(path)]


def ruff_check(path: PathLike, *, cwd: PathLike, timeout: float = 60.0) -> RuffResult:
    """Lint `path` (relative to `cwd`) with ruff; success means no violations of severity error."""
    problem = _check_inputs("ruff", path, cwd)
    if problem is not None:
        return _ruff_failure(problem)
    argv = ruff_command(path)
    if argv is None:
        return _ruff_failure(_missing("ruff"))
    outcome = run_process(argv, cwd=cwd, timeout=timeout)
    if (problem := _not_finished("ruff", outcome, timeout)) is not None:
        return _ruff_failure(problem)
    if outcome.returncode not in (0, 1):
        # 2: usage or configuration error (e.g. an unknown rule in the workspace's config).
        return _ruff_failure(_exit_message("ruff", outcome))
    result = parse_ruff_output(outcome.stdout, cwd=cwd)
    if result.tool_error is not None and outcome.stderr.strip():
        result.tool_error += f" (ruff said: {tail(outcome.stderr, 500)})"
    return result


def _ruff_failure(message: str) -> RuffResult:
    return RuffResult(success=False, error_count=0, warning_count=0, tool_error=message)


# --------------------------------------------------------------------------- pytest


def pytest_command(path: PathLike, *, cwd: PathLike, report_file: PathLike) -> list[str]:
    """The exact pytest command line `pytest_run` runs, writing its JSON report to `report_file`.

    `--rootdir` makes test ids relative to `cwd`; `--continue-on-collection-errors` runs the
    healthy files even when one fails to import; the cache provider is off so nothing is
    written into the workspace. The interpreter is `PUNIE_PYTEST_PYTHON` when set (one that
    can import the project under test and has pytest-json-report), else this one.
    """
    python = os.environ.get(PYTEST_PYTHON_ENV) or sys.executable
    return [
        python, "-m", "pytest", os.fspath(path),
        "-p", "no:cacheprovider",
        f"--rootdir={os.fspath(cwd)}",
        "--continue-on-collection-errors",
        "--json-report", f"--json-report-file={os.fspath(report_file)}",
        "--json-report-omit", "log", "streams", "warnings", "keywords",
        "-q", "--color=no",
    ]  # fmt: skip


def pytest_env() -> dict[str, str]:
    """The environment pytest runs in: ours, without writing `__pycache__` into the workspace.

    `PYTHONHASHSEED` is fixed (unless the caller set one): pytest lists the differing items of
    a failed dict or set comparison in set order, which otherwise changes from run to run, and
    the same tests on the same code must report the same failure text.
    """
    return {"PYTHONHASHSEED": "0", **os.environ, "PYTHONDONTWRITEBYTECODE": "1"}


# Exit statuses after which pytest-json-report has written a full report.
_PYTEST_REPORTED = frozenset({0, 1, 2, 5})


def pytest_run(path: PathLike, *, cwd: PathLike, timeout: float = 120.0) -> TestResult:
    """Run the tests under `path` (relative to `cwd`); success means ≥1 test ran and all passed."""
    problem = _check_inputs("pytest", path, cwd)
    if problem is not None:
        return _pytest_failure(problem)
    fd, report_name = tempfile.mkstemp(prefix="punie-pytest-", suffix=".json")
    os.close(fd)
    report = Path(report_name)
    try:
        # An empty file means "no report written"; pytest-json-report overwrites it on success.
        argv = pytest_command(path, cwd=os.path.abspath(cwd), report_file=report)
        outcome = run_process(argv, cwd=cwd, timeout=timeout, env=pytest_env())
        if (problem := _not_finished("pytest", outcome, timeout)) is not None:
            return _pytest_failure(problem)
        text = report.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return _pytest_failure(f"could not read pytest's report file: {exc}")
    finally:
        with contextlib.suppress(OSError):
            report.unlink()
    if not text.strip():
        return _pytest_failure(_exit_message("pytest", outcome, "wrote no report"))
    result = parse_pytest_output(text)
    if result.tool_error is None and outcome.returncode not in _PYTEST_REPORTED:
        # 3: internal error, 4: usage error; the report (if any) does not tell the whole story.
        return _pytest_failure(_exit_message("pytest", outcome))
    return _relative_to(result, cwd)


def _relative_to(result: TestResult, cwd: PathLike) -> TestResult:
    """Failure texts name files relative to the workspace, as every other result does.

    Python's own messages (an ImportError, a traceback) carry absolute paths; the same failure
    in a copy of the workspace elsewhere must read the same.
    """
    roots = {os.path.abspath(cwd), os.path.realpath(cwd)}

    def strip(text: str | None) -> str | None:
        if text is None:
            return None
        for root in roots:
            text = text.replace(root + os.sep, "").replace(root, ".")
        return text

    failures = [
        f.model_copy(update={"message": strip(f.message), "traceback": strip(f.traceback)})
        for f in result.failures
    ]
    return result.model_copy(update={"failures": failures})


def _pytest_failure(message: str) -> TestResult:
    return TestResult(success=False, passed=0, failed=0, skipped=0, total=0, tool_error=message)
