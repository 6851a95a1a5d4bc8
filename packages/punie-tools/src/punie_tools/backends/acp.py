"""`AcpBackend`: the six tools carried out by an editor over the Agent Client Protocol.

Files go through the client's `fs/read_text_file` / `fs/write_text_file`; commands and the typed
tools run in client terminals: `create_terminal` -> `wait_for_terminal_exit` (with a timeout,
then `kill_terminal`) -> `terminal_output` -> `release_terminal`, released on every path.

The sandbox runs synchronously in a worker thread; every call is bridged onto the agent's event
loop with `asyncio.run_coroutine_threadsafe(...).result(timeout=...)`. Needs the `acp` extra
(`pip install punie-tools[acp]`); `acp` itself is imported lazily by the caller's connection.
The typed tools use the same command lines and parsers as the local runners, so both backends
give the same results; this assumes the editor runs on the agent's machine (ACP over stdio).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import posixpath
import tempfile
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from punie_tools.backends._paths import (
    DEFAULT_ALLOWED_COMMANDS,
    WorkspaceEscapeError,
    check_command,
    relative_path,
    resolve_in_workspace,
    write_confirmation,
)
from punie_tools.backends.local import format_command_output
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.parsers import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.runners import pytest_command, ruff_command, typecheck_command

__all__ = ["AcpBackend", "AcpClientConnection", "BridgeError", "TerminalRun"]

T = TypeVar("T")

# Environment the client's terminals get on top of their own: stable, pager-free output.
_TERMINAL_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "LC_ALL": "C",
}


class AcpClientConnection(Protocol):
    """The client-facing half of an ACP agent connection (e.g. `acp.AgentSideConnection`)."""

    async def read_text_file(self, session_id: str, path: str, **kwargs: Any) -> Any: ...

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> Any: ...

    async def create_terminal(self, session_id: str, command: str, **kwargs: Any) -> Any: ...

    async def wait_for_terminal_exit(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> Any: ...

    async def terminal_output(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...

    async def release_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class TerminalRun:
    """What one client terminal produced: combined output and exit code, or a timeout."""

    output: str
    exit_code: int | None
    timed_out: bool = False
    truncated: bool = False


def _json_part(text: str) -> str:
    """The JSON array in terminal output that may also hold stderr lines around it."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        return stripped
    start = text.find("\n[")
    start = 0 if text.startswith("[") else (start + 1 if start >= 0 else -1)
    end = text.rfind("]")
    if start < 0 or end < start:
        return text
    return text[start : end + 1]


class BridgeError(RuntimeError):
    """The backend was used wrongly (from the event loop's own thread)."""


class AcpBackend:
    """Tools carried out by the ACP client of `session_id`, for the workspace `root`.

    `conn` is the agent's connection to the client, `loop` the event loop it runs on. Call the
    methods from a worker thread (as the sandbox does), never from `loop`'s own thread.
    """

    def __init__(
        self,
        conn: AcpClientConnection,
        session_id: str,
        root: str | os.PathLike[str],
        loop: asyncio.AbstractEventLoop,
        *,
        allowed_commands: frozenset[str] = DEFAULT_ALLOWED_COMMANDS,
        timeout: float = 60.0,
        bridge_grace: float = 10.0,
        output_byte_limit: int = 200_000,
    ) -> None:
        self.conn = conn
        self.session_id = session_id
        self.workspace = Path(os.path.realpath(root))
        self.loop = loop
        self.allowed_commands = frozenset(allowed_commands)
        self.timeout = timeout
        self.bridge_grace = bridge_grace
        self.output_byte_limit = output_byte_limit

    # ------------------------------------------------------------------ bridging

    def _bridge(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the agent's loop and wait for it from this (worker) thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            coro.close()
            raise BridgeError("AcpBackend must be called from a worker thread, not the event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()  # the coroutine's finally blocks still release what it holds
            raise TimeoutError(f"the editor did not answer within {timeout:g} s") from None

    def _abs(self, path: str, *, what: str = "path") -> str:
        """The absolute client path of workspace-relative `path` (ACP wants absolute paths)."""
        resolve_in_workspace(self.workspace, path, what=what)
        rel = relative_path(path)
        return str(self.workspace) if rel == "." else posixpath.join(str(self.workspace), rel)

    async def _terminal(
        self, command: str, args: list[str], cwd: str, timeout: float
    ) -> TerminalRun:
        """create -> wait (kill on timeout) -> output -> release, releasing on every path."""
        env = [{"name": k, "value": v} for k, v in _TERMINAL_ENV.items()]
        created = await self.conn.create_terminal(
            session_id=self.session_id,
            command=command,
            args=args,
            cwd=cwd,
            env=env,
            output_byte_limit=self.output_byte_limit,
        )
        terminal_id = created.terminal_id
        timed_out = False
        try:
            try:
                await asyncio.wait_for(
                    self.conn.wait_for_terminal_exit(
                        session_id=self.session_id, terminal_id=terminal_id
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                timed_out = True
                await self.conn.kill_terminal(session_id=self.session_id, terminal_id=terminal_id)
            out = await self.conn.terminal_output(
                session_id=self.session_id, terminal_id=terminal_id
            )
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self.conn.release_terminal(session_id=self.session_id, terminal_id=terminal_id)
                )
        status = out.exit_status
        exit_code = None if status is None else status.exit_code
        return TerminalRun(out.output, exit_code, timed_out, bool(out.truncated))

    def _run_terminal(self, argv: list[str], timeout: float | None = None) -> TerminalRun:
        limit = self.timeout if timeout is None else timeout
        return self._bridge(
            self._terminal(argv[0], argv[1:], str(self.workspace), limit),
            limit + self.bridge_grace,
        )

    # ------------------------------------------------------------------ files

    def read_file(self, path: str) -> str:
        """Return the text of a workspace file."""
        target = self._abs(path)
        try:
            response = self._bridge(
                self.conn.read_text_file(session_id=self.session_id, path=target),
                self.timeout,
            )
        except (TimeoutError, BridgeError):
            raise
        except Exception:  # the client's error may hold host paths: keep the message stable
            raise FileNotFoundError(f"the editor could not read {path!r}") from None
        return response.content

    def write_file(self, path: str, content: str) -> str:
        """Create or replace a workspace file with `content`; returns a short confirmation."""
        if not isinstance(content, str):
            raise TypeError(f"content must be a str, not {type(content).__name__}")
        target = self._abs(path)
        if ".git" in Path(relative_path(path)).parts:
            raise WorkspaceEscapeError(f"writing inside .git is not allowed: {path!r}")
        try:
            self._bridge(
                self.conn.write_text_file(session_id=self.session_id, path=target, content=content),
                self.timeout,
            )
        except (TimeoutError, BridgeError):
            raise
        except Exception:
            raise OSError(f"the editor could not write {path!r}") from None
        return write_confirmation(path, content)

    # ------------------------------------------------------------------ commands

    def run_command(
        self, command: str, args: list[str] | None = None, cwd: str | None = None
    ) -> str:
        """Run an allowed program without a shell; returns its output (+ `[exit status N]`)."""
        argv_args = list(args or [])
        workdir = resolve_in_workspace(self.workspace, cwd or ".", what="cwd")
        check_command(self.workspace, workdir, command, argv_args, self.allowed_commands)
        run = self._bridge(
            self._terminal(command, argv_args, self._abs(cwd or ".", what="cwd"), self.timeout),
            self.timeout + self.bridge_grace,
        )
        if run.timed_out:
            raise TimeoutError(f"{command} timed out after {self.timeout:g} s and was stopped")
        return format_command_output(run.output, "", run.exit_code)

    # ------------------------------------------------------------------ typed tools

    def typecheck(self, path: str) -> TypeCheckResult:
        """Type-check a file or directory with ty."""
        self._abs(path)
        argv = typecheck_command(relative_path(path))
        if argv is None:
            return _ty_failure("ty is not installed")
        run = self._run_terminal(argv)
        if run.timed_out:
            return _ty_failure(f"ty timed out after {self.timeout:g} s and was stopped")
        if run.exit_code not in (0, 1):
            return _ty_failure(
                f"ty could not run (exit status {run.exit_code}): {run.output[-500:]}"
            )
        return parse_ty_output(_json_part(run.output), cwd=self.workspace)

    def ruff_check(self, path: str) -> RuffResult:
        """Lint a file or directory with ruff."""
        self._abs(path)
        argv = ruff_command(relative_path(path))
        if argv is None:
            return _ruff_failure("ruff is not installed")
        run = self._run_terminal(argv)
        if run.timed_out:
            return _ruff_failure(f"ruff timed out after {self.timeout:g} s and was stopped")
        if run.exit_code not in (0, 1):
            return _ruff_failure(
                f"ruff could not run (exit status {run.exit_code}): {run.output[-500:]}"
            )
        return parse_ruff_output(_json_part(run.output), cwd=self.workspace)

    def pytest_run(self, path: str) -> TestResult:
        """Run the tests in a file or directory with pytest."""
        self._abs(path)
        report = Path(tempfile.gettempdir()) / f"punie-acp-pytest-{uuid.uuid4().hex}.json"
        argv = pytest_command(relative_path(path), cwd=self.workspace, report_file=report)
        try:
            run = self._run_terminal(argv)
            if run.timed_out:
                return _pytest_failure(f"pytest timed out after {self.timeout:g} s and was stopped")
            try:
                text = self._bridge(
                    self.conn.read_text_file(session_id=self.session_id, path=str(report)),
                    self.timeout,
                ).content
            except Exception:
                text = ""
        finally:
            with contextlib.suppress(OSError):
                report.unlink()
        if not text.strip():
            return _pytest_failure(
                f"pytest wrote no report (exit status {run.exit_code}): {run.output[-500:]}"
            )
        return parse_pytest_output(text)


def _ty_failure(message: str) -> TypeCheckResult:
    return TypeCheckResult(success=False, error_count=0, warning_count=0, tool_error=message)


def _ruff_failure(message: str) -> RuffResult:
    return RuffResult(success=False, error_count=0, warning_count=0, tool_error=message)


def _pytest_failure(message: str) -> TestResult:
    return TestResult(success=False, passed=0, failed=0, skipped=0, total=0, tool_error=message)
