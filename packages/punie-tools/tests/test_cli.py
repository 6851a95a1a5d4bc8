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
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_ruff_json_matches_the_runner(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    code, output = _run("ruff", ".", "--json", "--cwd", str(project))

    assert code == 1
    assert json.loads(output) == ruff_check(".", cwd=project).model_dump(mode="json")


def test_ruff_table(fixture_projects: Path) -> None:
    code, output = _run("ruff", "pkg/messy.py", "--cwd", str(fixture_projects / "ruff_project"))

    assert code == 1
    assert "ruff: 2 errors, 0 warnings, 1 fixable" in output
    assert "F401" in output
    assert "E501" in output
    assert "F841" not in output


def test_ruff_clean_exits_zero(fixture_projects: Path) -> None:
    code, output = _run("ruff", "clean.py", "--cwd", str(fixture_projects / "ruff_project"))

    assert code == 0
    assert "ok" in output


def test_typecheck_json_and_exit_codes(fixture_projects: Path) -> None:
    project = fixture_projects / "ty_project"
    code, output = _run("typecheck", ".", "--json", "--cwd", str(project))
    assert code == 1
    assert json.loads(output) == typecheck(".", cwd=project).model_dump(mode="json")

    code, output = _run("typecheck", "warn_only.py", "--json", "--cwd", str(project))
    assert code == 0  # warnings alone are a success
    assert json.loads(output)["warning_count"] == 1


def test_typecheck_table(fixture_projects: Path) -> None:
    code, output = _run("typecheck", "--cwd", str(fixture_projects / "ty_project"))

    assert code == 1
    assert "ty: 3 errors, 1 warnings" in output
    assert "invalid-assignment" in output


def test_pytest_json_and_table(fixture_projects: Path) -> None:
    project = fixture_projects / "pytest_project"
    code, output = _run("pytest", ".", "--json", "--cwd", str(project))
    data = json.loads(output)

    assert code == 1
    expected = pytest_run(".", cwd=project).model_dump(mode="json")
    data.pop("duration")
    expected.pop("duration")
    assert data == expected

    code, output = _run("pytest", "tests/test_ok.py", "--cwd", str(project))
    assert code == 0
    assert "pytest: 2 passed, 0 failed, 0 skipped, 0 errors of 2 tests" in output


def test_pytest_timeout_exits_two(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("pytest_project")
    (project / "tests" / "test_slow.py").write_text(
        "import time\n\ndef test_slow():\n    time.sleep(60)\n"
    )

    code, output = _run(
        "pytest", "tests/test_slow.py", "--timeout", "20", "--json", "--cwd", str(project)
    )

    assert code == 2
    assert json.loads(output)["tool_error"] == (
        "pytest timed out after 20 s and was stopped while running tests/test_slow.py::test_slow"
    )


def test_check_runs_all_three(fixture_projects: Path) -> None:
    project = fixture_projects / "pytest_project"
    code, output = _run("check", "tests/test_ok.py", "--json", "--cwd", str(project))
    data = json.loads(output)

    assert code == 0
    assert set(data) == {"typecheck", "ruff", "pytest"}
    assert data["pytest"]["passed"] == 2
    assert data["ruff"]["success"] is True
    assert data["typecheck"]["success"] is True


def test_check_finds_problems_and_tool_errors(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    code, output = _run("check", "pkg", "--json", "--cwd", str(project))
    data = json.loads(output)

    assert data["ruff"]["error_count"] == 3
    assert data["pytest"]["total"] == 0  # no tests under pkg/
    assert code == 1

    code, output = _run("check", "missing_dir", "--cwd", str(project))
    assert code == 2
    assert "does not exist" in output


def test_missing_path_exits_two(fixture_projects: Path) -> None:
    code, output = _run("ruff", "nope.py", "--cwd", str(fixture_projects / "ruff_project"))

    assert code == 2
    assert "tool error" in output
    assert "'nope.py' does not exist" in output


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
