"""Model code catches what the tools raise, and misspelt names get a "did you mean".

Everything runs in the real Monty sandbox with its type check on (as in production): the except
clauses must pass the stub type check AND really catch the exception the backend raised.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from sandbox_fixtures import materialise

from punie_tools import LocalBackend, Sandbox, TestResult, run_code
from punie_tools.stubs import SANDBOX_EXCEPTIONS, STUBS, with_suggestions


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return materialise("shop", tmp_path / "shop")


@pytest.mark.parametrize(
    ("call", "caught", "needle"),
    [
        ('read_file("missing.txt")', "FileNotFoundError", "no such file in the workspace"),
        ('read_file("../outside.txt")', "PermissionError", "contains '..'"),
        ('read_file("/etc/hostname")', "PermissionError", "is absolute"),
        ('run_command("rm", ["-rf", "."])', "PermissionError", "'rm' is not allowed"),
        ('write_file(".git/config", "x")', "PermissionError", "inside .git"),
        ('read_file("shop")', "IsADirectoryError", "is a directory"),
        ('run_command("ls", [], "notes.txt")', "NotADirectoryError", "not a directory"),
        ('read_file("missing.txt")', "OSError", "no such file in the workspace"),
        ('read_file("notes\\x00.txt")', "ValueError", "NUL byte"),
    ],
)
def test_tool_exceptions_are_catchable_by_name(
    shop: Path, call: str, caught: str, needle: str
) -> None:
    code = (
        f"try:\n    {call}\n    print('no exception')\n"
        f"except {caught} as e:\n    print('caught', type(e).__name__, e)\n"
        "print('after')\n"
    )
    record = run_code(code, shop)
    assert record.error is None, record.error  # passed the type check and did not escape
    first, after = record.stdout.splitlines()
    assert first.startswith("caught ") and needle in first, first
    assert after == "after"
    assert record.calls[0].error is not None  # the backend really raised


def test_the_subclass_arrives_as_its_builtin_base(shop: Path) -> None:
    """WorkspaceEscapeError and CommandNotAllowedError are PermissionErrors in the sandbox."""
    code = (
        "for p in ['../x', 'missing.txt']:\n"
        "    try:\n"
        "        read_file(p)\n"
        "    except (FileNotFoundError, PermissionError) as e:\n"
        "        print(type(e).__name__, isinstance(e, OSError))\n"
    )
    record = run_code(code, shop)
    assert record.error is None, record.error
    assert record.stdout.splitlines() == ["PermissionError True", "FileNotFoundError True"]
    assert record.calls[0].error is not None
    assert record.calls[0].error.startswith("WorkspaceEscapeError:")


def test_an_uncaught_permission_error_is_refused_not_a_type_error(shop: Path) -> None:
    record = run_code('read_file("../x")\n', shop)
    assert record.error is not None and record.error.kind == "refused"
    assert record.error.message.startswith("PermissionError:")


def test_wrong_except_clause_does_not_catch(shop: Path) -> None:
    code = 'try:\n    read_file("missing.txt")\nexcept PermissionError:\n    print("wrong")\n'
    record = run_code(code, shop)
    assert record.stdout == ""
    assert record.error is not None and record.error.kind == "runtime"
    assert record.error.message.startswith("FileNotFoundError:")


def test_every_declared_exception_passes_the_type_check(shop: Path) -> None:
    names = ", ".join(SANDBOX_EXCEPTIONS)
    code = (
        f"try:\n    print('ok')\nexcept ({names}, TimeoutError, NotImplementedError):\n    pass\n"
    )
    record = run_code(code, shop)
    assert record.error is None, record.error
    for name, (base, _) in SANDBOX_EXCEPTIONS.items():
        assert f"class {name}({base}): ..." in STUBS


def test_without_the_declarations_the_type_check_rejects_them(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reason the stubs declare them: Monty's checker has no such builtins."""
    bare = "\n\n".join(
        part for part in STUBS.split("\n\n") if not part.startswith("class FileNotFoundError")
    )
    monkeypatch.setattr("punie_tools.sandbox.STUBS", bare)
    code = 'try:\n    read_file("missing.txt")\nexcept FileNotFoundError:\n    pass\n'
    with Sandbox() as sandbox:
        record = sandbox.run(code, LocalBackend(shop))
    assert record.error is not None and record.error.kind == "type"
    assert "FileNotFoundError" in record.error.message


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ('t = pytest_run("tests")\nprint(t.errors)\n', "did you mean `error_count`?"),
        ('r = ruff_check(".")\nprint(r.eror_count)\n', "did you mean `error_count`?"),
        ('r = ruff_check(".")\nfor v in r.violations:\n    print(v.lin)\n', "`line`?"),
        ('r = typecheck(".")\nprint(r.error[0].line)\n', "did you mean `errors`?"),
        ('print(read_fil("notes.txt"))\n', "did you mean `read_file`?"),
        ('print(pytest_run(pth="tests"))\n', "did you mean `path`?"),
        ('result = ruff_check(".")\nprint(reslt.success)\n', "did you mean `result`?"),
    ],
)
def test_typos_get_did_you_mean(shop: Path, code: str, hint: str) -> None:
    record = run_code(code, shop)
    assert record.error is not None and record.error.kind == "type", record.error
    assert hint in record.error.message
    assert record.calls == []


def test_typos_get_did_you_mean_without_the_type_check(shop: Path) -> None:
    with Sandbox(type_check=False) as sandbox:
        record = sandbox.run('r = ruff_check(".")\nprint(r.fixable_cnt)\n', LocalBackend(shop))
    assert record.error is not None and record.error.kind == "runtime"
    assert record.error.message.endswith("did you mean `fixable_count`?")


def test_no_suggestion_without_a_close_match() -> None:
    line = "main.py:1:7: error[unresolved-reference] Name `zzzzqq` used when not defined"
    assert with_suggestions(line) == line
    other = "main.py:1:7: error[unresolved-attribute] Object of type `str` has no attribute `x`"
    assert with_suggestions(other) == other


def test_test_result_errors_is_a_deprecated_alias() -> None:
    old = TestResult.model_validate(
        {"success": False, "passed": 0, "failed": 0, "skipped": 0, "total": 1, "errors": 1}
    )
    assert old.error_count == 1
    assert "errors" not in old.model_dump() and old.model_dump()["error_count"] == 1
    with pytest.warns(DeprecationWarning, match="use TestResult.error_count"):
        assert old.errors == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = TestResult(success=True, passed=1, failed=0, skipped=0, total=1, error_count=0)
        assert new.error_count == 0
