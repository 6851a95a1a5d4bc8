"""The stubs come from the models and the backend protocol, and type real code correctly."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from pathlib import Path

from punie_tools import typecheck
from punie_tools.backends import TOOL_NAMES, LocalBackend, ToolBackend
from punie_tools.sandbox import run_code
from punie_tools.stubs import (
    FIELD_NOTES,
    HIDDEN_FIELDS,
    SANDBOX_EXCEPTIONS,
    SANDBOX_MODELS,
    STUBS,
    sandbox_fields,
)


def _classes() -> dict[str, ast.ClassDef]:
    tree = ast.parse(STUBS)
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def test_stub_classes_mirror_the_models() -> None:
    classes = _classes()
    assert list(classes) == [m.__name__ for m in SANDBOX_MODELS] + list(SANDBOX_EXCEPTIONS)
    for model in SANDBOX_MODELS:
        declared = [
            node.target.id
            for node in classes[model.__name__].body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        ]
        assert declared == sandbox_fields(model)
        hidden = HIDDEN_FIELDS.get(model.__name__, frozenset())
        assert set(declared) | hidden == set(model.model_fields)


def test_field_notes_and_hidden_fields_name_real_fields() -> None:
    models = {m.__name__: m for m in SANDBOX_MODELS}
    for key in FIELD_NOTES:
        cls, field = key.split(".")
        assert field in sandbox_fields(models[cls]), key
        assert f"# {FIELD_NOTES[key]}" in STUBS
    for cls, fields in HIDDEN_FIELDS.items():
        assert fields <= set(models[cls].model_fields)


def test_stub_functions_match_protocol_and_local_backend() -> None:
    tree = ast.parse(STUBS)
    functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    assert [f.name for f in functions] == list(TOOL_NAMES)
    for fn in functions:
        protocol = inspect.signature(getattr(ToolBackend, fn.name))
        local = inspect.signature(getattr(LocalBackend, fn.name))
        assert list(protocol.parameters) == list(local.parameters)
        assert [a.arg for a in fn.args.args] == [p for p in protocol.parameters if p != "self"]
        assert ast.get_docstring(fn) == inspect.getdoc(getattr(ToolBackend, fn.name))


def test_stubs_type_check_real_code_with_ty(tmp_path: Path) -> None:
    """The real ty accepts good use of the stubs and rejects a misspelt field."""
    (tmp_path / "tools.pyi").write_text(STUBS)
    head = "from tools import *  # noqa\n\n"
    good = (
        head
        + "r = ruff_check('.')\nn: int = len(r.violations) + r.violations[0].line\n"
        + "t = pytest_run('tests')\nm: str = t.failures[0].message\n"
        + "o: str = run_command('ls', ['-la'], cwd='src')\n"
    )
    (tmp_path / "good.py").write_text(good)
    (tmp_path / "bad.py").write_text(head + "print(typecheck('.').errors[0].lineno)\n")
    assert typecheck("tools.pyi", cwd=tmp_path).error_count == 0
    assert typecheck("good.py", cwd=tmp_path).error_count == 0
    bad = typecheck("bad.py", cwd=tmp_path)
    assert bad.error_count == 1
    assert bad.errors[0].code in ("unresolved-attribute", "missing-attribute")
    assert "lineno" in bad.errors[0].message


def test_every_stub_field_is_readable_in_the_sandbox(
    fresh_project: Callable[[str], Path],
) -> None:
    ws = fresh_project("pytest_project")
    lines = [
        "r = ruff_check('.')",
        "t = typecheck('.')",
        "p = pytest_run('tests')",
        "print(p.failures[0])",
    ]
    var = {"RuffResult": "r", "TypeCheckResult": "t", "TestResult": "p"}
    item = {
        "RuffViolation": "r.violations",
        "TypeCheckError": "t.errors",
        "TestFailure": "p.failures",
    }
    for model in SANDBOX_MODELS:
        name = model.__name__
        for field in sandbox_fields(model):
            if name in var:
                lines.append(f"print({name!r}, {field!r}, {var[name]}.{field})")
            else:
                lines.append(f"for x in {item[name]}:\n    print({name!r}, {field!r}, x.{field})")
    record = run_code("\n".join(lines), ws)
    assert record.error is None, record.error
    printed = {tuple(line.split(" ", 2)[:2]) for line in record.stdout.splitlines()[1:]}
    for model in ("RuffResult", "TypeCheckResult", "TestResult", "TestFailure"):
        for field in sandbox_fields(next(m for m in SANDBOX_MODELS if m.__name__ == model)):
            assert (model, field) in printed
