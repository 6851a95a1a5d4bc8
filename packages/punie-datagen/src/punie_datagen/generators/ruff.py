"""ruff_check examples: simple checks, check-and-fix, lint-informed refactors."""

from __future__ import annotations

from punie_datagen.generators._flows import check_answer, check_code, fix_answer, fix_steps, spec
from punie_datagen.generators._text import FIX_WHAT, HINT
from punie_datagen.generators.base import Spec, fill, module_path, pick, rng, test_path
from punie_datagen.workspaces import DESCRIPTIONS, PROJECTS

VERSION = "ruff/2"

SIMPLE = [
    "Lint {path} in {desc}.",
    "Run ruff on {path} and tell me what it finds.",
    "Are there any lint problems in {path}? It is part of {desc}.",
    "Check {path} with ruff; {hint}.",
]
FIX = [
    "ruff complains about {path} in {desc}; find the problem and fix it.",
    "Fix the lint errors in {path} ({hint}).",
    "Make {path} pass ruff again; {hint}.",
]
REFACTOR = [
    "Modernise the type annotations in {path} the way ruff suggests, and keep the tests green.",
    "Use ruff to find outdated typing in {path} of {desc} and refactor it.",
]


def generate(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for i, project in enumerate(PROJECTS):
        desc, module, tests = DESCRIPTIONS[project], module_path(project), test_path(project)
        targets = [module, project, ".", tests]
        for j, variant in enumerate(("", "unused_import", "long_line", "undefined_name")):
            variants = (variant,) if variant else ()
            path = targets[(i + j) % len(targets)]
            r = rng(seed, "ruff-simple", project, variant)
            hint = HINT.get(variant, "I just want a quick look")
            request = fill(
                pick(r, SIMPLE), path=f"`{path}`", desc=desc, hint=hint, add_hint=bool(variant)
            )
            steps = [check_code("ruff_check", path, i + j)]
            specs.append(spec("ruff_check", "simple", request, project, variants, steps,
                              check_answer("ruff_check", path), VERSION))  # fmt: skip
        for j, variant in enumerate(("unused_import", "long_line", "undefined_name")):
            r = rng(seed, "ruff-fix", project, variant)
            request = fill(pick(r, FIX), path=f"`{module}`", desc=desc, hint=HINT[variant])
            steps, target = fix_steps(project, (variant,), "ruff_check", module, i + j)
            specs.append(spec("ruff_check", "check-and-fix", request, project, (variant,), steps,
                              fix_answer("ruff_check", module, target, FIX_WHAT[variant]), VERSION))  # fmt: skip
        for j, variants in enumerate((("legacy_typing",), ("unused_import", "legacy_typing"))):
            r = rng(seed, "ruff-refactor", project, *variants)
            request = pick(r, REFACTOR).format(path=f"`{module}`", desc=desc)
            if j:
                request = request.replace(
                    "Modernise", "Clean up the imports and modernise"
                ).replace("outdated typing", "unused imports and outdated typing")
            steps, target = fix_steps(project, variants, "ruff_check", module, i + j)
            steps[-1] += (
                't = pytest_run("tests")\nprint("tests:", t.passed, "passed,", t.failed, "failed")\n'
            )
            what = " and ".join(FIX_WHAT[v] for v in variants)
            specs.append(spec("ruff_check", "lint-informed-refactor", request, project, variants,
                              steps, _with_tests(fix_answer("ruff_check", module, target, what)), VERSION))  # fmt: skip
    return specs


def _with_tests(answer):
    from punie_datagen.generators._answers import pytest_summary
    from punie_datagen.generators.base import last

    def wrapped(records):
        return f"{answer(records)} {pytest_summary(last(records, 'pytest_run'), 'tests')}"

    return wrapped
