"""Typed code-mode tools for coding agents.

ruff, ty and pytest as structured results, a Monty sandbox, ACP bridges, stubs and prompt.
The names below are the public API; `punie_tools.backends.acp` (extra `acp`) and
`punie_tools.pydantic_ai` (extra `pydantic-ai`) are imported on their own.
"""

from punie_tools.backends import (
    CommandNotAllowedError,
    LocalBackend,
    ToolBackend,
    WorkspaceEscapeError,
)
from punie_tools.models import (
    ExecutionError,
    ExecutionRecord,
    RuffResult,
    RuffViolation,
    TestFailure,
    TestResult,
    ToolCallRecord,
    TypeCheckError,
    TypeCheckResult,
)
from punie_tools.parsers import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.runners import pytest_run, ruff_check, typecheck
from punie_tools.sandbox import Sandbox, SandboxLimits, run_code

__version__ = "0.1.2"

__all__ = [
    "CommandNotAllowedError",
    "ExecutionError",
    "ExecutionRecord",
    "LocalBackend",
    "RuffResult",
    "RuffViolation",
    "Sandbox",
    "SandboxLimits",
    "TestFailure",
    "TestResult",
    "ToolBackend",
    "ToolCallRecord",
    "TypeCheckError",
    "TypeCheckResult",
    "WorkspaceEscapeError",
    "__version__",
    "parse_pytest_output",
    "parse_ruff_output",
    "parse_ty_output",
    "pytest_run",
    "ruff_check",
    "run_code",
    "typecheck",
]
