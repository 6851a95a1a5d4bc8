"""`punie-tools` command line: ty, ruff and pytest as typed results (a table or JSON), and the
Monty sandbox that runs code-mode scripts (`run`, `stubs`, `prompt`).

Follows docs/cli-contract.md through `punie_tools.cli_support`: the workspace, PATH, the
interpreter, the time limits and the OS sandbox are checked before any tool starts; a bad input
is one line `error: …` on stderr with exit status 2; results go to stdout (a table, or the
result model with `--json`), progress to stderr; Ctrl-C stops every tool and exits 130.

Exit status: 0 every result is a success, 1 problems were found (violations, type errors,
failing tests, no tests, a script that raised), 2 bad input or a tool that could not run.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import sys
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from punie_tools import __version__
from punie_tools._subprocess import stop_all
from punie_tools.cli_support import (
    EXIT_FINDINGS,
    Interrupted,
    UserError,
    check_in_file,
    color_allowed,
    make_app,
    run,
    stderr_console,
    stdout_console,
)
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.runners import (
    PYTEST_PYTHON_ENV,
    _check_inputs,
    check_pytest_options,
    pytest_run,
    ruff_check,
    typecheck,
)

__all__ = ["app", "main"]

TOOL = "punie-tools"
app = make_app(
    name=TOOL,
    help="Typed code-mode tools: ruff, ty and pytest as structured results, and the Monty "
    "sandbox that runs code-mode scripts. Exit status: 0 success, 1 problems found, 2 bad "
    "input or a tool that could not run, 130 interrupted.",
    version=__version__,
    example="punie-tools check src --workspace ~/code/project",
)

AnyResult = TypeCheckResult | RuffResult | TestResult

# Defaults of the runners (`typecheck`, `ruff_check`, `pytest_run`), shown in the help.
TY_TIMEOUT, RUFF_TIMEOUT, PYTEST_TIMEOUT = 60.0, 60.0, 120.0

PathArg = Annotated[
    str, typer.Argument(metavar="PATH", help="File or directory, relative to --workspace.")
]
TestPathArg = Annotated[
    str,
    typer.Argument(
        metavar="PATH",
        help="File, directory or node id (FILE::TEST), relative to --workspace.",
    ),
]
WorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        metavar="DIR",
        show_default="the current directory",
        help="The project the tools work in: PATH is relative to it, and it is the only "
        "folder they can write.",
    ),
]
ScriptWorkspaceOpt = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        "-w",
        metavar="DIR",
        show_default="the current directory",
        help="The project the script's tools act on (the only folder they can write).",
    ),
]
CwdOpt = Annotated[
    Path | None,
    typer.Option("--cwd", metavar="DIR", hidden=True, help="Deprecated name of --workspace."),
]
JsonOpt = Annotated[
    bool,
    typer.Option("--json", help="Print the result model as JSON (the fields of the Python API)."),
]
UnconfinedOpt = Annotated[
    bool,
    typer.Option(
        "--unconfined",
        help="Run the tools without the OS sandbox (bubblewrap on Linux, sandbox-exec on "
        "macOS). An explicit opt-out: without it, a machine with no working OS sandbox is "
        "refused.",
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        metavar="PYTHON",
        show_default=f"${PYTEST_PYTHON_ENV}, else this Python",
        help="Interpreter that runs pytest: the project's own venv (it needs pytest and "
        "pytest-json-report).",
    ),
]


def _timeout_option(what: str, default: str | bool = True) -> typer.models.OptionInfo:
    return typer.Option(
        "--timeout", metavar="SECONDS", show_default=default, help=f"Seconds before {what}."
    )


# ---------------------------------------------------------------------------------------------
# Checks made before any tool starts


def _seconds(value: float, option: str) -> float:
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{option} must be a number of seconds > 0 (got {value:g})")
    return value


def _workspace(workspace: Path | None, cwd: Path | None) -> Path:
    """The workspace: `--workspace`, or its deprecated name `--cwd`; an existing directory."""
    if cwd is not None:
        if workspace is not None:
            raise UserError("give --workspace only (--cwd is its deprecated name)")
        stderr_console().print(
            "warning: --cwd is deprecated; use --workspace (-w)", markup=False, highlight=False
        )
        workspace = cwd
    workspace = Path(".") if workspace is None else workspace
    if not workspace.exists():
        raise UserError(f"--workspace {workspace}: no such directory")
    if not workspace.is_dir():
        raise UserError(f"--workspace {workspace} is not a directory (give the project's folder)")
    return workspace


def _check_path(path: str, workspace: Path, *, node_id: bool = False) -> None:
    """PATH exists inside the workspace (as the runners require), or a UserError."""
    _, problem = _check_inputs("pytest" if node_id else "ruff", path, workspace)
    if problem is not None:
        detail = problem.split(": ", 1)[-1]
        raise UserError(f"PATH {detail} (--workspace {workspace}; PATH is relative to it)")


def _check_python(python: str | None, option: str = "--python") -> str | None:
    """The absolute path of the interpreter for pytest (`python`, else $PUNIE_PYTEST_PYTHON),
    or None for the one running punie-tools."""
    if python is None:
        configured = os.environ.get(PYTEST_PYTHON_ENV)
        if not configured:
            return None
        found = shutil.which(configured)
        if found is None:
            raise UserError(
                f"${PYTEST_PYTHON_ENV} {configured}: no such interpreter "
                f"(fix or unset it, or give {option})"
            )
        return os.path.abspath(found)
    found = shutil.which(python)
    if found is None:
        raise UserError(
            f"{option} {python}: no such interpreter "
            "(give the path of the project's python, e.g. .venv/bin/python)"
        )
    return os.path.abspath(found)


def _check_sandbox(unconfined: bool) -> None:
    """Refuse up front (exit 2) when no OS sandbox works here and --unconfined was not given."""
    if unconfined:
        return
    from punie_tools.confine import available

    why = available()
    if why is not None:
        raise UserError(
            f"no OS sandbox can confine the tools here: {why} "
            "(pass --unconfined to run them without one)"
        )


# ---------------------------------------------------------------------------------------------
# Progress (stderr) and results (stdout)


@contextmanager
def _progress(text: str) -> Generator[None]:
    """One line on stderr (a spinner instead on a colour terminal) while the tools run."""
    console = stderr_console()
    if console.is_terminal and color_allowed():
        with console.status(Text(text)):
            yield
    else:
        console.print(Text(text))
        yield


@dataclass
class _Report:
    """A result as a title, column names and rows of plain text."""

    tool: str
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[str, ...]]
    note: str = ""


def _report(result: AnyResult) -> _Report:
    if isinstance(result, TypeCheckResult):
        return _Report(
            "ty",
            f"ty: {result.error_count} errors, {result.warning_count} warnings",
            ("file", "line", "col", "severity", "code", "message"),
            [
                (e.file, str(e.line), str(e.column), e.severity, e.code, e.message)
                for e in result.errors
            ],
        )
    if isinstance(result, RuffResult):
        return _Report(
            "ruff",
            f"ruff: {result.error_count} errors, {result.warning_count} warnings, "
            f"{result.fixable_count} fixable",
            ("file", "line", "col", "code", "severity", "fix", "message"),
            [
                (v.file, str(v.line), str(v.column), v.code, v.severity, _yes(v.fixable), v.message)
                for v in result.violations
            ],
        )
    empty = result.tool_error is None and result.total == 0 and not result.failures
    return _Report(
        "pytest",
        f"pytest: {result.passed} passed, {result.failed} failed, {result.skipped} skipped, "
        f"{result.error_count} errors of {result.total} tests in {result.duration:.2f} s",
        ("test", "message"),
        [(f.test_id, f.message) for f in result.failures],
        note="no tests were collected" if empty else "",
    )


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _status(result: AnyResult) -> str:
    if result.tool_error is not None:
        return "[bold red]tool error[/]"
    return "[bold green]ok[/]" if result.success else "[bold yellow]problems found[/]"


# Below this width a table's message column would wrap a few words a line: each finding is then
# a `file:line:col code` line with its message indented below it.
_TABLE_MIN_WIDTH = 100
_MESSAGE_MIN_WIDTH = 30


def _table_fits(width: int, report: _Report) -> bool:
    """Whether every column but the message fits whole, leaving the message room to read."""
    if width < _TABLE_MIN_WIDTH:
        return False
    fixed = sum(
        max(len(name), *(len(line) for row in report.rows for line in row[i].splitlines() or [""]))
        for i, name in enumerate(report.headers)
        if name != "message"
    )
    borders = 3 * len(report.headers) + 1  # one space each side of a cell, one rule between
    return fixed + borders + _MESSAGE_MIN_WIDTH <= width


def _print_table(console: Console, report: _Report) -> None:
    table = Table(title=report.title)
    for name in report.headers:
        if name == "message":
            table.add_column(name, overflow="fold")
        else:  # names are never cut: `_table_fits` made room for them
            table.add_column(name, no_wrap=True)
    for row in report.rows:
        table.add_row(*(Text(cell) for cell in row))  # `list[int]` is not rich markup
    console.print(table)


def _print_compact(console: Console, report: _Report) -> None:
    """Each row as a `file:line:col rest` line (never wrapped, so a name is never cut), its
    message indented below it."""
    console.print(Text(report.title))
    for row in report.rows:
        cells = dict(zip(report.headers, row, strict=True))
        message = cells.pop("message", "")
        where = ":".join(cells.pop(key) for key in ("file", "line", "col") if key in cells)
        fixable = cells.pop("fix", "") == "yes"
        head = " ".join(v for v in [where, *cells.values()] if v)
        console.print(Text(head + (" (fixable)" if fixable else ""), style="bold"), soft_wrap=True)
        console.print(Padding(Text(message), (0, 0, 0, 4), expand=False))


def _render(console: Console, result: AnyResult) -> None:
    report = _report(result)
    if result.tool_error is not None and not report.rows:
        console.print(f"{report.tool}: {_status(result)}")  # the reason is the error line
        return
    if not report.rows:
        console.print(Text(report.title))
    elif _table_fits(console.width, report):
        _print_table(console, report)
    else:
        _print_compact(console, report)
    if report.note:
        console.print(Text(report.note))
    console.print(_status(result))


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def _finish(results: dict[str, AnyResult], as_json: bool) -> None:
    """Print the results on stdout; a tool that could not run is the error line (exit 2)."""
    if as_json:
        if len(results) == 1:
            payload = next(iter(results.values())).model_dump(mode="json")
        else:
            payload = {name: r.model_dump(mode="json") for name, r in results.items()}
        typer.echo(json.dumps(payload, indent=2))
    else:
        console = stdout_console()
        for result in results.values():
            _render(console, result)
    problems = [r.tool_error for r in results.values() if r.tool_error is not None]
    if problems:
        hint = "give a longer --timeout" if any("timed out" in p for p in problems) else ""
        message = "; ".join(_one_line(p) for p in problems)
        raise UserError(f"{message} ({hint})" if hint else message)
    if not all(r.success for r in results.values()):
        raise typer.Exit(EXIT_FINDINGS)


def _concurrently(calls: dict[str, Callable[[], AnyResult]]) -> dict[str, AnyResult]:
    """Run the calls in threads; on Ctrl-C stop every tool before leaving (none outlives us)."""
    pool = ThreadPoolExecutor(max_workers=len(calls))
    futures = {name: pool.submit(call) for name, call in calls.items()}
    try:
        wait(futures.values())
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        while not all(f.done() for f in futures.values()):
            stop_all()  # a call that started its tool after an earlier pass is caught next time
            wait(futures.values(), timeout=0.05)
        raise
    finally:
        pool.shutdown(wait=True)
    return {name: future.result() for name, future in futures.items()}


# ---------------------------------------------------------------------------------------------
# ty, ruff, pytest, check


@app.command("typecheck")
def typecheck_command(
    path: PathArg = ".",
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    timeout: Annotated[float, _timeout_option("ty is stopped")] = TY_TIMEOUT,
    unconfined: UnconfinedOpt = False,
    cwd: CwdOpt = None,
) -> None:
    """Type-check PATH with ty.

    Success when ty reports no errors (warnings alone are a success).

    \b
    Example:
      punie-tools typecheck src --workspace ~/code/project --json
    """
    _check_one(typecheck, "typecheck", "ty", path, workspace, cwd, timeout, unconfined, as_json)


@app.command("ruff")
def ruff_command(
    path: PathArg = ".",
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    timeout: Annotated[float, _timeout_option("ruff is stopped")] = RUFF_TIMEOUT,
    unconfined: UnconfinedOpt = False,
    cwd: CwdOpt = None,
) -> None:
    """Lint PATH with ruff check.

    No fix is applied and no cache is written. Success when no violation is an error.

    \b
    Example:
      punie-tools ruff src/app.py --workspace ~/code/project
    """
    _check_one(ruff_check, "ruff", "ruff", path, workspace, cwd, timeout, unconfined, as_json)


def _check_one(
    tool: Callable[..., Any],
    key: str,
    label: str,
    path: str,
    workspace: Path | None,
    cwd: Path | None,
    timeout: float,
    unconfined: bool,
    as_json: bool,
) -> None:
    """The shared body of `typecheck` and `ruff`: check the inputs, run the tool, report."""
    ws = _workspace(workspace, cwd)
    _check_path(path, ws)
    _seconds(timeout, "--timeout")
    _check_sandbox(unconfined)
    with _progress(f"{label}: checking {path} in {os.path.abspath(ws)}"):
        result = tool(path, cwd=ws, timeout=timeout, unconfined=unconfined)
    _finish({key: result}, as_json)


@app.command("pytest")
def pytest_command(
    path: TestPathArg = ".",
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    timeout: Annotated[float, _timeout_option("pytest is stopped")] = PYTEST_TIMEOUT,
    unconfined: UnconfinedOpt = False,
    python: PythonOpt = None,
    keyword: Annotated[
        str | None,
        typer.Option("-k", metavar="EXPR", help="Only the tests matching this expression."),
    ] = None,
    marker: Annotated[
        str | None,
        typer.Option("-m", metavar="MARKEXPR", help="Only the tests matching this expression."),
    ] = None,
    exitfirst: Annotated[bool, typer.Option("-x", help="Stop at the first failure.")] = False,
    maxfail: Annotated[
        int | None,
        typer.Option("--maxfail", metavar="N", min=1, help="Stop after N failures."),
    ] = None,
    cwd: CwdOpt = None,
) -> None:
    """Run the tests under PATH with pytest.

    Success when at least one test ran and all passed.

    \b
    Example:
      punie-tools pytest tests/test_cart.py::test_total -w ~/code/shop \\
          --python ~/code/shop/.venv/bin/python
    """
    ws = _workspace(workspace, cwd)
    _check_path(path, ws, node_id=True)
    _seconds(timeout, "--timeout")
    options: list[str] = []
    if keyword is not None:
        options += ["-k", keyword]
    if marker is not None:
        options += ["-m", marker]
    if exitfirst:
        options.append("-x")
    if maxfail is not None:
        options.append(f"--maxfail={maxfail}")
    if (problem := check_pytest_options(options, ws)) is not None:
        raise UserError(_one_line(problem))
    interpreter = _check_python(python)
    _check_sandbox(unconfined)
    with _progress(f"pytest: running {path} in {os.path.abspath(ws)}"):
        result = pytest_run(
            path, cwd=ws, timeout=timeout, options=options, python=interpreter,
            unconfined=unconfined,
        )  # fmt: skip
    _finish({"pytest": result}, as_json)


@app.command("check")
def check_command(
    path: PathArg = ".",
    workspace: WorkspaceOpt = None,
    as_json: JsonOpt = False,
    timeout: Annotated[
        float | None,
        _timeout_option("each tool is stopped", "60 for ty and ruff, 120 for pytest"),
    ] = None,
    unconfined: UnconfinedOpt = False,
    python: PythonOpt = None,
    cwd: CwdOpt = None,
) -> None:
    """Run ty, ruff and pytest on PATH, concurrently.

    Shows the three results; `--json` prints one object with the keys typecheck, ruff and
    pytest. Success when all three succeed.

    \b
    Example:
      punie-tools check . --workspace ~/code/shop --json > results.json
    """
    ws = _workspace(workspace, cwd)
    _check_path(path, ws)
    if timeout is not None:
        _seconds(timeout, "--timeout")
    interpreter = _check_python(python)
    _check_sandbox(unconfined)
    ty_timeout, ruff_timeout, pytest_timeout = (
        (TY_TIMEOUT, RUFF_TIMEOUT, PYTEST_TIMEOUT) if timeout is None else (timeout,) * 3
    )
    calls: dict[str, Callable[[], AnyResult]] = {
        "typecheck": lambda: typecheck(path, cwd=ws, timeout=ty_timeout, unconfined=unconfined),
        "ruff": lambda: ruff_check(path, cwd=ws, timeout=ruff_timeout, unconfined=unconfined),
        "pytest": lambda: pytest_run(
            path, cwd=ws, timeout=pytest_timeout, python=interpreter, unconfined=unconfined
        ),
    }
    with _progress(f"check: ty, ruff and pytest on {path} in {os.path.abspath(ws)}"):
        results = _concurrently(calls)
    _finish(results, as_json)


# ---------------------------------------------------------------------------------------------
# The sandbox: run, stubs, prompt


@contextmanager
def _interrupts_noted() -> Generator[list[int]]:
    """Note each Ctrl-C (and stop the running tools) before the usual handler raises.

    Raised inside a tool call, the interrupt ends the script, but the sandbox records it as
    the script's own error; the list tells the caller it was the user's.
    """
    noted: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):  # not under `run` (or not the main thread): nothing to add
        yield noted
        return

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        noted.append(signum)
        stop_all()
        previous(signum, frame)

    signal.signal(signal.SIGINT, on_sigint)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def _read_script(script: Path) -> str:
    """The script's text: an existing UTF-8 text file holding some code, else a UserError."""
    check_in_file(script, "SCRIPT")
    data = script.read_bytes()
    try:
        code = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"SCRIPT {script} is not UTF-8 text (byte {exc.start}; give a Python source file)"
        ) from exc
    if "\x00" in code:
        raise UserError(f"SCRIPT {script} holds NUL bytes (give a Python source file)")
    if not code.strip():
        raise UserError(f"SCRIPT {script} is empty (nothing to run)")
    return code


@app.command("run")
def run_command(
    script: Annotated[
        Path,
        typer.Argument(
            metavar="SCRIPT",
            help="Python file of code-mode code: the tools (read_file, ruff_check, …) are its "
            "functions (see `punie-tools stubs`).",
        ),
    ],
    workspace: ScriptWorkspaceOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole ExecutionRecord as JSON.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(
            "--timeout",
            metavar="SECONDS",
            help="Seconds the script may compute (waiting for tools not counted).",
        ),
    ] = 10.0,
    tool_timeout: Annotated[
        float,
        typer.Option("--tool-timeout", metavar="SECONDS", help="Seconds per tool call."),
    ] = 60.0,
    deadline: Annotated[
        float,
        typer.Option(
            "--deadline",
            metavar="SECONDS",
            help="Wall-clock seconds for the whole run, tool calls included.",
        ),
    ] = 300.0,
    unconfined: UnconfinedOpt = False,
    python: PythonOpt = None,
    pytest_python: Annotated[
        str | None,
        typer.Option(
            "--pytest-python", metavar="PYTHON", hidden=True, help="Old name of --python."
        ),
    ] = None,
) -> None:
    """Run a code-mode SCRIPT in the Monty sandbox.

    Its tools act on --workspace; its output is printed. Exit 0 when the script ran cleanly, 1 when it raised (the error goes to stderr as
    `Error (kind, line N): message`), 2 for bad input.

    \b
    Example:
      echo 'print(ruff_check(".").error_count)' > count.py
      punie-tools run count.py --workspace ~/code/shop
    """
    code = _read_script(script)
    ws = _workspace(workspace, None)
    for value, option in ((timeout, "--timeout"), (tool_timeout, "--tool-timeout"),
                          (deadline, "--deadline")):  # fmt: skip
        _seconds(value, option)
    if python is not None and pytest_python is not None:
        raise UserError("give --python only (--pytest-python is its old name)")
    interpreter = _check_python(python or pytest_python)
    _check_sandbox(unconfined)

    from punie_tools.sandbox import SandboxLimits, run_code
    from punie_tools.wire import format_tool_output

    limits = SandboxLimits(timeout=timeout, tool_timeout=tool_timeout, deadline=deadline)
    with (
        _progress(f"run: {script} in the sandbox, tools on {os.path.abspath(ws)}"),
        _interrupts_noted() as interrupted,
    ):
        record = run_code(code, ws, limits=limits, unconfined=unconfined, pytest_python=interpreter)
    if interrupted:  # the sandbox reported Ctrl-C as the script's error: it is ours
        raise Interrupted
    if as_json:
        try:
            text = record.model_dump_json(indent=2)
        except ValueError as exc:  # never a traceback instead of JSON
            text = json.dumps(
                {
                    "code": code,
                    "stdout": record.stdout,
                    "error": {
                        "kind": "crash",
                        "message": f"the record could not be serialised: {exc}",
                        "line": None,
                    },
                    "calls": [],
                    "duration": record.duration,
                },
                indent=2,
            )
        typer.echo(text)
    else:
        sys.stdout.write(record.stdout)
        sys.stdout.flush()
        if record.error is not None:
            typer.echo(format_tool_output(record.model_copy(update={"stdout": ""})), err=True)
    if record.error is not None:
        raise typer.Exit(EXIT_FINDINGS)


@app.command("stubs")
def stubs_command() -> None:
    """Print the stubs that type code-mode scripts.

    The Python source the sandbox type-checks scripts against.

    \b
    Example:
      punie-tools stubs > punie_stubs.pyi
    """
    from punie_tools.stubs import STUBS

    sys.stdout.write(STUBS)


@app.command("prompt")
def prompt_command() -> None:
    """Print the system prompt that teaches code mode.

    \b
    Example:
      punie-tools prompt | wc -c
    """
    from punie_tools.prompt import SYSTEM_PROMPT

    sys.stdout.write(SYSTEM_PROMPT)


def main() -> None:
    """Console-script entry point."""
    run(app, prog=TOOL)
