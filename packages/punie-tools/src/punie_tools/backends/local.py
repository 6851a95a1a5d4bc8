"""`LocalBackend`: the six tools on a workspace directory of this machine.

Files are read and written under the workspace only (see `_paths`). Commands and the typed
tools run as subprocesses without a shell, inside the OS sandbox of `punie_tools.confine`
(the workspace is the only writable place, no network, no host environment, nothing outlives
the call), with a timeout, an output cap, and each command's option allow-list.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Generator, Sequence
from pathlib import Path, PurePosixPath

from punie_tools._subprocess import (
    DEFAULT_MAX_OUTPUT,
    SESSION_FAILURE,
    find_executable,
    run_confined,
    time_left,
)
from punie_tools.backends._paths import (
    DEFAULT_ALLOWED_COMMANDS,
    WorkspaceEscapeError,
    check_command,
    relative_path,
    resolve_in_workspace,
    write_confirmation,
)
from punie_tools.confine import Policy, base_env, interpreter_paths, protected_paths
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.runners import (
    default_pytest_python,
    pytest_run,
    python_module_argv,
    ruff_check,
    scrub_paths,
    typecheck,
)

__all__ = ["LocalBackend", "command_env", "format_command_output", "git_prefix"]

_PYTHON_TOOLS = frozenset({"ruff", "ty", "pytest"})

# Settings that keep git from running anything the repository's own config names (fsmonitor,
# hooks, external diff and textconv drivers, signature checks) or paging.
_GIT_CONFIG = (
    "core.fsmonitor=false", "core.hooksPath=/dev/null", "core.pager=cat",
    "log.showSignature=false", "core.untrackedCache=false", "protocol.allow=never",
)  # fmt: skip
_GIT_NO_DRIVERS = {"diff": ("--no-ext-diff", "--no-textconv"),
                   "log": ("--no-ext-diff", "--no-textconv"),
                   "show": ("--no-ext-diff", "--no-textconv"),
                   "blame": ("--no-textconv",)}  # fmt: skip


def git_prefix(args: Sequence[str]) -> list[str]:
    """git's command line before the model's arguments: no pager, safe config overrides."""
    out = ["git", "--no-pager"]
    for setting in _GIT_CONFIG:
        out += ["-c", setting]
    sub = args[0] if args else ""
    return [*out, sub, *_GIT_NO_DRIVERS.get(sub, ())] if sub else out


def command_env(workspace: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Environment for `run_command`: the allow-listed one, with stable, pager-free,
    colour-free output and git confined to the workspace (ceiling, no system/global config)."""
    extra = {
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_OPTIONAL_LOCKS": "0",
        "GIT_ATTR_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "TERM": "dumb",
        "LC_ALL": "C",
        "COLUMNS": "100",
    }
    if workspace is not None:
        extra["GIT_CEILING_DIRECTORIES"] = os.path.dirname(os.path.realpath(workspace))
    return base_env(extra)


def format_command_output(
    stdout: str,
    stderr: str,
    returncode: int | None,
    limit: int = 20_000,
    *,
    stopped_at: int | None = None,
) -> str:
    """What `run_command` returns: stdout, then stderr, `[exit status N]` when N != 0, capped.

    `stopped_at` (bytes) says the command printed more than that and was stopped.
    """
    text = stdout
    if stderr:
        text = text + ("\n" if text and not text.endswith("\n") else "") + stderr
    if len(text) > limit:
        more = (
            f"more than {len(text) - limit}" if stopped_at is not None else str(len(text) - limit)
        )
        text = text[:limit] + f"\n… [output truncated: {more} more characters]\n"
    elif stopped_at is not None:
        text += f"\n… [output truncated after {stopped_at} bytes]\n"
    if stopped_at is not None:
        text += "[the command was stopped: too much output]"
    elif returncode:
        text = (
            text
            + ("\n" if text and not text.endswith("\n") else "")
            + f"[exit status {returncode}]"
        )
    return text


@contextlib.contextmanager
def _no_host_paths(path: object) -> Generator[None]:
    """Re-raise an OS error about `path` without the host path the OS put in its message."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            raise
        shown = repr(path) if len(repr(path)) <= 200 else f"a path of {len(str(path))} characters"
        raise type(exc)(f"cannot access {shown}: {exc.strerror or type(exc).__name__}") from None


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
        max_output_bytes: int = 1_000_000,
        pytest_python: str | os.PathLike[str] | None = None,
        pytest_plugin_autoload: bool = True,
        unconfined: bool = False,
    ) -> None:
        root = Path(workspace).resolve()
        if not root.is_dir():
            raise NotADirectoryError(f"workspace {os.fspath(workspace)!r} is not a directory")
        if not isinstance(timeout, int | float) or not timeout > 0:
            raise ValueError(f"timeout must be a number of seconds > 0, not {timeout!r}")
        self.workspace = root
        self.allowed_commands = frozenset(allowed_commands)
        self.timeout = float(timeout)
        self.max_read_bytes = max_read_bytes
        self.max_output_chars = max_output_chars
        self.max_output_bytes = min(max_output_bytes, DEFAULT_MAX_OUTPUT)
        self.pytest_python = os.path.abspath(pytest_python) if pytest_python is not None else None
        """The interpreter for `pytest_run` and `run_command("python"|"pytest")`: the project's
        own venv (needs pytest and pytest-json-report); default `PUNIE_PYTEST_PYTHON`, else
        the Python running punie-tools."""
        self.pytest_plugin_autoload = pytest_plugin_autoload
        """False: `pytest_run` loads no plugin but pytest-json-report (see `runners.pytest_run`),
        for projects whose tests need none; `run_command("pytest")` is not affected."""
        self.unconfined = unconfined
        """True runs subprocesses without the OS sandbox (explicit opt-out, never automatic)."""

    def __repr__(self) -> str:
        extra = ", unconfined=True" if self.unconfined else ""
        return f"LocalBackend({str(self.workspace)!r}{extra})"

    @property
    def python(self) -> str:
        """The interpreter that runs pytest and `python -m` for this workspace."""
        return self.pytest_python or default_pytest_python()

    # ------------------------------------------------------------------ files

    def read_file(self, path: str) -> str:
        """Return the text of a workspace file."""
        with _no_host_paths(path):
            return self._read_file(path)

    def _read_file(self, path: str) -> str:
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
        with _no_host_paths(path):
            return self._write_file(path, content)

    def _write_file(self, path: str, content: str) -> str:
        if not isinstance(content, str):
            raise TypeError(f"content must be a str, not {type(content).__name__}")
        full = resolve_in_workspace(self.workspace, path)
        real_parts = full.relative_to(self.workspace).parts
        if ".git" in PurePosixPath(path).parts or ".git" in real_parts:
            raise WorkspaceEscapeError(f"writing inside .git is not allowed: {path!r}")
        for island in protected_paths(self.workspace, interpreter_paths(self.python)):
            if full.is_relative_to(island):
                raise WorkspaceEscapeError(
                    f"writing into the Python environment the tools run with is not allowed: "
                    f"{path!r}"
                )
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
        with _no_host_paths(cwd):
            return self._run_command(command, args, cwd)

    def _run_command(self, command: str, args: list[str] | None, cwd: str | None) -> str:
        argv_args = list(args or [])
        workdir = resolve_in_workspace(self.workspace, cwd or ".", what="cwd")
        if not workdir.is_dir():
            raise NotADirectoryError(f"cwd {cwd!r} is not a directory of the workspace")
        check_command(self.workspace, workdir, command, argv_args, self.allowed_commands)
        allowed, run_limit = time_left(self.timeout)
        stopped = (
            f"{command} was stopped: the run's time limit of {run_limit:g} s was reached"
            if run_limit is not None
            else f"{command} timed out after {self.timeout:g} s and was stopped"
        )
        if allowed <= 0:
            raise TimeoutError(stopped)
        argv = self._argv(command, argv_args)
        readable = interpreter_paths(self.python) if command in ("python", "pytest") else ()
        policy = Policy(
            workspace=self.workspace, readable=readable, env=command_env(self.workspace)
        )
        outcome = run_confined(
            argv, policy=policy, timeout=allowed, cwd=workdir,
            max_output=self.max_output_bytes, unconfined=self.unconfined, tool=command,
        )  # fmt: skip
        if outcome.launch_error is not None:
            if outcome.launch_error.startswith(SESSION_FAILURE):
                raise OSError(outcome.launch_error)  # not the command's fault: retrying works
            raise FileNotFoundError(f"command {command!r} could not be started (not installed?)")
        if outcome.timed_out:
            raise TimeoutError(stopped)
        return format_command_output(
            scrub_paths(outcome.stdout, self.workspace),
            scrub_paths(outcome.stderr, self.workspace),
            outcome.returncode,
            self.max_output_chars,
            stopped_at=self.max_output_bytes if outcome.truncated else None,
        )

    def _argv(self, command: str, args: list[str]) -> list[str]:
        if command == "python":
            return [*python_module_argv(self.python, args[1]), *args[2:]]
        if command == "pytest":
            return [*python_module_argv(self.python, "pytest"), "-p", "no:cacheprovider", *args]
        if command in _PYTHON_TOOLS:
            exe = find_executable(command)
            return [exe or command, *args]
        if command == "git":
            return [*git_prefix(args), *args[1:]]
        return [command, *args]

    # ------------------------------------------------------------------ typed tools

    def typecheck(self, path: str) -> TypeCheckResult:
        """Type-check a file or directory with ty."""
        resolve_in_workspace(self.workspace, path)
        return typecheck(
            relative_path(path), cwd=self.workspace, timeout=self.timeout,
            unconfined=self.unconfined,
        )  # fmt: skip

    def ruff_check(self, path: str) -> RuffResult:
        """Lint a file or directory with ruff."""
        resolve_in_workspace(self.workspace, path)
        return ruff_check(
            relative_path(path), cwd=self.workspace, timeout=self.timeout,
            unconfined=self.unconfined,
        )  # fmt: skip

    def pytest_run(self, path: str) -> TestResult:
        """Run the tests in a file or directory with pytest."""
        if not isinstance(path, str):
            raise TypeError(f"path must be a str, not {type(path).__name__}")
        file_part, sep, node = path.partition("::")
        resolve_in_workspace(self.workspace, file_part or ".")
        return pytest_run(
            relative_path(file_part) + sep + node, cwd=self.workspace, timeout=self.timeout,
            python=self.pytest_python, unconfined=self.unconfined,
            plugin_autoload=self.pytest_plugin_autoload,
        )  # fmt: skip
