"""pytest_run examples: simple runs, test-and-fix, test-driven additions."""

from __future__ import annotations

from punie_datagen.generators._answers import pytest_summary
from punie_datagen.generators._flows import check_answer, check_code, fix_answer, fix_steps, spec
from punie_datagen.generators._text import FIX_WHAT, HINT
from punie_datagen.generators.base import Spec, fill, first, last, pick, rng, test_path
from punie_datagen.workspaces._legacy import DESCRIPTIONS, FEATURES, PROJECTS

VERSION = "pytest/2"

SIMPLE = [
    "Run the tests in {path}.",
    "Are the tests in {path} passing? This is {desc}.",
    "Run {path} with pytest and report failures.",
]
FIX = [
    "The tests of {desc} fail; find out why and fix it.",
    "Fix the failing test in {path} ({hint}).",
    "Run {path}, find what breaks and repair it.",
]
TDD = [
    "Add `{name}` to {module} test-first: write its test, watch it fail, then implement it.",
    "Use TDD to add `{name}` to {desc}: test in {tests} first, then the code, until the tests pass.",
]


def _label(path: str, desc: str) -> str:
    """A path as a request names it; the bare `tests` folder also names the project."""
    return f"the `tests` folder of {desc}" if path == "tests" else f"`{path}`"


def generate(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for i, project in enumerate(PROJECTS):
        desc, tests = DESCRIPTIONS[project], test_path(project)
        for j, variant in enumerate(("", "logic_bug", "broken_test_import")):
            variants = (variant,) if variant else ()
            for k, path in enumerate(("tests", tests)):
                r = rng(seed, "pytest-simple", project, variant, path)
                request = pick(r, SIMPLE).format(path=_label(path, desc), desc=desc)
                if variant:
                    request += f" ({HINT[variant]})"
                specs.append(spec("pytest_run", "simple", request, project, variants,
                                  [check_code("pytest_run", path, i + j + k)], check_answer("pytest_run", path), VERSION))  # fmt: skip
        for j, (variant, path) in enumerate(
            (("logic_bug", "tests"), ("logic_bug", tests), ("broken_test_import", "tests"))
        ):
            r = rng(seed, "pytest-fix", project, variant, path)
            request = fill(pick(r, FIX), path=_label(path, desc), desc=desc, hint=HINT[variant])
            if j == 1:
                request = f"{request} Start from {tests} and read the code it exercises."
            steps, target = fix_steps(project, (variant,), "pytest_run", path, i + j)
            specs.append(spec("pytest_run", "test-and-fix", request, project, (variant,), steps,
                              fix_answer("pytest_run", path, target, FIX_WHAT[variant]), VERSION))  # fmt: skip
        for j, run_path in enumerate((tests, "tests")):
            specs.append(_tdd(seed, project, run_path, j))
    return specs


def _tdd(seed: int, project: str, run_path: str, style: int) -> Spec:
    feature = FEATURES[project]
    module, tests = feature.file, feature.test_file
    if run_path != "tests":
        run_path = tests
    check = (
        f'r = pytest_run("{run_path}")\nprint(r.passed, "passed,", r.failed, "failed,", r.errors, "errors")\n'
        "for f in r.failures:\n    print(f.test_id, f.message)\n"
    )
    write_test = f"write_file({tests!r}, {feature.test!r})\n" + check
    implement = (
        f'path = "{module}"\nsource = read_file(path)\n'
        f"write_file(path, source + {feature.implementation!r})\n" + check
    )
    r = rng(seed, "tdd", project, run_path)
    request = pick(r, TDD).format(
        name=feature.name, module=f"`{module}`", tests=f"`{tests}`", desc=DESCRIPTIONS[project]
    )
    if style:
        request += " Run the whole test suite each time."

    def answer(records) -> str:
        before = pytest_summary(first(records, "pytest_run"), run_path)
        after = pytest_summary(last(records, "pytest_run"), run_path)
        return (
            f"I added a test for `{feature.name}` to `{tests}` first. {before} Then I implemented "
            f"`{feature.name}` in `{module}`. {after}"
        )

    return spec("pytest_run", "tdd", request, project, (), [write_test, implement], answer, VERSION)
