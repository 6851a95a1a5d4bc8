"""`punie-tools` command line: run ty, ruff and pytest and show typed results as a table or JSON.

Exit status: 0 when the result is a success, 1 when problems were found, 2 when a tool could not
run (or the command line was wrong).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.runners import pytest_run, ruff_check, typecheck

__all__ = ["app", "main"]

app = typer.Typer(
    name="punie-tools",
    help="Typed code-mode tools: ruff, ty and pytest as structured results.",
    no_args_is_help=True,
    add_completion=False,
)

AnyResult = TypeCheckResult | RuffResult | TestResult

PathArg = Annotated[str, typer.Argument(help="File or directory, relative to --cwd.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the result model as JSON.")]
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", min=0.1, help="Seconds before the tool is stopped.")
]
CwdOpt = Annotated[
    Path,
    typer.Option("--cwd", help="Directory the tool runs in (the workspace).", file_okay=False),
]
UnconfinedOpt = Annotated[
    bool,
    typer.Option(
        "--unconfined",
        help="Run the tools without the OS sandbox (bubblewrap / sandbox-exec). Explicit "
        "opt-out: without it, a machine with no working OS sandbox gets a tool error.",
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        "--python",
        help="Interpreter that runs pytest: the project's own venv (needs pytest and "
        "pytest-json-report). Default: $PUNIE_PYTEST_PYTHON, else the one running punie-tools.",
    ),
]


def _exit_code(results: list[AnyResult]) -> int:
    """2 if any tool could not run, else 1 if any found problems, else 0."""
    if any(r.tool_error is not None for r in results):
        return 2
    return 0 if all(r.success for r in results) else 1


def _status(result: AnyResult) -> str:
    if result.tool_error is not None:
        return "[bold red]tool error[/]"
    return "[bold green]ok[/]" if result.success else "[bold yellow]problems found[/]"


# Below this width a table's message column would wrap a few words a line: print each finding as
# a `file:line:col code` line with its message indented below it instead.
_TABLE_MIN_WIDTH = 100


def _columns(table: Table, *names: str) -> None:
    """Add columns: the message folds, short identifying columns stay whole."""
    for name in names:
        if name in ("message", "file", "test"):
            table.add_column(name, overflow="fold", ratio=2 if name == "message" else 1)
        else:
            table.add_column(name, no_wrap=True)


def _render_typecheck(console: Console, result: TypeCheckResult) -> None:
    table = Table(title=f"ty: {result.error_count} errors, {result.warning_count} warnings")
    _columns(table, "file", "line", "col", "severity", "code", "message")
    for e in result.errors:
        _row(table, e.file, str(e.line), str(e.column), e.severity, e.code, e.message)
    _emit(console, table, result, bool(result.errors))


def _render_ruff(console: Console, result: RuffResult) -> None:
    table = Table(
        title=f"ruff: {result.error_count} errors, {result.warning_count} warnings, "
        f"{result.fixable_count} fixable"
    )
    _columns(table, "file", "line", "col", "code", "severity", "fix", "message")
    for v in result.violations:
        fix = "yes" if v.fixable else ""
        _row(table, v.file, str(v.line), str(v.column), v.code, v.severity, fix, v.message)
    _emit(console, table, result, bool(result.violations))


def _render_pytest(console: Console, result: TestResult) -> None:
    table = Table(
        title=f"pytest: {result.passed} passed, {result.failed} failed, {result.skipped} skipped, "
        f"{result.error_count} errors of {result.total} tests in {result.duration:.2f} s"
    )
    _columns(table, "test", "message")
    for f in result.failures:
        _row(table, f.test_id, f.message)
    _emit(console, table, result, bool(result.failures))
    if result.tool_error is None and result.total == 0 and not result.failures:
        console.print("[yellow]no tests were collected[/]")


def _row(table: Table, *cells: str) -> None:
    """Add a row of plain text: `list[int]` in a message is not rich markup."""
    table.add_row(*(Text(cell) for cell in cells))


def _print_compact(console: Console, table: Table) -> None:
    """The table as `file:line:col rest` lines, each with its message indented below it."""
    names = [str(column.header) for column in table.columns]
    columns = [list(column.cells) for column in table.columns]
    for row in zip(*columns, strict=True):
        cells = dict(zip(names, (str(cell) for cell in row), strict=True))
        message = cells.pop("message", "")
        where = ":".join(cells.pop(key) for key in ("file", "line", "col") if key in cells)
        fixable = cells.pop("fix", "") == "yes"
        head = " ".join(v for v in [where, *cells.values()] if v)
        console.print(Text(head + (" (fixable)" if fixable else ""), style="bold"))
        console.print(Padding(Text(message), (0, 0, 0, 4), expand=False))


def _emit(console: Console, table: Table, result: AnyResult, has_rows: bool) -> None:
    if result.tool_error is not None:
        tool = str(table.title).split(":", 1)[0]
        console.print(f"{tool}: {_status(result)}")
        console.print(result.tool_error, style="red", markup=False, highlight=False)
        return
    if not has_rows:
        console.print(table.title)
    elif console.width < _TABLE_MIN_WIDTH:
        console.print(table.title)
        _print_compact(console, table)
    else:
        console.print(table)
    console.print(_status(result))


def _finish(results: dict[str, AnyResult], as_json: bool) -> None:
    console = Console(soft_wrap=False)
    if as_json:
        if len(results) == 1:
            payload = next(iter(results.values())).model_dump(mode="json")
        else:
            payload = {name: r.model_dump(mode="json") for name, r in results.items()}
        typer.echo(json.dumps(payload, indent=2))
    else:
        for result in results.values():
            if isinstance(result, TypeCheckResult):
                _render_typecheck(console, result)
            elif isinstance(result, RuffResult):
                _render_ruff(console, result)
            else:
                _render_pytest(console, result)
    raise typer.Exit(_exit_code(list(results.values())))


@app.command("typecheck")
def typecheck_command(
    path: PathArg = ".",
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = None,
    cwd: CwdOpt = Path("."),
    unconfined: UnconfinedOpt = False,
) -> None:
    """Type-check PATH with ty."""
    result = typecheck(path, cwd=cwd, timeout=timeout or 60.0, unconfined=unconfined)
    _finish({"typecheck": result}, as_json)


@app.command("ruff")
def ruff_command(
    path: PathArg = ".",
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = None,
    cwd: CwdOpt = Path("."),
    unconfined: UnconfinedOpt = False,
) -> None:
    """Lint PATH with ruff check."""
    _finish(
        {"ruff": ruff_check(path, cwd=cwd, timeout=timeout or 60.0, unconfined=unconfined)}, as_json
    )


@app.command("pytest")
def pytest_command(
    path: PathArg = ".",
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = None,
    cwd: CwdOpt = Path("."),
    unconfined: UnconfinedOpt = False,
    python: PythonOpt = None,
    keyword: Annotated[
        str | None, typer.Option("-k", help="Only tests matching this expression.")
    ] = None,
    marker: Annotated[
        str | None, typer.Option("-m", help="Only tests matching this mark expression.")
    ] = None,
    exitfirst: Annotated[bool, typer.Option("-x", help="Stop at the first failure.")] = False,
    maxfail: Annotated[
        int | None, typer.Option("--maxfail", min=1, help="Stop after N failures.")
    ] = None,
) -> None:
    """Run the tests under PATH (a file, directory or node id FILE::TEST) with pytest."""
    options: list[str] = []
    if keyword is not None:
        options += ["-k", keyword]
    if marker is not None:
        options += ["-m", marker]
    if exitfirst:
        options.append("-x")
    if maxfail is not None:
        options.append(f"--maxfail={maxfail}")
    result = pytest_run(
        path, cwd=cwd, timeout=timeout or 120.0, options=options, python=python,
        unconfined=unconfined,
    )  # fmt: skip
    _finish({"pytest": result}, as_json)


@app.command("check")
def check_command(
    path: PathArg = ".",
    as_json: JsonOpt = False,
    timeout: TimeoutOpt = None,
    cwd: CwdOpt = Path("."),
    unconfined: UnconfinedOpt = False,
    python: PythonOpt = None,
) -> None:
    """Run ty, ruff and pytest on PATH (concurrently) and show all three results."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        ty_future = pool.submit(
            typecheck, path, cwd=cwd, timeout=timeout or 60.0, unconfined=unconfined
        )
        ruff_future = pool.submit(
            ruff_check, path, cwd=cwd, timeout=timeout or 60.0, unconfined=unconfined
        )
        pytest_future = pool.submit(
            pytest_run, path, cwd=cwd, timeout=timeout or 120.0, python=python,
            unconfined=unconfined,
        )  # fmt: skip
        results: dict[str, AnyResult] = {
            "typecheck": ty_future.result(),
            "ruff": ruff_future.result(),
            "pytest": pytest_future.result(),
        }
    _finish(results, as_json)


def main() -> None:
    """Console-script entry point."""
    app()


from punie_tools._cli_sandbox import register  # noqa: E402

register(app)
