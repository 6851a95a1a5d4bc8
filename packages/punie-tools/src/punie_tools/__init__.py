"""Typed code-mode tools for coding agents.

ruff, ty and pytest as structured results, a Monty sandbox, ACP bridges, stubs and prompt.
"""

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

__version__ = "0.1.1"

__all__ = [
    "ExecutionError",
    "ExecutionRecord",
    "RuffResult",
    "RuffViolation",
    "TestFailure",
    "TestResult",
    "ToolCallRecord",
    "TypeCheckError",
    "TypeCheckResult",
    "__version__",
    "parse_pytest_output",
    "parse_ruff_output",
    "parse_ty_output",
    "pytest_run",
    "ruff_check",
    "typecheck",
]
