"""Tool usage on the real source tree: ruff_check and typecheck with their real results.

Honest findings: the miner installs the repository's declared dependencies where ty finds them
(see `punie_mine.envs`); a ty result that still reports an import it cannot resolve is a fact
about this machine, not about the repository, so such an example is dropped, never stated.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import pick, q, search_root
from punie_tools.models import ExecutionRecord

ENVIRONMENT_CODES = {"import-not-found", "unresolved-import"}

RUFF_CODE = """result = ruff_check({path})
print("errors:", result.error_count, "warnings:", result.warning_count, "fixable:", result.fixable_count)
for v in result.violations[:8]:
    print(f"{{v.file}}:{{v.line}}:{{v.column}} {{v.code}} {{v.message}}")
"""
TY_CODE = """result = typecheck({path})
print("errors:", result.error_count, "warnings:", result.warning_count)
for e in result.errors[:8]:
    print(f"{{e.file}}:{{e.line}}:{{e.column}} {{e.severity}} {{e.code}} {{e.message}}")
"""
# The typed result gives the line; the script reads exactly that line (find, then read).
RUFF_LINE_CODE = """result = ruff_check({path})
print("violations:", len(result.violations))
if result.violations:
    v = result.violations[0]
    lines = read_file(v.file).splitlines()
    print(v.code, v.message)
    print(v.file, v.line, lines[v.line - 1].strip())
"""
TY_LINE_CODE = """result = typecheck({path})
print("errors:", result.error_count)
if result.errors:
    e = result.errors[0]
    lines = read_file(e.file).splitlines()
    print(e.code, e.message)
    print(e.file, e.line, lines[e.line - 1].strip())
"""


def _call_result(records: list[ExecutionRecord], tool: str) -> dict[str, Any] | None:
    if not records or records[0].error is not None:
        return None
    for call in records[0].calls:
        if (
            call.name == tool
            and isinstance(call.result, dict)
            and not call.result.get("tool_error")
        ):
            return call.result
    return None


def _environmental(result: dict[str, Any]) -> bool:
    return any(e.get("code") in ENVIRONMENT_CODES for e in result.get("errors", []))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _ruff(path: str, repo: str, request: str) -> Plan:
    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _call_result(records, "ruff_check")
        if result is None:
            return None
        violations = result["violations"]
        if not violations:
            return (
                f"ruff reports no violations in `{path}`: it is clean under {repo}'s ruff settings."
            )
        top = ", ".join(
            code for code, _ in Counter(v["code"] for v in violations[:8]).most_common(3)
        )
        first = violations[0]
        shown = " (only the first ones are printed)" if len(violations) > 8 else ""
        return (
            f"ruff reports {_count(result['error_count'], 'error')} and "
            f"{_count(result['warning_count'], 'warning')} in `{path}`, "
            f"{result.get('fixable_count', 0)} fixable{shown}. Codes printed: {top}. The first is "
            f"{first['code']} at {first['file']}:{first['line']}: {first['message']}."
        )

    return Plan("tools", request, [RUFF_CODE.format(path=q(path))], answer, [], "ruff")


def _ty(path: str, repo: str, request: str) -> Plan:
    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _call_result(records, "typecheck")
        if result is None or _environmental(result):
            return None
        errors = result["errors"]
        if not errors:
            return f"ty finds no type errors in `{path}`."
        top = ", ".join(code for code, _ in Counter(e["code"] for e in errors[:8]).most_common(3))
        first = errors[0]
        return (
            f"ty reports {_count(result['error_count'], 'error')} and "
            f"{_count(result['warning_count'], 'warning')} in `{path}`. Codes printed: {top}. "
            f"The first is {first['code']} at {first['file']}:{first['line']}: {first['message']}."
        )

    return Plan("tools", request, [TY_CODE.format(path=q(path))], answer, [], "typecheck")


def _ruff_line(path: str, repo: str, request: str) -> Plan:
    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _call_result(records, "ruff_check")
        text = records[0].stdout if records and records[0].error is None else ""
        if result is None or not result["violations"]:
            return None
        v = result["violations"][0]
        shown = text.strip().splitlines()[-1].split(" ", 2)[-1] if text.strip() else ""
        return (
            f"The first of {len(result['violations'])} ruff findings in `{path}` is {v['code']} "
            f"({v['message']}) at {v['file']}:{v['line']}, on the line `{shown}`."
        )

    return Plan("tools", request, [RUFF_LINE_CODE.format(path=q(path))], answer, [], "ruff-line")


def _ty_line(path: str, repo: str, request: str) -> Plan:
    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _call_result(records, "typecheck")
        text = records[0].stdout if records and records[0].error is None else ""
        if result is None or _environmental(result) or not result["errors"]:
            return None
        e = result["errors"][0]
        shown = text.strip().splitlines()[-1].split(" ", 2)[-1] if text.strip() else ""
        return (
            f"ty's first error in `{path}` (of {result['error_count']}) is {e['code']} at "
            f"{e['file']}:{e['line']}: {e['message']}. The line reads `{shown}`."
        )

    return Plan("tools", request, [TY_LINE_CODE.format(path=q(path))], answer, [], "typecheck-line")


def tool_plans(index: RepoIndex, repo: str) -> list[Plan]:
    root = search_root(index)
    plans = [
        _ruff(root, repo, f"Run ruff over the {repo} sources in `{root}/`."),
        _ty(root, repo, f"Type-check the {repo} package in `{root}/`."),
        _ruff_line(root, repo, f"Show me the first thing ruff flags in `{root}/`, with its line."),
        _ty_line(root, repo, f"What is the first type error in `{root}/`? Show the line."),
    ]
    modules = sorted(index.code, key=lambda m: -len(index.lines.get(m.path, [])))
    for module in modules:
        path = module.path
        plans.append(
            _ty(
                path,
                repo,
                pick(
                    f"ty {path}",
                    [
                        f"Are there type errors in `{path}`?",
                        f"Type-check `{path}`.",
                        f"typecheck {path}",
                    ],
                ),
            )
        )
        plans.append(
            _ruff(
                path,
                repo,
                pick(
                    f"ruff {path}",
                    [
                        f"Lint `{path}` with ruff.",
                        f"Check `{path}` for lint problems.",
                        f"ruff {path}",
                    ],
                ),
            )
        )
        plans.append(
            _ruff_line(path, repo, f"Which line of `{path}` does ruff complain about first?")
        )
        plans.append(
            _ty_line(path, repo, f"Show me the line behind the first ty error in `{path}`.")
        )
    return plans
