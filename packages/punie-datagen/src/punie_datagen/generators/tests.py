"""pytest_run behaviours: run a path, answer "are we green?" from results, fix a failing test,
and add a function test-first with a new test file."""

from __future__ import annotations

import re

from punie_datagen.clairvoyance import api_names, parse
from punie_datagen.execute import StepError
from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import brief, describe, phrasing
from punie_datagen.generators.base import Job, Spec, builder, context_of, last_result
from punie_datagen.generators.facts import enclosing, module_name
from punie_datagen.generators.flows import FIX_WHAT, planted_hunks
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.voice import path_ref
from punie_datagen.workspaces import Project, load_projects

VERSION = "tests/3"

RUN = [
    "have pytest go over {path}",
    "does {path} pass?",
    "pytest {path} and tell me what fails",
    "can you run the suite in {path}",
    "kick off the tests under {path}",
    "what's the state of {path}? run it",
    "execute {path} with pytest, report only",
    "{path}: green or red?",
]
YESNO = [
    "is the suite green right now?",
    "did I break any tests?",
    "anything failing?",
    "do the tests still pass after my change?",
    "quick sanity check: is everything ok test-wise?",
    "can I merge, or is something red?",
    "is pytest happy?",
    "any broken tests at the moment?",
]
FIX = [
    "{path} is failing, find out why and fix it",
    "pytest fails in {path}; please repair",
    "get {path} green again",
    "something broke {path}. fix the code, not the test",
    "{path} went red after the last change — fix it",
    "make {path} pass again please",
    "look into the failure in {path} and fix it",
]
FIX_VAGUE = [
    "the suite is red, figure out what's wrong and fix it",
    "a test broke somewhere. can you fix it?",
    "CI fails on the tests since yesterday; sort it out",
    "get the tests back to green",
    "pytest is red on my machine; dig in and repair it",
]
ANNOUNCE = [
    "{hint} — {path} fails. fix it",
    "pretty sure {hint}; {path} is red. can you fix it",
    "{path}: {hint}. repair it",
    "fix {path}, {hint}",
    "{hint}, see {path}. please fix",
]
HINT = {
    "logic_bug": "a recent change broke the behaviour",
    "broken_test_import": "the test module stopped importing",
}
TDD = [
    "add `{name}` to {file} test-first: {spec}. new test file {test_file}, then implement until green",
    "TDD please: write {test_file} for a new `{name}` in {file} ({spec}), watch it fail, then make it pass",
    "I need `{name}` in {file} — {spec}. start with a failing test in {test_file}",
    "new function `{name}` for {file}: {spec}. tests first ({test_file}), run them until they pass",
    "write a failing test for `{name}` ({spec}) in {test_file}, then implement it in {file}",
    "test-drive `{name}` into {file}: {spec}; put the tests in {test_file}",
]


def _test_root(project: Project) -> str:
    return project.test_roots[0].rstrip("/")


def generate(plan: Plan) -> list[Spec]:
    projects = load_projects()
    return (
        _run(plan, projects) + _yesno(plan, projects) + _fix(plan, projects) + _tdd(plan, projects)
    )


def _run(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "tests", "pytest_run", "tests", VERSION, RUN)
    jobs: list[Job] = []
    for project in projects.values():
        for variant in project.variants.values():
            if variant.reveals == "pytest":
                jobs.append(Job(project, (variant.name,)))
        jobs.append(Job(project, ()))
        jobs.append(Job(project, (), {"again": 1}))  # a clean run on another path
    specs = []
    for job, split in zip(jobs, plan.splits("tests", [j.project.name for j in jobs]), strict=True):
        ctx = b.ctx(split, job.project.name, *job.variants, job.params.get("again", 0))
        root = _test_root(job.project)
        candidates = [root, *job.project.test_files[:3]]
        path = candidates[ctx.r.randrange(len(candidates))]
        request, template = b.request(ctx, path=path_ref(ctx.r, path))
        report = S.report(ctx, "pytest", path)
        style = phrasing(ctx, "pytest")
        specs.append(b.spec(ctx, job, request, template, [report.code],
                            lambda records, report=report, style=style: describe(report, last_result(records, "pytest_run"), style)))  # fmt: skip
    return specs


def _yesno(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "tests-yesno", "pytest_run", "tests-yesno", VERSION, YESNO)
    jobs: list[Job] = []
    for project in projects.values():
        jobs.append(Job(project, ()))
        for variant in project.variants.values():
            if variant.reveals == "pytest":
                jobs.append(Job(project, (variant.name,)))
                break
        for variant in project.variants.values():
            if variant.kind in ("unused_import", "long_line"):  # tests stay green: a "yes"
                jobs.append(Job(project, (variant.name,)))
                break
    specs = []
    for job, split in zip(
        jobs, plan.splits("tests-yesno", [j.project.name for j in jobs]), strict=True
    ):
        ctx = b.ctx(split, job.project.name, *job.variants)
        request, template = b.request(ctx)
        root = _test_root(job.project)
        how = ctx.form("yesno.how", ["direct", "discover", "dot", "direct"])
        if root != "tests" and how == "direct":  # tests next to the code: find them first
            how = "discover"
        if how == "discover":
            steps = [ctx.form("yesno.find", [
                'print(run_command("find", [".", "-name", "test_*.py"]))\n',
                'print(run_command("ls", []))\n',
                'for path in sorted(run_command("find", [".", "-name", "test*.py"]).split()):\n    print(path)\n',
            ])]  # fmt: skip
            turn = 1
        else:
            steps, turn = [], 0
        target = "." if how == "dot" else root
        report = S.report(ctx, "pytest", target)
        style = phrasing(ctx, "pytest")
        yes = ctx.phrase("yesno.yes", ["Yes.", "Yes — green.", "Yes, all good.", "Yep."])
        no = ctx.phrase("yesno.no", ["No.", "No — something fails.", "Not quite.", "Nope."])
        steps.append(report.code)

        def answer(records, report=report, style=style, turn=turn, yes=yes, no=no) -> str:
            result = last_result(records, "pytest_run", turn)
            return f"{yes if result['success'] else no} {describe(report, result, style)}"

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _fix(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "tests-fix", "pytest_run", "tests-fix", VERSION, FIX)
    jobs = [
        Job(project, (variant.name,), {"variant": variant, "copy": copy})
        for project in projects.values()
        for variant in project.variants.values()
        if variant.kind in ("logic_bug", "broken_test_import") and variant.reveals == "pytest"
        for copy in (0, 1, 2)  # naming the failing file, or about the whole suite
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("tests-fix", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        variant = job.params["variant"]
        ctx = b.ctx(split, job.project.name, variant.name, job.params["copy"])
        failing = [e.split("::")[0] for e in variant.expect if "::" in e or e.endswith(".py")]
        root = _test_root(job.project)
        path = failing[0] if failing and job.params["copy"] != 1 else root
        if path == root and ctx.coin(0.5):
            request, template = b.request(ctx, FIX_VAGUE, key="vague")
        elif ctx.coin(0.1):
            request, template = b.request(
                ctx, ANNOUNCE, key="announce", hint=HINT[variant.kind], path=path_ref(ctx.r, path)
            )
        else:
            request, template = b.request(ctx, path=path_ref(ctx.r, path))
        if variant.kind == "broken_test_import":
            specs.append(_fix_import(b, ctx, job, request, template, path))
        elif (spec := _fix_logic(b, ctx, job, request, template, path)) is not None:
            specs.append(spec)
    return specs


def _rerun_and_answer(b, ctx, job, request, template, path, first, steps, kind):
    after = S.report(ctx, "pytest", path, key="pytest.after", compact=True)
    hunks = planted_hunks(job)

    def fix(records) -> str:
        seen = context_of(request, records)
        for h in hunks:
            if not all(line.strip() in seen for line in h.planted if line.strip()):
                raise StepError("the lines to change were never printed")
        return S.edit(ctx, hunks, key="edit") + after.code

    steps.append(b.turn(ctx, job, request, fix))
    before_style = phrasing(ctx, "pytest.before")
    what = ctx.phrase(f"fix.{kind}", FIX_WHAT[kind])
    link = ctx.phrase("fix.link", ["Then I {what}.", "I {what}.", "So I {what}.", "Fix: I {what}."])
    last = len(steps) - 1

    def answer(records) -> str:
        if records[-1].error is not None:
            raise ValueError(records[-1].error.message)
        before = describe(first, last_result(records, "pytest_run", 0), before_style)
        fixed = brief(after, last_result(records, "pytest_run", last))
        return f"{before} {link.format(what=what)} Now: {fixed}."

    return b.spec(ctx, job, request, template, steps, answer)


def _fix_import(b, ctx, job, request, template, path):
    first = S.report(ctx, "pytest", path)

    def look(records) -> str:
        result = last_result(records, "pytest_run", 0)
        failure = result["failures"][0]
        match = re.search(r"cannot import name '(\w+)'", failure["message"])
        if match is None:
            raise StepError("no import error in the output")
        return S.grep(ctx, match.group(1), failure["test_id"].split("::")[0], key="import")

    return _rerun_and_answer(b, ctx, job, request, template, path, first,
                             [first.code, b.turn(ctx, job, request, look)], "broken_test_import")  # fmt: skip


def _fix_logic(b, ctx, job, request, template, path):
    first = S.report(ctx, "pytest", path)
    variant = job.params["variant"]
    hunk = planted_hunks(job)[0]
    target = enclosing(hunk.file, job.files[hunk.file], max(hunk.start, 1))
    if target is None:
        return None  # the bug is not inside a function: nothing to read by name

    def read_test(records) -> str:
        result = last_result(records, "pytest_run", 0)
        failure = result["failures"][0]
        file, _, name = failure["test_id"].partition("::")
        name = name.split("[")[0].split("::")[-1]
        imports = ctx.form("logic.imports", [
            f'print(run_command("grep", ["-nE", "^(from|import) ", "{file}"]))\n',
            f'for line in read_file("{file}").splitlines():\n    if line.startswith(("from ", "import ")):\n        print(line)\n',
        ])  # fmt: skip
        return imports + S.function_body(ctx, file, name, key="test")

    lines = job.files[hunk.file].split("\n")[target.line - 1 : target.end]
    literals = sorted(
        {m for m in re.findall(r"[\"']([^\"'{}]{6,})", "\n".join(lines))}, key=len, reverse=True
    )

    def read_code(records) -> str:
        seen = context_of(request, records)
        if target.name in seen and hunk.file.rsplit("/", 1)[-1].removesuffix(".py") in seen:
            return S.function_body(ctx, hunk.file, target.name, key="func")
        # the failing assertion quotes a text the buggy function writes: grep for it
        quoted = [s for s in literals if s.strip() in seen and '"' not in s and "\\" not in s]
        if not quoted:
            raise StepError(f"nothing showed {target.name} or a text it writes")
        root = hunk.file.split("/")[0] if hunk.file.split("/")[0] in seen else "."
        return S.grep_to_function(ctx, quoted[0].strip(), root)

    steps = [first.code, b.turn(ctx, job, request, read_test), b.turn(ctx, job, request, read_code)]
    del variant
    return _rerun_and_answer(b, ctx, job, request, template, path, first, steps, "logic_bug")


def _tdd(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "tdd", "pytest_run", "tdd", VERSION, TDD)
    jobs = [  # several phrasings and code forms per feature (long ones will not fit 2,048 tokens)
        Job(p, (), {"feature": f, "copy": c})
        for p in projects.values()
        for f in p.features
        for c in range(8)
    ]
    specs = []
    for job, split in zip(
        jobs, plan.splits("tdd", [j.project.name for j in jobs], share=0.15), strict=True
    ):
        feature = job.params["feature"]
        ctx = b.ctx(split, job.project.name, feature.name, job.params["copy"])
        request, template = b.request(ctx, name=feature.name, file=path_ref(ctx.r, feature.file),
                                      spec=feature.spec, test_file=path_ref(ctx.r, feature.test_file))  # fmt: skip
        file = feature.file
        outlines = [
            f'print(run_command("grep", ["-nE", "^(class|def) ", "{file}"]))\n',
            f'for n, line in enumerate(read_file("{file}").splitlines(), 1):\n    if line.startswith(("class ", "def ")):\n        print(n, line)\n',
            f'print("\\n".join(line for line in read_file("{file}").splitlines() if line.startswith(("class ", "def "))))\n',
        ]
        outline = ctx.form("tdd.outline", outlines)
        module = module_name(file, job.project)
        del module
        run_new = S.report(ctx, "pytest", feature.test_file, key="tdd.red", compact=True)
        run_again = S.report(ctx, "pytest", feature.test_file, key="tdd.green", compact=True)
        more = ""  # an extra check would not fit the length budget
        extra = None
        if more == "ruff":
            extra = S.report(ctx, "ruff", file, key="ruff.after", compact=True)
        elif more == "ty":
            extra = S.report(ctx, "ty", file, key="ty.after", compact=True)
        elif more == "suite":
            extra = S.report(
                ctx, "pytest", _test_root(job.project), key="pytest.after", compact=True
            )
        test_text = first_test_only(feature.test)
        write_test = ctx.form(
            "tdd.write",
            [
                "write_file({path!r}, {text})\n",
                "test_source = {text}\nwrite_file({path!r}, test_source)\n",
                "print(write_file({path!r}, {text}))\n",
            ],
        ).format(path=feature.test_file, text=S.pylit(test_text))
        append = ctx.form(
            "tdd.append",
            [
                'path = "{file}"\nwrite_file(path, read_file(path) + {text})\n',
                'source = read_file("{file}")\nsource += {text}\nwrite_file("{file}", source)\n',
                'current = read_file("{file}")\nif "def {name}(" in current:\n    print("already there")\nelse:\n    write_file("{file}", current + {text})\n',
            ],
        ).format(file=file, text=S.pylit(feature.implementation), name=feature.name)

        imports, import_text = _test_imports(ctx, job, file)
        shown = (
            _shown_by_outline(job.files[file]) if "print(text)" not in outline else job.files[file]
        )
        api = api_names(job.files)
        if any(w in api and w not in shown and w not in request
               for chunk in (test_text, feature.implementation) for w in re.findall(r"\w+", chunk)):  # fmt: skip
            outline += imports  # the new test needs names the module's outline does not show
        else:
            import_text = ""
        heads = _class_heads(
            ctx,
            job,
            file,
            outline,
            request + "\n" + import_text,
            [feature.test, feature.implementation],
        )
        steps = [
            outline,
            *([heads] if heads else []),
            b.turn(ctx, job, request, lambda records, w=write_test, r=run_new: w + r.code),
            b.turn(
                ctx,
                job,
                request,
                lambda records, a=append, r=run_again, e=extra: a + r.code + (e.code if e else ""),
            ),
        ]
        red, green = phrasing(ctx, "tdd.red"), phrasing(ctx, "tdd.green")
        extra_style = phrasing(ctx, "tdd.extra")
        order = ctx.phrase("tdd.story", [
            "Wrote `{test}` first: {red}. Added `{name}`: {green}.",
            "`{test}` first ({red}); with `{name}` implemented, {green}.",
            "New test `{test}`: {red}. After `{name}`: {green}.",
            "Red ({red}), then green with `{name}` ({green}).",
        ])  # fmt: skip

        def answer(records, feature=feature, run_new=run_new, run_again=run_again, extra=extra,
                   red=red, green=green, extra_style=extra_style, order=order, file=file) -> str:  # fmt: skip
            if any(r.error is not None for r in records):
                raise ValueError("a TDD turn failed to run")
            before = last_result(records, "pytest_run", len(records) - 2)
            after = last_result(records, "pytest_run", len(records) - 1)
            if before["success"] or not after["success"]:
                raise ValueError("the new test did not go from red to green")
            text = order.format(test=feature.test_file, red=brief(run_new, before), name=feature.name,
                                file=file, green=brief(run_again, after))  # fmt: skip
            if extra is not None:
                tool = {"ruff": "ruff_check", "ty": "typecheck", "pytest": "pytest_run"}[extra.tool]
                text += f" Also {brief(extra, last_result(records, tool, len(records) - 1))}."
            return text

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _shown_by_outline(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if line.startswith(("class ", "def ")))


def _test_imports(ctx, job, file) -> tuple[str, str]:
    """Code that prints how the existing tests import the package (and the conftest outline),
    and the text it will print: what a developer reads before writing a new test."""
    project = job.project
    package = module_name(file, project).split(".")[0]
    root = _test_root(project)
    tests = [p for p in project.files if p.startswith(root.rstrip("/") + "/") and p.endswith(".py")]
    lines = sorted(
        {
            ln
            for p in tests
            for ln in job.files[p].splitlines()
            if ln.startswith((f"from {package}", f"import {package}"))
        }
    )
    form = ctx.form("tdd.imports", [0, 1])
    if form == 0:
        code = (f'found = set()\nfor path in run_command("find", ["{root}", "-name", "*.py"]).split():\n'
                f'    for line in read_file(path).splitlines():\n        if line.startswith(("from {package}", "import {package}")):\n'
                '            found.add(line)\nprint("\\n".join(sorted(found)))\n')  # fmt: skip
    else:
        code = (f'lines = run_command("grep", ["-rhE", "^(from|import) {package}", "{root}"]).splitlines()\n'
                'for line in sorted(set(lines)):\n    print(line)\n')  # fmt: skip
    conftest = f"{root.rstrip('/')}/conftest.py"
    text = "\n".join(lines)
    if conftest in project.files:
        code += f'print(run_command("grep", ["-nE", "^(def|class|@)", "{conftest}"]))\n'
        text += "\n" + "\n".join(
            ln for ln in job.files[conftest].splitlines() if ln.startswith(("def", "class", "@"))
        )
    return code, text


def _class_heads(ctx, job, file, outline, request, writes) -> str:
    """Print the heads of the classes that define names the new code uses but no one has shown
    (in the feature's module or in the modules the existing tests import)."""
    from punie_datagen.clairvoyance import api_names
    from punie_datagen.generators.facts import classes

    text = job.files[file]
    seen = request + "\n" + (text if "print(text)" in outline else _shown_by_outline(text))
    api = api_names(job.files)
    missing = {
        w for chunk in writes for w in re.findall(r"\w+", chunk) if w in api and w not in seen
    }
    if not missing:
        return ""
    code = ""
    for path in [file, *sorted(p for p in job.project.source_files if p != file)]:
        source = job.files[path]
        lines = source.split("\n")
        for name, start, end in classes(source):
            body = "\n".join(lines[start - 1 : end])
            hit = {m for m in missing if re.search(rf"\b{m}\b", body)}
            if hit and name in seen and (path == file or module_name(path, job.project) in seen):
                code += S.class_head(ctx, path, name)
                missing -= hit
    return code


def first_test_only(source: str) -> str:
    """The test file cut to its imports, helpers and first test function (imports it no longer
    needs dropped): one failing test is enough to go red, then green, and it keeps the example
    within the length budget."""
    import ast

    tree = parse(source)
    lines = source.split("\n")
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    head_end = imports[-1].end_lineno if imports else 0
    body, first = [], False
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            if first:
                continue
            first = True
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        body.append("\n".join(lines[start - 1 : node.end_lineno]))
    code = "\n\n\n".join(body)
    used = set(re.findall(r"\w+", code))
    head = []
    for line in lines[:head_end]:
        match = re.match(r"^(from \S+ import )(.+)$", line)
        if match:
            names = [
                n.strip() for n in match.group(2).split(",") if n.strip().split(" as ")[-1] in used
            ]
            if names:
                head.append(match.group(1) + ", ".join(names))
        elif line.startswith("import "):
            if line.split()[1].split(".")[0] in used:
                head.append(line)
        else:
            head.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(head).strip("\n"))
    return (text + "\n\n\n" if text else "") + code + "\n"
