"""typecheck examples: simple checks, check-and-fix, type-informed refactors."""

from __future__ import annotations

from punie_datagen.generators._answers import pytest_summary, ty_summary
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
from punie_datagen.generators.base import (
    Spec,
    last,
    line_of,
    module_path,
    pick,
    replace_code,
    rng,
    window,
)
from punie_datagen.workspaces import variant_files
from punie_datagen.workspaces._legacy import DESCRIPTIONS, PROJECTS, VARIANTS

VERSION = "typecheck/2"

SIMPLE = [
    "Check types in {path} of {desc}.",
    "Type-check {path}; {hint}.",
    "Does {path} pass the type checker?",
    "Run ty over {path} and summarise the errors.",
]
FIX = [
    "Fix all type errors in {path} ({hint}).",
    "ty reports problems in {path} of {desc}; fix them and confirm.",
    "Make {path} type-check cleanly; {hint}.",
]
ANNOTATE = [
    "Add type annotations to `{func}` in {path} and check them with the type checker.",
    "`{func}` in {path} lost its type hints; put them back and verify with ty and the tests.",
]


def generate(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for i, project in enumerate(PROJECTS):
        desc, module = DESCRIPTIONS[project], module_path(project)
        specs += simple_specs(seed, "typecheck", "ty", project, desc, targets=[module, project, "."],
                              variants=("", "wrong_return", "bad_argument", "undefined_name"), templates=SIMPLE,
                              default_hint="just checking", style=i, generator=VERSION)  # fmt: skip
        specs += fix_specs(seed, "typecheck", "ty", project, desc, module,
                           variants=("wrong_return", "bad_argument", "undefined_name"), templates=FIX,
                           style=i, generator=VERSION)  # fmt: skip
        specs.append(_annotate(seed, project, i))
        r = rng(seed, "ty-refactor", project)
        request = pick(r, [
            "Refactor {path} to builtin generics (no `typing.List`/`Dict`) and prove with ty that the types still hold.",
            "Replace the old typing aliases in {path} and re-run the type checker and tests.",
        ]).format(path=f"`{module}`")  # fmt: skip
        steps, target = fix_steps(project, ("legacy_typing",), "typecheck", module, i)
        steps[-1] += RUN_TESTS
        answer = with_tests(fix_answer("typecheck", module, target, FIX_WHAT["legacy_typing"]))
        specs.append(spec("typecheck", "type-informed-refactor", request, project, ("legacy_typing",), steps,
                          answer, VERSION))  # fmt: skip
    return specs


def _annotate(seed: int, project: str, style: int) -> Spec:
    module = module_path(project)
    [edit] = VARIANTS[project]["untyped"]
    func = edit.new.split("def ", 1)[1].split("(", 1)[0]
    planted = variant_files(project, ("untyped",))[module]
    line = line_of(planted, edit.new.strip())
    r = rng(seed, "ty-annotate", project)
    request = pick(r, ANNOTATE).format(func=func, path=f"`{module}`")
    check = (
        f'r = typecheck("{module}")\nprint("errors:", r.error_count)\n'
        "for e in r.errors:\n    print(e.code, e.line, e.message)\n" + RUN_TESTS
    )
    steps = [
        window(module, line, line + 8),
        replace_code(module, [(edit.new, edit.old)], check),
    ]

    def answer(records) -> str:
        after = ty_summary(last(records, "typecheck"), module)
        tests = pytest_summary(last(records, "pytest_run"), "tests")
        signature = edit.old.strip().rstrip(":")
        return f"`{func}` at line {line} had no annotations; I changed it to `{signature}`. {after} {tests}"

    return spec(
        "typecheck",
        "type-informed-refactor",
        request,
        project,
        ("untyped",),
        steps,
        answer,
        VERSION,
    )
