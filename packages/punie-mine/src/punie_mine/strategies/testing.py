"""Testing patterns from the repository's tests: find tests, explain one, lint, run, fix a copy.

Running tests needs an interpreter that can import the project (`--python`); without one the
run and fix patterns are not made (never invented). Finding and explaining tests only reads.
"""

from __future__ import annotations

import re
from typing import Any

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import (
    block_at_code,
    first_sentence,
    grep_code,
    grep_hits,
    names,
    out,
    pick,
    plain_list,
    printed_lines,
    q,
    span,
    tests_root,
)
from punie_mine.syntax import FunctionInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_BLOCK = 40
_DEF = re.compile(r"def (test\w*)\((.*)\)\s*(->\s*[^:]+)?:\s*$")


def _tests_in(module: ModuleInfo) -> list[FunctionInfo]:
    tests = [f for f in module.functions if f.name.startswith("test")]
    for cls in module.classes:
        tests += [m for m in cls.methods if m.name.startswith("test")]
    return sorted(tests, key=lambda f: f.line)


def _subject(path: str) -> str:
    stem = path.rsplit("/", 1)[-1].removesuffix(".py")
    return stem.removeprefix("test_").removesuffix("_test").replace("_", " ")


def _list_tests(index: RepoIndex, repo: str, module: ModuleInfo, tests: list[FunctionInfo]) -> Plan:
    code = grep_code(["-nE", "^\\s*(async )?def test", module.path], "tests")

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        hits = grep_hits(text)
        if [h[1] for h in hits] != [t.line for t in tests]:
            return None
        items = [f"`{t.name}` (line {t.line})" for t in tests[:10]]
        more = ", …" if len(tests) > 10 else ""
        parts = [f"`{module.path}` has {len(tests)} tests: " + ", ".join(items) + more + "."]
        fixtures: set[str] = set()
        for _, _, line in hits:
            match = _DEF.search(line)
            if match:
                for param in match.group(2).split(","):
                    name = param.split(":")[0].split("=")[0].strip()
                    if name and name not in {"self", "cls"} and name.isidentifier():
                        fixtures.add(name)
        if fixtures:
            parts.append(
                f"Their signatures take {names(sorted(fixtures))} (fixtures or parameters)."
            )
        return " ".join(parts)

    subject = _subject(module.path)
    return Plan(
        "testing",
        pick(
            f"list {module.path}",
            [
                f"Show me examples of the {subject} tests in {repo}.",
                f"what tests are in {module.path}?",
                f"List the tests in `{module.path}`.",
            ],
        ),
        [code],
        answer,
        [span(index, module.path, t.line, t.line) for t in tests],
        "list-tests",
    )


def _explain_test(index: RepoIndex, repo: str, module: ModuleInfo, test: FunctionInfo) -> Plan:
    """grep for the test, then read it from the line found."""
    root = tests_root(index)
    first = grep_code(["-rnE", f"def {test.name}\\(", root])
    second = block_at_code(module.path, test.line)

    def answer(records: list[ExecutionRecord]) -> str | None:
        found, read = out(records, 0), out(records, 1)
        if found is None or read is None or f"{module.path}:{test.line}:" not in found:
            return None
        printed = printed_lines(read)
        if not printed or printed[0][0] != test.line:
            return None
        parts = [f"`{test.name}` is in `{module.path}`, lines {test.line}–{printed[-1][0]}."]
        if test.docstring and first_sentence(test.docstring) in " ".join(
            " ".join(t.split()) for _, t in printed
        ):
            parts.append(f"Its docstring: “{first_sentence(test.docstring)}”")
        signature = _DEF.search(printed[0][1])
        if signature:
            params = [
                p.split(":")[0].split("=")[0].strip()
                for p in signature.group(2).split(",")
                if p.strip() and p.split(":")[0].strip() not in {"self", "cls"}
            ]
            parts.append(
                f"It takes {names(params)}." if params else "It takes no fixtures or parameters."
            )
        checks = [t.strip() for _, t in printed if t.strip().startswith("assert ")]
        raises = [t.strip() for _, t in printed if "pytest.raises" in t]
        if checks:
            parts.append(f"It checks its result with asserts such as `{checks[-1][:120]}`.")
        if raises:
            parts.append(f"It expects an exception: `{raises[0][:120]}`.")
        if not checks and not raises:
            return None
        return " ".join(parts)

    return Plan(
        "testing",
        pick(
            f"explain {test.name}",
            [
                f"How is the test `{test.name}` written in {repo}?",
                f"explain the test `{test.name}`",
                f"What does `{test.name}` check?",
            ],
        ),
        [first, second],
        answer,
        [span(index, module.path, test.line, test.end_line)],
        "explain-test",
    )


def _tests_for(index: RepoIndex, repo: str, name: str, module: ModuleInfo, line: int) -> Plan:
    root = tests_root(index)
    code = grep_code(["-rlw", "--include=*.py", name, root], "files")

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        files = [f for f in text.strip().splitlines() if f.endswith(".py")]
        tests = [
            f for f in files if f.rsplit("/", 1)[-1].startswith("test") or f.endswith("_test.py")
        ]
        if not tests:
            return None
        return (
            f"`{name}` (defined in `{module.path}`) is mentioned in {len(files)} "
            f"test file{'s' if len(files) != 1 else ''}: "
            + plain_list([f"`{f}`" for f in files[:8]])
            + (", …" if len(files) > 8 else "")
            + "."
        )

    return Plan(
        "testing",
        pick(
            f"tests-for {name}",
            [
                f"Which tests cover `{name}` in {repo}?",
                f"are there tests for `{name}`?",
                f"Find the test files that exercise `{name}`.",
            ],
        ),
        [code],
        answer,
        [span(index, module.path, line, line)],
        "tests-for",
    )


def _fixtures(index: RepoIndex, repo: str, fixtures: list[tuple[ModuleInfo, FunctionInfo]]) -> Plan:
    root = tests_root(index)
    code = grep_code(["-rn", "-A1", "--include=*.py", "@pytest.fixture", root])

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        found = []
        for module, fn in fixtures:
            marker = f"{module.path}-{fn.line}-"
            if marker in text:
                found.append(f"`{fn.name}` ({module.path}:{fn.line})")
        if not found:
            return None
        return (
            f"The pytest fixtures in {repo}'s tests: "
            + ", ".join(found[:12])
            + (", …" if len(found) > 12 else ".")
        )

    return Plan(
        "testing",
        pick(
            f"fixtures {repo}",
            [
                f"What pytest fixtures do the {repo} tests define?",
                "which fixtures are available in the tests?",
            ],
        ),
        [code],
        answer,
        [span(index, m.path, f.line, f.line) for m, f in fixtures],
        "fixtures",
    )


def _parametrized(
    index: RepoIndex, repo: str, cases: list[tuple[ModuleInfo, FunctionInfo]]
) -> Plan:
    root = tests_root(index)
    code = grep_code(
        ["-rn", "--include=*.py", "pytest.mark.parametrize", root], "parametrize lines"
    )

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        files = sorted({h[0] for h in grep_hits(text)})
        if not files:
            return None
        count = len(text.strip().splitlines()) - 1
        return (
            f"{count} lines use `pytest.mark.parametrize`, in "
            + plain_list([f"`{f}`" for f in files[:8]])
            + (", …" if len(files) > 8 else "")
            + ". Each runs the test once per listed case."
        )

    return Plan(
        "testing",
        pick(
            f"parametrize {repo}",
            [
                f"Which tests in {repo} are parametrized?",
                "where do the tests use pytest.mark.parametrize?",
            ],
        ),
        [code],
        answer,
        [span(index, m.path, f.line, f.line) for m, f in cases],
        "parametrized",
    )


def _lint_tests(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = (
        f"result = ruff_check({q(module.path)})\n"
        'print("violations:", len(result.violations))\n'
        "for v in result.violations[:10]:\n"
        "    print(v.file, v.line, v.code, v.message)\n"
    )

    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _result(records, "ruff_check")
        if result is None or result.get("tool_error"):
            return None
        violations = result.get("violations", [])
        if not violations:
            return f"ruff finds nothing to report in `{module.path}`: the test file is clean."
        shown = "; ".join(
            f"{v['code']} at line {v['line']} ({v['message']})" for v in violations[:5]
        )
        plural = "s" if len(violations) != 1 else ""
        return f"ruff reports {len(violations)} violation{plural} in `{module.path}`: {shown}."

    return Plan(
        "testing",
        pick(
            f"lint {module.path}",
            [
                f"Lint the test file `{module.path}` with ruff.",
                f"does {module.path} pass ruff?",
                f"Any lint problems in the test module `{module.path}`?",
            ],
        ),
        [code],
        answer,
        [],
        "lint-tests",
    )


def _run_tests(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = (
        f"result = pytest_run({q(module.path)})\n"
        'print("passed:", result.passed, "failed:", result.failed, "skipped:", result.skipped)\n'
        "for f in result.failures[:5]:\n"
        "    print(f.test_id, f.message)\n"
    )

    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _result(records, "pytest_run")
        if result is None or result.get("tool_error") or not result.get("total"):
            return None
        summary = (
            f"{result['passed']} passed, {result['failed']} failed, {result['skipped']} skipped"
        )
        if result.get("success"):
            return f"The tests in `{module.path}` pass: {summary}."
        failing = [f["test_id"] for f in result.get("failures", [])[:5]]
        return f"Not all tests in `{module.path}` pass: {summary}. Failing: {names(failing, 5)}."

    return Plan(
        "testing",
        pick(
            f"run {module.path}",
            [
                f"Run the tests in `{module.path}`.",
                f"do the tests in {module.path} pass?",
                f"run {module.path}",
            ],
        ),
        [code],
        answer,
        [],
        "run-tests",
    )


_ASSERT_EQ = re.compile(r"^(\s*assert\s+.+?\s==\s)(.+)$")


def _copy_name(path: str) -> str:
    directory, _, filename = path.rpartition("/")
    if filename.endswith("_test.py"):
        name = f"copy_{filename}"
    else:
        name = "test_copy_" + filename.removeprefix("test_")
    return f"{directory}/{name}" if directory else name


def _fix_copy(index: RepoIndex, repo: str, module: ModuleInfo, test: FunctionInfo) -> Plan | None:
    """Find and read a test, break one expected value in a copy, watch it fail, restore, rerun.

    The line to break is one the read printed; the copy sits beside the original (so conftest
    and package imports behave the same) and the original file is never written.
    """
    body = index.lines[module.path][test.line - 1 : test.end_line]
    target = next((line for line in body if _ASSERT_EQ.match(line)), None)
    if target is None or body.count(target) != 1:
        return None
    match = _ASSERT_EQ.match(target)
    assert match is not None
    broken = match.group(1) + "None"
    copy = _copy_name(module.path)
    find = grep_code(["-rnE", f"def {test.name}\\(", tests_root(index)])
    read = block_at_code(module.path, test.line)
    break_it = (
        f"source = read_file({q(module.path)})\n"
        f"expected = {q(target)}\n"
        f"write_file({q(copy)}, source.replace(expected, {q(broken)}, 1))\n"
        f"result = pytest_run({q(copy)})\n"
        'print("passed:", result.passed, "failed:", result.failed)\n'
        "for f in result.failures[:3]:\n"
        "    print(f.test_id, f.message)\n"
    )
    restore = (
        f"write_file({q(copy)}, read_file({q(module.path)}))\n"
        f"result = pytest_run({q(copy)})\n"
        'print("passed:", result.passed, "failed:", result.failed)\n'
    )

    def answer(records: list[ExecutionRecord]) -> str | None:
        read_out = out(records, 1)
        if read_out is None or target not in read_out:
            return None
        broke, fixed = _result(records[2:], "pytest_run"), _result(records[3:], "pytest_run")
        if broke is None or fixed is None or broke.get("failed") != 1 or not fixed.get("success"):
            return None
        failures = broke.get("failures") or [{}]
        if not str(failures[0].get("test_id", "")).endswith(test.name):
            return None
        message = " ".join(str(failures[0].get("message", "")).split())
        return (
            f"In a copy of `{module.path}` (`{copy}`) I replaced the expected value in "
            f"`{target.strip()}` with `None`, and `{test.name}` failed: {message[:160]}. "
            "Writing the original expectation back made it pass again, so the test really "
            "checks that value. The original test file was not changed."
        )

    return Plan(
        "testing",
        pick(
            f"fix-copy {test.name}",
            [
                f"Check that `{test.name}` can fail: break it in a copy, then fix it.",
                f"does `{test.name}` actually catch a wrong value? try it on a copy",
            ],
        ),
        [find, read, break_it, restore],
        answer,
        [span(index, module.path, test.line, test.end_line)],
        "fix-copy",
    )


def _result(records: list[ExecutionRecord], tool: str) -> dict[str, Any] | None:
    if not records or records[0].error is not None:
        return None
    calls = [c for c in records[0].calls if c.name == tool and isinstance(c.result, dict)]
    return calls[0].result if calls else None


def testing_plans(index: RepoIndex, repo: str, *, can_run_tests: bool = False) -> list[Plan]:
    lists, explains, lints, runs, fixes, cover = [], [], [], [], [], []
    fixtures, parametrized = [], []
    test_names: dict[str, int] = {}
    for module in index.tests:
        for test in _tests_in(module):
            test_names[test.name] = test_names.get(test.name, 0) + 1
    for module in index.tests:
        tests = _tests_in(module)
        for fn in module.functions:
            if any(d.startswith("pytest.fixture") for d in fn.decorators):
                fixtures.append((module, fn))
        if not tests:
            continue
        parametrized += [
            (module, t) for t in tests if any("mark.parametrize" in d for d in t.decorators)
        ]
        lists.append(_list_tests(index, repo, module, tests))
        chosen = [
            t
            for t in tests
            if 3 <= t.end_line - t.line + 1 <= MAX_BLOCK and test_names.get(t.name) == 1
        ]
        for test in chosen[:: max(1, len(chosen) // 3)][:3]:
            explains.append(_explain_test(index, repo, module, test))
        lints.append(_lint_tests(index, repo, module))
        if can_run_tests:
            runs.append(_run_tests(index, repo, module))
            for test in chosen[:1]:
                plan = _fix_copy(index, repo, module, test)
                if plan is not None:
                    fixes.append(plan)
    seen: set[str] = set()
    for module in index.code:
        for name, line in [(c.name, c.line) for c in module.classes] + [
            (f.name, f.line) for f in module.functions
        ]:
            if not name.startswith("_") and name not in seen and len(name) > 3:
                seen.add(name)
                cover.append(_tests_for(index, repo, name, module, line))
    extras = []
    if fixtures:
        extras.append(_fixtures(index, repo, fixtures))
    if parametrized:
        extras.append(_parametrized(index, repo, parametrized))
    result: list[Plan] = []
    groups = (explains, lists, runs, fixes, cover, lints, extras)
    for i in range(max(len(g) for g in groups)):
        for group in groups:
            if i < len(group):
                result.append(group[i])
    return result
