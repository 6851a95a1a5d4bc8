"""Base code mode: read_file, write_file, run_command (grep, ls, find, wc) and multi-step edits.

Facts in requests come from parsing the projects' real files; facts in answers come from the
records (what the code printed), so an answer can only say what the tools showed.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from punie_datagen.generators.base import Spec, plural, rng, stdout, window
from punie_datagen.workspaces import project_files
from punie_datagen.workspaces._legacy import DESCRIPTIONS, FEATURES, PROJECTS, paths
from punie_tools.models import ExecutionRecord

VERSION = "basecode/3"


@dataclass(frozen=True)
class Func:
    name: str  # qualified for methods: Class.method
    short: str
    line: int
    end: int
    signature: str
    doc: str


def _functions(source: str) -> list[Func]:
    tree = ast.parse(source)
    found: list[Func] = []

    def add(node: ast.FunctionDef, owner: str | None) -> None:
        args = ", ".join(a.arg for a in node.args.args if a.arg != "self")
        ret = f" -> {ast.unparse(node.returns)}" if node.returns else ""
        qual = f"{owner}.{node.name}" if owner else node.name
        doc = (ast.get_docstring(node) or "").split("\n")[0]
        found.append(
            Func(
                qual,
                node.name,
                node.lineno,
                node.end_lineno or node.lineno,
                f"{node.name}({args}){ret}",
                doc,
            )
        )

    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            add(node, None)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and not item.name.startswith("__"):
                    add(item, node.name)
    return found


def _spec(category: str, request: str, project: str, steps: list[str], answer, extra=None) -> Spec:
    workspace: dict = {"project": project, "variants": []}
    if extra:
        workspace["extra"] = extra
    return Spec("base", category, request, answer, workspace, steps, VERSION)


def _grep_hits(text: str) -> list[tuple[str, int, str]]:
    hits = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1].isdigit():
            hits.append((parts[0].removeprefix("./"), int(parts[1]), parts[2].strip()))
    return hits


def _show_file(seed: int, project: str, path: str, content: str) -> list[Spec]:
    desc = DESCRIPTIONS[project]
    lines = content.count("\n")
    phrasings = [
        f"Show me the {path} file of the {project} project.",
        f"Open `{path}` from {desc} so I can read it.",
        f"What's in {path}? (the {project} project)",
    ]
    code_forms = [
        f'print(read_file("{path}"))\n',
        f'content = read_file("{path}")\nprint(content)\n',
    ]
    specs = []
    for k, request in enumerate(phrasings):

        def answer(records: list[ExecutionRecord], path=path, lines=lines) -> str:
            text = stdout(records)
            summary = _describe(path, text)
            return f"Here is `{path}` ({plural(lines, 'line')}). {summary}"

        specs.append(_spec("read_file", request, project, [code_forms[k % 2]], answer))
    return specs


def _describe(path: str, text: str) -> str:
    if path.endswith(".toml"):
        keys = [line.strip() for line in text.splitlines() if line.startswith("[")]
        return f"It has the sections {', '.join(keys)}."
    try:
        funcs = _functions(text)
    except SyntaxError:
        return ""
    tree = ast.parse(text)
    classes = [n.name for n in tree.body if isinstance(n, ast.ClassDef)]
    tests = [f.name for f in funcs if f.short.startswith("test_")]
    if tests:
        return f"It holds {plural(len(tests), 'test')}: " + ", ".join(f"`{t}`" for t in tests) + "."
    parts = []
    if classes:
        parts.append("classes " + ", ".join(f"`{c}`" for c in classes))
    top = [f.name for f in funcs if "." not in f.name]
    if top:
        parts.append("functions " + ", ".join(f"`{f}`" for f in top))
    doc = ast.get_docstring(tree)
    lead = f"Its docstring: “{doc}” " if doc else ""
    return lead + ("It defines " + " and ".join(parts) + "." if parts else "")


def _show_function(seed: int, project: str, module: str, func: Func) -> list[Spec]:
    phrasings = [
        f"Show me the `{func.name}` function in {module}.",
        f"How is `{func.name}` implemented?" + f" ({DESCRIPTIONS[project]})",
        f"Print the source of `{func.short}` from `{module}`.",
        f"I need to change `{func.name}`; read it for me first.",
    ]
    specs = []
    for k, request in enumerate(phrasings):

        def answer(records, func=func) -> str:
            text = stdout(records)
            if f"def {func.short}" not in text:
                raise ValueError("function not in output")
            doc = f" Its docstring says: “{func.doc}”" if func.doc else ""
            return f"`{func.signature}` is at lines {func.line}–{func.end} of `{module}`.{doc}"

        specs.append(
            _spec("read_file", request, project, [window(module, func.line, func.end)], answer)
        )
        if k == 1:
            specs[-1].category = "read_function"
    return specs


def _grep_usages(seed: int, project: str, name: str) -> list[Spec]:
    phrasings = [
        f"Where is `{name}` used in {DESCRIPTIONS[project]}?",
        f"Find every reference to {name} in the project.",
        f"grep the workspace for `{name}`.",
    ]
    code_forms = [
        f'print(run_command("grep", ["-rn", "{name}", "."]))\n',
        f'out = run_command("grep", ["-rn", "--include=*.py", "{name}", "."])\nprint(out)\n',
    ]
    specs = []
    for k, request in enumerate(phrasings):

        def answer(records, name=name) -> str:
            hits = _grep_hits(stdout(records))
            if not hits:
                return f"`{name}` does not appear anywhere in the workspace."
            files = sorted({h[0] for h in hits})
            listing = "; ".join(f"{f}:{n}" for f, n, _ in hits[:8])
            return f"`{name}` appears {plural(len(hits), 'time')} in {plural(len(files), 'file')}: {listing}."

        specs.append(_spec("grep", request, project, [code_forms[k % 2]], answer))
    return specs


def _where_defined(project: str, module: str, func: Func) -> Spec:
    request = f"Where is `{func.short}` defined in {DESCRIPTIONS[project]}?"

    def answer(records) -> str:
        hits = _grep_hits(stdout(records))
        if not hits:
            return f"grep finds no definition of `{func.short}`."
        f, n, text = hits[0]
        return f"`{func.short}` is defined in `{f}` at line {n}: `{text}`."

    return _spec(
        "grep",
        request,
        project,
        [f'print(run_command("grep", ["-rn", "def {func.short}(", "."]))\n'],
        answer,
    )


def _returns(project: str, module: str, func: Func) -> Spec | None:
    if "->" not in func.signature:
        return None
    request = f"What does `{func.name}` return in {module}?"
    ret = func.signature.split("->", 1)[1].strip()

    def answer(records) -> str:
        text = stdout(records)
        if f"-> {ret}" not in text:
            raise ValueError("annotation not in output")
        doc = f" {func.doc}" if func.doc else ""
        return f"It is annotated to return `{ret}` (line {func.line}).{doc}"

    return _spec("read_function", request, project, [window(module, func.line, func.end)], answer)


def _listing(project: str) -> list[Spec]:
    desc = DESCRIPTIONS[project]
    specs = []

    def files_answer(records) -> str:
        names = [line for line in stdout(records).splitlines() if line.strip()]
        return (
            f"The workspace holds {plural(len(names), 'Python file')}: "
            + ", ".join(f"`{n.removeprefix('./')}`" for n in names)
            + "."
        )

    specs.append(_spec("run_command", f"List the Python files in {desc}.", project,
                       ['files = run_command("find", [".", "-name", "*.py"]).splitlines()\nfor name in sorted(files):\n    print(name)\n'], files_answer))  # fmt: skip

    def tests_answer(records) -> str:
        names = stdout(records).split()
        return "The tests folder contains " + ", ".join(f"`{n}`" for n in names) + "."

    specs.append(_spec("run_command", f"What's in the tests folder of {desc}?", project,
                       ['print(run_command("ls", ["tests"]))\n'], tests_answer))  # fmt: skip

    def root_answer(records) -> str:
        names = stdout(records).split()
        return "At the top level: " + ", ".join(f"`{n}`" for n in names) + "."

    specs.append(_spec("run_command", f"Show me the top-level layout of {desc}.", project,
                       ['print(run_command("ls", []))\n'], root_answer))  # fmt: skip
    return specs


def _counts(project: str, module: str, tests: str) -> list[Spec]:
    desc = DESCRIPTIONS[project]
    specs = []
    for path in (module, tests):

        def wc_answer(records, path=path) -> str:
            n = stdout(records).split()[0]
            return f"`{path}` has {n} lines."

        specs.append(_spec("run_command", f"How many lines is {path}?", project,
                           [f'print(run_command("wc", ["-l", "{path}"]))\n'], wc_answer))  # fmt: skip
        specs.append(_spec("run_command", f"Count the lines of `{path}` in {desc}.", project,
                           [f'out = run_command("wc", ["-l", "{path}"])\nprint(out.split()[0])\n'], wc_answer))  # fmt: skip

    def tests_answer(records) -> str:
        return f"`{tests}` defines {stdout(records).strip()} test functions."

    specs.append(_spec("run_command", f"How many tests does {desc} have?", project,
                       [f'print(run_command("grep", ["-c", "^def test_", "{tests}"]))\n'], tests_answer))  # fmt: skip

    def funcs_answer(records) -> str:
        return f"`{module}` has {stdout(records).strip()} top-level functions (lines starting with `def`)."

    specs.append(_spec("run_command", f"How many top-level functions are in {module}?", project,
                       [f'print(run_command("grep", ["-c", "^def ", "{module}"]))\n'], funcs_answer))  # fmt: skip

    def imports_answer(records, path=module) -> str:
        hits = [line.split(":", 1)[1] for line in stdout(records).splitlines() if ":" in line]
        return f"`{path}` imports: " + "; ".join(f"`{h}`" for h in hits) + "."

    specs.append(_spec("grep", f"Which modules does {module} import?", project,
                       [f'print(run_command("grep", ["-nE", "^(import|from) ", "{module}"]))\n'], imports_answer))  # fmt: skip

    def todo_answer(records) -> str:
        hits = _grep_hits(stdout(records))
        if not hits:
            return "There are no TODO comments in the workspace (grep found nothing)."
        return "TODO comments: " + "; ".join(f"{f}:{n}" for f, n, _ in hits) + "."

    specs.append(_spec("grep", f"Are there any TODO comments left in {desc}?", project,
                       ['print(run_command("grep", ["-rn", "TODO", "."]))\n'], todo_answer))  # fmt: skip

    def raise_answer(records) -> str:
        hits = [
            (int(line.split(":", 1)[0]), line.split(":", 1)[1].strip())
            for line in stdout(records).splitlines()
            if line.split(":", 1)[0].isdigit()
        ]
        if not hits:
            return f"Nothing in `{module}` raises an exception explicitly."
        return (
            f"`{module}` raises in {plural(len(hits), 'place')}: "
            + "; ".join(f"line {n}: `{t}`" for n, t in hits)
            + "."
        )

    specs.append(_spec("grep", f"Where does {module} raise exceptions?", project,
                       [f'print(run_command("grep", ["-n", "raise ", "{module}"]))\n'], raise_answer))  # fmt: skip
    return specs


def _rename(project: str, module: str, tests: str, func: Func, new: str) -> Spec:
    request = f"Rename `{func.short}` to `{new}` everywhere in {DESCRIPTIONS[project]} and make sure the tests still pass."
    steps = [
        f'print(run_command("grep", ["-rn", "{func.short}", "."]))\n',
        (
            f'for path in ["{module}", "{tests}"]:\n'
            "    source = read_file(path)\n"
            f'    write_file(path, source.replace("{func.short}", "{new}"))\n'
            f'print(run_command("grep", ["-rn", "{func.short}", "."]))\n'
            'r = pytest_run("tests")\nprint(r.passed, "passed,", r.failed, "failed")\n'
        ),
    ]

    def answer(records) -> str:
        before = _grep_hits(stdout(records, 0))
        after_text = stdout(records, 1)
        left = _grep_hits(after_text)
        tests_line = after_text.strip().splitlines()[-1]
        files = sorted({h[0] for h in before})
        return (
            f"`{func.short}` appeared {plural(len(before), 'time')} in {', '.join(f'`{f}`' for f in files)}. "
            f"I replaced it with `{new}` in `{module}` and `{tests}`; grep now finds "
            f"{plural(len(left), 'occurrence')} of the old name, and the tests report: {tests_line}."
        )

    return _spec("multi_step_edit", request, project, steps, answer)


def _add_function(project: str, module: str) -> Spec:
    feature = FEATURES[project]
    request = (
        f"Add a `{feature.name}` function to {module} (see its docstring below) and check it type-checks.\n"
        + feature.implementation.strip().split("\n")[1].strip()
    )
    code = (
        f'path = "{module}"\nsource = read_file(path)\n'
        f"write_file(path, source + {feature.implementation!r})\n"
        f'print(run_command("grep", ["-n", "def {feature.name}", path]))\n'
        'r = typecheck(path)\nprint("type errors:", r.error_count)\n'
    )

    def answer(records) -> str:
        hits = stdout(records).splitlines()
        return f"Added `{feature.name}` to `{module}` ({hits[0].strip()}); {hits[-1].strip()}."

    return _spec("write_file", request, project, [code], answer)


def _readme(project: str, module: str, source: str) -> Spec:
    funcs = [f for f in _functions(source) if not f.short.startswith("_") and f.doc]
    body = f"# {project}\n\n{DESCRIPTIONS[project].capitalize()}.\n\n## API\n\n" + "".join(
        f"- `{f.signature}`: {f.doc}\n" for f in funcs
    )
    code = f'write_file("README.md", {body!r})\nprint(run_command("ls", []))\nprint(run_command("wc", ["-l", "README.md"]))\n'
    request = f"Write a README.md for {DESCRIPTIONS[project]} that lists its public functions with their docstrings."

    def answer(records) -> str:
        out = stdout(records)
        if "README.md" not in out:
            raise ValueError("README not listed")
        return f"I wrote `README.md` documenting {plural(len(funcs), 'function')} from `{module}` ({out.strip().splitlines()[-1].split()[0]} lines); it now sits beside `pyproject.toml`."

    return _spec("write_file", request, project, [code], answer)


def _test_for(project: str, tests: str, func: Func, test_source: str) -> Spec | None:
    test_funcs = [
        f for f in _functions(test_source) if func.short in f.short and f.short.startswith("test_")
    ]
    if not test_funcs:
        return None
    t = test_funcs[0]
    request = f"Show me the test for `{func.short}`."
    request += f" ({DESCRIPTIONS[project]})"

    def answer(records) -> str:
        text = stdout(records)
        if f"def {t.short}" not in text:
            raise ValueError("test not in output")
        return f"`{t.short}` in `{tests}` (lines {t.line}–{t.end}) covers `{func.short}`."

    return _spec("read_file", request, project, [window(tests, t.line, t.end)], answer)


def _code_mode(project: str, module: str, tests: str, funcs: list[Func]) -> list[Spec]:
    """Small analyses that use Python itself on what the tools return."""
    desc = DESCRIPTIONS[project]
    names = [f.short for f in funcs if "." not in f.name and not f.short.startswith("_")]
    specs = []
    untested = (
        f'module = read_file("{module}")\ntests = read_file("{tests}")\n'
        'names = [line.split("def ", 1)[1].split("(", 1)[0] for line in module.splitlines() if line.startswith("def ")]\n'
        'for name in names:\n    print(name, "tested" if name in tests else "NOT tested")\n'
    )

    def untested_answer(records) -> str:
        rows = [line.split(" ", 1) for line in stdout(records).splitlines() if line.strip()]
        missing = [n for n, status in rows if status == "NOT tested"]
        if not missing:
            return f"Every top-level function in `{module}` is mentioned in `{tests}` ({plural(len(rows), 'function')} checked)."
        return (
            f"Not mentioned in `{tests}`: "
            + ", ".join(f"`{m}`" for m in missing)
            + f" (of {plural(len(rows), 'function')})."
        )

    specs.append(
        _spec(
            "code_mode",
            f"Which functions in {module} have no test in {desc}?",
            project,
            [untested],
            untested_answer,
        )
    )
    longest = (
        f'lines = read_file("{module}").splitlines()\nstarts = [i for i, line in enumerate(lines) if line.lstrip().startswith("def ")]\n'
        "sizes = []\nfor k, start in enumerate(starts):\n    end = starts[k + 1] if k + 1 < len(starts) else len(lines)\n"
        "    sizes.append((end - start, lines[start].strip()))\nsizes.sort(reverse=True)\nfor size, header in sizes[:3]:\n    print(size, header)\n"
    )

    def longest_answer(records) -> str:
        first = stdout(records).splitlines()[0]
        size, header = first.split(" ", 1)
        return f"The longest function in `{module}` spans about {size} lines (up to the next `def`): `{header}`."

    specs.append(
        _spec(
            "code_mode",
            f"What is the longest function in {module}?",
            project,
            [longest],
            longest_answer,
        )
    )
    docs = (
        f'lines = read_file("{module}").splitlines()\n'
        'for i, line in enumerate(lines):\n    if line.lstrip().startswith("def "):\n'
        '        doc = lines[i + 1].strip() if i + 1 < len(lines) else ""\n'
        '        print(line.strip().split("(")[0][4:], "|", doc if doc.startswith(\'"""\') else "(no docstring)")\n'
    )

    def docs_answer(records) -> str:
        rows = [line.split(" | ", 1) for line in stdout(records).splitlines() if " | " in line]
        missing = [n for n, d in rows if d == "(no docstring)"]
        text = f"{plural(len(rows), 'function')} in `{module}`; " + (
            "all have docstrings."
            if not missing
            else "without docstrings: " + ", ".join(f"`{m}`" for m in missing) + "."
        )
        return text

    specs.append(
        _spec(
            "code_mode",
            f"Do all functions in {module} have docstrings?",
            project,
            [docs],
            docs_answer,
        )
    )
    for path in (module, tests):

        def head_answer(records, path=path) -> str:
            shown = stdout(records).splitlines()
            return f"The first {len(shown)} lines of `{path}` start with `{shown[0]}`."

        specs.append(
            _spec(
                "run_command",
                f"Show the first 15 lines of {path} ({project}).",
                project,
                [f'print(run_command("head", ["-n", "15", "{path}"]))\n'],
                head_answer,
            )
        )

        def tail_answer(records, path=path) -> str:
            shown = [line for line in stdout(records).splitlines() if line.strip()]
            return f"`{path}` ends with `{shown[-1].strip()}`."

        specs.append(
            _spec(
                "run_command",
                f"How does {path} end? Show its last 8 lines.",
                project,
                [f'print(run_command("tail", ["-n", "8", "{path}"]))\n'],
                tail_answer,
            )
        )
    for param in sorted(
        {p for f in funcs for p in f.signature.split("(", 1)[1].split(")", 1)[0].split(", ") if p}
    )[:3]:

        def param_answer(records, param=param) -> str:
            hits = [line for line in stdout(records).splitlines() if ":" in line]
            return (
                f"{plural(len(hits), 'function')} in `{module}` take `{param}`: "
                + "; ".join(
                    f"line {h.split(':', 1)[0]}: `{h.split(':', 1)[1].strip()}`" for h in hits
                )
                + "."
            )

        specs.append(
            _spec(
                "grep",
                f"Find all functions in {module} that take a `{param}` parameter.",
                project,
                [f'print(run_command("grep", ["-nE", "def .*\\\\b{param}\\\\b", "{module}"]))\n'],
                param_answer,
            )
        )
    conftest = (
        'import pytest\n\n\n@pytest.fixture\ndef workspace_name() -> str:\n    return "'
        + project
        + '"\n'
    )
    code = (
        f'write_file("tests/conftest.py", {conftest!r})\n'
        'r = pytest_run("tests")\nprint(r.passed, "passed,", r.failed, "failed,", r.errors, "errors")\n'
    )

    def conftest_answer(records) -> str:
        return f"Created `tests/conftest.py` with a `workspace_name` fixture; the suite still runs: {stdout(records).strip()}."

    specs.append(
        _spec(
            "write_file",
            f"Add a tests/conftest.py with a `workspace_name` fixture to {desc} and run the suite.",
            project,
            [code],
            conftest_answer,
        )
    )
    all_code = (
        f'path = "{module}"\nsource = read_file(path)\n'
        f"names = {names!r}\n"
        "lines = source.splitlines(keepends=True)\nend = 1\n"
        'while end < len(lines) and lines[end].strip() != "":\n    end += 1\n'
        'block = "\\n__all__ = [" + ", ".join(repr(n) for n in names) + "]\\n"\n'
        'write_file(path, "".join(lines[:end]) + block + "".join(lines[end:]))\n'
        'r = ruff_check(path)\nprint("ruff:", len(r.violations), [v.code for v in r.violations])\n'
    )

    def all_answer(records) -> str:
        return f"Added `__all__` listing {plural(len(names), 'public function')} to `{module}`; {stdout(records).strip()}."

    specs.append(
        _spec(
            "multi_step_edit",
            f"Declare the public API of {module} with an `__all__` list and lint it.",
            project,
            [all_code],
            all_answer,
        )
    )
    return specs


def _per_function(project: str, module: str, tests: str, func: Func) -> list[Spec]:
    """Questions about one function whose answers come from what read_file and grep printed."""
    desc = DESCRIPTIONS[project]
    specs: list[Spec] = []

    def callers_answer(records) -> str:
        hits = [h for h in _grep_hits(stdout(records)) if f"def {func.short}(" not in h[2]]
        if not hits:
            return f"Nothing in the workspace calls `{func.short}` besides its own definition."
        return (
            f"`{func.short}` is called in {plural(len(hits), 'place')}: "
            + "; ".join(f"{f}:{n} `{t}`" for f, n, t in hits[:8])
            + "."
        )

    specs.append(_spec("grep", f"Which code calls `{func.short}(...)` in {desc}?", project,
                       [f'print(run_command("grep", ["-rn", "{func.short}(", "."]))\n'], callers_answer))  # fmt: skip

    def params_answer(records) -> str:
        text = stdout(records)
        header = next(
            (
                line.split(" ", 1)[1].strip()
                for line in text.splitlines()
                if f"def {func.short}(" in line
            ),
            None,
        )
        if header is None:
            raise ValueError("definition not in output")
        inside = header.split("(", 1)[1].rsplit(")", 1)[0]
        params = [p.strip() for p in inside.split(",") if p.strip() and p.strip() != "self"]
        if not params:
            return f"`{func.name}` takes no arguments (line {func.line}: `{header}`)."
        return (
            f"`{func.name}` takes {plural(len(params), 'parameter')}: "
            + ", ".join(f"`{p}`" for p in params)
            + f" (line {func.line})."
        )

    specs.append(_spec("read_function", f"What parameters does `{func.name}` accept? ({module})", project,
                       [window(module, func.line, func.line)], params_answer))  # fmt: skip
    if func.doc:

        def doc_answer(records) -> str:
            if func.doc not in stdout(records):
                raise ValueError("docstring not in output")
            return f"According to its docstring, `{func.name}`: “{func.doc}” (lines {func.line}–{func.end} of `{module}`)."

        specs.append(_spec("read_function", f"Summarize what `{func.name}` is for, from {desc}.", project,
                           [window(module, func.line, min(func.end, func.line + 3))], doc_answer))  # fmt: skip

    def size_answer(records) -> str:
        shown = [line for line in stdout(records).splitlines() if line.strip()]
        return f"`{func.name}` runs from line {func.line} to line {func.end} of `{module}`, {plural(len(shown), 'line')} including its signature."

    specs.append(_spec("read_function", f"How long is the `{func.short}` function in {module}?", project,
                       [window(module, func.line, func.end)], size_answer))  # fmt: skip

    def tests_answer(records) -> str:
        hits = [line for line in stdout(records).splitlines() if ":" in line]
        if not hits:
            return f"`{tests}` never mentions `{func.short}`."
        return (
            f"`{tests}` mentions `{func.short}` on {plural(len(hits), 'line')}: "
            + ", ".join(h.split(":", 1)[0] for h in hits)
            + "."
        )

    specs.append(_spec("grep", f"Which lines of {tests} mention `{func.short}`?", project,
                       [f'print(run_command("grep", ["-n", "{func.short}", "{tests}"]))\n'], tests_answer))  # fmt: skip
    return specs


def _per_test(project: str, tests: str, test: Func) -> Spec:
    def answer(records) -> str:
        text = stdout(records)
        bodies = [line.split(" ", 1)[1].strip() for line in text.splitlines() if " " in line]
        asserts = [b for b in bodies if b.startswith("assert ") or "pytest.raises" in b]
        if f"def {test.short}" not in text:
            raise ValueError("test not in output")
        if not asserts:
            return f"`{test.short}` (lines {test.line}–{test.end}) has no assert or pytest.raises line."
        return (
            f"`{test.short}` (lines {test.line}–{test.end} of `{tests}`) checks: "
            + "; ".join(f"`{a}`" for a in asserts)
            + "."
        )

    request = f"What does `{test.short}` check? ({DESCRIPTIONS[project]})"
    return _spec("read_function", request, project, [window(tests, test.line, test.end)], answer)


RENAMES = {
    "inventory": ("low_stock", "skus_below"),
    "textstats": ("top_words", "most_common_words"),
    "webhooks": ("parse_payload", "decode_payload"),
    "csvrecords": ("by_region", "units_by_region"),
    "container": ("register_value", "register_instance"),
    "htmlkit": ("unordered_list", "bullet_list"),
}


def generate(seed: int) -> list[Spec]:
    specs: list[Spec] = []
    for project in PROJECTS:
        files = project_files(project)
        module, tests = paths(project)
        source = files[module]
        for path, content in files.items():
            specs += _show_file(seed, project, path, content)
        funcs = _functions(source)
        for func in funcs:
            specs += _show_function(seed, project, module, func)
            specs.append(_where_defined(project, module, func))
            if (spec := _returns(project, module, func)) is not None:
                specs.append(spec)
            if (spec := _test_for(project, tests, func, files[tests])) is not None:
                specs.append(spec)
            specs += _per_function(project, module, tests, func)
        for test in _functions(files[tests]):
            if test.short.startswith("test_"):
                specs.append(_per_test(project, tests, test))
        names = sorted({f.short for f in funcs if not f.short.startswith("_")})
        for name in names:
            specs += _grep_usages(seed, project, name)
        specs += _listing(project)
        specs += _counts(project, module, tests)
        old, new = RENAMES[project]
        specs.append(_rename(project, module, tests, next(f for f in funcs if f.short == old), new))
        specs.append(_add_function(project, module))
        specs.append(_readme(project, module, source))
        specs += _code_mode(project, module, tests, funcs)
    r = rng(seed, "base-order")
    r.shuffle(specs)
    return specs
