"""The runners execute the real ruff, ty and pytest on the fixture projects: exact findings."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from punie_tools import pytest_run, ruff_check, typecheck
from punie_tools._subprocess import find_executable, run_process

# --------------------------------------------------------------------------- ruff


def test_ruff_reports_planted_violations(fixture_projects: Path) -> None:
    result = ruff_check(".", cwd=fixture_projects / "ruff_project")

    assert result.tool_error is None
    assert result.success is False
    found = [(v.file, v.line, v.column, v.code, v.fixable) for v in result.violations]
    assert found == [
        ("pkg/messy.py", 1, 8, "F401", True),  # unused import, safe fix
        ("pkg/messy.py", 6, 101, "E501", False),  # line of 102 characters > 100
        ("pkg/unused_local.py", 2, 5, "F841", False),  # only an unsafe fix exists
    ]
    assert result.error_count == 3
    assert result.warning_count == 0
    assert result.fixable_count == 1
    assert {v.severity for v in result.violations} == {"error"}
    assert result.violations[0].message == "`os` imported but unused"
    assert result.violations[1].message == "Line too long (102 > 100)"


def test_ruff_clean_file_is_success(fixture_projects: Path) -> None:
    result = ruff_check("clean.py", cwd=fixture_projects / "ruff_project")

    assert (result.success, result.error_count, result.violations) == (True, 0, [])
    assert result.tool_error is None


def test_ruff_single_file_paths_stay_relative(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    result = ruff_check("pkg/messy.py", cwd=str(project))

    assert [(v.file, v.code) for v in result.violations] == [
        ("pkg/messy.py", "F401"),
        ("pkg/messy.py", "E501"),
    ]


def test_ruff_config_error_is_tool_error(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("ruff_project")
    (project / "ruff.toml").write_text('[lint]\nselect = ["NOPE123"]\n')

    result = ruff_check(".", cwd=project)

    assert result.success is False
    assert result.tool_error is not None
    assert "exit status 2" in result.tool_error
    assert "NOPE123" in result.tool_error


def test_ruff_missing_path_is_tool_error(fixture_projects: Path) -> None:
    result = ruff_check("no_such_dir", cwd=fixture_projects / "ruff_project")

    assert result.success is False
    assert result.tool_error == "cannot run ruff: 'no_such_dir' does not exist in the workspace"
    assert str(fixture_projects) not in result.tool_error  # no host path


def test_ruff_missing_cwd_is_tool_error(tmp_path: Path) -> None:
    result = ruff_check(".", cwd=tmp_path / "absent")

    assert result.success is False
    assert result.tool_error is not None
    assert "does not exist" in result.tool_error


# --------------------------------------------------------------------------- ty


def test_ty_reports_planted_type_errors(fixture_projects: Path) -> None:
    result = typecheck(".", cwd=fixture_projects / "ty_project")

    assert result.tool_error is None
    assert result.success is False
    found = [(e.file, e.line, e.column, e.severity, e.code) for e in result.errors]
    assert found == [
        ("broken.py", 5, 12, "error", "invalid-explicit-return"),
        ("broken.py", 8, 14, "error", "invalid-assignment"),
        ("broken.py", 10, 15, "error", "invalid-argument-type"),
        ("warn_only.py", 7, 12, "warning", "redundant-cast"),
    ]
    assert (result.error_count, result.warning_count) == (3, 1)
    assert (
        result.errors[1].message == 'Object of type `Literal["three"]` is not assignable to `int`'
    )


def test_ty_warnings_alone_are_success(fixture_projects: Path) -> None:
    result = typecheck("warn_only.py", cwd=fixture_projects / "ty_project")

    assert result.tool_error is None
    assert result.success is True
    assert (result.error_count, result.warning_count) == (0, 1)
    assert result.errors[0].message == "Value is already of type `int`"


def test_ty_clean_file(fixture_projects: Path) -> None:
    result = typecheck("typed.py", cwd=fixture_projects / "ty_project")

    assert (result.success, result.error_count, result.warning_count, result.errors) == (
        True,
        0,
        0,
        [],
    )


def test_ty_bad_configuration_is_tool_error(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("ty_project")
    (project / "pyproject.toml").write_text('[tool.ty.rules]\nnot-a-real-rule = "error"\n[tool.ty')

    result = typecheck(".", cwd=project)

    assert result.success is False
    assert result.tool_error is not None
    assert "exit status 2" in result.tool_error


def test_ty_missing_path_is_tool_error(fixture_projects: Path) -> None:
    result = typecheck("gone.py", cwd=fixture_projects / "ty_project")

    assert result.success is False
    assert result.tool_error is not None
    assert "'gone.py' does not exist" in result.tool_error


# --------------------------------------------------------------------------- pytest


def test_pytest_reports_every_planted_problem(fixture_projects: Path) -> None:
    result = pytest_run(".", cwd=fixture_projects / "pytest_project")

    assert result.tool_error is None
    assert result.success is False
    assert (result.passed, result.failed, result.skipped, result.error_count, result.total) == (
        2,
        1,
        1,
        2,
        5,
    )
    by_id = {f.test_id: f for f in result.failures}
    assert list(by_id) == [
        "tests/test_problems.py::test_add_wrong",
        "tests/test_problems.py::test_uses_broken_fixture",
        "tests/test_broken_import.py",
    ]
    wrong = by_id["tests/test_problems.py::test_add_wrong"]
    assert wrong.message.splitlines()[0] == "assert 2 == 3"
    assert wrong.traceback is not None
    assert "tests/test_problems.py:11: AssertionError" in wrong.traceback
    fixture_error = by_id["tests/test_problems.py::test_uses_broken_fixture"]
    assert fixture_error.message == "RuntimeError: planted fixture error"
    broken_import = by_id["tests/test_broken_import.py"]
    assert broken_import.message == (
        "ModuleNotFoundError: No module named 'module_that_does_not_exist'"
    )
    assert result.duration > 0


def test_pytest_passing_file_is_success(fixture_projects: Path) -> None:
    result = pytest_run("tests/test_ok.py", cwd=fixture_projects / "pytest_project")

    assert result.tool_error is None
    assert (result.success, result.passed, result.failed, result.total) == (True, 2, 0, 2)
    assert result.failures == []


def test_pytest_import_error_alone_is_not_success(fixture_projects: Path) -> None:
    result = pytest_run("tests/test_broken_import.py", cwd=fixture_projects / "pytest_project")

    assert result.tool_error is None
    assert result.success is False
    assert (result.total, result.error_count) == (0, 1)
    assert [f.test_id for f in result.failures] == ["tests/test_broken_import.py"]


def test_pytest_no_tests_collected(fixture_projects: Path) -> None:
    result = pytest_run("src", cwd=fixture_projects / "pytest_project")

    assert result.tool_error is None
    assert result.success is False  # nothing ran, so nothing was shown to work
    assert (result.total, result.passed, result.failures) == (0, 0, [])


def test_pytest_without_plugin_autoload_loads_only_the_report_plugin(
    fresh_project: Callable[[str], Path],
) -> None:
    # pytest-metadata (a dependency of pytest-json-report) provides the `metadata` fixture: it
    # is there when the environment's plugins load, and missing when only the report's does.
    project = fresh_project("pytest_project")
    (project / "tests" / "test_plugin.py").write_text(
        "def test_uses_a_plugin_fixture(metadata):\n    assert isinstance(metadata, dict)\n"
    )
    target = "tests/test_plugin.py"

    loaded = pytest_run(target, cwd=project)
    alone = pytest_run(target, cwd=project, plugin_autoload=False)

    assert loaded.tool_error is None and (loaded.success, loaded.passed) == (True, 1)
    assert alone.tool_error is None and (alone.success, alone.error_count) == (False, 1)
    assert "fixture 'metadata' not found" in alone.failures[0].message
    same = pytest_run("tests/test_ok.py", cwd=project, plugin_autoload=False)
    assert (same.success, same.passed) == (True, 2)  # the report plugin itself still loads


def test_a_workspace_module_cannot_stand_in_for_the_report_plugin(
    fresh_project: Callable[[str], Path],
) -> None:
    # Without autoload the report plugin is named by its module (`-p pytest_jsonreport.plugin`):
    # a workspace package of that name must not be the one imported (it could forge a report).
    project = fresh_project("pytest_project")
    forged = project / "pytest_jsonreport"
    forged.mkdir()
    payload = "open('shadowed.txt', 'w').write('ran')\n"
    (forged / "__init__.py").write_text(payload)
    (forged / "plugin.py").write_text(payload)

    result = pytest_run("tests/test_ok.py", cwd=project, plugin_autoload=False)

    assert result.tool_error is None and (result.success, result.passed) == (True, 2)
    assert not (project / "shadowed.txt").exists()


def test_pytest_usage_error_is_tool_error(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("pytest_project")
    (project / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\naddopts = "--definitely-not-an-option"\n'
    )

    result = pytest_run(".", cwd=project)

    assert result.success is False
    assert result.tool_error is not None
    assert "--definitely-not-an-option" in result.tool_error


def test_pytest_timeout_kills_the_whole_process_group(
    fresh_project: Callable[[str], Path],
) -> None:
    project = fresh_project("pytest_project")
    marker = f"punie-grandchild-{os.getpid()}-{time.monotonic_ns()}"
    (project / "tests" / "test_slow.py").write_text(
        "import subprocess, sys, time\n"
        "def test_slow():\n"
        f"    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)  # {marker}'],\n"
        "                     start_new_session=True)\n"
        "    time.sleep(120)\n"
    )

    started = time.monotonic()
    result = pytest_run("tests/test_slow.py", cwd=project, timeout=20.0)
    elapsed = time.monotonic() - started

    assert result.success is False
    assert result.tool_error == (
        "pytest timed out after 20 s and was stopped while running tests/test_slow.py::test_slow"
    )
    assert [f.test_id for f in result.failures] == ["tests/test_slow.py::test_slow"]
    assert elapsed < 40
    assert _gone_by_marker(marker), "the grandchild (its own session) survived the timeout"


def _gone_by_marker(marker: str, wait: float = 10.0) -> bool:
    """True once no process of this host has `marker` in its command line (pids inside the
    sandbox are another namespace's, so the test looks for the command line instead)."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if marker.encode() in (entry / "cmdline").read_bytes():
                        alive.append(entry.name)
                except OSError:
                    pass
        if not alive:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)


# --------------------------------------------------------------------------- all three


def test_runners_leave_no_files_in_the_workspace(fresh_project: Callable[[str], Path]) -> None:
    projects = {name: fresh_project(name) for name in ("ruff_project", "ty_project")}
    projects["pytest_project"] = fresh_project("pytest_project")

    def snapshot() -> set[str]:
        return {
            str(p.relative_to(root.parent)) for root in projects.values() for p in root.rglob("*")
        }

    before = snapshot()
    assert ruff_check(".", cwd=projects["ruff_project"]).tool_error is None
    assert typecheck(".", cwd=projects["ty_project"]).tool_error is None
    assert pytest_run(".", cwd=projects["pytest_project"]).tool_error is None
    assert snapshot() == before


def test_relative_cwd_works(fixture_projects: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(fixture_projects)
    ruff = ruff_check("pkg", cwd="ruff_project")
    tests = pytest_run("tests/test_ok.py", cwd="pytest_project")

    assert [v.file for v in ruff.violations] == [
        "pkg/messy.py",
        "pkg/messy.py",
        "pkg/unused_local.py",
    ]
    assert (tests.success, tests.passed) == (True, 2)


def test_tools_are_found_next_to_this_python() -> None:
    scripts = Path(sys.executable).parent
    for tool in ("ruff", "ty"):
        found = find_executable(tool)
        assert found is not None
        assert os.access(found, os.X_OK)
        assert Path(found).name == tool
        if (scripts / tool).exists():  # installed in this environment: that copy wins over PATH
            assert os.path.samefile(found, scripts / tool)


def test_run_process_reports_launch_failure(tmp_path: Path) -> None:
    outcome = run_process([str(tmp_path / "no-such-binary")], cwd=tmp_path, timeout=5)

    assert outcome.finished is False
    assert outcome.launch_error is not None
    assert "no-such-binary" in outcome.launch_error


def test_pytest_failure_text_is_the_same_on_every_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pytest lists differing dict items in set order; a fixed hash seed makes that repeatable."""
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_totals.py").write_text(
        "def test_totals():\n"
        "    got = {'north': '5', 'south': '1', 'east': '2', 'west': '7'}\n"
        "    assert got == {'north': 5, 'south': 1, 'east': 2, 'west': 7}\n"
    )
    messages = {pytest_run("tests", cwd=tmp_path).failures[0].message for _ in range(4)}
    assert len(messages) == 1, messages


# --------------------------------------------------------------------------- paths and pytest options


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/etc/hostname", "absolute path given is outside the workspace"),
        ("../../other/src", "outside the workspace"),
        ("-rf", "starting with '-'"),
        ("src/--co", "starting with '-'"),
        ("link_out", "outside the workspace"),
    ],
)
def test_runners_refuse_paths_outside_cwd(
    fresh_project: Callable[[str], Path], tmp_path: Path, path: str, needle: str
) -> None:
    project = fresh_project("pytest_project")
    (tmp_path / "elsewhere").mkdir()
    (project / "link_out").symlink_to(tmp_path / "elsewhere")
    for run in (typecheck, ruff_check, pytest_run):
        result = run(path, cwd=project)
        assert result.success is False
        assert result.tool_error is not None and needle in result.tool_error, result.tool_error
        assert str(tmp_path) not in result.tool_error


def test_absolute_paths_inside_cwd_are_accepted(fixture_projects: Path) -> None:
    project = fixture_projects / "ruff_project"
    result = ruff_check(str(project / "pkg" / "messy.py"), cwd=project)
    assert [(v.file, v.code) for v in result.violations] == [
        ("pkg/messy.py", "F401"),
        ("pkg/messy.py", "E501"),
    ]


def test_pytest_node_id_runs_one_test(fixture_projects: Path) -> None:
    result = pytest_run(
        "tests/test_problems.py::test_add_wrong", cwd=fixture_projects / "pytest_project"
    )
    assert result.tool_error is None
    assert (result.total, result.failed) == (1, 1)
    assert [f.test_id for f in result.failures] == ["tests/test_problems.py::test_add_wrong"]


def test_pytest_options_go_through_the_allow_list(fixture_projects: Path) -> None:
    project = fixture_projects / "pytest_project"
    picked = pytest_run("tests", cwd=project, options=["-k", "add_wrong or test_ok"])
    assert picked.tool_error is None
    assert {f.test_id for f in picked.failures} == {
        "tests/test_problems.py::test_add_wrong",
        "tests/test_broken_import.py",
    }
    first = pytest_run("tests/test_problems.py", cwd=project, options=["-x"])
    assert first.failed + first.errors == 1
    for bad in (["-p", "no:json_report"], ["--rootdir=/"], ["--junit=x.xml"], ["tests"],
                ["--ignore=/etc"], "-x"):  # fmt: skip
        refused = pytest_run("tests", cwd=project, options=bad)  # ty: ignore[invalid-argument-type]
        assert refused.tool_error is not None and refused.total == 0, bad


@pytest.mark.parametrize("timeout", [0, -1, float("nan")])
def test_timeout_must_be_positive(fixture_projects: Path, timeout: float) -> None:
    for run in (typecheck, ruff_check, pytest_run):
        with pytest.raises(ValueError, match="timeout"):
            run(".", cwd=fixture_projects / "pytest_project", timeout=timeout)


def test_pytest_failure_texts_hold_no_host_path(fresh_project: Callable[[str], Path]) -> None:
    project = fresh_project("pytest_project")
    (project / "tests" / "test_where.py").write_text(
        "import os\n\ndef test_where():\n    assert False, os.getcwd() + ' ' + __file__\n"
    )
    result = pytest_run("tests/test_where.py", cwd=project)
    assert result.failures[0].message.splitlines()[0] == "AssertionError: . tests/test_where.py"
    assert str(project) not in result.model_dump_json()
