"""Shared shapes of tool examples: check, and check → read → fix → verify."""

from __future__ import annotations

from punie_datagen.generators._answers import pytest_summary, ruff_summary, ty_summary
from punie_datagen.generators._text import FIX_WHAT, HINT
from punie_datagen.generators.base import (
    Spec,
    fill,
    first,
    last,
    line_of,
    pick,
    replace_code,
    rng,
    window,
)
from punie_datagen.workspaces import variant_files
from punie_datagen.workspaces._legacy import VARIANTS, paths
from punie_tools.models import ExecutionRecord

TOOL_CALL = {"ruff_check": "ruff_check", "typecheck": "typecheck", "pytest_run": "pytest_run"}
SUMMARY = {"ruff_check": ruff_summary, "typecheck": ty_summary, "pytest_run": pytest_summary}

CHECK_CODE = {
    "ruff_check": [
        'r = ruff_check("{path}")\nprint(r.error_count, "errors,", r.warning_count, "warnings,", r.fixable_count, "fixable")\nfor v in r.violations:\n    print(f"{{v.file}}:{{v.line}}:{{v.column}} {{v.code}} {{v.message}}")\n',
        'result = ruff_check("{path}")\nif result.success:\n    print("clean")\nfor v in result.violations:\n    print(v.code, v.file, v.line, v.message)\n',
    ],
    "typecheck": [
        'r = typecheck("{path}")\nprint(r.error_count, "errors,", r.warning_count, "warnings")\nfor e in r.errors:\n    print(f"{{e.file}}:{{e.line}}:{{e.column}} {{e.code}}: {{e.message}}")\n',
        'result = typecheck("{path}")\nprint("success:", result.success)\nfor e in result.errors:\n    print(e.severity, e.code, e.file, e.line, e.message)\n',
    ],
    "pytest_run": [
        'r = pytest_run("{path}")\nprint(r.passed, "passed,", r.failed, "failed,", r.skipped, "skipped,", r.errors, "errors")\nfor f in r.failures:\n    print(f.test_id)\n    print(f.message)\n',
        'result = pytest_run("{path}")\nprint("success:", result.success, "total:", result.total)\nfor failure in result.failures:\n    print(failure.test_id, "-", failure.message)\n',
    ],
}

RECHECK = {
    "ruff_check": 'r = ruff_check("{path}")\nprint("violations left:", len(r.violations))\nfor v in r.violations:\n    print(v.code, v.file, v.line, v.message)\n',
    "typecheck": 'r = typecheck("{path}")\nprint("errors left:", r.error_count)\nfor e in r.errors:\n    print(e.code, e.file, e.line, e.message)\n',
    "pytest_run": 'r = pytest_run("{path}")\nprint(r.passed, "passed,", r.failed, "failed,", r.errors, "errors")\nfor f in r.failures:\n    print(f.test_id, f.message)\n',
}


def check_code(tool: str, path: str, style: int) -> str:
    options = CHECK_CODE[tool]
    return options[style % len(options)].format(path=path)


def check_answer(tool: str, path: str, lead: str = ""):
    def answer(records: list[ExecutionRecord]) -> str:
        text = SUMMARY[tool](first(records, tool), path)
        return f"{lead}{text}" if lead else text

    return answer


def fix_steps(project: str, variants: tuple[str, ...], tool: str, check_path: str, style: int,
              fix_variants: tuple[str, ...] | None = None) -> tuple[list[str], str]:  # fmt: skip
    """check → read the planted lines → fix (undo the edits) and re-check. Returns (steps, file)."""
    module, tests = paths(project)
    planted = variant_files(project, variants)
    edits = [e for v in (fix_variants or variants) for e in VARIANTS[project][v]]
    target = module if all(e.file == "module" for e in edits) else tests
    lines = sorted(line_of(planted[target], e.new) for e in edits if e.new)
    read = window(target, lines[0] - 2, lines[-1] + 2)
    fix = replace_code(
        target,
        [(e.new, e.old) for e in edits if e.file == ("module" if target == module else "tests")],
        RECHECK[tool].format(path=check_path),
    )
    return [check_code(tool, check_path, style), read, fix], target


def fix_answer(tool: str, path: str, target: str, what: str):
    def answer(records: list[ExecutionRecord]) -> str:
        before = SUMMARY[tool](first(records, tool), path)
        after_result = last(records, tool)
        after = SUMMARY[tool](after_result, path)
        return f"Before the fix: {before} I {what} in `{target}`. Re-running: {after}"

    return answer


def spec(group: str, category: str, request: str, project: str, variants: tuple[str, ...],
         steps: list[str], answer, generator: str, extra: dict[str, str] | None = None) -> Spec:  # fmt: skip
    workspace = {"project": project, "variants": list(variants)}
    if extra:
        workspace["extra"] = extra
    return Spec(group, category, request, answer, workspace, steps, generator)


RUN_TESTS = 't = pytest_run("tests")\nprint("tests:", t.passed, "passed,", t.failed, "failed")\n'


def with_tests(answer):
    """`answer`, followed by what the last `pytest_run("tests")` (RUN_TESTS) reported."""

    def wrapped(records: list[ExecutionRecord]) -> str:
        return f"{answer(records)} {pytest_summary(last(records, 'pytest_run'), 'tests')}"

    return wrapped


def simple_specs(seed: int, tool: str, key: str, project: str, desc: str, *, targets: list[str],
                 variants: tuple[str, ...], templates: list[str], default_hint: str,
                 style: int, generator: str) -> list[Spec]:  # fmt: skip
    """One plain check per variant ("" = the clean project), on a rotating target path."""
    specs = []
    for j, variant in enumerate(variants):
        path = targets[(style + j) % len(targets)]
        r = rng(seed, f"{key}-simple", project, variant)
        hint = HINT.get(variant, default_hint)
        request = fill(
            pick(r, templates), path=f"`{path}`", desc=desc, hint=hint, add_hint=bool(variant)
        )
        specs.append(spec(tool, "simple", request, project, (variant,) if variant else (),
                          [check_code(tool, path, style + j)], check_answer(tool, path), generator))  # fmt: skip
    return specs


def fix_specs(seed: int, tool: str, key: str, project: str, desc: str, module: str, *,
              variants: tuple[str, ...], templates: list[str], style: int, generator: str) -> list[Spec]:  # fmt: skip
    """check → read → fix → re-check, one per planted variant, on the project's module."""
    specs = []
    for j, variant in enumerate(variants):
        r = rng(seed, f"{key}-fix", project, variant)
        request = fill(pick(r, templates), path=f"`{module}`", desc=desc, hint=HINT[variant])
        steps, target = fix_steps(project, (variant,), tool, module, style + j)
        specs.append(spec(tool, "check-and-fix", request, project, (variant,), steps,
                          fix_answer(tool, module, target, FIX_WHAT[variant]), generator))  # fmt: skip
    return specs
