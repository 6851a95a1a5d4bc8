"""Run the real ty, ruff and pytest in a workspace, confined by the OS, and return typed results.

Each runner executes the tool installed with punie-tools as a subprocess in `cwd`, inside the
OS sandbox of `punie_tools.confine` (bubblewrap on Linux, sandbox-exec on macOS): it can read
the system and the tool environment, write only `cwd`, has no network and no host environment,
and every process it starts ends with the call. With a timeout, always reaped, and never
raising for tool problems: `tool_error` says what went wrong. `path` is relative to `cwd` and
must stay inside it; so are the file paths in the result, and no message holds a host path.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import TypeVar

from punie_tools._commands import PYTEST_RUN_OPTIONS, OptionError, parse
from punie_tools._subprocess import (
    DEFAULT_MAX_OUTPUT,
    ProcessOutcome,
    find_executable,
    run_confined,
    tail,
    time_left,
)
from punie_tools.confine import (
    Policy,
    SandboxUnavailableError,
    base_env,
    interpreter_paths,
    scratch_folder,
)
from punie_tools.models import RuffResult, TestFailure, TestResult, TypeCheckResult
from punie_tools.parsers import parse_pytest_output, parse_ruff_output, parse_ty_output

__all__ = [
    "PYTEST_BOOTSTRAP",
    "PYTEST_PYTHON_ENV",
    "default_pytest_python",
    "pytest_command",
    "pytest_env",
    "pytest_run",
    "ruff_check",
    "ruff_command",
    "scrub_paths",
    "typecheck",
    "typecheck_command",
]

PathLike = str | os.PathLike[str]

PYTEST_PYTHON_ENV = "PUNIE_PYTEST_PYTHON"
"""Process-wide default for the interpreter that runs pytest (`python=` / `pytest_python=`
set per call or per backend take precedence)."""

PYTHON_BOOTSTRAP = (
    "import os,sys,runpy;c=os.getcwd();"
    "sys.path[:]=[p for p in sys.path if p not in('',c)]+[c];"
    "m=sys.argv.pop(1);sys.argv[0]=m;runpy.run_module(m,run_name='__main__',alter_sys=True)"
)
"""`python -m MODULE` with the working directory moved from the front of `sys.path` to its end:
workspace modules stay importable but cannot shadow the standard library or pytest itself.
Run as `python -s -c PYTHON_BOOTSTRAP MODULE ARGS...`."""
PYTEST_BOOTSTRAP = PYTHON_BOOTSTRAP


def python_module_argv(python: str, module: str) -> list[str]:
    """The command line prefix that runs `python -m module` safely (see `PYTHON_BOOTSTRAP`)."""
    return [os.path.abspath(python), "-s", "-c", PYTHON_BOOTSTRAP, module]


def _missing(tool: str) -> str:
    return (
        f"{tool} is not installed: it was not found next to the running Python nor on PATH "
        f"(install punie-tools, which depends on {tool})"
    )


# --------------------------------------------------------------------------- paths


def scrub_paths(text: str, cwd: PathLike | None = None) -> str:
    """`text` with host paths removed: the workspace's becomes relative (`.` for the root),
    the tool environment's `<python>`, the temp folder's `<tmp>`.

    Python's own messages (an ImportError, a traceback) carry absolute paths; the same failure
    in a copy of the workspace elsewhere must read the same, and the model never sees a host path.
    """
    return _scrubber(None if cwd is None else os.fspath(cwd))(text)


@functools.lru_cache(maxsize=32)
def _scrubber(cwd: str | None) -> Callable[[str], str]:
    roots: dict[str, str] = {}
    if cwd is not None:
        for root in {os.path.abspath(cwd), os.path.realpath(cwd)}:
            if root != os.sep:
                roots[root + os.sep] = ""
                roots[root] = "."
    for prefix in {sys.prefix, sys.base_prefix, os.path.realpath(sys.base_prefix)}:
        if len(prefix) > 1:
            roots[prefix] = "<python>"
    temp = tempfile.gettempdir()
    for root in {temp, os.path.realpath(temp)}:
        if len(root) > 1:
            roots.setdefault(root + os.sep, "<tmp>/")
    order = sorted(roots, key=len, reverse=True)

    def scrub(text: str) -> str:
        if not text:
            return text
        for root in order:
            if root in text:
                text = text.replace(root, roots[root])
        return text

    return scrub


def _check_inputs(tool: str, path: PathLike, cwd: PathLike) -> tuple[str, str | None]:
    """(`path` normalised, None) when `path` is inside `cwd` and exists, else (_, why not).

    `path` must stay inside `cwd` (an absolute path is accepted only there), no component may
    start with `-` (it would read as an option), and its real path (after symlinks) must stay
    inside `cwd`. pytest node
    ids (`tests/test_x.py::test_y`) are checked by their file part.
    """
    if not isinstance(path, str | os.PathLike):
        return "", f"cannot run {tool}: path must be a str, not {type(path).__name__}"
    text = os.fspath(path)
    if not isinstance(text, str) or "\x00" in text:
        return "", f"cannot run {tool}: path must be a str without NUL bytes"
    workdir = Path(cwd)
    if not workdir.is_dir():
        return "", f"cannot run {tool}: the working directory (cwd) does not exist"
    file_part, sep, node = text.partition("::") if tool == "pytest" else (text, "", "")
    root_real = os.path.realpath(workdir)
    if os.path.isabs(file_part):  # accepted only when it names something inside `cwd`
        real_abs = os.path.realpath(file_part)
        if real_abs != root_real and not real_abs.startswith(root_real.rstrip(os.sep) + os.sep):
            return "", f"cannot run {tool}: the absolute path given is outside the workspace"
        file_part = os.path.relpath(real_abs, root_real)
        text = file_part + sep + node
    pure = PurePosixPath(file_part or ".")
    if file_part.startswith("~"):
        return "", f"cannot run {tool}: {text!r} is not a path relative to the workspace"
    if any(part.startswith("-") for part in pure.parts):
        return "", f"cannot run {tool}: {text!r} has a component starting with '-'"
    root = Path(root_real)
    real = Path(os.path.realpath(workdir.joinpath(*pure.parts)))
    if real != root and not real.is_relative_to(root):
        return "", f"cannot run {tool}: {text!r} is outside the workspace"
    if not real.exists():
        return "", f"cannot run {tool}: {text!r} does not exist in the workspace"
    parts = [p for p in pure.parts if p != "."]
    normal = "/".join(parts) or "."
    return normal + (sep + node if sep else ""), None


def _policy(cwd: PathLike, *, readable: Sequence[str] = (), writable: Sequence[str] = (),
            env: dict[str, str] | None = None) -> Policy:  # fmt: skip
    return Policy(
        workspace=Path(os.path.realpath(cwd)),
        readable=tuple(readable),
        writable=tuple(writable),
        env=base_env(env),
    )


def _timeout_message(tool: str, timeout: float, run_limit: float | None) -> str:
    if run_limit is not None:
        return f"{tool} was stopped: the run's time limit of {run_limit:g} s was reached"
    return f"{tool} timed out after {timeout:g} s and was stopped"


def _check_timeout(timeout: float) -> None:
    if not isinstance(timeout, int | float) or timeout != timeout or timeout <= 0:
        raise ValueError(f"timeout must be a number of seconds > 0, not {timeout!r}")


def _not_finished(
    tool: str, outcome: ProcessOutcome, timeout: float, run_limit: float | None
) -> str | None:
    """Why a subprocess did not produce a usable result (launch, timeout, flood), else None."""
    if outcome.launch_error is not None:
        return outcome.launch_error
    if outcome.timed_out:
        return _timeout_message(tool, timeout, run_limit)
    if outcome.truncated:
        return f"{tool} printed more than {DEFAULT_MAX_OUTPUT} bytes and was stopped"
    return None


def _exit_message(
    tool: str, outcome: ProcessOutcome, cwd: PathLike, what: str = "could not run"
) -> str:
    detail = tail(outcome.stderr) or tail(outcome.stdout) or "no output"
    return scrub_paths(f"{tool} {what} (exit status {outcome.returncode}): {detail}", cwd)


def _run(
    tool: str, argv: list[str], cwd: PathLike, timeout: float, unconfined: bool,
    policy: Policy | None = None,
) -> tuple[ProcessOutcome | None, str | None, float | None]:  # fmt: skip
    """Run a tool confined; (outcome, None, limit) or (None, why it did not run, limit)."""
    allowed, run_limit = time_left(timeout)
    if allowed <= 0:
        return None, _timeout_message(tool, timeout, run_limit), run_limit
    try:
        outcome = run_confined(
            argv, policy=policy or _policy(cwd), timeout=allowed, cwd=cwd, unconfined=unconfined,
            tool=tool,
        )  # fmt: skip
    except SandboxUnavailableError as exc:
        return None, str(exc), run_limit
    return outcome, None, run_limit


# --------------------------------------------------------------------------- ty


def typecheck_command(path: PathLike) -> list[str] | None:
    """The exact `ty check` command line `typecheck` runs, or None when ty is not installed."""
    ty = find_executable("ty")
    if ty is None:
        return None
    return [ty, "check", "--output-format", "gitlab", "--no-progress", "--color", "never",
            "--", os.fspath(path)]  # fmt: skip


def typecheck(
    path: PathLike, *, cwd: PathLike, timeout: float = 60.0, unconfined: bool = False
) -> TypeCheckResult:
    """Type-check `path` (relative to `cwd`) with ty; success means no errors (warnings allowed).

    Runs inside the OS sandbox unless `unconfined=True`.
    """
    _check_timeout(timeout)
    rel, problem = _check_inputs("ty", path, cwd)
    if problem is not None:
        return _ty_failure(problem)
    argv = typecheck_command(rel)
    if argv is None:
        return _ty_failure(_missing("ty"))
    outcome, problem, limit = _run("ty", argv, cwd, timeout, unconfined)
    if outcome is None or (problem := _not_finished("ty", outcome, timeout, limit)) is not None:
        return _ty_failure(problem or "ty did not run")
    if outcome.returncode not in (0, 1):
        # 2: bad arguments, configuration or paths (ty may still print an "io" diagnostic);
        # 101: ty crashed.
        detail = outcome.stderr
        parsed = parse_ty_output(outcome.stdout, cwd=cwd)
        if parsed.tool_error is None and parsed.errors:
            detail = "; ".join(e.message for e in parsed.errors[:5])
        return _ty_failure(_exit_message("ty", ProcessOutcome(outcome.returncode, "", detail), cwd))
    result = parse_ty_output(outcome.stdout, cwd=cwd)
    if result.tool_error is not None and outcome.stderr.strip():
        result.tool_error += f" (ty said: {tail(outcome.stderr, 500)})"
    return _scrub_result(result, cwd)


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
    return [ruff, "check", "--output-format", "json", "--no-fix", "--no-cache", "--",
            os.fspath(path)]  # fmt: skip


def ruff_check(
    path: PathLike, *, cwd: PathLike, timeout: float = 60.0, unconfined: bool = False
) -> RuffResult:
    """Lint `path` (relative to `cwd`) with ruff; success means no violations of severity error.

    Runs inside the OS sandbox unless `unconfined=True`.
    """
    _check_timeout(timeout)
    rel, problem = _check_inputs("ruff", path, cwd)
    if problem is not None:
        return _ruff_failure(problem)
    argv = ruff_command(rel)
    if argv is None:
        return _ruff_failure(_missing("ruff"))
    outcome, problem, limit = _run("ruff", argv, cwd, timeout, unconfined)
    if outcome is None or (problem := _not_finished("ruff", outcome, timeout, limit)) is not None:
        return _ruff_failure(problem or "ruff did not run")
    if outcome.returncode not in (0, 1):
        # 2: usage or configuration error (e.g. an unknown rule in the workspace's config).
        return _ruff_failure(_exit_message("ruff", outcome, cwd))
    result = parse_ruff_output(outcome.stdout, cwd=cwd)
    if result.tool_error is not None and outcome.stderr.strip():
        result.tool_error += f" (ruff said: {tail(outcome.stderr, 500)})"
    return _scrub_result(result, cwd)


def _ruff_failure(message: str) -> RuffResult:
    return RuffResult(success=False, error_count=0, warning_count=0, tool_error=message)


# --------------------------------------------------------------------------- pytest


def default_pytest_python() -> str:
    """The interpreter pytest runs with when none is given: `PUNIE_PYTEST_PYTHON`, else this one."""
    return os.path.abspath(os.environ.get(PYTEST_PYTHON_ENV) or sys.executable)


def pytest_command(
    path: PathLike,
    *,
    cwd: PathLike,
    report_file: PathLike,
    options: Sequence[str] = (),
    python: str | None = None,
    plugin_autoload: bool = True,
) -> list[str]:
    """The exact pytest command line `pytest_run` runs, writing its JSON report to `report_file`.

    `--rootdir` makes test ids relative to `cwd`; `--continue-on-collection-errors` runs the
    healthy files even when one fails to import; the cache provider is off so nothing is
    written into the workspace; `-v` names each test as it starts, so a run stopped by its
    timeout can say which test was running. The interpreter is `python` (one that can import
    the project under test and has pytest-json-report), else `default_pytest_python()`; it runs
    pytest through `PYTHON_BOOTSTRAP`, so workspace modules cannot shadow the stdlib or pytest.
    With `plugin_autoload=False` pytest-json-report is named with `-p`, the one plugin the
    run needs, for a run in `pytest_env(plugin_autoload=False)` (see `pytest_run`).
    """
    interpreter = python or default_pytest_python()
    return [
        *python_module_argv(interpreter, "pytest"),
        *(() if plugin_autoload else ("-p", "pytest_jsonreport.plugin")),
        "-p", "no:cacheprovider",
        f"--rootdir={os.fspath(cwd)}",
        "--continue-on-collection-errors",
        "--json-report", f"--json-report-file={os.fspath(report_file)}",
        "--json-report-omit", "log", "streams", "warnings", "keywords",
        "-v", "--color=no",
        *options,
        "--", os.fspath(path),
    ]  # fmt: skip


def pytest_env(*, plugin_autoload: bool = True) -> dict[str, str]:
    """The environment pytest runs in: the allow-listed one of `confine.base_env`.

    `PYTHONHASHSEED` is fixed (unless the caller set one): pytest lists the differing items of
    a failed dict or set comparison in set order, which otherwise changes from run to run, and
    the same tests on the same code must report the same failure text. No bytecode is written
    into the workspace, and no host variable (tokens, credentials) reaches the tests.
    With `plugin_autoload=False` it also sets `PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`.
    """
    return base_env(_autoload_env(plugin_autoload))


def _autoload_env(plugin_autoload: bool) -> dict[str, str]:
    return {} if plugin_autoload else {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


# Exit statuses after which pytest-json-report has written a full report.
_PYTEST_REPORTED = frozenset({0, 1, 2, 5})


def check_pytest_options(options: Sequence[str], cwd: PathLike) -> str | None:
    """Why `options` are refused for `pytest_run`, or None (allow-list: -k, -m, -x,
    --maxfail, --tb, -l, --runxfail, --strict-markers, -W, --import-mode, --deselect,
    --ignore, --ignore-glob; path values must stay inside the workspace)."""
    if isinstance(options, str) or not all(isinstance(o, str) for o in options):
        return "options must be a list of str, e.g. ['-k', 'slow', '-x']"
    try:
        parsed = parse("pytest_run", PYTEST_RUN_OPTIONS, list(options))
    except OptionError as exc:
        return str(exc)
    for value in parsed.paths:
        _, problem = _check_inputs("pytest", value.partition("::")[0] or ".", cwd)
        if problem is not None and "does not exist" not in problem:
            return problem.replace("cannot run pytest: ", "option value: ")
    return None


def pytest_run(
    path: PathLike,
    *,
    cwd: PathLike,
    timeout: float = 120.0,
    options: Sequence[str] = (),
    python: str | None = None,
    unconfined: bool = False,
    plugin_autoload: bool = True,
) -> TestResult:
    """Run the tests under `path` (relative to `cwd`); success means ≥1 test ran and all passed.

    `path` may be a node id (`tests/test_x.py::test_y`). `options` are extra pytest options
    from an allow-list (`-k EXPR`, `-m MARKEXPR`, `-x`, `--maxfail=N`, ...). `python` is the
    interpreter that runs pytest (the project's own venv, which needs pytest and
    pytest-json-report); default `default_pytest_python()`. When the timeout stops the run,
    the result holds what had finished and `tool_error` names the test that was running.
    Runs inside the OS sandbox unless `unconfined=True`.

    `plugin_autoload=False` loads no plugin of the interpreter's environment but
    pytest-json-report (`PYTEST_DISABLE_PLUGIN_AUTOLOAD`): for projects whose tests need no
    plugin, where it saves their start-up on every run (about half of a small project's run
    in an environment with the anyio and pytest-metadata plugins). A project that uses a
    plugin (async tests, a fixture a plugin provides) needs the default.
    """
    _check_timeout(timeout)
    rel, problem = _check_inputs("pytest", path, cwd)
    if problem is None:
        problem = check_pytest_options(options, cwd)
    if problem is not None:
        return _pytest_failure(problem)
    interpreter = python or default_pytest_python()
    if not os.path.isfile(interpreter) or not os.access(interpreter, os.X_OK):
        return _pytest_failure(
            "cannot run pytest: the configured Python interpreter does not exist or is not "
            "executable"
        )
    with scratch_folder() as report_dir:
        return _pytest_in(
            rel, cwd, Path(report_dir), options, interpreter, timeout, unconfined, plugin_autoload
        )


def _pytest_in(
    rel: str, cwd: PathLike, report_dir: Path, options: Sequence[str], interpreter: str,
    timeout: float, unconfined: bool, plugin_autoload: bool,
) -> TestResult:  # fmt: skip
    report = report_dir / "report.json"
    argv = pytest_command(
        rel, cwd=os.path.realpath(cwd), report_file=report, options=options,
        python=interpreter, plugin_autoload=plugin_autoload,
    )  # fmt: skip
    policy = _policy(
        cwd,
        readable=interpreter_paths(interpreter),
        writable=[str(report_dir)],
        # progress lines arrive as tests start
        env={"PYTHONUNBUFFERED": "1", **_autoload_env(plugin_autoload)},
    )
    outcome, problem, limit = _run("pytest", argv, cwd, timeout, unconfined, policy)
    if outcome is None:
        return _pytest_failure(problem or "pytest did not run")
    if outcome.timed_out:
        return _scrub_result(
            _partial(outcome.stdout, _timeout_message("pytest", timeout, limit)), cwd
        )
    if (problem := _not_finished("pytest", outcome, timeout, limit)) is not None:
        return _pytest_failure(problem)
    try:
        text = _read_report(report)
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        return _pytest_failure(f"could not read pytest's report file: {exc.strerror}")
    if not text.strip():
        return _pytest_failure(_exit_message("pytest", outcome, cwd, "wrote no report"))
    result = parse_pytest_output(text)
    if result.tool_error is None and outcome.returncode not in _PYTEST_REPORTED:
        # 3: internal error, 4: usage error; the report (if any) does not tell the whole story.
        return _pytest_failure(_exit_message("pytest", outcome, cwd))
    return _scrub_result(result, cwd)


#: Largest report the host reads (a run of tens of thousands of tests stays far below it).
MAX_REPORT_BYTES = 256 * 2**20


def _read_report(report: Path) -> str:
    """Read pytest's report file on the host, never following a link or waiting on it.

    Its folder is writable by the tests (that is where pytest-json-report writes), so once the
    report is written, test code may have put a symlink to a host file, a FIFO or a device node
    in its place: only a regular file of at most ``MAX_REPORT_BYTES`` is read.
    """
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(report, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
            raise OSError(exc.errno, "it is a symbolic link, not the file pytest wrote") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "it is not a regular file")
        data = handle.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise OSError(errno.EFBIG, f"it is larger than {MAX_REPORT_BYTES // 2**20} MiB")
    return data.decode("utf-8", errors="replace")


_VERBOSE_LINE = re.compile(
    r"^(?P<id>\S[^\n]*?::[^\n]*?) (?P<status>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b"
)
_STARTED = re.compile(r"^(?P<id>\S[^\n]*?::\S[^\n]*?) ?$")


def _partial(stdout: str, stopped: str) -> TestResult:
    """What a run stopped by its timeout had done, read from pytest's verbose progress lines."""
    passed = failed = skipped = errors = 0
    failures: list[TestFailure] = []
    seen: set[str] = set()
    for line in stdout.splitlines():
        match = _VERBOSE_LINE.match(line)
        if not match:
            continue
        test_id, status = match["id"], match["status"]
        seen.add(test_id)
        if status in ("PASSED", "XPASS"):
            passed += 1
        elif status in ("SKIPPED", "XFAIL"):
            skipped += 1
        elif status == "ERROR":
            errors += 1
            failures.append(TestFailure(test_id=test_id, message="error (details lost: the "
                                        "run was stopped before pytest reported)"))  # fmt: skip
        else:
            failed += 1
            failures.append(TestFailure(test_id=test_id, message="failed (details lost: the "
                                        "run was stopped before pytest reported)"))  # fmt: skip
    lines = [ln.rstrip() for ln in stdout.splitlines() if ln.strip()]
    running = None
    if lines:
        last = _STARTED.match(lines[-1])
        if last and last["id"] not in seen and not _VERBOSE_LINE.match(lines[-1]):
            running = last["id"]
    if running is not None:
        failures.append(TestFailure(test_id=running, message=f"did not finish: {stopped}"))
        stopped += f" while running {running}"
    elif not seen:
        stopped += " while collecting tests"
    total = passed + failed + skipped + (1 if running else 0)
    return TestResult(
        success=False, passed=passed, failed=failed + (1 if running else 0), skipped=skipped,
        total=total, failures=failures, error_count=errors, tool_error=stopped,
    )  # fmt: skip


R = TypeVar("R", TypeCheckResult, RuffResult, TestResult)


def _scrub_result(result: R, cwd: PathLike) -> R:
    """`result` with host paths removed from every message (see `scrub_paths`); items whose
    text holds none are kept as they are."""
    scrub = _scrubber(os.fspath(cwd))
    update: dict[str, object] = {}
    if result.tool_error:
        update["tool_error"] = scrub(result.tool_error)
    if isinstance(result, TestResult):
        update["failures"] = [
            f
            if scrub(f.message) == f.message
            and (f.traceback is None or scrub(f.traceback) == f.traceback)
            else f.model_copy(
                update={
                    "message": scrub(f.message),
                    "traceback": None if f.traceback is None else scrub(f.traceback),
                }
            )
            for f in result.failures
        ]
    elif isinstance(result, TypeCheckResult):
        update["errors"] = [
            e if (m := scrub(e.message)) == e.message else e.model_copy(update={"message": m})
            for e in result.errors
        ]
    else:
        update["violations"] = [
            v if (m := scrub(v.message)) == v.message else v.model_copy(update={"message": m})
            for v in result.violations
        ]
    return result.model_copy(update=update)


def _pytest_failure(message: str) -> TestResult:
    return TestResult(success=False, passed=0, failed=0, skipped=0, total=0, tool_error=message)
