"""The no-clairvoyance rule: code and answers may only use what the conversation revealed.

A code turn may use a number (a line, an index, a window) or a name of the workspace's API only
when the user's request or an earlier tool output in the same conversation shows it:

- every integer literal above 3 in the code, and every number inside a `run_command` argument,
  must occur in the request or an earlier tool output (small constants are offsets: `n - 1`);
- every identifier inside a string literal that names something the workspace defines at module
  or class level (a module, class, function, method, field, constant) must occur there too —
  so a fix cannot replace a misspelt name nobody printed, and a read cannot open a file nobody
  named.

A final answer may state only numbers that the request or a tool output shows, and only
workspace names (in backticks) that the conversation revealed.

`check_example` returns one line per breach; `verify` fails the build on any.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
import sys
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache

from punie_tools.backends import TOOL_NAMES

__all__ = [
    "SMALL",
    "api_names",
    "check_answer",
    "check_code",
    "check_messages",
    "parse",
]

SMALL = 3  # integer literals up to this are offsets and indices anyone may use
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DIGITS = re.compile(r"\d+")
_BACKTICKED = re.compile(r"`([^`\n]+)`")
_DEFINES = re.compile(r"(?:^|\n)\s*(?:def|class)\s+(\w+)|(?:^|\n)(\w+)\s*[:=]")
_RULE_CODE = re.compile(r"\b[A-Z]{1,4}\d{3,4}\b")  # F401, UP006: rule names, not numbers
# Conventions every Python developer may assume without looking: folder and file names of a
# project layout, pytest's API, and words of the sandbox API.
CONVENTIONS = frozenset(
    {
        "tests", "test", "src", "docs", "README", "readme", "pyproject", "toml", "py", "md",
        "txt", "cfg", "init", "main", "conftest", "self", "cls", "pytest", "raises", "fixture",
        "mark", "parametrize", "approx", "monkeypatch", "tmp_path", "capsys", "TODO", "FIXME",
        "args", "kwargs", "project", "scripts", "tool", "ruff", "ty", "name", "version",
        "dependencies", "description",
    }
)  # fmt: skip
_EXEMPT = (
    frozenset(keyword.kwlist)
    | frozenset(keyword.softkwlist)
    | frozenset(dir(builtins))
    | frozenset(sys.stdlib_module_names)
    | frozenset(TOOL_NAMES)
    | CONVENTIONS
)


_PARSE = threading.Lock()


def parse(source: str) -> ast.Module:
    """`ast.parse`, one thread at a time: the build and verify parse code in worker threads, and
    CPython 3.11's AST constructor keeps its recursion depth in shared state, so two parses at
    once can fail with "SystemError: AST constructor recursion depth mismatch" (seen in a build
    that regenerated its examples)."""
    with _PARSE:
        return ast.parse(source)


def _module_names(path: str) -> set[str]:
    parts = path.removesuffix(".py").split("/")
    return {p for p in parts if p.isidentifier()}


def _defined(tree: ast.AST) -> set[str]:
    """Names a module defines at module or class level, fields and attributes included."""
    found: set[str] = set()

    def targets(node: ast.AST) -> Iterable[str]:
        if isinstance(node, ast.Name):
            yield node.id
        elif isinstance(node, ast.Attribute):
            yield node.attr
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                yield from targets(element)

    def scope(body: list[ast.stmt], in_class: bool) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.add(node.name)
                for inner in ast.walk(node):  # self.x = ... inside methods: fields
                    if (
                        in_class
                        and isinstance(inner, ast.Attribute)
                        and isinstance(inner.ctx, ast.Store)
                    ):
                        found.add(inner.attr)
            elif isinstance(node, ast.ClassDef):
                found.add(node.name)
                scope(node.body, True)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    found.update(targets(target))
            elif isinstance(node, ast.AnnAssign | ast.AugAssign):
                found.update(targets(node.target))
            elif isinstance(node, ast.If | ast.Try | ast.With):
                scope(getattr(node, "body", []), in_class)

    if isinstance(tree, ast.Module):
        scope(tree.body, False)
    return found


@lru_cache(maxsize=256)
def _api_of(path: str, content: str) -> frozenset[str]:
    names = _module_names(path)
    if path.endswith(".py"):
        try:
            names |= _defined(parse(content))
        except SyntaxError:
            names |= {m.group(1) for m in re.finditer(r"(?:def|class)\s+(\w+)", content)}
    return frozenset(names)


def api_names(files: Mapping[str, str]) -> frozenset[str]:
    """The workspace's API surface: module, class, function, method, field and constant names
    (minus keywords, builtins, stdlib modules and project-layout conventions)."""
    names: set[str] = set()
    for path, content in files.items():
        names |= _api_of(path, content)
    return frozenset(n for n in names if n not in _EXEMPT and not n.startswith("__") and len(n) > 1)


def _numbers(text: str) -> set[int]:
    return {int(d) for d in _DIGITS.findall(text)}


def _strings(tree: ast.AST) -> list[tuple[str, bool]]:
    """Every string constant that carries data (not a print label), with whether it is a
    `run_command` argument."""
    command_strings: set[int] = set()
    programs: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "run_command"
        ):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for inner in ast.walk(arg):
                    if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                        command_strings.add(id(inner))
            if node.args and isinstance(node.args[0], ast.Constant):
                programs.add(id(node.args[0]))  # "find", "grep": programs, not workspace names
    labels: set[int] = set()  # print labels and comparisons with result fields: not data
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            labels.update(id(n) for n in ast.walk(node.format_spec))
        elif isinstance(node, ast.JoinedStr):
            labels.update(id(v) for v in node.values if isinstance(v, ast.Constant))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            labels.update(_printed_constants(node))
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute):
            labels.update(id(c) for c in node.comparators if isinstance(c, ast.Constant))
    return [
        (node.value, id(node) in command_strings)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in labels
        and id(node) not in programs
        and not (
            id(node) in command_strings and node.value.startswith("-") and "=" not in node.value
        )
    ]


def _printed_constants(call: ast.Call) -> set[int]:
    """Constants inside print(...) that are only printed (not passed on to a tool)."""
    found: set[int] = set()

    def walk(node: ast.AST) -> None:
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in TOOL_NAMES
        ):
            return
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(id(node))
        for child in ast.iter_child_nodes(node):
            walk(child)

    for arg in [*call.args, *(k.value for k in call.keywords)]:
        walk(arg)
    return found


def check_code(code: str, context: str, api: frozenset[str]) -> list[str]:
    """Breaches of the rule in one code turn, given everything revealed before it."""
    try:
        tree = parse(code)
    except SyntaxError as exc:
        return [f"code does not parse: {exc.msg}"]
    seen = _numbers(context)
    problems = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int)
            and not isinstance(node.value, bool)
            and abs(node.value) > SMALL
            and abs(node.value) not in seen
        ):
            problems.append(f"uses the number {node.value}, which nothing before it revealed")
    for text, is_command in _strings(tree):
        if is_command:
            for number in _numbers(_RULE_CODE.sub("", text)):
                if number > SMALL and number not in seen:
                    problems.append(
                        f"passes the number {number} to run_command; nothing before it revealed it"
                    )
        own = {a or b for a, b in _DEFINES.findall(text)}  # a written file defines its own names
        for word in set(_IDENT.findall(text)) - own:
            if word in api and word not in context:
                problems.append(f"uses the name {word!r}, which nothing before it revealed")
    return sorted(set(problems))


def check_answer(answer: str, context: str, api: frozenset[str]) -> list[str]:
    """Numbers and backticked workspace names in the final answer that nothing showed."""
    problems = []
    seen = _numbers(context)
    for number in sorted(_numbers(_RULE_CODE.sub("", answer)) - seen):
        problems.append(f"the answer states {number}, which no tool output or the request shows")
    for span in _BACKTICKED.findall(answer):
        for word in set(_IDENT.findall(span)):
            if word in api and word not in context:
                problems.append(
                    f"the answer names {word!r}, which nothing in the conversation showed"
                )
    return sorted(set(problems))


def check_messages(messages: list[dict], api: frozenset[str]) -> list[str]:
    """Walk a code-mode conversation; one line per breach, naming the turn."""
    context_parts: list[str] = []
    problems: list[str] = []
    turn = 0
    for message in messages:
        role = message.get("role")
        if role == "user" or role == "tool":
            context_parts.append(str(message.get("content", "")))
        elif role == "assistant":
            calls = message.get("tool_calls") or []
            for call in calls:
                code = call["function"]["arguments"]["code"]
                problems += [
                    f"turn {turn}: {p}" for p in check_code(code, "\n".join(context_parts), api)
                ]
                turn += 1
            if not calls and turn:  # the final answer of a conversation that used tools
                problems += [
                    f"answer: {p}"
                    for p in check_answer(
                        str(message.get("content", "")), "\n".join(context_parts), api
                    )
                ]
    return problems
