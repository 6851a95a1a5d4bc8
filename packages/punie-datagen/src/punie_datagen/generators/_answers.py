"""Sentences built from real typed results (never from what we expected them to be)."""

from __future__ import annotations

from typing import Any

from punie_datagen.generators.base import plural


def ruff_summary(result: dict[str, Any], path: str) -> str:
    if result.get("tool_error"):
        return f"ruff could not run on `{path}`: {result['tool_error']}"
    violations = result["violations"]
    if not violations:
        return f"ruff reports no violations in `{path}`."
    items = "; ".join(
        f"{v['code']} at {v['file']}:{v['line']} ({v['message']}{', fixable' if v.get('fixable') else ''})"
        for v in violations[:6]
    )
    more = f" and {len(violations) - 6} more" if len(violations) > 6 else ""
    return f"ruff reports {plural(len(violations), 'violation')} in `{path}`: {items}{more}."


def ty_summary(result: dict[str, Any], path: str) -> str:
    if result.get("tool_error"):
        return f"ty could not run on `{path}`: {result['tool_error']}"
    errors = result["errors"]
    counted = [e for e in errors if e["severity"] in {"error", "warning"}]
    if not counted:
        return f"ty finds no type errors in `{path}`."
    items = "; ".join(
        f"{e['code']} at {e['file']}:{e['line']}: {e['message']}" for e in counted[:5]
    )
    return (
        f"ty reports {plural(result['error_count'], 'error')} and "
        f"{plural(result['warning_count'], 'warning')} in `{path}`: {items}."
    )


def pytest_summary(result: dict[str, Any], path: str) -> str:
    if result.get("tool_error"):
        return f"pytest could not run on `{path}`: {result['tool_error']}"
    counts = (
        f"{result['passed']} passed, {result['failed']} failed, {result['skipped']} skipped"
        + (f", {plural(result['error_count'], 'error')}" if result.get("error_count") else "")
    )
    if result["success"]:
        return f"All {result['total']} tests in `{path}` pass ({counts})."
    failures = "; ".join(
        f"{f['test_id']}: {f['message'].splitlines()[0][:160]}" for f in result["failures"][:4]
    )
    return f"The tests in `{path}` do not all pass ({counts}). {failures}."
