"""`LocalBackend`: the six tools on a workspace directory of this machine.

Files are read and written under the workspace only (see `_paths`), commands run as
subprocesses without a shell, with a timeout, and the typed tools call the real runners.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path, PurePosixPath

from punie_tools._subprocess import find_executable, run_process
from punie_tools.backends._paths import (
    DEFAULT_ALLOWED_COMMANDS,
    WorkspaceEscapeError,
    check_command,
    relative_path,
    resolve_in_workspace,
    write_confirmation,
)
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.runners import pytest_run, ruff_check, typecheck

__all__ = ["LocalBackend", "command_env", "format_command_output"]

_PYTHON_TOOLS = frozenset({"ruff", "ty", "pytest"})


def command_env() -> dict[str, str]:
    """Environment for `run_command`: ours, with stable, pager-free, colour-free output."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_EXTERNAL_DIFF", "GIT_DIR", "GIT_WORK_TREE"))
    }
    env.update(
        PYTHONDONTWRITEBYTECODE="1",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_TERMINAL_PROMPT="0",
        GIT_CONFIG_NOSYSTEM="1",
        NO_COLOR="1",
        TERM="dumb",
        LC_ALL="C",
        COLUMNS="100",
    )
    return env


def format_command_output(
    stdout: str, stderr: str, returncode: int | None, limit: int = 20_000
) -> str:
    """What `run_command` returns: stdout, then stderr, `[exit status N]` when N != 0, capped."""
    text = stdout
    if stderr:
        text = text + ("\n" if text and not text.endswith("\n") else "") + stderr
    if len(text) > limit:
        text = text[:limit] + f"\n… [output truncated: {len(text) - limit} more characters]\n"
    if returncode:
        text = (
            text
            + ("\n" if text and not text.endswith("\n") else "")
            + f"[exit status {returncode}]"
        )
    return text


class LocalBackend:
    """Tools on `workspace`, a directory of this machine; every path is confined to it."""

    def __init__(
        self,
        workspace: str | os.PathLike[str],
        *,
        allowed_commands: frozenset[str] = DEFAULT_ALLOWED_COMMANDS,
        timeout: float = 60.0,
        max_read_bytes: int = 2_000_000,
        max_output_chars: int = 20_000,
    ) -> None:
        root = Path(workspace).resolve()
        if not root.is_dir():
            raise NotADirectoryError(f"workspace {os.fspath(workspace)!r} is not a directory")
        self.workspace = root
        self.allowed_commands = frozenset(allowed_commands)
        self.timeout = timeout
        self.max_read_bytes = max_read_bytes
        self.max_output_chars = max_output_chars

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.workspace)!r})"

    # ------------------------------------------------------------------ files

    def read_file(self, path: str) -> str:
        """Return the text of a workspace file."""
        full = resolve_in_workspace(self.workspace, path)
        if full.is_dir():
            raise IsADirectoryError(f"{path!r} is a directory; use run_command('ls', [{path!r}])")
        if not full.is_file():
            raise FileNotFoundError(f"no such file in the workspace: {path!r}")
        size = full.stat().st_size
        if size > self.max_read_bytes:
            raise ValueError(
                f"{path!r} is {size} bytes, over the {self.max_read_bytes}-byte read limit; "
                "use run_command('head', ...) or grep instead"
            )
        return full.read_text(encoding="utf-8", errors="replace")

    def write_file(self, path: str, content: str) -> str:
        """Create or replace a workspace file with `content`; returns a short confirmation."""
        if not isinstance(content, str):
            raise TypeError(f"content must be a str, not {type(content).__name__}")
        full = resolve_in_workspace(self.workspace, path)
        if ".git" in PurePosixPath(path).parts:
            raise WorkspaceEscapeError(f"writing inside .git is not allowed: {path!r}")
        if full == self.workspace or full.is_dir():
            raise IsADirectoryError(f"{path!r} is a directory, not a file")
        full.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".punie-", suffix=".tmp", dir=full.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(content)
            if full.exists():
                with contextlib.suppress(OSError):
                    os.chmod(tmp, full.stat().st_mode & 0o777)
            else:
                os.chmod(tmp, 0o644)
            os.replace(tmp, full)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return write_confirmation(path, content)

    # ------------------------------------------------------------------ commands

    def run_command(
        self, command: str, args: list[str] | None = None, cwd: str | None = None
    ) -> str:
        """Run an allowed program without a shell; returns its output (+ `[exit status N]`)."""
        argv_args = list(args or [])
        workdir = resolve_in_workspace(self.workspace, cwd or ".", what="cwd")
        if not workdir.is_dir():
            raise NotADirectoryError(f"cwd {cwd!r} is not a directory of the workspace")
        check_command(self.workspace, workdir, command, argv_args, self.allowed_commands)
        argv = self._argv(command, argv_args)
        outcome = run_process(argv, cwd=workdir, timeout=self.timeout, env=command_env())
        if outcome.launch_error is not None:
            raise FileNotFoundError(f"command {command!r} could not be started (not installed?)")
        if outcome.timed_out:
            raise TimeoutError(f"{command} timed out after {self.timeout:g} s and was stopped")
        return format_command_output(
            outcome.stdout, outcome.stderr, outcome.returncode, self.max_output_chars
        )

    def _argv(self, command: str, args: list[str]) -> list[str]:
        if command == "python":
            return [sys.executable, *args]
        if command in _PYTHON_TOOLS:
            if command == "pytest":
                return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
            exe = find_executable(command)
            return [exe or command, *args]
        if command == "git":
            return ["git", "--no-pager", *args]
        return [command, *args]

    # ------------------------------------------------------------------ typed tools

    def typecheck(self, path: str) -> TypeCheckResult:
        """Type-check a file or directory with ty."""
        resolve_in_workspace(self.workspace, path)
        return typecheck(relative_path(path), cwd=self.workspace, timeout=self.timeout)

    def ruff_check(self, path: str) -> RuffResult:
        """Lint a file or directory with ruff."""
        resolve_in_workspace(self.workspace, path)
        return ruff_check(relative_path(path), cwd=self.workspace, timeout=self.timeout)

    def pytest_run(self, path: str) -> TestResult:
        """Run the tests in a file or directory with pytest."""
        resolve_in_workspace(self.workspace, path)
        return pytest_run(relative_path(path), cwd=self.workspace, timeout=self.timeout)
