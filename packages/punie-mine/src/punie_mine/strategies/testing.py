"""Testing patterns from the repository's tests: what is tested, how, and what the tools say."""

from __future__ import annotations

from typing import Any

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import first_sentence, names, out, span, window_code
from punie_mine.syntax import FunctionInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_WINDOW = 40


def _tests_in(module: ModuleInfo) -> list[FunctionInfo]:
    tests = [f for f in module.functions if f.name.startswith("test")]
    for cls in module.classes:
        tests += [m for m in cls.methods if m.name.startswith("test")]
    return sorted(tests, key=lambda f: f.line)


def _subject(path: str) -> str:
    stem = path.rsplit("/", 1)[-1].removesuffix(".py")
    return stem.removeprefix("test_").removesuffix("_test")


def _examples(index: RepoIndex, repo: str, module: ModuleInfo, tests: list[FunctionInfo]) -> Plan:
    code = f'print(run_command("grep", ["-nE", "^\\\\s*(async )?def test", "{module.path}"]))\n'

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or any(f"{t.line}:" not in text for t in tests):
            return None
        items = [f"`{t.name}` (line {t.line})" for t in tests[:10]]
        more = f", and {len(tests) - 10} more" if len(tests) > 10 else ""
        parts = [f"`{module.path}` has {len(tests)} tests: " + ", ".join(items) + more + "."]
        fixtures = sorted({p for t in tests for p in t.params if p not in {"self", "cls"}})
        if fixtures:
            parts.append(f"They take the fixtures or parameters {names(fixtures)}.")
        else:
            parts.append("None of them takes a fixture: each builds its inputs inline.")
        params = [
            t.name
            for t in tests
            if any(d.startswith("pytest.mark.parametrize") for d in t.decorators)
        ]
        if params:
            parts.append(f"Parametrized with `pytest.mark.parametrize`: {names(params, 5)}.")
        return " ".join(parts)

    subject = _subject(module.path)
    return Plan(
        "testing",
        f"Show me examples of the {subject} tests in {repo}.",
        [code],
        answer,
        [span(index, module.path, t.line, t.line) for t in tests],
        "examples",
    )


def _one_test(index: RepoIndex, repo: str, module: ModuleInfo, test: FunctionInfo) -> Plan:
    end = min(test.end_line, test.line + MAX_WINDOW - 1)
    first = test.line - len(test.decorators)
    code = window_code(module.path, max(1, first), end)

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or f"def {test.name}" not in text:
            return None
        body = index.lines[module.path][test.line - 1 : test.end_line]
        asserts = sum(1 for line in body if line.strip().startswith("assert"))
        raises = sum(1 for line in body if "pytest.raises" in line)
        parts = [f"`{test.name}` is in `{module.path}`, lines {test.line}–{test.end_line}."]
        if test.docstring:
            parts.append(f"Its docstring: “{first_sentence(test.docstring)}”")
        fixtures = [p for p in test.params if p not in {"self", "cls"}]
        parts.append(f"It takes {names(fixtures)}." if fixtures else "It takes no fixtures.")
        if test.decorators:
            parts.append(f"Decorators: {names(['@' + d.split('(')[0] for d in test.decorators])}.")
        checks = [f"{asserts} assert statement{'s' if asserts != 1 else ''}"]
        if raises:
            checks.append(f"{raises} `pytest.raises` block{'s' if raises != 1 else ''}")
        parts.append("It checks its result with " + " and ".join(checks) + ".")
        return " ".join(parts)

    return Plan(
        "testing",
        f"How is the test `{test.name}` written in {repo}?",
        [code],
        answer,
        [span(index, module.path, max(1, first), end)],
        "one-test",
    )


def _lint_tests(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = f'result = ruff_check("{module.path}")\nprint(result.error_count, result.warning_count)\nfor v in result.violations[:10]:\n    print(v.file, v.line, v.code, v.message)\n'

    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _result(records, "ruff_check")
        if result is None:
            return None
        violations = result.get("violations", [])
        if not violations:
            return f"ruff finds nothing to report in `{module.path}`: the test file is clean."
        shown = "; ".join(
            f"{v['code']} at line {v['line']} ({v['message']})" for v in violations[:5]
        )
        return f"ruff reports {len(violations)} violation{'s' if len(violations) != 1 else ''} in `{module.path}`: {shown}."

    return Plan(
        "testing",
        f"Lint the test file `{module.path}` of {repo} with ruff.",
        [code],
        answer,
        [],
        "lint-tests",
    )


def _run_tests(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = f'result = pytest_run("{module.path}")\nprint(result.passed, result.failed, result.skipped, result.total)\nfor f in result.failures[:5]:\n    print(f.test_id, f.message)\n'

    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _result(records, "pytest_run")
        if result is None or result.get("tool_error") or not result.get("total"):
            return None
        summary = (
            f"{result['passed']} passed, {result['failed']} failed, {result['skipped']} skipped"
        )
        if result.get("success"):
            return f"All {result['total']} tests in `{module.path}` pass ({summary})."
        failing = [f["test_id"] for f in result.get("failures", [])]
        return f"Not all tests in `{module.path}` pass: {summary}. Failing: {names(failing, 5)}."

    return Plan(
        "testing",
        f"Run the tests in `{module.path}` of {repo}.",
        [code],
        answer,
        [],
        "run-tests",
    )


def _result(records: list[ExecutionRecord], tool: str) -> dict[str, Any] | None:
    if not records or records[0].error is not None:
        return None
    calls = [c for c in records[0].calls if c.name == tool and isinstance(c.result, dict)]
    return calls[0].result if calls else None


def testing_plans(index: RepoIndex, repo: str, *, can_run_tests: bool = False) -> list[Plan]:
    examples, singles, lints, runs = [], [], [], []
    for module in index.tests:
        tests = _tests_in(module)
        if not tests:
            continue
        examples.append(_examples(index, repo, module, tests))
        chosen = [t for t in tests if t.end_line - t.line >= 2]
        for test in chosen[:: max(1, len(chosen) // 3)][:3]:
            singles.append(_one_test(index, repo, module, test))
        lints.append(_lint_tests(index, repo, module))
        if can_run_tests:
            runs.append(_run_tests(index, repo, module))
    result: list[Plan] = []
    for i in range(max(len(examples), len(singles), len(lints), len(runs), 0)):
        for group in (examples, singles, runs, lints):
            if i < len(group):
                result.append(group[i])
    return result
