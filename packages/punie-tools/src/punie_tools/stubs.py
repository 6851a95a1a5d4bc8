"""The stub source that types model code in the sandbox and tells the model its API.

Generated, never hand-written: classes come from the result models' fields (punie_tools.models)
and functions from the `ToolBackend` protocol's signatures and docstrings, so the stubs, the
sandbox objects and the prompt cannot drift apart. `punie-tools stubs` prints `STUBS`.
"""

from __future__ import annotations

import inspect
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
    "SANDBOX_MODELS",
    "STUBS",
    "build_stubs",
    "render_annotation",
    "sandbox_fields",
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
    "TestResult.errors": "collection and setup errors (also listed in failures)",
    "TestResult.tool_error": "set when pytest could not run",
}
"""One-line meanings of fields, rendered as comments in the stubs (keys must be real fields)."""


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


def build_stubs() -> str:
    """Render the stub source: the result classes, then the six external functions."""
    parts = [_render_model(model) for model in SANDBOX_MODELS]
    parts += [_render_function(name) for name in TOOL_NAMES]
    return "\n\n".join(parts) + "\n"


STUBS: str = build_stubs()
"""Stub source for the sandbox type checker and the system prompt."""
