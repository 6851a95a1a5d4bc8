"""Multi-tool workflows: typecheck + ruff together; all three tools in sequence."""

from __future__ import annotations

from punie_datagen.generators._answers import pytest_summary, ruff_summary, ty_summary
from punie_datagen.generators._flows import fix_steps, spec
from punie_datagen.generators._text import FIX_WHAT
from punie_datagen.generators.base import Spec, first, last, module_path, pick, rng
from punie_datagen.workspaces import variant_files
from punie_datagen.workspaces._legacy import DESCRIPTIONS, PROJECTS

VERSION = "workflows/1"

BOTH = 'ty = typecheck("{path}")\nruff = ruff_check("{path}")\nprint("types:", ty.error_count, "errors")\nfor e in ty.errors:\n    print(" ", e.file, e.line, e.code, e.message)\nprint("lint:", len(ruff.violations), "violations")\nfor v in ruff.violations:\n    print(" ", v.file, v.line, v.code, v.message)\n'
ALL = (
    BOTH
    + 'tests = pytest_run("tests")\nprint("tests:", tests.passed, "passed,", tests.failed, "failed")\nfor f in tests.failures:\n    print(" ", f.test_id, f.message)\n'
)


def _both_answer(path: str, tests: bool):
    def answer(records) -> str:
        parts = [
            ty_summary(first(records, "typecheck"), path),
            ruff_summary(first(records, "ruff_check"), path),
        ]
        if tests:
            parts.append(pytest_summary(first(records, "pytest_run"), "tests"))
        return " ".join(parts)

    return answer


def _fixed_answer(path: str, what: str, tests: bool):
    def answer(records) -> str:
        before = [
            ty_summary(first(records, "typecheck"), path),
            ruff_summary(first(records, "ruff_check"), path),
        ]
        after = [
            ty_summary(last(records, "typecheck"), path),
            ruff_summary(last(records, "ruff_check"), path),
        ]
        if tests:
            before.append(pytest_summary(first(records, "pytest_run"), "tests"))
            after.append(pytest_summary(last(records, "pytest_run"), "tests"))
        return f"Before: {' '.join(before)} I {what}. After the fix: {' '.join(after)}"

    return answer


def _compatible(project: str, *combos: tuple[str, ...]) -> tuple[str, ...]:
    """The first combination whose edits do not overlap in this project."""
    for combo in combos:
        try:
            variant_files(project, combo)
        except ValueError:
            continue
        return combo
    raise ValueError(f"{project}: no compatible combination among {combos}")


def generate(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for project in PROJECTS:
        desc, module = DESCRIPTIONS[project], module_path(project)
        for combo in (
            ("unused_import", "wrong_return"),
            _compatible(project, ("long_line", "bad_argument"), ("long_line", "wrong_return")),
        ):
            r = rng(seed, "wf-both", project, *combo)
            request = pick(r, [
                "Check {path} for type errors and lint problems.",
                "Run both the type checker and ruff on {path} of {desc}.",
                "Is {path} clean for ty and ruff?",
            ]).format(path=f"`{module}`", desc=desc)  # fmt: skip
            if combo[0] == "long_line":
                request += " Report, don't fix."
            specs.append(spec("workflow", "typecheck+ruff", request, project, combo,
                              [BOTH.format(path=module)], _both_answer(module, False), VERSION))  # fmt: skip
        combo = ("unused_import", "wrong_return")
        steps, _ = fix_steps(project, combo, "typecheck", module, 0)
        steps[0] = BOTH.format(path=module)
        steps[-1] = steps[-1].rsplit("r = typecheck(", 1)[0] + BOTH.format(path=module)
        what = " and ".join(FIX_WHAT[v] for v in combo)
        request = pick(rng(seed, "wf-fix", project), [
            "Make {path} pass both ty and ruff.", "Fix the type and lint errors in {path} of {desc}.",
        ]).format(path=f"`{module}`", desc=desc)  # fmt: skip
        specs.append(spec("workflow", "typecheck+ruff-fix", request, project, combo, steps,
                          _fixed_answer(module, what, False), VERSION))  # fmt: skip
        combo3 = ("unused_import", "bad_argument", "logic_bug")
        request = pick(rng(seed, "wf-all", project), [
            "Run all the checks on {desc}: types, lint and tests.",
            "Give me a full health check of {path}: ty, ruff and pytest.",
        ]).format(path=f"`{module}`", desc=desc)  # fmt: skip
        specs.append(spec("workflow", "all-three", request, project, combo3,
                          [ALL.format(path=module)], _both_answer(module, True), VERSION))  # fmt: skip
        steps, _ = fix_steps(project, combo3, "pytest_run", "tests", 0)
        steps[0] = ALL.format(path=module)
        steps[-1] = steps[-1].rsplit("r = pytest_run(", 1)[0] + ALL.format(path=module)
        what = ", ".join(FIX_WHAT[v] for v in combo3)
        request = pick(rng(seed, "wf-all-fix", project), [
            "Make {path} pass all checks: types, lint and the tests.",
            "Fix everything ty, ruff and pytest complain about in {desc}.",
        ]).format(path=f"`{module}`", desc=desc)  # fmt: skip
        specs.append(spec("workflow", "all-three-fix", request, project, combo3, steps,
                          _fixed_answer(module, what, True), VERSION))  # fmt: skip
    return specs
