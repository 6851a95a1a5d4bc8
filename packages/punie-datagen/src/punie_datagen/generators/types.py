"""typecheck behaviours: check a path, fix what ty reports, put lost annotations back."""

from __future__ import annotations

import re

from punie_datagen.clairvoyance import api_names
from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import describe, phrasing
from punie_datagen.generators.base import Job, Spec, builder, last_result
from punie_datagen.generators.facts import functions
from punie_datagen.generators.flows import (
    FIX_WHAT,
    fix_spec,
    planted_hunks,
    tests_path,
    tests_report,
)
from punie_datagen.generators.lint import _path, report_specs
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.voice import path_ref
from punie_datagen.workspaces import load_projects

VERSION = "types/4"

CHECK = [
    "does {path} type-check?",
    "run ty on {path}",
    "any typing problems in {path}?",
    "typecheck {path} and report back",
    "is {path} clean for ty?",
    "what does the type checker say about {path}",
    "ty {path}, just report",
    "quick type check of {path} please",
]
FIX = [
    "ty fails on {path}, fix it",
    "make {path} pass the type checker",
    "get ty green for {path}",
    "the type checker complains about {path}; sort it out",
    "fix what ty reports in {path} and rerun it",
    "{path} doesn't type-check anymore. fix please",
    "clean up the typing problems ty finds in {path}",
]
FIX_VAGUE = [
    "ty is red since this morning, can you fix it?",
    "something in here no longer type-checks. find it and fix it",
    "get the type checker passing again",
    "CI's typecheck job fails — please sort it out",
    "fix whatever ty is complaining about",
]
ANNOUNCE = [
    "{hint} in {path}; fix it and confirm with ty",
    "pretty sure {hint} in {path}. fix it?",
    "{path}: {hint}. please fix",
    "fix {path} — {hint}",
    "{hint} somewhere in {path}, can you repair it",
]
HINT = {
    "wrong_return": "a function returns the wrong type",
    "bad_argument": "a call passes the wrong type",
    "undefined_name": "there's a typo in a name",
    "missing_attribute": "something uses an attribute that doesn't exist",
}
ANNOTATE = [
    "`{func}` in {path} lost its type hints — add them back and check with ty",
    "add type annotations to `{func}` ({path}), then run ty and the tests",
    "annotate `{func}` in {path} properly please",
    "`{func}` has no annotations; fix that in {path} and make sure ty is happy",
    "put parameter and return types on `{func}` in {path}",
    "{path}: `{func}` is untyped. add hints and verify",
]


def generate(plan: Plan) -> list[Spec]:
    projects = load_projects()
    return _check(plan, projects) + _fix(plan, projects) + _annotate(plan, projects)


def _check(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "types", "typecheck", "types", VERSION, CHECK)
    return report_specs(b, plan, projects, "types", "ty", slice(-2, None), "the whole project")


def _fix(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "types-fix", "typecheck", "types-fix", VERSION, FIX)
    jobs = [
        Job(project, (variant.name,), {"variant": variant, "copy": copy})
        for project in projects.values()
        for variant in project.variants.values()
        if variant.reveals == "ty"
        for copy in (0, 1)  # once with a path, once asked vaguely or about a folder
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("types-fix", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        variant = job.params["variant"]
        ctx = b.ctx(split, job.project.name, variant.name, job.params["copy"])
        weights = (0.75, 0.25, 0.0) if job.params["copy"] == 0 else (0.0, 0.4, 0.6)
        path = _path(ctx, job.project, variant.file, weights)
        if path == "." and ctx.coin(0.7):
            request, template = b.request(ctx, FIX_VAGUE, key="vague")
        elif ctx.coin(0.1) and variant.kind in HINT:
            request, template = b.request(ctx, ANNOUNCE, key="announce", hint=HINT[variant.kind],
                                          path=path_ref(ctx.r, path) if path != "." else "the project")  # fmt: skip
        else:
            request, template = b.request(
                ctx, path=path_ref(ctx.r, path) if path != "." else "the project"
            )
        extra = ["pytest"] if ctx.coin(0.4) else []
        specs.append(fix_spec(b, ctx, job, request, template, tool="ty", path=path, kind=variant.kind,
                              codes=variant.expect, extra_after=extra,
                              tests_path=tests_path(job.project)))  # fmt: skip
    return specs


def _annotate(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "annotate", "typecheck", "annotate", VERSION, ANNOTATE)
    jobs = []
    for project in projects.values():
        for variant in project.variants.values():
            if variant.kind != "untyped":
                continue
            job = Job(project, (variant.name,), {"variant": variant})
            [hunk] = planted_hunks(job)[:1] or [None]
            if hunk is None:
                continue
            funcs = [
                f for f in functions(variant.file, job.files[variant.file]) if f.line == hunk.start
            ]
            if funcs:
                for copy in (0, 1, 2):
                    jobs.append(Job(project, (variant.name,), {"variant": variant, "func": funcs[0],
                                                               "hunks": planted_hunks(job), "copy": copy}))  # fmt: skip
    specs = []
    for job, split in zip(
        jobs, plan.splits("annotate", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        variant, func = job.params["variant"], job.params["func"]
        ctx = b.ctx(split, job.project.name, variant.name, job.params["copy"])
        file = variant.file
        request, template = b.request(ctx, func=func.name, path=path_ref(ctx.r, file))
        outline = ctx.form("annotate.outline", [
            f'print(run_command("grep", ["-nE", "^(from|import|class|def) ", "{file}"]))\n',
            f'for n, line in enumerate(read_file("{file}").splitlines(), 1):\n    if line.startswith(("class ", "def ", "from ", "import ")):\n        print(n, line)\n',
            f'names = [line for line in read_file("{file}").splitlines() if line.startswith(("class ", "def ", "from ", "import "))]\nprint("\\n".join(names))\n',
        ])  # fmt: skip
        body = "\n".join(job.files[file].split("\n")[func.line - 1 : func.end])
        api = api_names(job.files)
        header = job.params["hunks"][0].clean[0] if job.params["hunks"][0].clean else ""
        needs = [
            w for w in re.findall(r"\w+", header) if w in api and w not in body and w not in request
        ]
        read = (outline if needs else "") + S.function_body(ctx, file, func.name)
        ty_after = S.report(ctx, "ty", file, key="ty.after", compact=True)
        tests_after = tests_report(ctx, job.project.test_roots[0]) if ctx.coin(0.6) else None

        def make(records, job=job, ctx=ctx, ty_after=ty_after, tests_after=tests_after) -> str:
            code = S.edit(ctx, job.params["hunks"], key="edit")
            code += ty_after.code
            if tests_after is not None:
                code += tests_after.code
            return code

        ty_style = phrasing(ctx, "ty.after")
        tests_style = phrasing(ctx, "pytest.after")
        what = ctx.phrase("fix.untyped", FIX_WHAT["untyped"])

        def answer(records, func=func, job=job, ty_after=ty_after, tests_after=tests_after,
                   ty_style=ty_style, tests_style=tests_style, what=what) -> str:  # fmt: skip
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            header = job.params["hunks"][0].clean[0].strip().rstrip(":")
            parts = [f"`{func.name}` had no annotations; I {what}: `{header}`.",
                     describe(ty_after, last_result(records, "typecheck", 1), ty_style)]  # fmt: skip
            if tests_after is not None:
                parts.append(
                    describe(tests_after, last_result(records, "pytest_run", 1), tests_style)
                )
            return " ".join(parts)

        steps = [read, b.turn(ctx, job, request, make)]
        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs
