"""Base code mode: read files and functions (finding them first when no path is given), search
a project with grep, answer vague questions by looking around first, and small edits."""

from __future__ import annotations

import re

from punie_datagen.execute import Step, StepError
from punie_datagen.generators import snippets as S
from punie_datagen.generators.answers import describe, phrasing
from punie_datagen.generators.base import Job, Spec, builder, last_result, plural
from punie_datagen.generators.facts import classes, functions
from punie_datagen.generators.plan import Plan
from punie_datagen.generators.voice import path_ref
from punie_datagen.workspaces import Project, load_projects
from punie_tools.models import ExecutionRecord

VERSION = "explore/3"

READ = [
    "open {file}",
    "what's in {file}?",
    "print {file} for me",
    "let me see {file}",
    "cat {file} please",
    "can I have a look at {file}",
    "display the contents of {file}",
]
FUNC = [
    "show me `{func}`",
    "how is `{func}` implemented?",
    "where's `{func}` and what does it do?",
    "print the source of `{func}` please",
    "I need to change `{func}` — read it for me first",
    "what does `{func}` look like?",
]
FUNC_AT = [
    "show me `{func}` in {file}",
    "read `{func}` from {file}",
    "{file}: how does `{func}` work?",
    "print `{func}` ({file})",
    "what's the body of `{func}` in {file}?",
]
SEARCH = {
    "usage": ["where is `{name}` used?", "find every call of `{name}`", "who calls `{name}`?",
              "grep for `{name}` across the project", "list all references to `{name}`", "which files mention `{name}`?"],
    "import": ["which modules import `{name}`?", "where do we import {name}?", "find the imports of `{name}`",
               "what depends on `{name}`? grep the imports", "list files that import from {name}"],
    "raise": ["where do we raise {name}?", "find every `raise {name}`", "which functions throw {name}?",
              "grep for places raising {name}", "list the raise sites of `{name}`"],
}  # fmt: skip
EXPLORE = {
    "purpose": ["what is this project about?", "give me the one-line summary of this repo", "what does this code base do?",
                "new here — what's this package for?", "tell me what this project is"],
    "tests": ["how many tests do we have?", "count the tests in this repo", "what's our test count?",
              "how big is the test suite?", "number of tests, roughly?"],
    "layout": ["what's the layout of this repo?", "which Python modules are in here?", "list the source files",
               "how is the code organised?", "give me a map of the package"],
}  # fmt: skip
ALL_ = [
    "declare the public API of {file} with `__all__` and lint it",
    "add an `__all__` to {file} listing its public functions and classes",
    "{file} needs an explicit `__all__`; add it and run ruff",
    "put `__all__` in {file} (public names only)",
    "export the public names of {file} via `__all__`",
]


def generate(plan: Plan) -> list[Spec]:
    projects = load_projects()
    specs = _read(plan, projects) + _function(plan, projects) + _search(plan, projects)
    return specs + _explore(plan, projects) + _all_list(plan, projects)


def _outline_names(text: str) -> list[str]:
    return re.findall(r"(?:^|[\s:])(?:def|class) (\w+)", text)


def _read(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "read", "base", "read", VERSION, READ)
    jobs = []
    for p in projects.values():
        files = [*p.source_files[:3], *p.test_files[:1]] + [
            f for f in ("pyproject.toml", "README.md") if f in p.files
        ]
        jobs += [Job(p, (), {"file": f}) for f in files]
    specs = []
    for job, split in zip(jobs, plan.splits("read", [j.project.name for j in jobs]), strict=True):
        file = job.params["file"]
        ctx = b.ctx(split, job.project.name, file)
        bare = file.rsplit("/", 1)[-1]
        unique = sum(1 for f in job.project.files if f.rsplit("/", 1)[-1] == bare) == 1
        named = bare if unique and ctx.coin(0.5) else file
        request, template = b.request(ctx, file=path_ref(ctx.r, named))
        size = job.files[file].count("\n")
        long = size > 45
        steps: list[Step] = []
        target = file
        if named != file:
            steps.append(ctx.form("read.find", [
                f'print(run_command("find", [".", "-name", "{bare}"]))\n',
                f'for hit in run_command("find", [".", "-name", "{bare}", "-not", "-path", "*/.*"]).split():\n    print(hit)\n',
                f'print(run_command("find", [".", "-type", "f", "-name", "{bare}"]).strip())\n',
            ]))  # fmt: skip

        def show(records, target=target, long=long, ctx=ctx) -> str:
            if long:
                return ctx.form("read.outline", [
                    f'text = read_file("{target}")\nprint(len(text.splitlines()), "lines; outline:")\nfor n, line in enumerate(text.splitlines(), 1):\n    if line.startswith(("class ", "def ")):\n        print(n, line)\n',
                    f'lines = read_file("{target}").splitlines()\nprint("lines:", len(lines))\nprint("\\n".join(lines[:3]))\nprint(run_command("grep", ["-nE", "^(class|def) ", "{target}"]))\n',
                    f'print(run_command("wc", ["-l", "{target}"]))\nprint(run_command("grep", ["-nE", "^(class|def|async def) ", "{target}"]))\n',
                ])  # fmt: skip
            return ctx.form("read.show", [
                f'print(read_file("{target}"))\n',
                f'text = read_file("{target}")\nprint(len(text.splitlines()), "lines")\nprint(text)\n',
                f'for n, line in enumerate(read_file("{target}").splitlines(), 1):\n    print(f"{{n:3}} {{line}}")\n',
            ])  # fmt: skip

        steps.append(b.turn(ctx, job, request, show))
        frame = ctx.phrase("read.frame", ["Here is `{file}`{size}.{names}", "`{file}`{size}.{names}",
                                          "That's `{file}`{size}.{names}", "Contents of `{file}` above{size}.{names}"])  # fmt: skip

        def answer(records, file=file, frame=frame) -> str:
            out = records[-1].stdout
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            count = re.search(
                r"^(?:lines: )?(\d+)(?: lines|\s+\S*" + re.escape(file.rsplit("/", 1)[-1]) + r")",
                out,
                re.M,
            )
            size = f" ({count.group(1)} lines)" if count else ""
            names = list(dict.fromkeys(_outline_names(out)))[:8]
            said = f" It defines {', '.join(f'`{n}`' for n in names)}." if names else ""
            if file.endswith(".toml"):
                sections = re.findall(r"^\[([^\]]+)\]", out, re.M)
                said = f" Sections: {', '.join(f'`[{s}]`' for s in sections)}." if sections else ""
            return frame.format(file=file, size=size, names=said)

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _functions_of(project: Project) -> list:
    found = []
    for path in project.source_files:
        found += [
            f
            for f in functions(path, project.files[path])
            if not f.name.startswith("_") and f.size <= 22
        ]
    unique = {}
    for f in found:
        unique.setdefault(f.name, []).append(f)
    return [fs[0] for fs in unique.values() if len(fs) == 1]


def _function(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "read-function", "base", "read-function", VERSION, FUNC)
    jobs = []
    for p in projects.values():
        funcs = _functions_of(p)
        step = max(1, len(funcs) // 6)
        jobs += [Job(p, (), {"func": f}) for f in funcs[::step][:6]]
    specs = []
    for job, split in zip(
        jobs, plan.splits("read-function", [j.project.name for j in jobs]), strict=True
    ):
        func = job.params["func"]
        ctx = b.ctx(split, job.project.name, func.qualname)
        located = ctx.coin(0.45)
        steps: list[Step] = []
        if located:
            request, template = b.request(
                ctx, FUNC_AT, key="at", func=func.name, file=path_ref(ctx.r, func.file)
            )
        else:
            request, template = b.request(ctx, func=func.name)
            steps.append(S.grep(ctx, f"def {func.name}(", ".", key="locate", recursive=True))

        def body(records, func=func, ctx=ctx) -> str:
            return S.function_body(ctx, func.file, func.name)

        steps.append(b.turn(ctx, job, request, body))
        frame = ctx.phrase("func.frame", ["`{name}` is at lines {a}–{b} of `{file}`.{doc}", "Found it in `{file}`, lines {a}–{b}.{doc}",
                                          "`{file}` lines {a}–{b} hold `{name}`.{doc}", "Lines {a}–{b} of `{file}`.{doc}"])  # fmt: skip

        def answer(records, func=func, frame=frame) -> str:
            numbers = [int(m) for m in re.findall(r"^\s*(\d+)[ :]", records[-1].stdout, re.M)]
            if not numbers or f"def {func.name}(" not in records[-1].stdout:
                raise ValueError("the function was not printed")
            doc = (
                f" Its docstring: “{func.doc}”"
                if func.doc and func.doc in records[-1].stdout
                else ""
            )
            return frame.format(
                name=func.name, a=numbers[0], b=numbers[-1], file=func.file, doc=doc
            )

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _search_jobs(project: Project) -> list[Job]:
    jobs = []
    py = {p: c for p, c in project.files.items() if p.endswith(".py")}
    names = []
    for path in project.source_files:
        names += [
            f.name for f in functions(path, py[path]) if not f.owner and not f.name.startswith("_")
        ]
        names += [c for c, _, _ in classes(py[path])]
    used = [
        n
        for n in dict.fromkeys(names)
        if 2 <= sum(len(re.findall(rf"\b{n}\b", c)) for c in py.values()) <= 8
    ]
    for name in used[:3]:
        jobs.append(Job(project, (), {"kind": "usage", "name": name}))
    mods = sorted(
        {m for c in py.values() for m in re.findall(r"^(?:from|import) ([a-z_][\w.]*)", c, re.M)}
    )
    for name in mods[:2]:
        jobs.append(Job(project, (), {"kind": "import", "name": name}))
    raised = sorted({e for c in py.values() for e in re.findall(r"raise (\w+)\(", c)})
    for name in raised[:1]:
        jobs.append(Job(project, (), {"kind": "raise", "name": name}))
    return jobs


def _hits(output: str) -> list[tuple[str, str, str]]:
    found = []
    for line in output.splitlines():
        m = re.match(r"^\s*(?:\d+\s+)?\.?/?([\w./-]+\.py):(\d+):(.*)$", line)
        if m:
            found.append((m.group(1), m.group(2), m.group(3).strip()))
    return found


def _search(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "search", "base", "search", VERSION, SEARCH["usage"])
    jobs = [j for p in projects.values() for j in _search_jobs(p)]
    specs = []
    for job, split in zip(jobs, plan.splits("search", [j.project.name for j in jobs]), strict=True):
        kind, name = job.params["kind"], job.params["name"]
        ctx = b.ctx(split, job.project.name, kind, name)
        request, template = b.request(ctx, SEARCH[kind], key=kind, name=name)
        needle = {
            "usage": name,
            "import": f"import {name}" if ctx.coin() else name,
            "raise": f"raise {name}",
        }[kind]
        if kind == "import":
            needle = name
        how = ctx.form("search.how", ["grep", "grep-words", "scan", "grep"])
        if how == "scan":
            code = (
                'for path in sorted(run_command("find", [".", "-name", "*.py"]).split()):\n'
                "    for n, line in enumerate(read_file(path).splitlines(), 1):\n"
                f'        if "{needle}" in line:\n'
                '            print(f"{path}:{n}:{line.strip()}")\n'
            )
        else:
            code = S.grep(
                ctx,
                needle,
                ".",
                key="search",
                recursive=True,
                words=how == "grep-words" and " " not in needle,
            )
        if kind == "import":
            code = (
                code.replace(f'"{needle}"', f'"^(from|import) {needle}\\\\b"').replace(
                    '"-rn', '"-rnE'
                )
                if how != "scan"
                else code
            )
        frame = ctx.phrase("search.frame", ["`{name}` shows up at {hits}.", "grep finds: {hits}.", "Matches — {hits}.", "Here: {hits}."])  # fmt: skip
        none = ctx.phrase("search.none", ["No matches for `{name}`.", "grep finds nothing for `{name}`.", "`{name}` appears nowhere.", "Nothing found."])  # fmt: skip

        def answer(records, name=name, frame=frame, none=none) -> str:
            hits = _hits(records[-1].stdout)
            if not hits:
                return none.format(name=name)
            listed = "; ".join(f"`{f}:{n}` `{t[:60]}`" for f, n, t in hits[:8])
            more = " and more above" if len(hits) > 8 else ""
            return frame.format(name=name, hits=listed + more)

        specs.append(b.spec(ctx, job, request, template, [code], answer))
    return specs


def _explore(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "explore", "base", "explore", VERSION, EXPLORE["purpose"])
    jobs = []
    for p in projects.values():
        jobs += [Job(p, (), {"kind": k}) for k in ("purpose", "tests", "layout")]
    specs = []
    for job, split in zip(
        jobs, plan.splits("explore", [j.project.name for j in jobs]), strict=True
    ):
        kind = job.params["kind"]
        ctx = b.ctx(split, job.project.name, kind)
        request, template = b.request(ctx, EXPLORE[kind], key=kind)
        project = job.project
        if kind == "purpose":
            source = "README.md" if "README.md" in project.files else "pyproject.toml"
            steps = [ctx.form("explore.ls", ['print(run_command("ls", []))\n', 'print(run_command("ls", ["-1"]))\n',
                                             'print(sorted(run_command("ls", []).split()))\n'])]  # fmt: skip

            def look(records, source=source, ctx=ctx) -> str:
                if source not in records[0].stdout:
                    raise StepError(f"{source} was not listed")
                if source == "README.md":
                    return ctx.form("explore.readme", [f'print(read_file("{source}"))\n', f'print("\\n".join(read_file("{source}").splitlines()[:3]))\n',
                                                       f'print(run_command("head", ["-n", "3", "{source}"]))\n'])  # fmt: skip
                return ctx.form("explore.pyproject", [f'print(run_command("grep", ["-E", "^(name|description) =", "{source}"]))\n',
                                                      f'for line in read_file("{source}").splitlines():\n    if line.startswith(("name", "description")):\n        print(line)\n'])  # fmt: skip

            steps.append(b.turn(ctx, job, request, look))

            def answer(records, source=source) -> str:
                out = records[-1].stdout.strip()
                lines = [ln.strip("# ").strip() for ln in out.splitlines() if ln.strip()]
                if not lines:
                    raise ValueError("nothing printed")
                if source == "pyproject.toml":
                    return f"From `pyproject.toml`: {'; '.join(lines)}."
                text = " ".join(lines[:3])
                return f"From its `README.md`: {text}"

        elif kind == "tests":
            how = ctx.form("explore.count", ["pytest", "grep", "pytest"])
            root = project.test_roots[0].rstrip("/")
            if root != "tests":  # tests next to the code: let pytest collect from the top
                root = "."
            if how == "pytest":
                code = ctx.form("explore.pytest", [f'r = pytest_run("{root}")\nprint("collected:", r.total, "passed:", r.passed)\n',
                                                   f'print(pytest_run("{root}").total, "tests")\n'])  # fmt: skip
            else:
                code = f'print(run_command("grep", ["-rc", "^def test_", "{root}"]))\n'
            steps = [code]

            def answer(records, how=how) -> str:
                out = records[-1].stdout
                if how == "pytest":
                    n = re.search(r"(\d+)", out)
                    if n is None:
                        raise ValueError("no count")
                    return f"{plural(int(n.group(1)), 'test')} collected by pytest."
                rows = [ln.rsplit(":", 1) for ln in out.splitlines() if ":" in ln]
                listed = ", ".join(
                    f"`{f.removeprefix('./')}` {c}" for f, c in rows if c.strip().isdigit()
                )
                return (
                    f"Test functions per file (grep for `def test_`): {listed}."
                    if listed
                    else "grep finds no test functions."
                )

        else:
            steps = [ctx.form("explore.find", [
                'print(run_command("find", [".", "-name", "*.py", "-not", "-path", "*/.*"]))\n',
                'for path in sorted(run_command("find", [".", "-name", "*.py"]).split()):\n    print(path)\n',
                'files = sorted(run_command("find", [".", "-type", "f", "-name", "*.py"]).split())\nprint(len(files), "Python files")\nprint("\\n".join(files))\n',
            ])]  # fmt: skip

            def answer(records) -> str:
                files = sorted(
                    {
                        m.removeprefix("./")
                        for m in re.findall(r"\./[\w./-]+\.py", records[-1].stdout)
                    }
                )
                tests = [f for f in files if "test" in f.rsplit("/", 1)[-1]]
                code = [f for f in files if f not in tests]
                return (f"Source modules: {', '.join(f'`{f}`' for f in code[:10])}. "
                        f"Tests: {', '.join(f'`{f}`' for f in tests[:8]) or 'none found'}.")  # fmt: skip

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs


def _all_list(plan: Plan, projects) -> list[Spec]:
    b = builder(plan, "edit", "base", "edit", VERSION, ALL_)
    jobs = []
    for p in projects.values():
        for path in p.source_files:
            content = p.files[path]
            if "__all__" in content or path.endswith("__init__.py"):
                continue
            public = [
                f.name
                for f in functions(path, content)
                if not f.owner and not f.name.startswith("_")
            ]
            public += [c for c, _, _ in classes(content) if not c.startswith("_")]
            if public:
                jobs.append(Job(p, (), {"file": path}))
                if sum(1 for j in jobs if j.project is p) >= 2:
                    break
    specs = []
    for job, split in zip(jobs, plan.splits("edit", [j.project.name for j in jobs]), strict=True):
        file = job.params["file"]
        ctx = b.ctx(split, job.project.name, file)
        request, template = b.request(ctx, file=path_ref(ctx.r, file))
        outline = f'print(run_command("grep", ["-nE", "^(from|import|class|def) ", "{file}"]))\n'
        lint = S.report(ctx, "ruff", file, key="ruff.after")

        def write(records: list[ExecutionRecord], file=file, lint=lint, ctx=ctx) -> str:
            names = sorted({n for n in _outline_names(records[0].stdout) if not n.startswith("_")})
            if not names:
                raise StepError("no public names were printed; an empty __all__ would be wrong")
            block = "__all__ = [" + ", ".join(f'"{n}"' for n in names) + "]"
            how = ctx.form("all.write", ["max", "loop"])
            if how == "max":
                code = (f'lines = read_file("{file}").split("\\n")\n'
                        "last = max((i for i, line in enumerate(lines) if line.startswith((\"import \", \"from \"))), default=0)\n"
                        f"lines[last + 1 : last + 1] = [\"\", {block!r}]\n"
                        f'write_file("{file}", "\\n".join(lines))\n')  # fmt: skip
            else:
                code = (f'lines = read_file("{file}").split("\\n")\n'
                        "after = 0\n"
                        "for i, line in enumerate(lines):\n"
                        '    if line.startswith(("import ", "from ")):\n'
                        "        after = i + 1\n"
                        f"lines.insert(after, {block!r})\n"
                        'lines.insert(after, "")\n'
                        f'write_file("{file}", "\\n".join(lines))\n')  # fmt: skip
            return code + f'print(run_command("grep", ["-n", "__all__", "{file}"]))\n' + lint.code

        steps = [outline, b.turn(ctx, job, request, write)]
        style = phrasing(ctx, "ruff.after")

        def answer(records, file=file, lint=lint, style=style) -> str:
            if records[-1].error is not None:
                raise ValueError(records[-1].error.message)
            names = sorted({n for n in _outline_names(records[0].stdout) if not n.startswith("_")})
            result = last_result(records, "ruff_check", 1)
            if result.get("violations"):
                raise ValueError("ruff complains about the new __all__")
            return (f"`{file}` now declares `__all__` with {', '.join(f'`{n}`' for n in names)}. "
                    + describe(lint, result, style))  # fmt: skip

        specs.append(b.spec(ctx, job, request, template, steps, answer))
    return specs
