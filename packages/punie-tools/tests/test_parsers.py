"""Parsers read real tool output exactly and never raise on hand-made malformed output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from punie_tools import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.parsers import pytest as pytest_parser
from punie_tools.parsers import ruff as ruff_parser
from punie_tools.parsers import ty as ty_parser
from punie_tools.parsers._common import as_text, describe_decode_error, relative_path, relativizer

# Mutants `nox -s mutation` reports as surviving that cannot change what a parser returns:
# mutant name -> (the mutated line, why it is equivalent).
EQUIVALENT_MUTANTS = {
    "punie_tools.parsers._common.x_as_text__mutmut_3": (
        'return bytes(data).decode(errors="replace")',
        "UTF-8 is already bytes.decode's default encoding",
    ),
    "punie_tools.parsers._common.x_as_text__mutmut_7": (
        'return bytes(data).decode("UTF-8", errors="replace")',
        "codec names are case-insensitive",
    ),
    "punie_tools.parsers._common.x_relativizer__mutmut_10": (
        "with contextlib.suppress(RuntimeError):",
        "Python 3.11 (nox's) raises RuntimeError on a symlink loop; 3.13's OSError kills it",
    ),
    "punie_tools.parsers._common.x_relativizer__mutmut_21": (
        "if not path and not os.path.isabs(path):",
        "a relative path never starts with an absolute prefix, so the loop returns it unchanged",
    ),
    "punie_tools.parsers._common.x_relativizer__mutmut_25": (
        "done = None",
        "the memo only saves work: a path looked up afresh converts to the same text",
    ),
    "punie_tools.parsers._common.x_relativizer__mutmut_26": (
        "done = seen.get(None)",
        "the memo only saves work: a path looked up afresh converts to the same text",
    ),
    "punie_tools.parsers.ty.x__parse_concise__mutmut_9": (
        "clean = None",
        "`clean` is only tested for truth; None and False are both false",
    ),
    "punie_tools.parsers.pytest.x__summary_line__mutmut_8": (
        "return line[2:].strip()",
        'the line starts with "E ": the extra character cut is a space strip() removes anyway',
    ),
}

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


@pytest.mark.slow
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


def _ty_issue(
    severity: str = "major", check: str = "invalid-assignment", path: str = "pkg/a.py"
) -> dict[str, object]:
    return {
        "check_name": check,
        "description": f"{check}: Something is wrong",
        "severity": severity,
        "fingerprint": "0123",
        "location": {
            "path": path,
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


# --------------------------------------------------------------------------- shared behaviour
# Found by `nox -s mutation`: each test below kills mutants the tests above let live.


class _Unreadable:
    """Input whose conversion to bytes fails with a long message (the never-raise guard)."""

    def __bytes__(self) -> bytes:
        raise ValueError("x" * 600)


@pytest.mark.parametrize(
    ("parse", "tool"),
    [
        (parse_ruff_output, "ruff's output"),
        (parse_ty_output, "ty's output"),
        (parse_pytest_output, "the pytest report"),
    ],
)
def test_unexpected_errors_become_a_tool_error_of_500_characters(parse: Any, tool: str) -> None:
    result = parse(_Unreadable())

    assert result.success is False
    assert result.tool_error == f"could not read {tool} (ValueError): {'x' * 600}"[:500]
    assert len(result.tool_error) == 500


@pytest.mark.parametrize("parse", [parse_ruff_output, parse_ty_output, parse_pytest_output])
@pytest.mark.parametrize("text", ["", "[", "not json", "\x00"])
def test_tool_errors_count_nothing(parse: Any, text: str) -> None:
    result = parse(text)

    assert result.tool_error
    counted = {"error_count", "warning_count", "failed", "passed", "skipped", "total"}
    counts = result.model_dump(include=counted)
    assert set(counts.values()) == {0}


def test_decode_errors_name_the_tool_and_msgspec_reason() -> None:
    try:
        msgspec.json.decode("[")
    except msgspec.DecodeError as exc:
        reason = str(exc)

    assert (
        parse_ruff_output("[").tool_error == f"could not read ruff's output (DecodeError): {reason}"
    )
    assert parse_ty_output("[").tool_error == f"could not read ty's output (DecodeError): {reason}"
    assert parse_pytest_output("{").tool_error == (
        "could not read pytest-json-report's output (DecodeError): Input data was truncated"
    )


def test_describe_decode_error_without_a_message_names_the_exception() -> None:
    assert describe_decode_error("ty", ValueError(), "x") == (
        "could not read ty's output (ValueError): ValueError"
    )
    assert describe_decode_error("ty", ValueError("  "), "x") == (
        "could not read ty's output (ValueError): ValueError"
    )
    assert describe_decode_error("ty", ValueError("boom"), "\n \t") == "ty printed no output"


def test_describe_decode_error_cuts_reasons_after_300_characters() -> None:
    exact = describe_decode_error("ruff", ValueError("r" * 300), "x")
    longer = describe_decode_error("ruff", ValueError("r" * 301), "x")

    assert exact == "could not read ruff's output (ValueError): " + "r" * 300
    assert longer == "could not read ruff's output (ValueError): " + "r" * 300 + "…"


def test_undecodable_bytes_are_replaced_not_fatal() -> None:
    item = json.dumps([_ruff_item(message="bad \udcff byte")], ensure_ascii=False)
    raw = item.encode("utf-8", errors="surrogateescape")  # a lone 0xff byte in the message
    result = parse_ruff_output(raw, cwd="/ws")

    assert result.tool_error is None
    assert result.violations[0].message == "bad \ufffd byte"
    assert as_text(bytearray(b"caf\xc3\xa9 \xff")) == "café \ufffd"


def test_relative_path_helpers() -> None:
    assert relative_path("/ws/pkg/a.py", "/ws") == "pkg/a.py"
    assert relative_path("/ws/pkg/a.py", "/ws/") == "pkg/a.py"
    assert relative_path("/wsx/a.py", "/ws") == "/wsx/a.py"
    assert relative_path("pkg/a.py", "/ws") == "pkg/a.py"
    assert relative_path("", "/ws") == ""
    assert relativizer("/")("/etc/hosts") == "etc/hosts"


def test_relativizer_memo_holds_the_converted_paths_and_stays_bounded() -> None:
    import inspect

    convert = relativizer("/ws")
    seen = inspect.getclosurevars(convert).nonlocals["seen"]
    assert [convert(f"/ws/m{n}.py") for n in range(5000)][-1] == "m4999.py"
    assert len(seen) == 4096  # thousands of distinct paths cost no more memory than this
    assert seen["/ws/m0.py"] == "m0.py" and seen["/ws/m4095.py"] == "m4095.py"
    assert convert("/ws/m0.py") == "m0.py"  # served from the memo


def test_relative_path_defaults_to_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert relative_path(str(tmp_path / "a.py"), None) == "a.py"
    assert (
        parse_ruff_output(json.dumps([_ruff_item(filename=str(tmp_path / "b.py"))]))
        .violations[0]
        .file
        == "b.py"
    )


def test_paths_through_a_symlinked_workspace_are_relative(tmp_path: Path) -> None:
    # macOS: /tmp is a link to /private/tmp and the tools print the resolved path.
    real = tmp_path / "real"
    (real / "pkg").mkdir(parents=True)
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    convert = relativizer(link)

    assert convert(str(real / "pkg" / "a.py")) == "pkg/a.py"
    assert convert(str(link / "pkg" / "a.py")) == "pkg/a.py"
    assert convert(str(tmp_path / "elsewhere.py")) == str(tmp_path / "elsewhere.py")
    issue = _ty_issue(path=str(real / "pkg" / "a.py"))
    assert parse_ty_output(json.dumps([issue]), cwd=link).errors[0].file == "pkg/a.py"


def test_a_workspace_that_is_a_symlink_loop_still_parses(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to(tmp_path / "loop2")
    (tmp_path / "loop2").symlink_to(loop)
    result = parse_ruff_output(json.dumps([_ruff_item(filename=str(loop / "a.py"))]), cwd=loop)

    assert result.tool_error is None
    assert [v.file for v in result.violations] == ["a.py"]


def test_inputs_exactly_at_the_size_limit_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    ruff_text = json.dumps([_ruff_item()])
    ty_text = json.dumps([_ty_issue()])
    pytest_text = _report([{"nodeid": "t.py::a", "outcome": "passed"}])
    for module, text in (
        (ruff_parser, ruff_text),
        (ty_parser, ty_text),
        (pytest_parser, pytest_text),
    ):
        monkeypatch.setattr(module, "MAX_INPUT_CHARS", len(text))
    assert parse_ruff_output(ruff_text).tool_error is None
    assert parse_ty_output(ty_text).tool_error is None
    assert parse_pytest_output(pytest_text).tool_error is None
    monkeypatch.setattr(ruff_parser, "MAX_INPUT_CHARS", len(ruff_text) - 1)
    assert parse_ruff_output(ruff_text).tool_error == (
        f"ruff's output is too large to read ({len(ruff_text)} characters)"
    )


# --------------------------------------------------------------------------- ruff details


@pytest.mark.parametrize("severity", ["warning", "info", "hint", "note", "Warning", "INFO"])
def test_ruff_lesser_severities_are_warnings(severity: str) -> None:
    result = parse_ruff_output(json.dumps([_ruff_item(severity=severity)]), cwd="/ws")

    assert [v.severity for v in result.violations] == ["warning"]
    assert (result.success, result.error_count, result.warning_count) == (True, 0, 1)


@pytest.mark.parametrize("severity", ["error", "fatal", "Error", "odd"])
def test_ruff_other_severities_are_errors(severity: str) -> None:
    result = parse_ruff_output(json.dumps([_ruff_item(severity=severity)]), cwd="/ws")

    assert [v.severity for v in result.violations] == ["error"]


def test_ruff_without_code_or_name_is_unknown() -> None:
    item = _ruff_item(code=None)
    result = parse_ruff_output(json.dumps([item]), cwd="/ws")

    assert [v.code for v in result.violations] == ["unknown"]


def test_ruff_fix_without_applicability_counts_as_fixable() -> None:
    # Older ruff printed fixes without an applicability: they were applied by `--fix`.
    result = parse_ruff_output(json.dumps([_ruff_item(fix={"edits": []})]), cwd="/ws")

    assert [v.fixable for v in result.violations] == [True]


# --------------------------------------------------------------------------- ty details


def test_ty_gitlab_after_leading_whitespace_and_absolute_paths() -> None:
    issue = _ty_issue(path="/ws/pkg/a.py")
    result = parse_ty_output("\n  " + json.dumps([issue]), cwd="/ws")

    assert result.tool_error is None
    assert [e.file for e in result.errors] == ["pkg/a.py"]


def test_ty_concise_paths_relative_to_cwd_and_trailing_spaces() -> None:
    text = "/ws/a.py:1:2: error[invalid-assignment] Bad  \nFound 1 diagnostic   \n"
    result = parse_ty_output(text, cwd="/ws")

    assert result.tool_error is None
    assert [(e.file, e.message) for e in result.errors] == [("a.py", "Bad")]
    assert parse_ty_output("All checks passed!   \n").success is True


def test_ty_unknown_severity_quotes_50_characters() -> None:
    result = parse_ty_output(json.dumps([_ty_issue("s" * 60)]))

    assert result.tool_error == f"ty reported an unknown severity {'s' * 50!r}"


def test_ty_text_that_is_not_ty_output() -> None:
    for text in ("hello\n", "Found nothing\n"):
        result = parse_ty_output(text)
        assert result.tool_error == "ty's output is neither gitlab JSON nor concise diagnostics"
    assert parse_ty_output(" \n").tool_error == "ty printed no output"
    assert parse_ty_output("a.py:1:2: error[x] y\n").tool_error == (
        "ty's output ends early: 1 diagnostics but no summary"
    )
    assert parse_ty_output("a.py:1:2: error[x] y\nFound 2 diagnostics\n").tool_error == (
        "ty announced 2 diagnostics but printed 1 readable ones"
    )


# --------------------------------------------------------------------------- pytest details


def _failed(nodeid: str, **stages: object) -> dict[str, object]:
    return {"nodeid": nodeid, "outcome": "failed", **stages}


def test_pytest_counts_every_failure_and_error() -> None:
    tests = [
        _failed("t.py::a", call={"outcome": "failed", "longrepr": "E   boom"}),
        _failed("t.py::b", call={"outcome": "failed", "longrepr": "E   bang"}),
        {"nodeid": "t.py::c", "outcome": "error", "setup": {"outcome": "failed"}},
        {"nodeid": "t.py::d", "outcome": "error", "teardown": {"outcome": "failed"}},
        {"nodeid": "t.py::e", "outcome": "deselected"},
    ]
    collectors = [
        {"nodeid": "u.py", "outcome": "failed", "longrepr": "E   ImportError: u"},
        {"nodeid": "v.py", "outcome": "failed", "longrepr": "E   ImportError: v"},
    ]
    result = parse_pytest_output(_report(tests, collectors))

    assert (result.failed, result.error_count, result.skipped, result.total) == (2, 4, 1, 5)
    assert [f.message for f in result.failures] == [
        "boom",
        "bang",
        "failed (no details in the report)",
        "failed (no details in the report)",
        "ImportError: u",
        "ImportError: v",
    ]


def test_pytest_a_collection_error_beside_passing_tests_is_no_success() -> None:
    collectors = [{"nodeid": "u.py", "outcome": "failed", "longrepr": "E   SyntaxError: x"}]
    result = parse_pytest_output(_report([{"nodeid": "t.py::a", "outcome": "passed"}], collectors))

    assert (result.success, result.passed, result.failed, result.error_count) == (False, 1, 0, 1)


def test_pytest_failure_details_when_the_report_has_few() -> None:
    tests = [
        {"nodeid": "t.py::no_stage", "outcome": "failed"},
        _failed("t.py::blank", call={"outcome": "failed", "longrepr": " \n \n"}),
        _failed("t.py::empty", call={"outcome": "failed", "longrepr": ""}),
        _failed("t.py::no_e_line", call={"outcome": "failed", "longrepr": "first\nlast words\n"}),
        _failed(
            "t.py::crash",
            call={"outcome": "failed", "crash": {"message": ""}, "longrepr": "x\nE   from E"},
        ),
        {"nodeid": "t.py::error_no_stage", "outcome": "error", "setup": {"outcome": "passed"}},
    ]
    collectors = [{"nodeid": "c.py", "outcome": "failed"}]
    result = parse_pytest_output(_report(tests, collectors))

    assert result.tool_error is None
    assert [(f.test_id, f.message, f.traceback) for f in result.failures] == [
        ("t.py::no_stage", "failed (no details in the report)", None),
        ("t.py::blank", "failed (no details in the report)", " \n \n"),
        ("t.py::empty", "failed (no details in the report)", None),
        ("t.py::no_e_line", "last words", "first\nlast words\n"),
        ("t.py::crash", "from E", "x\nE   from E"),
        ("t.py::error_no_stage", "failed (no details in the report)", None),
        ("c.py", "collection failed", None),
    ]


def test_pytest_tracebacks_are_kept_for_failures_errors_and_collection() -> None:
    longrepr = "def test():\n>       assert 1 == 2\nE       assert 1 == 2"
    tests = [
        _failed("t.py::a", call={"outcome": "failed", "longrepr": longrepr}),
        {"nodeid": "t.py::b", "outcome": "error", "setup": {"outcome": "failed", "longrepr": "S"}},
    ]
    collectors = [{"nodeid": "c.py", "outcome": "failed", "longrepr": "C\nE   ImportError: c"}]
    result = parse_pytest_output(_report(tests, collectors))

    assert [f.traceback for f in result.failures] == [longrepr, "S", "C\nE   ImportError: c"]


def test_pytest_unknown_outcome_quotes_50_characters() -> None:
    result = parse_pytest_output(_report([{"nodeid": "t.py::a", "outcome": "o" * 60}]))

    assert result.tool_error == f"the pytest report has an unknown test outcome {'o' * 50!r}"


def test_pytest_duration_defaults_to_zero() -> None:
    report = json.dumps({"exitcode": 0, "tests": [{"nodeid": "t.py::a", "outcome": "passed"}]})

    assert parse_pytest_output(report).duration == 0.0
