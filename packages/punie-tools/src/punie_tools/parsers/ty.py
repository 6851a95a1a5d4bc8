"""Parse ty's output into a `TypeCheckResult`; never raises.

ty has no JSON flag, but `--output-format gitlab` prints a JSON array (GitLab code quality
report). That is the primary format; `--output-format concise` text is read as a fallback.
"""

from __future__ import annotations

import os
import re

import msgspec

from punie_tools.models import TypeCheckError, TypeCheckResult
from punie_tools.parsers._common import (
    MAX_INPUT_CHARS,
    as_text,
    describe_decode_error,
    relativizer,
)

__all__ = ["parse_ty_output"]


class _Position(msgspec.Struct):
    line: int
    column: int


class _Positions(msgspec.Struct):
    begin: _Position


class _Location(msgspec.Struct):
    path: str
    positions: _Positions


class _Issue(msgspec.Struct):
    check_name: str
    description: str
    severity: str
    location: _Location


_DECODER = msgspec.json.Decoder(list[_Issue])

# GitLab code-quality severities as ty uses them: errors are "major", warnings "minor",
# informational notes (e.g. reveal_type) "info". "critical"/"blocker" are treated as errors.
_GITLAB_SEVERITY = {
    "blocker": "error",
    "critical": "error",
    "major": "error",
    "minor": "warning",
    "info": "info",
}

_CONCISE_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): "
    r"(?P<severity>fatal|error|warning|info)\[(?P<code>[^\]\s]+)\] (?P<message>.*)$"
)
_CONCISE_SUMMARY = re.compile(r"^Found (?P<count>\d+) diagnostics?$")
_CONCISE_CLEAN = "All checks passed!"


def _failure(message: str) -> TypeCheckResult:
    return TypeCheckResult(success=False, error_count=0, warning_count=0, tool_error=message)


def _result(errors: list[TypeCheckError]) -> TypeCheckResult:
    error_count = sum(e.severity == "error" for e in errors)
    return TypeCheckResult(
        success=error_count == 0,
        error_count=error_count,
        warning_count=sum(e.severity == "warning" for e in errors),
        errors=errors,
    )


def parse_ty_output(
    text: str | bytes, *, cwd: str | os.PathLike[str] | None = None
) -> TypeCheckResult:
    """Build a `TypeCheckResult` from ty's gitlab JSON (or concise text); paths relative to `cwd`.

    Malformed input (empty, truncated, unrecognised, wrong shape, too large) gives
    `success=False` with `tool_error` saying why.
    """
    try:
        raw = as_text(text)
        if len(raw) > MAX_INPUT_CHARS:
            return _failure(f"ty's output is too large to read ({len(raw)} characters)")
        if raw.lstrip().startswith("["):
            return _parse_gitlab(raw, cwd)
        return _parse_concise(raw, cwd)
    except Exception as exc:  # a parser must never raise, whatever it is fed
        return _failure(f"could not read ty's output ({type(exc).__name__}): {exc}"[:500])


def _parse_gitlab(raw: str, cwd: str | os.PathLike[str] | None) -> TypeCheckResult:
    try:
        issues = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _failure(describe_decode_error("ty", exc, raw))
    relative = relativizer(cwd)
    errors = []
    for issue in issues:
        prefix = f"{issue.check_name}: "
        message = issue.description
        if message.startswith(prefix):
            message = message[len(prefix) :]
        severity = _GITLAB_SEVERITY.get(issue.severity.lower())
        if severity is None:
            return _failure(f"ty reported an unknown severity {issue.severity[:50]!r}")
        begin = issue.location.positions.begin
        errors.append(
            TypeCheckError(
                file=relative(issue.location.path),
                line=begin.line,
                column=begin.column,
                severity=severity,
                code=issue.check_name,
                message=message,
            )
        )
    return _result(errors)


def _parse_concise(raw: str, cwd: str | os.PathLike[str] | None) -> TypeCheckResult:
    if not raw.strip():
        return _failure("ty printed no output")
    relative = relativizer(cwd)
    errors: list[TypeCheckError] = []
    summary: int | None = None
    clean = False
    for line in raw.splitlines():
        line = line.rstrip()
        if match := _CONCISE_LINE.match(line):
            severity = match["severity"]
            errors.append(
                TypeCheckError(
                    file=relative(match["file"]),
                    line=int(match["line"]),
                    column=int(match["column"]),
                    severity="error" if severity == "fatal" else severity,
                    code=match["code"],
                    message=match["message"],
                )
            )
        elif match := _CONCISE_SUMMARY.match(line):
            summary = int(match["count"])
        elif line == _CONCISE_CLEAN:
            clean = True
    if clean and not errors:
        return _result([])
    if summary is None:
        if errors:
            return _failure(f"ty's output ends early: {len(errors)} diagnostics but no summary")
        return _failure("ty's output is neither gitlab JSON nor concise diagnostics")
    if summary != len(errors):
        return _failure(
            f"ty announced {summary} diagnostics but printed {len(errors)} readable ones"
        )
    return _result(errors)
