"""ruff_check behaviours: lint a path, find one kind of problem without a path, fix what ruff
reports."""

from __future__ import annotations

from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import describe, phrasing
from punie_datagen.generators.base import Job, Spec, builder, last_result
from punie_datagen.generators.flows import check_answer, fix_spec, tests_path
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.voice import path_ref
from punie_datagen.workspaces import Project, load_projects

VERSION = "lint/4"

LINT = [
    "run ruff on {path}",
    "ruff {path} pls",
    "what does ruff think of {path}?",
    "can you run the linter over {path} and tell me what comes up",
    "{path} — is it ruff clean?",
    "quick ruff pass on {path}, report only",
    "check {path} with ruff, don't change anything yet",
    "Anything ruff would flag in {path}?",
]
FIX = [
    "ruff fails on {path}; fix it",
    "clean up whatever ruff flags in {path}",
    "get {path} passing ruff again",
    "ruff is unhappy with {path}. sort it out and rerun it",
    "CI's ruff step is red for {path}, can you fix it?",
    "make ruff pass for {path} please",
    "{path} has ruff errors, fix them and confirm",
]
FIX_VAGUE = [
    "ruff is failing somewhere in here, fix it",
    "CI says ruff is red. can you sort it out?",
    "get the repo passing ruff again",
    "the linter complains since my last commit; please fix",
    "someone broke ruff, find it and fix it",
]
ANNOUNCE = [
    "{hint} in {path}; fix it and rerun ruff",
    "pretty sure {hint} in {path}. can you clean that up?",
    "{hint} somewhere in {path} — fix please",
    "fix {path}: {hint}",
    "{path}: {hint}. get rid of it and check with ruff",
]
HINT = {
    "unused_import": "there's an import nobody uses",
    "long_line": "a line got too long",
    "undefined_name": "something is misspelt",
    "legacy_typing": "it still uses the old typing aliases",
    "unused_variable": "there's a variable that's never used",
    "mutable_default": "a function has a mutable default",
    "bare_except": "there's a bare except",
}
FIND = {
    "F401": ["anything imported that's never used?", "find imports nobody uses in this repo", "which files have dead imports?",
             "are there stale imports lying around?", "list the imports we could delete", "do we import stuff we don't use anywhere?",
             "any leftover imports after the refactor?"],
    "E501": ["which lines are over the length limit?", "find the lines that are too long", "anything going past the max line length?",
             "are there overly long lines anywhere?", "list lines ruff would wrap", "do we have lines longer than the configured limit?"],
    "F841": ["any variables assigned and never read?", "look for dead local variables", "find assignments nothing uses",
             "are there unused locals anywhere?", "which functions assign variables they never use?"],
    "B006": ["do any functions use a mutable default argument?", "look for list or dict defaults in signatures",
             "find mutable defaults — they bite", "is there a def with a [] or {{}} default somewhere?", "any B006 problems in here?"],
    "E722": ["are we swallowing exceptions with a bare except anywhere?", "find bare except clauses", "any `except:` without a type?",
             "look for catch-all excepts", "where do we catch everything with a bare except?"],
    "F821": ["is there a name used that's never defined?", "find undefined names before they crash at runtime",
             "anything referencing a name that doesn't exist?", "scan for NameError waiting to happen", "any typos in variable names ruff can see?"],
    "UP035": ["still importing List or Dict from typing anywhere?", "find deprecated typing imports", "are there old-style typing aliases left?",
              "which modules still use typing.List/Dict?", "look for typing imports we should modernise"],
}  # fmt: skip
FINDABLE = {"F401", "E501", "F841", "B006", "E722", "F821", "UP035"}


def _roots(project: Project) -> list[str]:
    return [r.rstrip("/") for r in project.source_roots]


def _path(ctx, project: Project, file: str, weights=(0.6, 0.25, 0.15)) -> str:
    roll = ctx.r.random()
    if roll < weights[0]:
        return file
    if roll < weights[0] + weights[1]:
        return file.rsplit("/", 1)[0] if "/" in file else "."
    return "."


def generate(plan: Plan) -> list[Spec]:
    projects = load_projects()
    return _lint(plan, projects) + _find(plan, projects) + _fix(plan, projects)


def _lint(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "lint", "ruff_check", "lint", VERSION, LINT)
    return report_specs(b, plan, projects, "lint", "ruff", slice(None, 2), "the whole repo")


def report_specs(b, plan: Plan, projects, key: str, tool: str, files: slice, whole: str):
    """One "check this path with ``tool``" example per planted variant ``tool`` reveals and per
    file in ``files`` of each project's sources (ruff for lint, ty for types)."""
    jobs: list[Job] = []
    for project in projects.values():
        for variant in project.variants.values():
            if variant.reveals == tool:
                jobs.append(Job(project, (variant.name,), {"file": variant.file}))
        for file in project.source_files[files]:
            jobs.append(Job(project, (), {"file": file}))
    specs = []
    for job, split in zip(jobs, plan.splits(key, [j.project.name for j in jobs]), strict=True):
        ctx = b.ctx(split, job.project.name, *job.variants, job.params["file"])
        path = _path(ctx, job.project, job.params["file"])
        request, template = b.request(ctx, path=path_ref(ctx.r, path) if path != "." else whole)
        report = S.report(ctx, tool, path)
        specs.append(
            b.spec(
                ctx,
                job,
                request,
                template,
                [report.code],
                check_answer(report, phrasing(ctx, tool)),
            )
        )
    return specs


def _find(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "lint-find", "ruff_check", "lint-find", VERSION, FIND["F401"])
    jobs: list[Job] = []
    for project in projects.values():
        codes = set()
        for variant in project.variants.values():
            hit = [c for c in variant.expect if c in FINDABLE]
            if variant.reveals == "ruff" and hit:
                jobs.append(Job(project, (variant.name,), {"code": hit[0]}))
                codes.add(hit[0])
        spare = sorted(FINDABLE - codes)
        for k in range(min(2, len(spare))):  # kinds this project does not have: a "no" answer
            jobs.append(
                Job(project, (), {"code": spare[(sum(map(ord, project.name)) + k) % len(spare)]})
            )
    specs = []
    for job, split in zip(
        jobs, plan.splits("lint-find", [j.project.name for j in jobs]), strict=True
    ):
        code = job.params["code"]
        ctx = b.ctx(split, job.project.name, *job.variants, code)
        request, template = b.request(ctx, FIND[code], key=code)
        how = ctx.form("find.how", ["filtered", "discover", "all", "filtered"])
        style = phrasing(ctx, f"find.{code}")
        yes = ctx.phrase("find.yes", ["Yes.", "Yes —", "Found some.", "Yes, ruff finds them."])
        no = ctx.phrase("find.no", ["No.", "None found.", "Nope —", "No, nothing."])
        if how == "discover":
            listing = ctx.form("find.ls", ['print(run_command("ls", []))\n', 'for name in run_command("ls", ["-1"]).split():\n    print(name)\n',
                                           'print(run_command("find", [".", "-maxdepth", "2", "-name", "*.py"]))\n'])  # fmt: skip
            roots = _roots(job.project)
            top = sorted({r.split("/")[0] for r in roots})
            target = top[0] if len(top) == 1 else "."
            report = S.report(ctx, "ruff", target, filter_code=code)
            steps = [listing, report.code]
            turn = 1
        else:
            report = S.report(ctx, "ruff", ".", filter_code=code if how == "filtered" else None)
            steps = [report.code]
            turn = 0
        shows = (
            report.shows
            if report.filter_code
            else report.shows - {"count", "errors", "fixable", "count_if_dirty"}
        )
        shown = S.Report(report.tool, report.path, report.var, report.code, shows, code)

        def answer(records, shown=shown, style=style, turn=turn, yes=yes, no=no, code=code) -> str:
            result = last_result(records, "ruff_check", turn)
            hits = [v for v in result["violations"] if v["code"] == code]
            return f"{yes if hits else no} {describe(shown, result, style)}"

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _fix(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "lint-fix", "ruff_check", "lint-fix", VERSION, FIX)
    jobs = [
        Job(project, (variant.name,), {"variant": variant, "copy": copy})
        for project in projects.values()
        for variant in project.variants.values()
        if variant.reveals == "ruff"
        for copy in (0, 1)  # once with a path, once asked vaguely or about a folder
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("lint-fix", [j.project.name for j in jobs]), strict=True
    ):
        variant = job.params["variant"]
        ctx = b.ctx(split, job.project.name, variant.name, job.params["copy"])
        weights = (0.75, 0.25, 0.0) if job.params["copy"] == 0 else (0.0, 0.4, 0.6)
        path = _path(ctx, job.project, variant.file, weights)
        if path == "." and ctx.coin(0.7):
            request, template = b.request(ctx, FIX_VAGUE, key="vague")
        elif ctx.coin(0.1) and variant.kind in HINT:
            request, template = b.request(ctx, ANNOUNCE, key="announce", hint=HINT[variant.kind],
                                          path=path_ref(ctx.r, path) if path != "." else "the repo")  # fmt: skip
        else:
            request, template = b.request(
                ctx, path=path_ref(ctx.r, path) if path != "." else "the repo"
            )
        extra = ["pytest"] if ctx.coin(0.35) else []
        specs.append(fix_spec(b, ctx, job, request, template, tool="ruff", path=path, kind=variant.kind,
                              codes=variant.expect, extra_after=extra,
                              tests_path=tests_path(job.project)))  # fmt: skip
    return specs
