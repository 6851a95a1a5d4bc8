"""Workflows over several tools: make a path pass all checks, a quality report of a package,
real refactors confirmed by tests + ty + ruff, and renames checked with word-boundary greps."""

from __future__ import annotations

import re

from punie_datagen.clairvoyance import api_names
from punie_datagen.execute import StepError
from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import brief, describe, phrasing
from punie_datagen.generators.base import Job, Spec, builder, context_of, last_result
from punie_datagen.generators.facts import enclosing, functions, hunks
from punie_datagen.generators.flows import FIX_WHAT, planted_hunks
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.voice import path_ref
from punie_datagen.workspaces import Project, apply_edits, load_projects

VERSION = "workflow/3"
CALLS = {"ruff": "ruff_check", "ty": "typecheck", "pytest": "pytest_run"}

ALL = [
    "get {path} green on ty, ruff and pytest",
    "{path} needs to be clean for ty and ruff with the suite green — sort it",
    "full check on {path}: fix whatever ty, ruff or the tests complain about",
    "before I push: make sure {path} is clean for ty + ruff and the suite passes, fix what isn't",
    "run every check on {path} and fix the failures",
    "I want {path} passing all three: ty, ruff, pytest. go",
    "fix {path} until ty, ruff and pytest are all happy",
]
QUALITY = [
    "how healthy is {path}? run ty and ruff",
    "give me a quality report for {path} (types + lint)",
    "audit {path} with the type checker and the linter, don't fix anything",
    "ty and ruff on {path} please — what do they find?",
    "is {path} in good shape? type check and lint it",
    "review {path} with ty + ruff and summarise",
    "type + lint report for the package in {path}",
]
REFACTOR = {
    "extract_function": [
        "pull part of `{target}` in {path} out into its own helper; behaviour must not change",
        "`{target}` ({path}) does too much — extract a function and keep the tests green",
        "extract a helper from `{target}` in {path}, then run tests, ty and ruff",
        "split `{target}` in {path}: move a piece into a new function, same behaviour",
        "can you factor a helper out of `{target}`? it's in {path}. check with pytest/ty/ruff after",
    ],
    "simplify_conditionals": [
        "the ifs in `{target}` ({path}) are a mess, simplify them without changing behaviour",
        "flatten the conditionals in `{target}` in {path}; tests + ty + ruff must stay clean",
        "simplify the branching of `{target}` in {path}",
        "`{target}` in {path} has nested conditions — tidy them up, keep it green",
        "reduce the nesting in `{target}` ({path}) and confirm nothing broke",
    ],
    "dedupe": [
        "`{target}` in {path} repeats code from elsewhere in the module — deduplicate it",
        "there's copy-paste around `{target}` in {path}; share the logic, keep behaviour",
        "remove the duplication in `{target}` ({path}) and re-run the checks",
        "DRY up `{target}` in {path}, tests must still pass",
        "factor the repeated logic in `{target}` ({path}) into one place",
    ],
}
RENAME = [
    "rename `{old}` to `{new}` everywhere",
    "`{old}` is a bad name — call it `{new}` across the project",
    "please rename {old} -> {new}, all files, and check nothing broke",
    "change the name `{old}` to `{new}` (whole word only) and run the checks",
    "can you rename `{old}` to `{new}` throughout and make sure tests/ty/ruff still pass",
    "swap `{old}` for `{new}` wherever it's used",
]


def generate(plan: Plan) -> list[Spec]:
    projects = load_projects()
    return (
        _all(plan, projects)
        + _quality(plan, projects)
        + _refactor(plan, projects)
        + _rename(plan, projects)
    )


def _combos(project: Project) -> list[tuple[str, ...]]:
    """Pairs of ruff/ty problems planted in one file whose edits do not overlap."""
    found = []
    typed = [v for v in project.variants.values() if v.reveals in ("ruff", "ty")]
    for i, a in enumerate(typed):
        for c in typed[i + 1 :]:
            if a.file != c.file or a.reveals == c.reveals or len(found) >= 4:
                continue
            try:
                project.with_variants((a.name, c.name))
            except ValueError:
                continue
            found.append((a.name, c.name))
    return found


def _all(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "all-checks", "workflow", "all-checks", VERSION, ALL)
    jobs = [
        Job(p, combo, {"copy": c})
        for p in projects.values()
        for combo in _combos(p)
        for c in (0, 1)
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("all-checks", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        ctx = b.ctx(split, job.project.name, *job.variants, job.params["copy"])
        file = job.project.variants[job.variants[0]].file
        path = file if ctx.coin(0.6) else file.rsplit("/", 1)[0]
        tests = job.project.test_roots[0].rstrip("/")
        request, template = b.request(ctx, path=path_ref(ctx.r, path))
        first = [S.report(ctx, "ty", path, compact=True), S.report(ctx, "ruff", path, compact=True),
                 S.report(ctx, "pytest", tests, compact=True)]  # fmt: skip
        after_code, after = S.all_three(ctx, path, tests)
        fix_hunks = planted_hunks(job)

        def read(records, path=path, ctx=ctx, request=request) -> str:
            seen = context_of(request, records)
            spots = [(i["file"], i["line"]) for tool in ("typecheck", "ruff_check")
                     for i in (last_result(records, tool, 0).get("errors") or last_result(records, tool, 0).get("violations") or [])]  # fmt: skip
            if (
                spots
                and all(f in seen for f, _ in spots)
                and ctx.form("all.read", ["windows", "typed", "windows"]) == "windows"
            ):
                return S.windows_at(ctx, list(dict.fromkeys(spots))[:4])
            return S.typed_windows(ctx, "ty", path, compact=True) + S.typed_windows(
                ctx, "ruff", path, compact=True
            )

        def fix(
            records, fix_hunks=fix_hunks, after_code=after_code, ctx=ctx, request=request
        ) -> str:
            seen = context_of(request, records)
            for h in fix_hunks:
                if not all(line.strip() in seen for line in h.planted if line.strip()):
                    raise StepError("the lines to change were never printed")
            code = S.edit(ctx, fix_hunks, key="edit")
            return code + after_code

        steps = [
            "".join(r.code for r in first),
            b.turn(ctx, job, request, read),
            b.turn(ctx, job, request, fix),
        ]
        styles = after_styles = [None] * 3
        kinds = [job.project.variants[v].kind for v in job.variants]
        what = " and ".join(ctx.phrase(f"fix.{k}", FIX_WHAT[k]) for k in kinds)
        frame = ctx.phrase("all.frame", ["Before: {before} I {what}. After: {after}", "{before} So I {what}. Now: {after}",
                                         "Found: {before} Fixed: I {what}. Re-run: {after}", "{before} I {what}; then {after}"])  # fmt: skip

        def answer(
            records,
            first=first,
            after=after,
            styles=styles,
            after_styles=after_styles,
            what=what,
            frame=frame,
        ) -> str:
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            before = "; ".join(brief(r, last_result(records, CALLS[r.tool], 0)) for r in first)
            now = "; ".join(brief(r, last_result(records, CALLS[r.tool], 2)) for r in after)
            return frame.format(before=before + ".", what=what, after=now + ".")

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _quality(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "quality", "workflow", "quality", VERSION, QUALITY)
    jobs: list[Job] = []
    for project in projects.values():
        jobs.append(Job(project, (), {"path": project.source_roots[0].rstrip("/")}))
        jobs.append(Job(project, (), {"path": "."}))
        typed = [v for v in project.variants.values() if v.reveals in ("ruff", "ty")]
        for v in typed[:2]:
            jobs.append(
                Job(
                    project, (v.name,), {"path": v.file.rsplit("/", 1)[0] if "/" in v.file else "."}
                )
            )
    specs = []
    for job, split in zip(
        jobs, plan.splits("quality", [j.project.name for j in jobs]), strict=True
    ):
        ctx = b.ctx(split, job.project.name, *job.variants, job.params["path"])
        path = job.params["path"]
        request, template = b.request(
            ctx, path=path_ref(ctx.r, path) if path != "." else "the repo root"
        )
        reports = [S.report(ctx, "ty", path), S.report(ctx, "ruff", path)]
        if ctx.coin():
            reports.reverse()
        split_turns = ctx.form("quality.turns", [False, True, False])
        steps = [r.code for r in reports] if split_turns else ["".join(r.code for r in reports)]
        styles = [phrasing(ctx, f"{r.tool}.quality") for r in reports]
        verdict = ctx.phrase("quality.verdict", [("Clean on both.", "Not clean yet."), ("Looks good.", "Needs work."),
                                                 ("Healthy.", "Some issues."), ("All clear.", "A few problems.")])  # fmt: skip

        def answer(
            records, reports=reports, styles=styles, split_turns=split_turns, verdict=verdict
        ) -> str:
            parts, clean = [], True
            for k, (report, style) in enumerate(zip(reports, styles, strict=True)):
                result = last_result(records, CALLS[report.tool], k if split_turns else 0)
                clean = clean and not (result.get("violations") or result.get("errors"))
                parts.append(describe(report, result, style))
            return f"{verdict[0] if clean else verdict[1]} " + " ".join(parts)

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _refactor(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "refactor", "workflow", "refactor", VERSION, REFACTOR["extract_function"])
    jobs = [
        Job(p, (), {"refactor": r, "copy": copy})
        for p in projects.values()
        for r in p.refactors
        if r.kind != "rename"
        for copy in (0, 1, 2)  # several phrasings and sets of code forms per refactor
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("refactor", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        refactor = job.params["refactor"]
        ctx = b.ctx(split, job.project.name, refactor.name, job.params["copy"])
        request, template = b.request(ctx, REFACTOR[refactor.kind], key=refactor.kind, target=refactor.target,
                                      path=path_ref(ctx.r, refactor.file))  # fmt: skip
        files = dict(job.project.files)
        changed = apply_edits(files, refactor.edits, refactor.name)
        edit_hunks = hunks(
            changed, files
        )  # planted = before, clean = after: the hunks do the refactor
        outline = ctx.form("refactor.outline", [
            f'print(run_command("grep", ["-nE", "^(from|import|class|def) |^    def ", "{refactor.file}"]))\n',
            f'for n, line in enumerate(read_file("{refactor.file}").splitlines(), 1):\n    if line.lstrip().startswith(("from ", "import ", "class ", "def ")):\n        print(n, line)\n',
        ])  # fmt: skip
        target_text = ""
        for f in functions(refactor.file, files[refactor.file]):
            if f.name == refactor.target:
                target_text = "\n".join(files[refactor.file].split("\n")[f.line - 1 : f.end])
        api = api_names(files)
        beyond = any(not all(ln.strip() in target_text for ln in h.planted if ln.strip()) for h in edit_hunks) or any(
            w not in target_text and w not in request for h in edit_hunks for ln in h.clean for w in re.findall(r"\w+", ln) if w in api
        )  # fmt: skip
        read = (outline if beyond else "") + S.function_body(ctx, refactor.file, refactor.target)
        checks_code, checks = S.all_three(ctx, refactor.file, job.project.test_roots[0].rstrip("/"))

        def around(records, edit_hunks=edit_hunks, files=files, ctx=ctx, request=request) -> str:
            # other functions the refactor touches: read them by the names the outline showed
            seen = context_of(request, records)
            code = ""
            for h in edit_hunks:
                if all(line.strip() in seen for line in h.planted if line.strip()):
                    continue
                func = enclosing(h.file, files[h.file], h.start)
                if func is None or func.name not in seen:
                    raise StepError("the refactor touches code nobody has seen")
                code += S.function_body(ctx, h.file, func.name, key="other")
                seen += "\n" + "\n".join(files[h.file].split("\n")[func.line - 1 : func.end])
            return code or 'print("nothing else to read")\n'

        def apply(
            records, edit_hunks=edit_hunks, checks_code=checks_code, ctx=ctx, request=request
        ) -> str:
            seen = context_of(request, records)
            for h in edit_hunks:
                if not all(line.strip() in seen for line in h.planted if line.strip()):
                    raise StepError("the code to change was never printed")
            by_file: dict[str, list] = {}
            for h in edit_hunks:
                by_file.setdefault(h.file, []).append(h)
            code = "".join(
                S.edit(ctx, group, key="refactor", line_ok=True) for group in by_file.values()
            )
            return code + checks_code

        target = next(
            (
                f
                for f in functions(refactor.file, files[refactor.file])
                if f.name == refactor.target
            ),
            None,
        )
        shown = "\n".join(
            ln
            for ln in files[refactor.file].split("\n")
            if ln.lstrip().startswith(("from ", "import ", "class ", "def "))
        )
        if target is not None:
            shown += "\n" + "\n".join(
                files[refactor.file].split("\n")[target.line - 1 : target.end]
            )
        unseen = [
            h for h in edit_hunks if not all(ln.strip() in shown for ln in h.planted if ln.strip())
        ]
        steps = [
            read,
            *([b.turn(ctx, job, request, around)] if unseen else []),
            b.turn(ctx, job, request, apply),
        ]
        styles = [phrasing(ctx, f"{c.tool}.after") for c in checks]
        summary = ctx.phrase(f"refactor.{refactor.kind}", {
            "extract_function": ["I moved part of `{t}` into a new helper.", "Extracted a helper out of `{t}`.",
                                 "`{t}` now calls a new helper function.", "Pulled a piece of `{t}` into its own function."],
            "simplify_conditionals": ["I simplified the conditionals in `{t}`.", "Flattened the branching in `{t}`.",
                                      "`{t}` has simpler conditions now.", "Reduced the nesting in `{t}`."],
            "dedupe": ["`{t}` now shares the repeated logic through one helper.", "Removed the duplication around `{t}`.",
                       "Factored the repeated code of `{t}` into one place.", "Deduplicated `{t}`."],
        }[refactor.kind])  # fmt: skip

        def answer(
            records, refactor=refactor, checks=checks, styles=styles, summary=summary
        ) -> str:
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            results = [last_result(records, CALLS[c.tool], len(records) - 1) for c in checks]
            ok = all(r.get("success") if c.tool == "pytest" else not (r.get("violations") or r.get("errors"))
                     for c, r in zip(checks, results, strict=True))  # fmt: skip
            if not ok:
                raise ValueError("the refactor broke a check")
            return (
                summary.format(t=refactor.target)
                + " Checks: "
                + "; ".join(brief(c, r) for c, r in zip(checks, results, strict=True))
                + "."
            )

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


SYNONYMS = {
    "get": "fetch", "fetch": "load", "make": "build", "build": "make", "create": "new", "parse": "read",
    "load": "read", "read": "load", "render": "draw", "draw": "render", "total": "sum", "sum": "total",
    "count": "tally", "find": "lookup", "lookup": "find", "add": "insert", "handle": "process",
    "process": "handle", "check": "validate", "validate": "check", "format": "render", "describe": "summarize",
    "summary": "overview", "list": "all", "all": "every", "match": "matches", "matches": "match",
    "between": "within", "least": "minimum", "average": "mean", "mean": "average", "top": "leading",
    "best": "leading", "low": "short", "allocate": "distribute", "statement": "report", "income": "earnings",
    "injected": "wired", "fields": "attrs", "env": "environ", "part": "slice", "day": "date",
    "unordered": "bullet", "region": "area", "units": "items", "words": "terms", "length": "size",
    "payload": "body", "push": "commit", "dispatch": "route", "booking": "reservation", "rooms": "spaces",
    "field": "column", "sales": "orders", "product": "item", "stock": "inventory", "parser": "cli",
}  # fmt: skip


def _new_name(old: str, taken: set[str]) -> str | None:
    parts = old.split("_")
    for k, part in enumerate(parts):
        if part in SYNONYMS:
            candidate = "_".join([*parts[:k], SYNONYMS[part], *parts[k + 1 :]])
            if candidate not in taken and candidate != old:
                return candidate
    return None


def rename_candidates(project: Project) -> list[tuple[str, str]]:
    """Module-level functions whose name occurs only as a whole identifier in code (never in a
    string), with a fresh new name; prefers names that are part of longer identifiers too."""
    text = "\n".join(project.files[f] for f in project.files if f.endswith(".py"))
    idents = set(re.findall(r"\b\w+\b", text))
    found = []
    for path in project.source_files:
        for func in functions(path, project.files[path]):
            if (
                func.owner
                or func.name.startswith("_")
                or ("_" not in func.name and len(func.name) < 8)
            ):
                continue
            if (
                re.search(rf"[\"'][^\"'\n]*\b{func.name}\b[^\"'\n]*[\"']", text)
                or f".{func.name}" in text
            ):
                continue
            if (
                sum(
                    1
                    for p in project.files
                    if p.endswith(".py") and re.search(rf"\bdef {func.name}\b", project.files[p])
                )
                != 1
            ):
                continue
            new = _new_name(func.name, idents)
            if new:
                longer = any(i != func.name and func.name in i for i in idents)
                found.append((func.name, new, longer))
    found.sort(key=lambda f: (not f[2], f[0]))
    return [(a, c) for a, c, _ in found[:3]]


def _rename(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "rename", "workflow", "rename", VERSION, RENAME)
    pairs = {
        p.name: list(dict.fromkeys(
            [(r.target, r.new_name) for r in p.refactors if r.kind == "rename" and r.new_name] + rename_candidates(p)
        ))[:3]
        for p in projects.values()
    }  # fmt: skip
    jobs = [Job(p, (), {"old": old, "new": new, "isort": _needs_isort(p, old, new)})
            for p in projects.values() for old, new in pairs[p.name]]  # fmt: skip
    specs = []
    for job, split in zip(jobs, plan.splits("rename", [j.project.name for j in jobs]), strict=True):
        old, new = job.params["old"], job.params["new"]
        ctx = b.ctx(split, job.project.name, old)
        request, template = b.request(ctx, old=old, new=new)
        find = ctx.form("rename.find", [
            f'print(run_command("grep", ["-rnw", "--include=*.py", "{old}", "."]))\n',
            f'hits = run_command("grep", ["-rlw", "--include=*.py", "{old}", "."]).split()\nprint("files:", hits)\n',
            f'out = run_command("grep", ["-rnw", "--include=*.py", "{old}", "."])\nprint(out)\nprint(len(out.splitlines()), "lines")\n',
        ])  # fmt: skip
        checks_code, checks = S.all_three(ctx, ".", job.project.test_roots[0].rstrip("/"))
        checks = [
            checks[2],
            checks[0],
            checks[1],
        ]  # pytest, ty, ruff: the order the answer reads them

        def apply(records, old=old, new=new, checks_code=checks_code, ctx=ctx, job=job) -> str:
            files = _grep_files(records[0].stdout)
            if not files:
                raise StepError("grep found nothing to rename")
            how = ctx.form("rename.how", ["regex", "regex-count", "tokens"])
            listing = ", ".join(f'"{f}"' for f in files)
            if how == "regex":
                code = f'import re\n\nfor path in [{listing}]:\n    source = read_file(path)\n    write_file(path, re.sub(r"\\b{old}\\b", "{new}", source))\n'
            elif how == "regex-count":
                code = (f'import re\n\nfor path in [{listing}]:\n    source = read_file(path)\n'
                        f'    n = len(re.findall(r"\\b{old}\\b", source))\n'
                        f'    write_file(path, re.sub(r"\\b{old}\\b", "{new}", source))\n    print(path, n, "replaced")\n')  # fmt: skip
            else:
                code = (f'import re\n\nfor path in [{listing}]:\n    parts = re.split(r"(\\W+)", read_file(path))\n'
                        f'    write_file(path, "".join("{new}" if p == "{old}" else p for p in parts))\n')  # fmt: skip
            verify = ctx.form("rename.verify", [
                f'left = [h for h in run_command("grep", ["-rnw", "--include=*.py", "{old}", "."]).splitlines() if h.startswith("./")]\nprint("whole-word matches of the old name:", len(left))\n',
                f'print(run_command("grep", ["-rnw", "--include=*.py", "{old}", "."]))\n',
                f'still = run_command("grep", ["-rlw", "--include=*.py", "{old}", "."])\nprint("files still using the old name:", "none" if still.startswith("[exit status 1]") else still)\n',
            ])  # fmt: skip
            if job.params["isort"]:  # the new name sorts elsewhere in an import list
                code += 'print(run_command("ruff", ["check", "--select", "I", "--fix", "."]))\n'
            return code + verify + checks_code

        steps = [find, b.turn(ctx, job, request, apply)]
        styles = [phrasing(ctx, f"{c.tool}.after") for c in checks]
        opener = ctx.phrase("rename.open", ["Renamed `{old}` to `{new}` in {files}", "`{old}` is now `{new}` in {files}",
                                            "Done: `{old}` → `{new}` in {files}", "I renamed `{old}` to `{new}` in {files}"])  # fmt: skip

        def answer(records, old=old, new=new, checks=checks, styles=styles, opener=opener) -> str:
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            greps = [
                c
                for c in records[-1].calls
                if c.name == "run_command" and old in c.arguments.get("args", [])
            ]
            if not greps or not str(greps[-1].result).startswith("[exit status 1]"):
                raise ValueError("a whole-word grep still finds the old name")
            results = [last_result(records, CALLS[c.tool], 1) for c in checks]
            if (
                not results[0].get("success")
                or results[1].get("errors")
                or results[2].get("violations")
            ):
                raise ValueError("the rename broke a check")
            files = ", ".join(f"`{f}`" for f in _grep_files(records[0].stdout))
            checked = "; ".join(brief(c, r) for c, r in zip(checks, results, strict=True))
            return (
                opener.format(old=old, new=new, files=files)
                + f"; a whole-word grep finds the old name in no Python file now. {checked}."
            )

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _grep_files(output: str) -> list[str]:
    """Files named by `grep -n`/`grep -l` output (or a printed list of them)."""
    found = set(re.findall(r"(?:^|[\s'\[])\.?/?([\w./-]+\.py)\b", output, re.M))
    return sorted(f.removeprefix("./") for f in found)


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's isort order within `from x import ...`: CONSTANTS, Classes, then the rest."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _needs_isort(project: Project, old: str, new: str) -> bool:
    """Whether renaming `old` puts an import list out of ruff's order."""
    for path, text in project.files.items():
        if not path.endswith(".py"):
            continue
        for match in re.finditer(r"^from [\w.]+ import \(?([^)\n]*(?:\n[^)]*)?)\)?", text, re.M):
            names = [
                n.strip().split(" as ")[0]
                for n in match.group(1).replace("\n", ",").split(",")
                if n.strip()
            ]
            if old not in names:
                continue
            renamed = [new if n == old else n for n in names]
            if sorted(renamed, key=_isort_key) != renamed:
                return True
    return False
