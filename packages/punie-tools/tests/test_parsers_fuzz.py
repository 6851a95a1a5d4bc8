"""Hypothesis fuzzing: no input makes a parser raise, and every result it returns is consistent.

Each parser sees random text and bytes, random JSON documents, JSON shaped almost like the real
format, and mutations (truncation, deletion, insertion, substitution, duplication) of the real
tools' output on the fixture projects.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from punie_tools import (
    RuffResult,
    TestResult,
    TypeCheckResult,
    parse_pytest_output,
    parse_ruff_output,
    parse_ty_output,
)

FUZZ = settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)
SMALL = settings(FUZZ, max_examples=600)
NEAR = settings(FUZZ, max_examples=1000)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
wrong_values = json_scalars | st.lists(json_scalars, max_size=2)


def _mutate(data: st.DataObject, text: str) -> str:
    """One random structural mutation of `text`."""
    if not text:
        return text
    kind = data.draw(st.sampled_from(["truncate", "delete", "insert", "replace", "dup", "swap"]))
    i = data.draw(st.integers(0, len(text) - 1))
    j = data.draw(st.integers(i, min(len(text), i + 40)))
    if kind == "truncate":
        return text[:i]
    if kind == "delete":
        return text[:i] + text[j:]
    if kind == "insert":
        return text[:i] + data.draw(st.text(max_size=10)) + text[i:]
    if kind == "replace":
        junk = data.draw(
            st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "0", "-1", "null", "x"])
        )
        return text[:i] + junk + text[i + 1 :]
    if kind == "dup":
        return text[:j] + text[i:j] + text[j:]
    return text[:i] + text[j:] + text[i:j]


def _check_ruff(result: RuffResult) -> None:
    assert isinstance(result, RuffResult)
    if result.tool_error is not None:
        assert result.success is False
        assert result.tool_error.strip()
        return
    assert result.error_count + result.warning_count == len(result.violations)
    assert result.fixable_count == sum(v.fixable for v in result.violations)
    assert result.success == (result.error_count == 0)
    assert {v.severity for v in result.violations} <= {"error", "warning"}


def _check_ty(result: TypeCheckResult) -> None:
    assert isinstance(result, TypeCheckResult)
    if result.tool_error is not None:
        assert result.success is False
        assert result.tool_error.strip()
        return
    infos = sum(e.severity == "info" for e in result.errors)
    assert result.error_count + result.warning_count + infos == len(result.errors)
    assert result.success == (result.error_count == 0)
    assert {e.severity for e in result.errors} <= {"error", "warning", "info"}


def _check_pytest(result: TestResult) -> None:
    assert isinstance(result, TestResult)
    if result.tool_error is not None:
        assert result.success is False
        assert result.tool_error.strip()
        return
    assert result.passed + result.failed + result.skipped <= result.total
    assert len(result.failures) == result.failed + result.error_count
    assert result.success == (result.total > 0 and result.failed == 0 and result.error_count == 0)


# --------------------------------------------------------------------------- any text or bytes


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_ruff_any_input(text: str | bytes) -> None:
    _check_ruff(parse_ruff_output(text))


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_ty_any_input(text: str | bytes) -> None:
    _check_ty(parse_ty_output(text))


@FUZZ
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_pytest_any_input(text: str | bytes) -> None:
    _check_pytest(parse_pytest_output(text))


# --------------------------------------------------------------------------- any JSON document


@SMALL
@given(json_values)
def test_all_parsers_any_json(value: Any) -> None:
    text = json.dumps(value)
    _check_ruff(parse_ruff_output(text))
    _check_ty(parse_ty_output(text))
    _check_pytest(parse_pytest_output(text))


# --------------------------------------------------------------------------- near-miss shapes
# Documents shaped like the real formats. Half are well-typed (they must parse, and the result
# must be consistent); in the other half any field may hold a wrong value instead.


def _shapes(dirty: bool) -> dict[str, st.SearchStrategy[Any]]:
    """Strategies for ruff items, ty issues and pytest reports, with or without wrong fields."""

    def f(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(good, good, good, good, wrong_values) if dirty else good

    ruff_item = st.fixed_dictionaries(
        {
            "code": f(st.sampled_from(["F401", "E501", None])),
            "message": f(st.text(max_size=30)),
            "filename": f(st.sampled_from(["/ws/a.py", "b.py", "", "/other/c.py"])),
            "location": f(st.fixed_dictionaries({"row": st.integers(), "column": st.integers()})),
            "severity": f(st.sampled_from(["error", "warning", "info", "ERROR", "odd"])),
            "fix": f(
                st.none()
                | st.fixed_dictionaries({"applicability": st.sampled_from(["safe", "unsafe"])})
            ),
        },
        optional={"name": st.text(max_size=10), "url": json_scalars},
    )
    begin = f(st.fixed_dictionaries({"line": st.integers(), "column": st.integers()}))
    location = st.fixed_dictionaries(
        {"path": f(st.text(max_size=10)), "positions": f(st.fixed_dictionaries({"begin": begin}))}
    )
    ty_issue = st.fixed_dictionaries(
        {
            "check_name": f(st.sampled_from(["invalid-assignment", "redundant-cast", ""])),
            "description": f(st.text(max_size=30)),
            "severity": f(st.sampled_from(["major", "minor", "info", "critical", "blocker"])),
            "location": f(location),
        }
    )
    stage = st.none() | st.fixed_dictionaries(
        {"outcome": f(st.sampled_from(["passed", "failed", "skipped"]))},
        optional={
            "crash": f(st.fixed_dictionaries({"message": f(st.text(max_size=20))})),
            "longrepr": f(st.text(max_size=40)),
        },
    )
    outcomes = ["passed", "failed", "skipped", "error", "xfailed", "xpassed"]
    test = st.fixed_dictionaries(
        {
            "nodeid": f(st.text(max_size=15)),
            "outcome": f(st.sampled_from([*outcomes, "odd"] if dirty else outcomes)),
        },
        optional={"setup": f(stage), "call": f(stage), "teardown": f(stage)},
    )
    collector = st.fixed_dictionaries(
        {
            "nodeid": f(st.text(max_size=10)),
            "outcome": f(st.sampled_from(["passed", "failed"])),
        },
        optional={"longrepr": f(st.text(max_size=40))},
    )
    report = st.fixed_dictionaries(
        {"exitcode": f(st.integers(0, 5)), "tests": f(st.lists(test, max_size=5))},
        optional={
            "duration": f(st.floats(allow_nan=False, allow_infinity=False)),
            "collectors": f(st.lists(collector, max_size=4)),
        },
    )
    return {
        "ruff": st.lists(ruff_item, max_size=5),
        "ty": st.lists(ty_issue, max_size=5),
        "pytest": report,
    }


_CLEAN, _DIRTY = _shapes(dirty=False), _shapes(dirty=True)


def _near(kind: str) -> st.SearchStrategy[tuple[bool, Any]]:
    return st.tuples(st.just(True), _CLEAN[kind]) | st.tuples(st.just(False), _DIRTY[kind])


@NEAR
@given(_near("ruff"))
def test_ruff_near_miss_shapes(case: tuple[bool, list[dict[str, Any]]]) -> None:
    clean, items = case
    result = parse_ruff_output(json.dumps(items), cwd="/ws")
    _check_ruff(result)
    if clean:
        assert result.tool_error is None
        assert len(result.violations) == len(items)


@NEAR
@given(_near("ty"))
def test_ty_near_miss_shapes(case: tuple[bool, list[dict[str, Any]]]) -> None:
    clean, issues = case
    result = parse_ty_output(json.dumps(issues))
    _check_ty(result)
    if clean:
        assert result.tool_error is None
        assert len(result.errors) == len(issues)


@NEAR
@given(_near("pytest"))
def test_pytest_near_miss_shapes(case: tuple[bool, dict[str, Any]]) -> None:
    clean, report = case
    result = parse_pytest_output(json.dumps(report))
    _check_pytest(result)
    if clean:
        assert result.tool_error is None
        assert result.total == len(report["tests"])


# --------------------------------------------------------------------------- mutated real output


@FUZZ
@given(st.data())
def test_ruff_mutated_real_output(real_outputs: dict[str, str], data: st.DataObject) -> None:
    text = real_outputs["ruff"]
    for _ in range(data.draw(st.integers(1, 3))):
        text = _mutate(data, text)
    _check_ruff(parse_ruff_output(text))


@FUZZ
@given(st.data())
def test_ty_mutated_real_output(real_outputs: dict[str, str], data: st.DataObject) -> None:
    text = real_outputs[data.draw(st.sampled_from(["ty_gitlab", "ty_concise"]))]
    for _ in range(data.draw(st.integers(1, 3))):
        text = _mutate(data, text)
    _check_ty(parse_ty_output(text))


@FUZZ
@given(st.data())
def test_pytest_mutated_real_output(real_outputs: dict[str, str], data: st.DataObject) -> None:
    text = real_outputs["pytest"]
    for _ in range(data.draw(st.integers(1, 3))):
        text = _mutate(data, text)
    _check_pytest(parse_pytest_output(text))
