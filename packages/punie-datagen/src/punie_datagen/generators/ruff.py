"""ruff_check examples: simple checks, check-and-fix, lint-informed refactors."""

from __future__ import annotations

from punie_datagen.generators._flows import (
    RUN_TESTS,
    fix_answer,
    fix_specs,
    fix_steps,
    simple_specs,
    spec,
    with_tests,
)
from punie_datagen.generators._text import FIX_WHAT
from punie_datagen.generators.base import Spec, module_path, pick, rng, test_path
from punie_datagen.workspaces._legacy import DESCRIPTIONS, PROJECTS

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
        specs += simple_specs(seed, "ruff_check", "ruff", project, desc, targets=[module, project, ".", tests],
                              variants=("", "unused_import", "long_line", "undefined_name"), templates=SIMPLE,
                              default_hint="I just want a quick look", style=i, generator=VERSION)  # fmt: skip
        specs += fix_specs(seed, "ruff_check", "ruff", project, desc, module,
                           variants=("unused_import", "long_line", "undefined_name"), templates=FIX,
                           style=i, generator=VERSION)  # fmt: skip
        for j, variants in enumerate((("legacy_typing",), ("unused_import", "legacy_typing"))):
            r = rng(seed, "ruff-refactor", project, *variants)
            request = pick(r, REFACTOR).format(path=f"`{module}`", desc=desc)
            if j:
                request = request.replace(
                    "Modernise", "Clean up the imports and modernise"
                ).replace("outdated typing", "unused imports and outdated typing")
            steps, target = fix_steps(project, variants, "ruff_check", module, i + j)
            steps[-1] += RUN_TESTS
            what = " and ".join(FIX_WHAT[v] for v in variants)
            specs.append(spec("ruff_check", "lint-informed-refactor", request, project, variants,
                              steps, with_tests(fix_answer("ruff_check", module, target, what)), VERSION))  # fmt: skip
    return specs
