"""The CLI's findings stay readable at 80 columns and wide terminals keep the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from punie_tools.cli import app

runner = CliRunner()


def _run(columns: int, *args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": str(columns)})
    assert result.exit_code == 1, result.output
    return result.stdout


@pytest.mark.parametrize("columns", [72, 80])
def test_narrow_terminal_gets_one_finding_per_block(fixture_projects: Path, columns: int) -> None:
    out = _run(columns, "typecheck", "--workspace", str(fixture_projects / "ty_project"))
    lines = out.splitlines()
    assert all(len(line) <= columns for line in lines), out
    assert "broken.py:8:14 error invalid-assignment" in lines
    # the message stays in one piece (at most wrapped at the terminal edge, never word-per-line)
    assert '    Object of type `Literal["three"]` is not assignable to `int`' in lines
    assert "┃" not in out


def test_narrow_ruff_marks_fixable_and_keeps_messages_whole(fixture_projects: Path) -> None:
    out = _run(80, "ruff", "--workspace", str(fixture_projects / "ruff_project"))
    lines = out.splitlines()
    assert "pkg/messy.py:1:8 F401 error (fixable)" in lines
    assert "pkg/unused_local.py:2:5 F841 error" in lines
    assert "    Local variable `result` is assigned to but never used" in lines


def test_narrow_pytest_lists_test_ids_whole(fixture_projects: Path) -> None:
    out = _run(80, "pytest", "--workspace", str(fixture_projects / "pytest_project"))
    lines = out.splitlines()
    assert "tests/test_problems.py::test_uses_broken_fixture" in lines
    assert "    RuntimeError: planted fixture error" in lines


def test_wide_terminal_keeps_the_table(fixture_projects: Path) -> None:
    out = _run(140, "ruff", "--workspace", str(fixture_projects / "ruff_project"))
    row = next(line for line in out.splitlines() if "F841" in line)
    assert "Local variable `result` is assigned to but never used" in row  # one row, one line
    assert "┃ file" in out


def test_brackets_in_messages_are_not_markup(tmp_path: Path) -> None:
    """`list[int]` in a ty message must survive both layouts (rich would eat `[int]`)."""
    (tmp_path / "bad.py").write_text("x: list[int] = {'a': 1}\n")
    for columns in (80, 160):
        out = _run(columns, "typecheck", "bad.py", "--workspace", str(tmp_path))
        assert "list[int]" in out, out
