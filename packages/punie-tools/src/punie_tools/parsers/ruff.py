"""Parse `ruff check --output-format json` into a `RuffResult`; never raises."""

from __future__ import annotations

import os

import msgspec

from punie_tools.models import RuffResult, RuffViolation
from punie_tools.parsers._common import (
    MAX_INPUT_CHARS,
    as_text,
    describe_decode_error,
    relativizer,
)

__all__ = ["parse_ruff_output"]


class _Location(msgspec.Struct):
    row: int
    column: int


class _Fix(msgspec.Struct):
    applicability: str | None = None


class _Item(msgspec.Struct):
    code: str | None
    message: str
    filename: str
    location: _Location
    fix: _Fix | None = None
    severity: str | None = None
    name: str | None = None


_DECODER = msgspec.json.Decoder(list[_Item])
_WARNING_LEVELS = frozenset({"warning", "info", "hint", "note"})


def _severity(raw: str | None) -> str:
    """ruff's own severity folded to "error" | "warning" (absent → "error", as older ruff meant)."""
    return "warning" if raw is not None and raw.lower() in _WARNING_LEVELS else "error"


def _failure(message: str) -> RuffResult:
    return RuffResult(success=False, error_count=0, warning_count=0, tool_error=message)


def parse_ruff_output(
    text: str | bytes, *, cwd: str | os.PathLike[str] | None = None
) -> RuffResult:
    """Build a `RuffResult` from ruff's JSON; file paths become relative to `cwd` (default: .).

    Malformed input (empty, truncated, not JSON, wrong shape, too large) gives `success=False`
    with `tool_error` saying why.
    """
    try:
        return _parse(text, cwd)
    except Exception as exc:  # a parser must never raise, whatever it is fed
        return _failure(f"could not read ruff's output ({type(exc).__name__}): {exc}"[:500])


def _parse(text: str | bytes, cwd: str | os.PathLike[str] | None) -> RuffResult:
    raw = as_text(text)
    if len(raw) > MAX_INPUT_CHARS:
        return _failure(f"ruff's output is too large to read ({len(raw)} characters)")
    try:
        items = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _failure(describe_decode_error("ruff", exc, raw))
    relative = relativizer(cwd)
    violations = [
        RuffViolation(
            file=relative(item.filename),
            line=item.location.row,
            column=item.location.column,
            code=item.code or item.name or "unknown",
            message=item.message,
            severity=_severity(item.severity),
            fixable=item.fix is not None and item.fix.applicability in (None, "safe"),
        )
        for item in items
    ]
    errors = sum(v.severity == "error" for v in violations)
    return RuffResult(
        success=errors == 0,
        error_count=errors,
        warning_count=len(violations) - errors,
        violations=violations,
        fixable_count=sum(v.fixable for v in violations),
    )
