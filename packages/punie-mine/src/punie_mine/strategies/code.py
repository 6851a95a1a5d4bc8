"""Code exploration from the package sources: where things are defined, how they work."""

from __future__ import annotations

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import first_sentence, names, out, search_root, span, window_code
from punie_mine.syntax import ClassInfo, FunctionInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_WINDOW = 45


def _where_class(index: RepoIndex, repo: str, module: ModuleInfo, cls: ClassInfo) -> Plan:
    root = search_root(index)
    code = f'print(run_command("grep", ["-rnE", "class {cls.name}[(:]", "{root}"]))\n'
    needle = f"{module.path}:{cls.line}:"

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or needle not in text:
            return None
        parts = [f"`{cls.name}` is defined in `{module.path}` at line {cls.line}"]
        if cls.bases:
            parts[0] += f", with base class{'es' if len(cls.bases) > 1 else ''} {names(cls.bases)}"
        parts[0] += "."
        if cls.docstring:
            parts.append(f"Its docstring says: “{first_sentence(cls.docstring)}”")
        public = [m.name for m in cls.methods if not m.name.startswith("_") or m.name == "__init__"]
        if public:
            parts.append(f"It defines {names(public)}.")
        return " ".join(parts)

    return Plan(
        "code",
        f"Where is the class `{cls.name}` defined in {repo}?",
        [code],
        answer,
        [span(index, module.path, cls.line, cls.line)],
        "where-class",
    )


def _how_function(index: RepoIndex, repo: str, module: ModuleInfo, fn: FunctionInfo) -> Plan:
    end = min(fn.end_line, fn.line + MAX_WINDOW - 1)
    code = window_code(module.path, fn.line, end)
    qualified = f"{fn.owner}.{fn.name}" if fn.owner else fn.name
    signature = f"{qualified}({', '.join(fn.params)})"

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or f"{fn.line} " not in text or f"def {fn.name}" not in text:
            return None
        parts = [f"`{signature}` lives in `{module.path}`, lines {fn.line}–{fn.end_line}."]
        if fn.decorators:
            parts.append(f"It is decorated with {names(['@' + d for d in fn.decorators])}.")
        if fn.docstring:
            parts.append(f"Its docstring: “{first_sentence(fn.docstring)}”")
        if end < fn.end_line:
            parts.append(
                f"I printed its first {end - fn.line + 1} lines; the rest follows in the file."
            )
        return " ".join(parts)

    verb = "works" if not fn.owner else "is implemented"
    return Plan(
        "code",
        f"Show me how `{qualified}` {verb} in {repo}.",
        [code],
        answer,
        [span(index, module.path, fn.line, end)],
        "how-function",
    )


def _subclasses(
    index: RepoIndex, repo: str, base: str, subs: list[tuple[ModuleInfo, ClassInfo]]
) -> Plan:
    root = search_root(index)
    code = f'print(run_command("grep", ["-rnE", "class [A-Za-z_0-9]+\\\\(.*{base}", "{root}"]))\n'

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or any(f"{m.path}:{c.line}:" not in text for m, c in subs):
            return None
        items = [f"`{c.name}` ({m.path}:{c.line})" for m, c in subs]
        return (
            f"{len(subs)} class{'es' if len(subs) > 1 else ''} in {repo} subclass `{base}`: "
            + ", ".join(items)
            + "."
        )

    return Plan(
        "code",
        f"What classes subclass `{base}` in {repo}?",
        [code],
        answer,
        [span(index, m.path, c.line, c.line) for m, c in subs],
        "subclasses",
    )


def _module_outline(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = f'print(run_command("grep", ["-nE", "^(class|def) ", "{module.path}"]))\n'
    defs = [(c.name, c.line, "class") for c in module.classes] + [
        (f.name, f.line, "function") for f in module.functions
    ]
    defs.sort(key=lambda d: d[1])

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or any(f"{line}:" not in text for _, line, _ in defs):
            return None
        public = [
            f"{kind} `{name}` (line {line})"
            for name, line, kind in defs
            if not name.startswith("_")
        ]
        private = [name for name, _, _ in defs if name.startswith("_")]
        parts = [f"`{module.path}` defines {len(defs)} top-level names."]
        if public:
            parts.append(
                "Public: " + ", ".join(public[:12]) + ("…" if len(public) > 12 else "") + "."
            )
        if private:
            parts.append(f"Private helpers: {names(private, 6)}.")
        if module.docstring:
            parts.append(f"The module docstring says: “{first_sentence(module.docstring)}”")
        return " ".join(parts)

    return Plan(
        "code",
        f"Find all the functions and classes defined in `{module.path}`.",
        [code],
        answer,
        [span(index, module.path, line, line) for _, line, _ in defs],
        "outline",
    )


def code_plans(index: RepoIndex, repo: str) -> list[Plan]:
    """Interleave the templates so any prefix of the list is varied."""
    where, how, outline, subclass = [], [], [], []
    by_base: dict[str, list[tuple[ModuleInfo, ClassInfo]]] = {}
    for module in index.code:
        if module.classes or module.functions:
            outline.append(_module_outline(index, repo, module))
        for cls in module.classes:
            if not cls.name.startswith("_"):
                where.append(_where_class(index, repo, module, cls))
            for base in cls.bases:
                simple = base.split(".")[-1].split("[")[0]
                if simple.isidentifier() and simple not in {
                    "object",
                    "Protocol",
                    "Generic",
                    "Exception",
                }:
                    by_base.setdefault(simple, []).append((module, cls))
            for method in cls.methods:
                if not method.name.startswith("_") and method.end_line - method.line >= 3:
                    how.append(_how_function(index, repo, module, method))
        for fn in module.functions:
            if not fn.name.startswith("_") and fn.end_line - fn.line >= 2:
                how.append(_how_function(index, repo, module, fn))
    for base, subs in sorted(by_base.items()):
        subclass.append(_subclasses(index, repo, base, subs))
    return _interleave(where, how, outline, subclass)


def _interleave(*groups: list[Plan]) -> list[Plan]:
    result: list[Plan] = []
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        result.extend(g[i] for g in groups if i < len(g))
    return result
