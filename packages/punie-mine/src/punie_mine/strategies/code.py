"""Code exploration from the package sources: where things are defined, how they work, who uses them.

Every read is found first: `grep -n` reveals the line a second step reads from, or the script
searches the file for the definition itself. Answers state only what the outputs printed.
"""

from __future__ import annotations

import re

from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import (
    block_at_code,
    first_sentence,
    grep_code,
    grep_hits,
    names,
    out,
    pick,
    printed_lines,
    search_block_code,
    search_root,
    span,
)
from punie_mine.syntax import ClassInfo, FunctionInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_BLOCK = 45  # longer definitions are not read whole (an example must stay short)
_DOC_OPEN = re.compile(r'^\s*[rbuRBU]?("""|\'\'\')(.*)$')


def _docstring_in(printed: list[tuple[int, str]]) -> str | None:
    """The docstring text as printed right after a `def`/`class` line, if it was printed."""
    body = [text for _, text in printed[1:]]
    for i, line in enumerate(body[:4]):
        match = _DOC_OPEN.match(line)
        if not match:
            continue
        quote, rest = match.group(1), match.group(2)
        collected = []
        for piece in [rest, *body[i + 1 :]]:
            if quote in piece:
                collected.append(piece.split(quote)[0])
                return " ".join(" ".join(collected).split()) or None
            collected.append(piece)
        return None
    return None


def _where_class(index: RepoIndex, repo: str, module: ModuleInfo, cls: ClassInfo) -> Plan:
    root = search_root(index)
    code = grep_code(["-rnE", f"^\\s*class {cls.name}\\b", root])

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        hits = [h for h in grep_hits(text) if h[0] == module.path and h[1] == cls.line]
        if not hits:
            return None
        line = hits[0][2].strip()
        result = f"`{cls.name}` is defined in `{module.path}` at line {cls.line}: `{line}`."
        others = [h for h in grep_hits(text) if (h[0], h[1]) != (module.path, cls.line)]
        if others:
            result += " The search also matched " + ", ".join(f"{p}:{n}" for p, n, _ in others)
            result += "."
        return result

    request = pick(
        f"where-class {cls.name}",
        [
            f"Where is the class `{cls.name}` defined in {repo}?",
            f"where's `{cls.name}` defined?",
            f"Find the definition of `{cls.name}`.",
            f"Which file defines the `{cls.name}` class in {repo}?",
        ],
    )
    return Plan(
        "code",
        request,
        [code],
        answer,
        [span(index, module.path, cls.line, cls.line)],
        "where-class",
    )


def _class_header(index: RepoIndex, repo: str, module: ModuleInfo, cls: ClassInfo) -> Plan:
    """grep for the class, then read its header (bases, docstring, fields) from the line found."""
    root = search_root(index)
    first = grep_code(["-rnE", f"^\\s*class {cls.name}\\b", root])
    second = block_at_code(module.path, cls.line, header_only=True)

    def answer(records: list[ExecutionRecord]) -> str | None:
        found, read = out(records, 0), out(records, 1)
        if found is None or read is None or f"{module.path}:{cls.line}:" not in found:
            return None
        printed = printed_lines(read)
        if not printed or f"class {cls.name}" not in printed[0][1]:
            return None
        last = printed[-1][0]
        parts = [
            f"`{cls.name}` is in `{module.path}` (line {cls.line}); "
            f"its header runs to line {last}: `{printed[0][1].strip()}`."
        ]
        doc = _docstring_in(printed)
        if doc:
            parts.append(f"The docstring says: “{first_sentence(doc)}”")
        fields = [
            text.strip().split(":")[0]
            for _, text in printed[1:]
            if re.match(r"^\s+[a-z_][a-z0-9_]*\s*:\s*\S", text) and "(" not in text.split(":")[0]
        ]
        if fields:
            parts.append(f"It declares the fields {names(fields)}.")
        return " ".join(parts)

    request = pick(
        f"class-header {cls.name}",
        [
            f"What is the `{cls.name}` class in {repo} for?",
            f"Show me the `{cls.name}` class and its docstring.",
            f"what fields does `{cls.name}` have?",
        ],
    )
    end = cls.methods[0].line - 1 if cls.methods else cls.end_line
    return Plan(
        "code",
        request,
        [first, second],
        answer,
        [span(index, module.path, cls.line, max(cls.line, min(end, cls.end_line)))],
        "class-header",
    )


def _function_answer(module: ModuleInfo, fn: FunctionInfo, qualified: str, read: str) -> str | None:
    printed = printed_lines(read)
    if not printed or printed[0][0] != fn.line or f"def {fn.name}" not in printed[0][1]:
        return None
    last = printed[-1][0]
    parts = [f"`{qualified}` is in `{module.path}`, lines {fn.line}–{last}."]
    doc = _docstring_in(printed)
    if doc:
        parts.append(f"Its docstring: “{first_sentence(doc)}”")
    returns = [text.strip() for _, text in printed if text.strip().startswith("return ")]
    if returns:
        parts.append(f"It ends with `{returns[-1][:100]}`.")
    if last < fn.end_line:
        parts.append("The printed block stops early (the body dedents inside a string).")
    return " ".join(parts)


def _how_function(index: RepoIndex, repo: str, module: ModuleInfo, fn: FunctionInfo) -> Plan:
    """grep -rn for the definition, then read the block from the line the grep printed."""
    root = search_root(index)
    first = grep_code(["-rnE", f"^\\s*(async )?def {fn.name}\\(", root])
    second = block_at_code(module.path, fn.line)
    qualified = f"{fn.owner}.{fn.name}" if fn.owner else fn.name

    def answer(records: list[ExecutionRecord]) -> str | None:
        found, read = out(records, 0), out(records, 1)
        if found is None or read is None or f"{module.path}:{fn.line}:" not in found:
            return None
        return _function_answer(module, fn, qualified, read)

    request = pick(
        f"how {qualified}",
        [
            f"Show me how `{qualified}` works in {repo}.",
            f"how is `{qualified}` implemented?",
            f"Walk me through `{qualified}`.",
            f"What does `{qualified}` do in {repo}?",
        ],
    )
    return Plan(
        "code",
        request,
        [first, second],
        answer,
        [span(index, module.path, fn.line, fn.end_line)],
        "how-function",
    )


def _show_in_file(index: RepoIndex, repo: str, module: ModuleInfo, fn: FunctionInfo) -> Plan:
    """The request names the file: one script searches it for the `def` and prints the block."""
    keyword = (
        "async def" if index.lines[module.path][fn.line - 1].lstrip().startswith("async") else "def"
    )
    code = search_block_code(module.path, f"{keyword} {fn.name}(")
    qualified = f"{fn.owner}.{fn.name}" if fn.owner else fn.name

    def answer(records: list[ExecutionRecord]) -> str | None:
        read = out(records)
        return None if read is None else _function_answer(module, fn, qualified, read)

    request = pick(
        f"show {module.path} {qualified}",
        [
            f"Show me `{fn.name}` in `{module.path}`.",
            f"print the `{fn.name}` function from {module.path}",
            f"Read `{fn.name}` in `{module.path}` for me.",
        ],
    )
    return Plan(
        "code",
        request,
        [code],
        answer,
        [span(index, module.path, fn.line, fn.end_line)],
        "show-in-file",
    )


def _subclasses(
    index: RepoIndex, repo: str, base: str, subs: list[tuple[ModuleInfo, ClassInfo]]
) -> Plan:
    root = search_root(index)
    code = grep_code(["-rnE", f"^\\s*class \\w+\\(.*\\b{base}\\b", root])

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or any(f"{m.path}:{c.line}:" not in text for m, c in subs):
            return None
        items = [f"`{c.name}` ({m.path}:{c.line})" for m, c in subs]
        return f"These classes in {repo} subclass `{base}`: " + ", ".join(items) + "."

    return Plan(
        "code",
        pick(
            f"subclasses {base}",
            [
                f"What classes subclass `{base}` in {repo}?",
                f"which classes inherit from `{base}`?",
                f"List the subclasses of `{base}`.",
            ],
        ),
        [code],
        answer,
        [span(index, m.path, c.line, c.line) for m, c in subs],
        "subclasses",
    )


def _usages(index: RepoIndex, repo: str, module: ModuleInfo, name: str, line: int) -> Plan:
    root = search_root(index)
    code = grep_code(["-rnw", "--include=*.py", name, root], "matching lines")

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None:
            return None
        hits = grep_hits(text)
        elsewhere = [h for h in hits if h[0] != module.path]
        if not hits or not elsewhere:
            return None
        by_file: dict[str, list[int]] = {}
        for path, number, _ in hits:
            by_file.setdefault(path, []).append(number)
        listed = "; ".join(
            f"`{path}` (line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines[:6]))}"
            + (", …" if len(lines) > 6 else "")
            + ")"
            for path, lines in by_file.items()
        )
        total = len(text.strip().splitlines()) - 1
        return (
            f"`{name}` is defined in `{module.path}` (line {line}) and the search found "
            f"{total} matching lines: {listed}."
        )

    return Plan(
        "code",
        pick(
            f"usages {name}",
            [
                f"Where is `{name}` used in {repo}?",
                f"find all uses of `{name}`",
                f"Who calls `{name}` in the {repo} sources?",
            ],
        ),
        [code],
        answer,
        [span(index, module.path, line, line)],
        "usages",
    )


def _module_outline(index: RepoIndex, repo: str, module: ModuleInfo) -> Plan:
    code = grep_code(["-nE", "^(async def|def|class) ", module.path], "top-level definitions")
    defs = [(c.name, c.line, "class") for c in module.classes] + [
        (f.name, f.line, "function") for f in module.functions
    ]
    defs.sort(key=lambda d: d[1])

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or any(f"{line}:" not in text for _, line, _ in defs):
            return None
        count = len(text.strip().splitlines()) - 1
        if count != len(defs):
            return None
        public = [
            f"{kind} `{name}` (line {line})"
            for name, line, kind in defs
            if not name.startswith("_")
        ]
        private = [name for name, _, _ in defs if name.startswith("_")]
        parts = [f"`{module.path}` has {count} top-level definition{'s' if count != 1 else ''}."]
        if public:
            parts.append(
                "Public: " + ", ".join(public[:12]) + (", …" if len(public) > 12 else "") + "."
            )
        if private:
            parts.append(f"Private helpers: {names(private, 6)}.")
        return " ".join(parts)

    return Plan(
        "code",
        pick(
            f"outline {module.path}",
            [
                f"Find all the functions and classes defined in `{module.path}`.",
                f"what's in {module.path}?",
                f"Give me an outline of `{module.path}`.",
            ],
        ),
        [code],
        answer,
        [span(index, module.path, line, line) for _, line, _ in defs],
        "outline",
    )


def code_plans(index: RepoIndex, repo: str) -> list[Plan]:
    """Interleave the templates so any prefix of the list is varied."""
    where, header, how, show, outline, subclass, usages = [], [], [], [], [], [], []
    by_base: dict[str, list[tuple[ModuleInfo, ClassInfo]]] = {}
    defined = _defined_once(index)
    for module in index.code:
        if module.classes or module.functions:
            outline.append(_module_outline(index, repo, module))
        for cls in module.classes:
            if cls.name.startswith("_") or defined.get(cls.name) != 1:
                continue
            where.append(_where_class(index, repo, module, cls))
            if cls.docstring:
                header.append(_class_header(index, repo, module, cls))
            usages.append(_usages(index, repo, module, cls.name, cls.line))
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
                if _readable(method) and defined.get(method.name) == 1:
                    how.append(_how_function(index, repo, module, method))
        for fn in module.functions:
            if _readable(fn):
                if defined.get(fn.name) == 1:
                    how.append(_how_function(index, repo, module, fn))
                show.append(_show_in_file(index, repo, module, fn))
    for base, subs in sorted(by_base.items()):
        subclass.append(_subclasses(index, repo, base, subs))
    return _interleave(how, where, show, header, outline, usages, subclass)


def _readable(fn: FunctionInfo) -> bool:
    return not fn.name.startswith("_") and 3 <= fn.end_line - fn.line + 1 <= MAX_BLOCK


def _defined_once(index: RepoIndex) -> dict[str, int]:
    """How many definitions share a name (a grep for an ambiguous name reads the wrong one)."""
    counts: dict[str, int] = {}
    for module in index.code:
        for cls in module.classes:
            counts[cls.name] = counts.get(cls.name, 0) + 1
            for method in cls.methods:
                counts[method.name] = counts.get(method.name, 0) + 1
        for fn in module.functions:
            counts[fn.name] = counts.get(fn.name, 0) + 1
    return counts


def _interleave(*groups: list[Plan]) -> list[Plan]:
    result: list[Plan] = []
    longest = max((len(g) for g in groups), default=0)
    for i in range(longest):
        result.extend(g[i] for g in groups if i < len(g))
    return result
