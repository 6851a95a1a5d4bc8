"""CLI commands for the sandbox: `run`, `stubs`, `prompt` (registered on the main typer app).

`run` exits 0 when the script ran cleanly, 1 when it errored (any `record.error`), 2 for usage
problems (missing script, workspace not a directory).
"""

from __future__ import annotations

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
    record = run_code(
        code, workspace, limits=SandboxLimits(timeout=timeout, tool_timeout=tool_timeout)
    )
    if as_json:
        typer.echo(record.model_dump_json(indent=2))
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
