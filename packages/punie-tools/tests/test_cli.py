"""The `punie-tools` CLI on the fixture projects: tables, --json, --timeout and exit codes 0/1/2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from punie_tools import pytest_run, ruff_check, typecheck
from punie_tools.cli import app

runner = CliRunner()


def _run(*args: str) -> tuple[int, str]:
    """(exit status, stdout): the results; progress and errors go to stderr."""
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def _run_err(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_ruff_json_matches_the_runner(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    code, output = _run("ruff", ".", "--json", "--workspace", str(project))

    assert code == 1
    assert json.loads(output) == ruff_check(".", cwd=project).model_dump(mode="json")


def test_ruff_table(fixture_projects: Path) -> None:
    code, output = _run(
        "ruff", "pkg/messy.py", "--workspace", str(fixture_projects / "ruff_project")
    )

    assert code == 1
    assert "ruff: 2 errors, 0 warnings, 1 fixable" in output
    assert "F401" in output
    assert "E501" in output
    assert "F841" not in output


def test_ruff_clean_exits_zero(fixture_projects: Path) -> None:
    code, output = _run("ruff", "clean.py", "--workspace", str(fixture_projects / "ruff_project"))

    assert code == 0
    assert "ok" in output


def test_typecheck_json_and_exit_codes(fixture_projects: Path) -> None:
    project = fixture_projects / "ty_project"
    code, output = _run("typecheck", ".", "--json", "--workspace", str(project))
    assert code == 1
    assert json.loads(output) == typecheck(".", cwd=project).model_dump(mode="json")

    code, output = _run("typecheck", "warn_only.py", "--json", "--workspace", str(project))
    assert code == 0  # warnings alone are a success
    assert json.loads(output)["warning_count"] == 1


def test_typecheck_table(fixture_projects: Path) -> None:
    code, output = _run("typecheck", "--workspace", str(fixture_projects / "ty_project"))

    assert code == 1
    assert "ty: 3 errors, 1 warnings" in output
    assert "invalid-assignment" in output


def test_pytest_json_and_table(fixture_projects: Path) -> None:
    project = fixture_projects / "pytest_project"
    code, output = _run("pytest", ".", "--json", "--workspace", str(project))
    data = json.loads(output)

    assert code == 1
    expected = pytest_run(".", cwd=project).model_dump(mode="json")
    data.pop("duration")
    expected.pop("duration")
    assert data == expected

    code, output = _run("pytest", "tests/test_ok.py", "--workspace", str(project))
    assert code == 0
    assert "pytest: 2 passed, 0 failed, 0 skipped, 0 errors of 2 tests" in output


def test_pytest_timeout_exits_two(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("pytest_project")
    (project / "tests" / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(60)\n"
    )

    code, output, errors = _run_err(
        "pytest", "tests/test_slow.py", "--timeout", "20", "--json", "--workspace", str(project)
    )

    assert code == 2
    message = (
        "pytest timed out after 20 s and was stopped while running tests/test_slow.py::test_slow"
    )
    assert json.loads(output)["tool_error"] == message  # the result, on stdout
    assert errors.splitlines()[-1] == f"error: {message} (give a longer --timeout)"


def test_check_runs_all_three(fixture_projects: Path) -> None:
    project = fixture_projects / "pytest_project"
    code, output = _run("check", "tests/test_ok.py", "--json", "--workspace", str(project))
    data = json.loads(output)

    assert code == 0
    assert set(data) == {"typecheck", "ruff", "pytest"}
    assert data["pytest"]["passed"] == 2
    assert data["ruff"]["success"] is True
    assert data["typecheck"]["success"] is True


def test_check_finds_problems_and_tool_errors(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    code, output = _run("check", "pkg", "--json", "--workspace", str(project))
    data = json.loads(output)

    assert data["ruff"]["error_count"] == 3
    assert data["pytest"]["total"] == 0  # no tests under pkg/
    assert code == 1

    code, output, errors = _run_err("check", "missing_dir", "--workspace", str(project))
    assert code == 2
    assert output == ""  # refused before any tool ran
    assert "'missing_dir' does not exist in the workspace" in errors


def test_missing_path_exits_two(fixture_projects: Path) -> None:
    code, output, errors = _run_err(
        "ruff", "nope.py", "--json", "--workspace", str(fixture_projects / "ruff_project")
    )

    assert (code, output) == (2, "")
    assert errors.startswith("error: PATH 'nope.py' does not exist in the workspace")


def test_a_tool_that_cannot_run_is_its_result_and_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "ruff.toml").write_text('[lint]\nselect = ["NOPE999"]\n')  # ruff exits 2
    (tmp_path / "a.py").write_text("x = 1\n")
    code, output, errors = _run_err("ruff", "--workspace", str(tmp_path))

    assert code == 2
    assert output == "ruff: tool error\n"
    [line] = [x for x in errors.splitlines() if x.startswith("error:")]
    assert line.startswith("error: ruff could not run (exit status 2)") and "NOPE999" in line


def test_cwd_is_a_deprecated_name_of_workspace(fixture_projects: Path) -> None:
    project = str(fixture_projects / "ruff_project")
    code, output, errors = _run_err("ruff", "clean.py", "--cwd", project)

    assert code == 0 and "ok" in output
    assert "warning: --cwd is deprecated; use --workspace (-w)" in errors
    code, output, errors = _run_err("ruff", "--cwd", project, "--workspace", project)
    assert code == 2 and errors.startswith("error: give --workspace only")


def test_usage_error_exits_two() -> None:
    code, _ = _run("ruff", "--no-such-flag")
    assert code == 2
    code, _ = _run("pytest", "--timeout", "not-a-number")
    assert code == 2


def test_console_script_help() -> None:
    script = Path(sys.executable).parent / "punie-tools"
    exe = str(script) if script.exists() else shutil.which("punie-tools")
    assert exe is not None, "the punie-tools console script is not installed"
    done = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)

    assert done.returncode == 0
    for command in ("typecheck", "ruff", "pytest", "check"):
        assert command in done.stdout
