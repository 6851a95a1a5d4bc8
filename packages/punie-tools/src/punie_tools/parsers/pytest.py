"""Parse a pytest-json-report report file into a `TestResult`; never raises.

Collection errors (a test file that fails to import) and setup/teardown errors (a broken fixture)
are counted in `error_count` and listed in `failures`, so a broken test file never looks like success.
"""

from __future__ import annotations

import msgspec

from punie_tools.models import TestFailure, TestResult
from punie_tools.parsers._common import MAX_INPUT_CHARS, as_text, describe_decode_error

__all__ = ["parse_pytest_output"]


class _Crash(msgspec.Struct):
    message: str = ""


class _Stage(msgspec.Struct):
    outcome: str = ""
    crash: _Crash | None = None
    longrepr: str | None = None


class _Test(msgspec.Struct):
    nodeid: str
    outcome: str
    setup: _Stage | None = None
    call: _Stage | None = None
    teardown: _Stage | None = None


class _Collector(msgspec.Struct):
    nodeid: str
    outcome: str
    longrepr: str | None = None


class _Report(msgspec.Struct):
    exitcode: int
    tests: list[_Test]
    collectors: list[_Collector] = []
    duration: float = 0.0


_DECODER = msgspec.json.Decoder(_Report)

_PASSED = frozenset({"passed", "xpassed"})
_SKIPPED = frozenset({"skipped", "xfailed", "deselected"})
_KNOWN = _PASSED | _SKIPPED | {"failed", "error"}


def _failure(message: str) -> TestResult:
    return TestResult(success=False, passed=0, failed=0, skipped=0, total=0, tool_error=message)


def _summary_line(longrepr: str | None) -> str:
    """The most telling line of a pytest long representation: the last `E ...` line."""
    if not longrepr:
        return ""
    lines = [line.strip() for line in longrepr.splitlines() if line.strip()]
    for line in reversed(lines):
        if line.startswith("E "):
            return line[1:].strip()
    return lines[-1] if lines else ""


def _stage_failure(test_id: str, stage: _Stage | None) -> TestFailure:
    if stage is None:
        return TestFailure(test_id=test_id, message="failed (no details in the report)")
    message = stage.crash.message if stage.crash and stage.crash.message else ""
    message = message or _summary_line(stage.longrepr) or "failed (no details in the report)"
    return TestFailure(test_id=test_id, message=message, traceback=stage.longrepr or None)


def parse_pytest_output(report_json: str | bytes) -> TestResult:
    """Build a `TestResult` from the text of a pytest-json-report report file.

    Malformed input (empty, truncated, not JSON, wrong shape, too large) gives `success=False`
    with `tool_error` saying why. `success` needs ≥1 test, none failed, nothing errored.
    """
    try:
        return _parse(report_json)
    except Exception as exc:  # a parser must never raise, whatever it is fed
        return _failure(f"could not read the pytest report ({type(exc).__name__}): {exc}"[:500])


def _parse(report_json: str | bytes) -> TestResult:
    raw = as_text(report_json)
    if len(raw) > MAX_INPUT_CHARS:
        return _failure(f"the pytest report is too large to read ({len(raw)} characters)")
    try:
        report = _DECODER.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        return _failure(describe_decode_error("pytest-json-report", exc, raw))

    passed = failed = skipped = errors = 0
    failures: list[TestFailure] = []
    for test in report.tests:
        outcome = test.outcome
        if outcome not in _KNOWN:
            return _failure(f"the pytest report has an unknown test outcome {outcome[:50]!r}")
        if outcome in _PASSED:
            passed += 1
        elif outcome in _SKIPPED:
            skipped += 1
        elif outcome == "failed":
            failed += 1
            failures.append(_stage_failure(test.nodeid, test.call or test.setup))
        else:  # "error": a fixture broke in setup or teardown
            errors += 1
            stages = (test.setup, test.teardown, test.call)
            broken = next((s for s in stages if s is not None and s.outcome == "failed"), None)
            failures.append(_stage_failure(test.nodeid, broken))
    for collector in report.collectors:
        if collector.outcome == "failed":
            errors += 1
            failures.append(
                TestFailure(
                    test_id=collector.nodeid,
                    message=_summary_line(collector.longrepr) or "collection failed",
                    traceback=collector.longrepr or None,
                )
            )
    total = len(report.tests)
    return TestResult(
        success=total > 0 and failed == 0 and errors == 0,
        passed=passed,
        failed=failed,
        skipped=skipped,
        total=total,
        failures=failures,
        error_count=errors,
        duration=report.duration,
    )
