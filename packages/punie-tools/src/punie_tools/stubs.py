"""The stub source that types model code in the sandbox and tells the model its API.

Generated, never hand-written: classes come from the result models' fields (punie_tools.models)
and functions from the `ToolBackend` protocol's signatures and docstrings, so the stubs, the
sandbox objects and the prompt cannot drift apart. `punie-tools stubs` prints `STUBS`.

The stubs also declare the exceptions the tools raise that Monty's type checker does not know as
builtins (`FileNotFoundError`, `PermissionError`, ...), so model code may catch them. Inside the
sandbox an exception from a tool arrives as the nearest builtin class Monty knows (a
`WorkspaceEscapeError` is a `PermissionError` there), so only builtin names are declared.
`with_suggestions` adds a "did you mean" to the errors model code gets for a misspelt name.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import functools
import inspect
import re
import types
import typing
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from punie_tools.backends import TOOL_NAMES, ToolBackend
from punie_tools.models import (
    RuffResult,
    RuffViolation,
    TestFailure,
    TestResult,
    TypeCheckError,
    TypeCheckResult,
)

__all__ = [
    "FIELD_NOTES",
    "HIDDEN_FIELDS",
    "RENAMED_FIELDS",
    "SANDBOX_EXCEPTIONS",
    "SANDBOX_MODELS",
    "STUBS",
    "build_stubs",
    "render_annotation",
    "sandbox_fields",
    "with_suggestions",
]

SANDBOX_MODELS: tuple[type[BaseModel], ...] = (
    TypeCheckError,
    TypeCheckResult,
    RuffViolation,
    RuffResult,
    TestFailure,
    TestResult,
)
"""The result classes model code sees, in stub order (items before the results holding them)."""

HIDDEN_FIELDS: dict[str, frozenset[str]] = {"TestResult": frozenset({"duration"})}
"""Fields kept out of the sandbox: timings would make a run's output differ between re-runs."""

FIELD_NOTES: dict[str, str] = {
    "TypeCheckError.file": "relative to the workspace",
    "TypeCheckError.severity": '"error" | "warning" | "info"',
    "TypeCheckError.code": 'ty rule, e.g. "invalid-assignment"',
    "TypeCheckResult.errors": "every diagnostic, warnings included",
    "TypeCheckResult.tool_error": "set when ty could not run; counts are then 0",
    "RuffViolation.code": 'e.g. "F401"',
    "RuffViolation.severity": '"error" | "warning"',
    "RuffViolation.fixable": "ruff can fix it safely",
    "RuffResult.tool_error": "set when ruff could not run",
    "TestFailure.test_id": 'e.g. "tests/test_x.py::test_y"',
    "TestFailure.message": "assertion or exception text",
    "TestResult.success": "at least one test ran and all passed",
    "TestResult.total": "tests collected",
    "TestResult.failures": "failed tests and files/fixtures that errored",
    "TestResult.error_count": "collection and setup errors (also listed in failures)",
    "TestResult.tool_error": "set when pytest could not run",
}
"""One-line meanings of fields, rendered as comments in the stubs (keys must be real fields)."""

RENAMED_FIELDS: dict[str, dict[str, str]] = {"TestResult": {"errors": "error_count"}}
"""Old field names that model code (or a model trained on older data) may still use -> new name."""

SANDBOX_EXCEPTIONS: dict[str, tuple[str, str]] = {
    "FileNotFoundError": ("OSError", "no such workspace file, or the program is not installed"),
    "IsADirectoryError": ("OSError", "read_file / write_file on a directory"),
    "NotADirectoryError": ("OSError", "run_command's cwd is not a directory"),
    "PermissionError": ("OSError", "a path outside the workspace or a command not allowed"),
}
"""Exceptions the tools raise that Monty's type checker lacks: name -> (base, when it is raised).

The tools also raise `TimeoutError`, `ValueError`, `TypeError`, `OSError` and
`NotImplementedError` (a capability the editor does not offer), which it knows already."""


def sandbox_fields(model: type[BaseModel]) -> list[str]:
    """The fields of `model` visible inside the sandbox, in declaration order."""
    hidden = HIDDEN_FIELDS.get(model.__name__, frozenset())
    return [name for name in model.model_fields if name not in hidden]


def render_annotation(annotation: Any) -> str:
    """Python source for a (resolved) type annotation, e.g. `list[RuffViolation]`, `str | None`."""
    if annotation is None or annotation is type(None):
        return "None"
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return " | ".join(render_annotation(a) for a in get_args(annotation))
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(a) for a in get_args(annotation))}]"
    if origin is not None:
        args = ", ".join(render_annotation(a) for a in get_args(annotation))
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{args}]" if args else name
    if annotation is Any:
        return "object"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def _first_line(doc: str | None) -> str:
    return inspect.cleandoc(doc or "").split("\n", 1)[0].strip()


def _render_model(model: type[BaseModel]) -> str:
    lines = [f"class {model.__name__}:"]
    doc = _first_line(model.__doc__)
    if doc:
        lines.append(f'    """{doc}"""')
    for name in sandbox_fields(model):
        field = model.model_fields[name]
        line = f"    {name}: {render_annotation(field.annotation)}"
        note = FIELD_NOTES.get(f"{model.__name__}.{name}")
        if note:
            line += f"  # {note}"
        lines.append(line)
    return "\n".join(lines)


def _render_function(name: str) -> str:
    method = getattr(ToolBackend, name)
    hints = typing.get_type_hints(method)
    signature = inspect.signature(method)
    params = []
    for param in signature.parameters.values():
        if param.name == "self":
            continue
        text = f"{param.name}: {render_annotation(hints[param.name])}"
        if param.default is not inspect.Parameter.empty:
            text += f" = {param.default!r}"
        params.append(text)
    returns = render_annotation(hints["return"])
    doc = _first_line(method.__doc__)
    return f'def {name}({", ".join(params)}) -> {returns}:\n    """{doc}"""'


def _render_exceptions() -> str:
    return "\n".join(
        f"class {name}({base}): ...  # {when}" for name, (base, when) in SANDBOX_EXCEPTIONS.items()
    )


def build_stubs() -> str:
    """Render the stub source: the result classes, the exceptions, the six external functions."""
    parts = [_render_model(model) for model in SANDBOX_MODELS]
    parts.append(_render_exceptions())
    parts += [_render_function(name) for name in TOOL_NAMES]
    return "\n\n".join(parts) + "\n"


STUBS: str = build_stubs()
"""Stub source for the sandbox type checker and the system prompt."""


# --------------------------------------------------------------------------- did you mean

_MODELS_BY_NAME = {model.__name__: model for model in SANDBOX_MODELS}
_ATTRIBUTE = (
    # ty, in Monty's type check
    re.compile(r"Object of type `(?P<owner>\w+)` has no attribute `(?P<name>\w+)`"),
    # Monty at run time (type check off)
    re.compile(r"'(?P<owner>\w+)' object has no attribute '(?P<name>\w+)'"),
)
_NAME = (
    re.compile(r"Name `(?P<name>\w+)` used when not defined"),
    re.compile(r"name '(?P<name>\w+)' is not defined"),
)
_ARGUMENT = (
    re.compile(
        r"Argument `(?P<name>\w+)` does not match any known parameter of function `(?P<owner>\w+)`"
    ),
    re.compile(r"(?P<owner>\w+)\(\): got an unexpected keyword argument '(?P<name>\w+)'"),
)


def _closest(name: str, candidates: typing.Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, sorted(set(candidates) - {name}), n=1, cutoff=0.6)
    return found[0] if found else None


@functools.lru_cache(maxsize=8)
def _code_names(code: str | None) -> frozenset[str]:
    """Names the code itself binds (variables, functions, parameters, loop targets)."""
    if not code:
        return frozenset()
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return frozenset(names)


def _suggestion(line: str, code: str | None) -> str | None:
    for pattern in _ATTRIBUTE:
        if match := pattern.search(line):
            model = _MODELS_BY_NAME.get(match["owner"])
            if model is None:
                return None
            renamed = RENAMED_FIELDS.get(model.__name__, {}).get(match["name"])
            return renamed or _closest(match["name"], sandbox_fields(model))
    for pattern in _NAME:
        if match := pattern.search(line):
            known = {*TOOL_NAMES, *SANDBOX_EXCEPTIONS, *_MODELS_BY_NAME, *_code_names(code)}
            known |= {n for n in dir(builtins) if not n.startswith("_")}
            return _closest(match["name"], known)
    for pattern in _ARGUMENT:
        if match := pattern.search(line):
            if match["owner"] not in TOOL_NAMES:
                return None
            params = inspect.signature(getattr(ToolBackend, match["owner"])).parameters
            return _closest(match["name"], [p for p in params if p != "self"])
    return None


def with_suggestions(message: str, code: str | None = None) -> str:
    """`message` with "; did you mean `x`?" after each line naming an unknown field or name.

    Fields come from the sandbox models (renamed fields map to their new name), names from the
    tools, the declared exceptions, Python's builtins and the names `code` binds, keyword
    arguments from the tool's signature. Lines without a close match are left as they are.
    """
    lines = message.split("\n")
    for i, line in enumerate(lines):
        hint = _suggestion(line, code)
        if hint is not None and "did you mean" not in line:
            lines[i] = f"{line}; did you mean `{hint}`?"
    return "\n".join(lines)
