"""Typed results of the three quality tools and of one code-mode run.

These models are the public contract of punie-tools: the parsers build them,
the sandbox hands them to model code, datagen serialises them into training
data and eval scores them. Field names are stable: a rename keeps the old name
as a deprecated alias for at least one minor release (`TestResult.errors` ->
`TestResult.error_count` in 0.2).
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field

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
]


class TypeCheckError(BaseModel):
    """One diagnostic reported by ty."""

    file: str
    line: int
    column: int
    severity: str
    code: str
    message: str


class TypeCheckResult(BaseModel):
    """What `ty check` found. `success` means no errors (warnings allowed)."""

    success: bool
    error_count: int
    warning_count: int
    errors: list[TypeCheckError] = Field(default_factory=list)
    tool_error: str | None = None


class RuffViolation(BaseModel):
    """One violation reported by `ruff check`."""

    file: str
    line: int
    column: int
    code: str
    message: str
    severity: str  # "error" | "warning", from ruff's own severity
    fixable: bool = False


class RuffResult(BaseModel):
    """What `ruff check` found. `success` means no violations of severity error."""

    success: bool
    error_count: int
    warning_count: int
    violations: list[RuffViolation] = Field(default_factory=list)
    fixable_count: int = 0
    tool_error: str | None = None


class TestFailure(BaseModel):
    """One failed test, or one file/fixture that errored during collection or setup."""

    __test__ = False  # not a pytest test class

    test_id: str
    message: str
    traceback: str | None = None


class TestResult(BaseModel):
    """What pytest found. `success` means every collected test passed and nothing errored."""

    __test__ = False

    success: bool
    passed: int
    failed: int
    skipped: int
    total: int
    failures: list[TestFailure] = Field(default_factory=list)
    # Collection and setup errors (also listed in `failures`). Named like the other results'
    # `error_count`; `errors` (its name before 0.2) is still accepted as input.
    error_count: int = Field(0, validation_alias=AliasChoices("error_count", "errors"))
    duration: float = 0.0
    tool_error: str | None = None

    @property
    def errors(self) -> int:
        """Deprecated alias of `error_count` (on the other results `errors` is a list)."""
        warnings.warn(
            "TestResult.errors is deprecated; use TestResult.error_count",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.error_count


class ToolCallRecord(BaseModel):
    """One external-function call made by model code inside the sandbox."""

    name: str
    arguments: dict[str, Any]
    result: Any = None  # str for file/command tools, model_dump() for typed results
    error: str | None = None
    duration: float = 0.0


class ExecutionError(BaseModel):
    """Why a code-mode run did not complete."""

    kind: Literal[
        "syntax", "type", "runtime", "timeout", "memory", "output", "recursion", "crash", "refused"
    ]
    message: str
    line: int | None = None


class ExecutionRecord(BaseModel):
    """Complete record of one code-mode run: what datagen stores and eval scores."""

    code: str
    stdout: str = ""
    error: ExecutionError | None = None
    calls: list[ToolCallRecord] = Field(default_factory=list)
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None
