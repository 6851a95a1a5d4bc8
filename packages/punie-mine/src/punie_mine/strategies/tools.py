"""Tool usage on the real source tree: ruff_check and typecheck with their real results."""

from __future__ import annotations

from collections import Counter
from typing import Any

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import search_root
from punie_tools.models import ExecutionRecord

RUFF_CODE = """result = ruff_check("{path}")
print("errors:", result.error_count, "warnings:", result.warning_count, "fixable:", result.fixable_count)
for v in result.violations[:8]:
    print(f"{{v.file}}:{{v.line}}:{{v.column}} {{v.code}} {{v.message}}")
"""
TY_CODE = """result = typecheck("{path}")
print("errors:", result.error_count, "warnings:", result.warning_count)
for e in result.errors[:8]:
    print(f"{{e.file}}:{{e.line}}:{{e.column}} {{e.severity}} {{e.code}} {{e.message}}")
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
        codes = Counter(v["code"] for v in violations).most_common(4)
        top = ", ".join(f"{code} ×{n}" for code, n in codes)
        first = violations[0]
        return (
            f"ruff reports {len(violations)} violation{'s' if len(violations) != 1 else ''} in `{path}` "
            f"({_count(result['error_count'], 'error')}, {_count(result['warning_count'], 'warning')}, "
            f"{result.get('fixable_count', 0)} fixable). Most common: {top}. The first is "
            f"{first['code']} at {first['file']}:{first['line']}: {first['message']}."
        )

    return Plan("tools", request, [RUFF_CODE.format(path=path)], answer, [], "ruff")


def _ty(path: str, repo: str, request: str) -> Plan:
    def answer(records: list[ExecutionRecord]) -> str | None:
        result = _call_result(records, "typecheck")
        if result is None:
            return None
        errors = result["errors"]
        if not errors:
            return f"ty finds no type errors in `{path}`."
        codes = Counter(e["code"] for e in errors).most_common(3)
        top = ", ".join(f"{code} ×{n}" for code, n in codes)
        first = errors[0]
        return (
            f"ty reports {result['error_count']} error{'s' if result['error_count'] != 1 else ''} and "
            f"{result['warning_count']} warning{'s' if result['warning_count'] != 1 else ''} in `{path}`. "
            f"Most common: {top}. The first is {first['code']} at {first['file']}:{first['line']}: "
            f"{first['message']}."
        )

    return Plan("tools", request, [TY_CODE.format(path=path)], answer, [], "typecheck")


def tool_plans(index: RepoIndex, repo: str) -> list[Plan]:
    root = search_root(index)
    plans = [
        _ruff(root, repo, f"Run ruff over the {repo} sources in `{root}/`."),
        _ty(root, repo, f"Type-check the {repo} package in `{root}/`."),
    ]
    modules = sorted(index.code, key=lambda m: -len(index.lines.get(m.path, [])))
    for i, module in enumerate(modules):
        if i % 2 == 0:
            plans.append(_ty(module.path, repo, f"Are there type errors in `{module.path}`?"))
            plans.append(_ruff(module.path, repo, f"Lint `{module.path}` with ruff."))
        else:
            plans.append(_ruff(module.path, repo, f"Check `{module.path}` for lint problems."))
            plans.append(_ty(module.path, repo, f"Type-check `{module.path}`."))
    return plans


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
