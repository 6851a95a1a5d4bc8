"""Where the sandbox's external functions run: the `ToolBackend` protocol and its backends.

`LocalBackend` works on a workspace directory on this machine; `AcpBackend` (in
`punie_tools.backends.acp`, needs the `acp` extra) drives an editor over the Agent Client Protocol.
The protocol's method signatures and docstrings are the single source of the sandbox stubs.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from punie_tools.backends._paths import (
    DEFAULT_ALLOWED_COMMANDS,
    CommandNotAllowedError,
    WorkspaceEscapeError,
)
from punie_tools.backends.local import LocalBackend
from punie_tools.models import RuffResult, TestResult, TypeCheckResult

__all__ = [
    "DEFAULT_ALLOWED_COMMANDS",
    "TOOL_NAMES",
    "CommandNotAllowedError",
    "LocalBackend",
    "ToolBackend",
    "WorkspaceEscapeError",
]


@runtime_checkable
class ToolBackend(Protocol):
    """The six tools model code may call; paths are relative to the workspace."""

    def read_file(self, path: str) -> str:
        """Return the text of a workspace file."""
        ...

    def write_file(self, path: str, content: str) -> str:
        """Create or replace a workspace file with `content`; returns a short confirmation."""
        ...

    def run_command(
        self, command: str, args: list[str] | None = None, cwd: str | None = None
    ) -> str:
        """Run an allowed program without a shell; returns its output (+ `[exit status N]`)."""
        ...

    def typecheck(self, path: str) -> TypeCheckResult:
        """Type-check a file or directory with ty."""
        ...

    def ruff_check(self, path: str) -> RuffResult:
        """Lint a file or directory with ruff."""
        ...

    def pytest_run(self, path: str) -> TestResult:
        """Run the tests in a file or directory with pytest."""
        ...


TOOL_NAMES: tuple[str, ...] = (
    "read_file",
    "write_file",
    "run_command",
    "typecheck",
    "ruff_check",
    "pytest_run",
)
"""The external functions, in the order the stubs and the prompt list them."""
