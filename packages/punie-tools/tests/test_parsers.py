"""Parsers read real tool output exactly and never raise on hand-made malformed output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from punie_tools import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.parsers import pytest as pytest_parser
from punie_tools.parsers import ruff as ruff_parser
from punie_tools.parsers import ty as ty_parser

MALFORMED = [
    "",
    "   \n",
    "[",
    "]",
    "{}",
    "null",
    "42",
    '"text"',
    "[1, 2, 3]",
    "[{}]",
    '[{"code": 5}]',
    "not json at all",
    "ruff failed\n  Cause: Unknown rule selector",
    "[" * 100_000,
    "{" * 100_000,
    '{"a": ' * 50_000,
    "\x00\x01\x02",
    "\ud800",  # lone surrogate
]


# --------------------------------------------------------------------------- ruff


def test_ruff_parser_reads_real_output(
    real_outputs: dict[str, str], fixture_projects: Path
) -> None:
    result = parse_ruff_output(real_outputs["ruff"], cwd=fixture_projects / "ruff_project")

    assert result.tool_error is None
    assert [(v.file, v.line, v.code) for v in result.violations] == [
        ("pkg/messy.py", 1, "F401"),
        ("pkg/messy.py", 6, "E501"),
        ("pkg/unused_local.py", 2, "F841"),
    ]


def test_ruff_parser_keeps_paths_outside_cwd_absolute(real_outputs: dict[str, str]) -> None:
    result = parse_ruff_output(real_outputs["ruff"], cwd="/somewhere/else")

    assert result.tool_error is None
    assert all(Path(v.file).is_absolute() for v in result.violations)
    assert [Path(v.file).name for v in result.violations] == [
        "messy.py",
        "messy.py",
        "unused_local.py",
    ]


def _ruff_item(**overrides: object) -> dict[str, object]:
    item: dict[str, object] = {
        "code": "F401",
        "message": "`os` imported but unused",
        "filename": "/ws/a.py",
        "location": {"row": 3, "column": 8},
        "end_location": {"row": 3, "column": 10},
        "fix": None,
        "noqa_row": 3,
        "url": None,
        "severity": "error",
    }
    item.update(overrides)
    return item


def test_ruff_severity_comes_from_ruff() -> None:
    items = [_ruff_item(), _ruff_item(severity="warning", code="RUF100")]
    result = parse_ruff_output(json.dumps(items), cwd="/ws")

    assert [(v.code, v.severity) for v in result.violations] == [
        ("F401", "error"),
        ("RUF100", "warning"),
    ]
    assert (result.error_count, result.warning_count, result.success) == (1, 1, False)
    only_warning = parse_ruff_output(json.dumps(items[1:]), cwd="/ws")
    assert (only_warning.success, only_warning.warning_count) == (True, 1)


def test_ruff_without_severity_field_means_error() -> None:
    item = _ruff_item()
    del item["severity"]
    result = parse_ruff_output(json.dumps([item]), cwd="/ws")

    assert [(v.file, v.severity) for v in result.violations] == [("a.py", "error")]


def test_ruff_fixable_only_for_safe_fixes() -> None:
    items = [
        _ruff_item(fix={"applicability": "safe", "edits": [], "message": "Remove"}),
        _ruff_item(fix={"applicability": "unsafe", "edits": [], "message": "Remove"}),
        _ruff_item(fix=None),
    ]
    result = parse_ruff_output(json.dumps(items), cwd="/ws")

    assert [v.fixable for v in result.violations] == [True, False, False]
    assert result.fixable_count == 1


def test_ruff_syntax_error_code() -> None:
    item = _ruff_item(code=None, name="invalid-syntax", message="Expected an expression")
    result = parse_ruff_output(json.dumps([item]), cwd="/ws")

    assert [(v.code, v.message) for v in result.violations] == [
        ("invalid-syntax", "Expected an expression")
    ]


def test_ruff_empty_list_is_success() -> None:
    result = parse_ruff_output("[]")

    assert (result.success, result.error_count, result.tool_error) == (True, 0, None)


@pytest.mark.parametrize("text", MALFORMED)
def test_ruff_malformed(text: str) -> None:
    result = parse_ruff_output(text)

    assert result.success is False
    assert result.tool_error
    assert result.violations == []


def test_ruff_empty_says_so() -> None:
    assert parse_ruff_output("").tool_error == "ruff printed no output"


def test_ruff_truncated_real_output(real_outputs: dict[str, str]) -> None:
    text = real_outputs["ruff"]
    for cut in range(1, len(text) - 1, 7):
        result = parse_ruff_output(text[:cut])
        assert result.success is False, cut
        assert result.tool_error, cut


def test_ruff_bytes_with_bad_utf8() -> None:
    result = parse_ruff_output(b'[{"code": "F401", "message": "\xff\xfe"')

    assert result.success is False
    assert result.tool_error


def test_ruff_huge_valid_output() -> None:
    items = [_ruff_item(location={"row": i, "column": 1}) for i in range(1, 40_001)]
    text = json.dumps(items)
    assert len(text) > 8_000_000

    result = parse_ruff_output(text, cwd="/ws")

    assert result.tool_error is None
    assert result.error_count == 40_000
    assert result.violations[-1].line == 40_000


def test_ruff_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ruff_parser, "MAX_INPUT_CHARS", 1000)

    result = parse_ruff_output(json.dumps([_ruff_item()] * 20))

    assert result.success is False
    assert result.tool_error is not None
    assert "too large" in result.tool_error


# --------------------------------------------------------------------------- ty


def test_ty_gitlab_and_concise_agree(real_outputs: dict[str, str]) -> None:
    gitlab = parse_ty_output(real_outputs["ty_gitlab"])
    concise = parse_ty_output(real_outputs["ty_concise"])

    assert gitlab.tool_error is None
    assert concise.tool_error is None
    assert gitlab == concise
    assert [(e.file, e.line, e.code) for e in gitlab.errors] == [
        ("broken.py", 5, "invalid-explicit-return"),
        ("broken.py", 8, "invalid-assignment"),
        ("broken.py", 10, "invalid-argument-type"),
        ("warn_only.py", 7, "redundant-cast"),
    ]


def _ty_issue(severity: str = "major", check: str = "invalid-assignment") -> dict[str, object]:
    return {
        "check_name": check,
        "description": f"{check}: Something is wrong",
        "severity": severity,
        "fingerprint": "0123",
        "location": {
            "path": "pkg/a.py",
            "positions": {"begin": {"line": 4, "column": 2}, "end": {"line": 4, "column": 9}},
        },
    }


def test_ty_severity_mapping() -> None:
    issues = [
        _ty_issue("major"),
        _ty_issue("minor", "redundant-cast"),
        _ty_issue("info", "revealed-type"),
        _ty_issue("critical"),
        _ty_issue("blocker"),
    ]
    result = parse_ty_output(json.dumps(issues))

    assert [e.severity for e in result.errors] == ["error", "warning", "info", "error", "error"]
    assert (result.error_count, result.warning_count) == (3, 1)
    assert result.errors[0].message == "Something is wrong"
    assert (result.errors[0].file, result.errors[0].line, result.errors[0].column) == (
        "pkg/a.py",
        4,
        2,
    )


def test_ty_info_and_warnings_only_are_success() -> None:
    result = parse_ty_output(json.dumps([_ty_issue("minor"), _ty_issue("info")]))

    assert (result.success, result.error_count, result.warning_count) == (True, 0, 1)


def test_ty_unknown_severity_is_tool_error() -> None:
    result = parse_ty_output(json.dumps([_ty_issue("catastrophic")]))

    assert result.success is False
    assert result.tool_error == "ty reported an unknown severity 'catastrophic'"


def test_ty_clean_outputs() -> None:
    assert parse_ty_output("[]").success is True
    clean = parse_ty_output("All checks passed!\n")
    assert (clean.success, clean.errors, clean.tool_error) == (True, [], None)


def test_ty_concise_without_summary_is_truncated(real_outputs: dict[str, str]) -> None:
    lines = real_outputs["ty_concise"].splitlines()
    result = parse_ty_output("\n".join(lines[:-1]))

    assert result.success is False
    assert result.tool_error is not None
    assert "ends early" in result.tool_error


def test_ty_concise_count_mismatch(real_outputs: dict[str, str]) -> None:
    lines = real_outputs["ty_concise"].splitlines()
    result = parse_ty_output("\n".join(lines[1:]))

    assert result.success is False
    assert result.tool_error == "ty announced 4 diagnostics but printed 3 readable ones"


def test_ty_concise_severities() -> None:
    text = (
        "a.py:1:2: fatal[panic] boom\n"
        "a.py:3:4: warning[redundant-cast] Value is already of type `int`\n"
        "b.py:5:6: info[revealed-type] Revealed type: `int`\n"
        "Found 3 diagnostics\n"
    )
    result = parse_ty_output(text)

    assert [(e.file, e.line, e.column, e.severity, e.code) for e in result.errors] == [
        ("a.py", 1, 2, "error", "panic"),
        ("a.py", 3, 4, "warning", "redundant-cast"),
        ("b.py", 5, 6, "info", "revealed-type"),
    ]


@pytest.mark.parametrize("text", MALFORMED)
def test_ty_malformed(text: str) -> None:
    result = parse_ty_output(text)

    assert result.success is False
    assert result.tool_error
    assert result.errors == []


def test_ty_truncated_real_output(real_outputs: dict[str, str]) -> None:
    text = real_outputs["ty_gitlab"]
    for cut in range(1, len(text) - 1, 11):
        result = parse_ty_output(text[:cut])
        assert result.success is False, cut
        assert result.tool_error, cut


def test_ty_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ty_parser, "MAX_INPUT_CHARS", 100)

    result = parse_ty_output(json.dumps([_ty_issue()] * 5))

    assert result.tool_error is not None
    assert "too large" in result.tool_error


# --------------------------------------------------------------------------- pytest


def test_pytest_parser_reads_real_report(real_outputs: dict[str, str]) -> None:
    result = parse_pytest_output(real_outputs["pytest"])

    assert result.tool_error is None
    assert (result.passed, result.failed, result.skipped, result.error_count, result.total) == (
        2,
        1,
        1,
        2,
        5,
    )


def _report(tests: list[Any], collectors: list[Any] | None = None) -> str:
    return json.dumps(
        {"exitcode": 1, "duration": 0.5, "tests": tests, "collectors": collectors or []}
    )


def test_pytest_outcome_mapping() -> None:
    tests = [
        {"nodeid": "t.py::a", "outcome": "passed"},
        {"nodeid": "t.py::b", "outcome": "xpassed"},
        {"nodeid": "t.py::c", "outcome": "xfailed"},
        {"nodeid": "t.py::d", "outcome": "skipped"},
        {
            "nodeid": "t.py::e",
            "outcome": "failed",
            "call": {"outcome": "failed", "longrepr": "x\nE   assert 1 == 2\n\nt.py:3: Err"},
        },
        {
            "nodeid": "t.py::f",
            "outcome": "error",
            "setup": {"outcome": "passed"},
            "teardown": {"outcome": "failed", "crash": {"message": "OSError: gone"}},
        },
    ]
    result = parse_pytest_output(_report(tests))

    assert (result.passed, result.skipped, result.failed, result.error_count, result.total) == (
        2,
        2,
        1,
        1,
        6,
    )
    assert [(f.test_id, f.message) for f in result.failures] == [
        ("t.py::e", "assert 1 == 2"),
        ("t.py::f", "OSError: gone"),
    ]
    assert result.duration == 0.5


def test_pytest_collection_error_only() -> None:
    collectors = [
        {"nodeid": "", "outcome": "passed", "result": []},
        {"nodeid": "tests/t.py", "outcome": "failed", "longrepr": "Traceback\nE   ImportError: x"},
    ]
    result = parse_pytest_output(_report([], collectors))

    assert (result.success, result.total, result.error_count) == (False, 0, 1)
    assert [(f.test_id, f.message) for f in result.failures] == [("tests/t.py", "ImportError: x")]


def test_pytest_all_passed_is_success() -> None:
    result = parse_pytest_output(_report([{"nodeid": "t.py::a", "outcome": "passed"}]))

    assert (result.success, result.passed, result.total, result.tool_error) == (True, 1, 1, None)


def test_pytest_unknown_outcome_is_tool_error() -> None:
    result = parse_pytest_output(_report([{"nodeid": "t.py::a", "outcome": "exploded"}]))

    assert result.success is False
    assert result.tool_error == "the pytest report has an unknown test outcome 'exploded'"


@pytest.mark.parametrize(
    "text",
    [*MALFORMED, '{"exitcode": 0}', '{"tests": []}', '{"exitcode": "0", "tests": []}'],
)
def test_pytest_malformed(text: str) -> None:
    result = parse_pytest_output(text)

    assert result.success is False
    assert result.tool_error
    assert (result.total, result.failures) == (0, [])


def test_pytest_truncated_real_report(real_outputs: dict[str, str]) -> None:
    text = real_outputs["pytest"]
    for cut in range(1, len(text) - 1, 53):
        result = parse_pytest_output(text[:cut])
        assert result.success is False, cut
        assert result.tool_error, cut


def test_pytest_over_the_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pytest_parser, "MAX_INPUT_CHARS", 10)

    result = parse_pytest_output(_report([]))

    assert result.tool_error is not None
    assert "too large" in result.tool_error
