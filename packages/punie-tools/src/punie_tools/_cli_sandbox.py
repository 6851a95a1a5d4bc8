"""CLI commands for the sandbox: `run`, `stubs`, `prompt` (registered on the main typer app).

`run` exits 0 when the script ran cleanly, 1 when it errored (any `record.error`), 2 for usage
problems (missing script, workspace not a directory).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

__all__ = ["register"]


def run_command(
    script: Annotated[Path, typer.Argument(help="Python file with code-mode code to run.")],
    workspace: Annotated[
        Path, typer.Option("--workspace", "-w", help="Workspace directory the tools act on.")
    ] = Path("."),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full ExecutionRecord as JSON.")
    ] = False,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds of sandbox time.")
    ] = 10.0,
    tool_timeout: Annotated[
        float, typer.Option("--tool-timeout", min=0.1, help="Seconds per tool call.")
    ] = 60.0,
    deadline: Annotated[
        float,
        typer.Option(
            "--deadline", min=0.1, help="Wall-clock seconds for the whole run, tool calls included."
        ),
    ] = 300.0,
    unconfined: Annotated[
        bool,
        typer.Option(
            "--unconfined",
            help="Run the tools' subprocesses without the OS sandbox (explicit opt-out).",
        ),
    ] = False,
    pytest_python: Annotated[
        str | None,
        typer.Option("--pytest-python", help="Interpreter that runs pytest (the project's venv)."),
    ] = None,
) -> None:
    """Run SCRIPT in the Monty sandbox against --workspace (local backend); print its output."""
    from punie_tools.sandbox import SandboxLimits, run_code
    from punie_tools.wire import format_tool_output

    if not script.is_file():
        typer.echo(f"error: script {str(script)!r} is not a file", err=True)
        raise typer.Exit(2)
    if not workspace.is_dir():
        typer.echo(f"error: workspace {str(workspace)!r} is not a directory", err=True)
        raise typer.Exit(2)
    code = script.read_text(encoding="utf-8")
    limits = SandboxLimits(timeout=timeout, tool_timeout=tool_timeout, deadline=deadline)
    record = run_code(
        code, workspace, limits=limits, unconfined=unconfined, pytest_python=pytest_python
    )
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
    raise typer.Exit(0 if record.error is None else 1)


def stubs_command() -> None:
    """Print the stubs that type model code in the sandbox."""
    from punie_tools.stubs import STUBS

    sys.stdout.write(STUBS)


def prompt_command() -> None:
    """Print the system prompt."""
    from punie_tools.prompt import SYSTEM_PROMPT

    sys.stdout.write(SYSTEM_PROMPT)


def register(app: typer.Typer) -> None:
    """Add `run`, `stubs` and `prompt` to the punie-tools app."""
    app.command("run")(run_command)
    app.command("stubs")(stubs_command)
    app.command("prompt")(prompt_command)
