"""Parsers on outputs recorded from the real ruff, ty and pytest (tests/fixtures/recorded/).

The recordings are what punie-tools' own command lines print on small projects: the fixture
projects plus the ones below (a syntax error, non-ASCII names, xfail/xpass, a deselected test, no
tests at all). The workspace path is stored as `{root}`, so each test places the output wherever
it likes. `test_recordings_match_the_real_tools` re-runs the tools and fails when a recording
has gone stale; to refresh them run it with PUNIE_RECORD=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from punie_tools import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.runners import pytest_command, pytest_env, ruff_command, typecheck_command

HERE = Path(__file__).parent
RECORDED = HERE / "fixtures" / "recorded"
ROOT = "{root}"
STDLIB = "{stdlib}"

# Small projects made for the recordings, beside the fixture projects under tests/fixtures/.
PROJECTS: dict[str, dict[str, str]] = {
    "ruff_more": {
        "ruff.toml": 'line-length = 100\ntarget-version = "py311"\n[lint]\nselect = ["E", "F"]\n',
        "broken.py": "def f(:\n    pass\n",
        "unicode.py": "import os as café\n",
        "unsafe.py": "def g():\n    naïve = 1\n",
    },
    "ty_clean": {
        "pyproject.toml": '[project]\nname = "clean"\nversion = "0"\nrequires-python = ">=3.11"\n',
        "ok.py": "def double(x: int) -> int:\n    return 2 * x\n",
    },
    "pytest_outcomes": {
        "pyproject.toml": '[project]\nname = "outcomes"\nversion = "0"\n',
        "tests/test_outcomes.py": (
            "import pytest\n\n\n"
            "def test_passes():\n    assert True\n\n\n"
            "def test_left_out():\n    assert True\n\n\n"
            "@pytest.mark.xfail(reason='known bug')\n"
            "def test_expected_failure():\n    assert 1 == 2\n\n\n"
            "@pytest.mark.xfail(reason='fixed since')\n"
            "def test_unexpected_pass():\n    assert True\n"
        ),
    },
    "pytest_none": {
        "pyproject.toml": '[project]\nname = "none"\nversion = "0"\n',
        "tests/test_nothing.py": "# no tests yet\n",
    },
}


def _copy_projects(root: Path) -> None:
    shutil.copytree(HERE / "fixtures", root, dirs_exist_ok=True, ignore=_ignore_recorded)
    for name, files in PROJECTS.items():
        for rel, text in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")


def _ignore_recorded(folder: str, names: list[str]) -> list[str]:
    return ["recorded"] if Path(folder) == HERE / "fixtures" else []


def _run(argv: list[str] | None, cwd: Path, env: dict[str, str] | None = None) -> str:
    assert argv is not None, "the tool is not installed"
    done = subprocess.run(argv, cwd=cwd, capture_output=True, env=env, timeout=120, check=False)
    return done.stdout.decode("utf-8")


def _pytest_report(project: Path, extra: tuple[str, ...] = ()) -> str:
    report = project.parent / f"{project.name}-report.json"
    argv = [*pytest_command(".", cwd=project, report_file=report), *extra]
    subprocess.run(argv, cwd=project, capture_output=True, env=pytest_env(), timeout=120)
    return report.read_text(encoding="utf-8")


def record(root: Path) -> dict[str, str]:
    """Run the real tools, as punie-tools' runners call them, on every recorded project."""
    _copy_projects(root)
    ty = typecheck_command(".")
    assert ty is not None
    concise = [a if a != "gitlab" else "concise" for a in ty]
    raw = {
        "ruff.json": _run(ruff_command("."), root / "ruff_project"),
        "ruff_more.json": _run(ruff_command("."), root / "ruff_more"),
        "ty.json": _run(ty, root / "ty_project"),
        "ty.txt": _run(concise, root / "ty_project"),
        "ty_clean.json": _run(ty, root / "ty_clean"),
        "ty_clean.txt": _run(concise, root / "ty_clean"),
        "pytest.json": _pytest_report(root / "pytest_project"),
        "pytest_outcomes.json": _pytest_report(root / "pytest_outcomes", ("-k", "not left_out")),
        "pytest_none.json": _pytest_report(root / "pytest_none"),
    }
    stdlib = sysconfig.get_paths()["stdlib"]
    return {
        name: text.replace(str(root), ROOT).replace(stdlib, STDLIB) for name, text in raw.items()
    }


def recorded(name: str, root: str | Path = "/home/dev/work") -> str:
    """One recording with the workspace placed at `root`."""
    text = (RECORDED / name).read_text(encoding="utf-8")
    return text.replace(ROOT, str(root)).replace(STDLIB, sysconfig.get_paths()["stdlib"])


@pytest.mark.real_tools
@pytest.mark.skipif(sys.platform == "win32", reason="paths in the recordings are POSIX")
def test_recordings_match_the_real_tools(tmp_path: Path) -> None:
    root = tmp_path / "projects"
    live = record(root)
    if os.environ.get("PUNIE_RECORD") == "1":
        RECORDED.mkdir(exist_ok=True)
        for name, text in live.items():
            (RECORDED / name).write_text(text, encoding="utf-8")
    assert sorted(live) == sorted(p.name for p in RECORDED.iterdir())
    for name, text in live.items():
        live_text = text.replace(ROOT, str(root)).replace(STDLIB, sysconfig.get_paths()["stdlib"])
        fresh = _parse(name, live_text, root)
        kept = _parse(name, recorded(name, root), root)
        assert fresh == kept, f"{name} is stale: rerun with PUNIE_RECORD=1"


def _parse(name: str, text: str, root: Path) -> object:
    if name.startswith("ruff"):
        return parse_ruff_output(text, cwd=root)
    if name.startswith("ty"):
        return parse_ty_output(text, cwd=root)
    return parse_pytest_output(text).model_copy(update={"duration": 0.0})


# --------------------------------------------------------------------------- ruff


def test_ruff_recording_as_bytes_and_text() -> None:
    text = recorded("ruff.json")
    as_bytes = parse_ruff_output(text.encode("utf-8"), cwd="/home/dev/work/ruff_project")

    assert as_bytes == parse_ruff_output(text, cwd="/home/dev/work/ruff_project")
    assert as_bytes.tool_error is None
    assert [
        (v.file, v.line, v.column, v.code, v.severity, v.fixable) for v in as_bytes.violations
    ] == [
        ("pkg/messy.py", 1, 8, "F401", "error", True),
        ("pkg/messy.py", 6, 101, "E501", "error", False),
        ("pkg/unused_local.py", 2, 5, "F841", "error", False),
    ]
    assert (as_bytes.success, as_bytes.error_count, as_bytes.warning_count) == (False, 3, 0)
    assert as_bytes.fixable_count == 1
    assert as_bytes.violations[0].message == "`os` imported but unused"


def test_ruff_recording_with_syntax_errors_and_unicode() -> None:
    text = recorded("ruff_more.json", "/home/dev")
    result = parse_ruff_output(memoryview(text.encode("utf-8")), cwd="/home/dev/ruff_more")

    assert result.tool_error is None
    assert [(v.file, v.line, v.code, v.fixable) for v in result.violations] == [
        ("broken.py", 1, "invalid-syntax", False),
        ("broken.py", 1, "invalid-syntax", False),
        ("unicode.py", 1, "F401", True),
        ("unsafe.py", 2, "F841", False),
    ]
    # The bytes held UTF-8 beyond ASCII, and they decoded as such.
    assert result.violations[3].message == "Local variable `naïve` is assigned to but never used"
    assert (result.error_count, result.warning_count, result.fixable_count) == (4, 0, 1)


def test_ruff_recording_outside_cwd_keeps_absolute_paths() -> None:
    result = parse_ruff_output(recorded("ruff.json", "/srv/x"), cwd="/srv/y")

    assert [v.file for v in result.violations] == [
        "/srv/x/ruff_project/pkg/messy.py",
        "/srv/x/ruff_project/pkg/messy.py",
        "/srv/x/ruff_project/pkg/unused_local.py",
    ]


# --------------------------------------------------------------------------- ty


def test_ty_recordings_agree_and_read_as_bytes() -> None:
    gitlab = parse_ty_output(recorded("ty.json").encode("utf-8"))
    concise = parse_ty_output(recorded("ty.txt").encode("utf-8"))

    assert gitlab.tool_error is None
    assert gitlab == concise
    assert [(e.file, e.line, e.column, e.severity, e.code) for e in gitlab.errors] == [
        ("broken.py", 5, 12, "error", "invalid-explicit-return"),
        ("broken.py", 8, 14, "error", "invalid-assignment"),
        ("broken.py", 10, 15, "error", "invalid-argument-type"),
        ("warn_only.py", 7, 12, "warning", "redundant-cast"),
    ]
    assert (gitlab.success, gitlab.error_count, gitlab.warning_count) == (False, 3, 1)
    assert gitlab.errors[3].message == "Value is already of type `int`"  # check name cut off


def test_ty_clean_recordings() -> None:
    for name in ("ty_clean.json", "ty_clean.txt"):
        result = parse_ty_output(recorded(name).encode("utf-8"))
        assert (result.success, result.error_count, result.warning_count) == (True, 0, 0), name
        assert (result.errors, result.tool_error) == ([], None), name


# --------------------------------------------------------------------------- pytest


def test_pytest_recording_failures_carry_their_tracebacks() -> None:
    result = parse_pytest_output(recorded("pytest.json").encode("utf-8"))

    assert result.tool_error is None
    assert (result.passed, result.failed, result.skipped, result.error_count, result.total) == (
        2,
        1,
        1,
        2,
        5,
    )
    assert result.success is False
    assert result.duration > 0
    by_id = {f.test_id: f for f in result.failures}
    assert list(by_id) == [
        "tests/test_problems.py::test_add_wrong",
        "tests/test_problems.py::test_uses_broken_fixture",
        "tests/test_broken_import.py",
    ]
    wrong = by_id["tests/test_problems.py::test_add_wrong"]
    assert wrong.message == "assert 2 == 3\n +  where 2 = add(1, 1)"  # the crash message
    assert wrong.traceback is not None and "def test_add_wrong" in wrong.traceback
    fixture = by_id["tests/test_problems.py::test_uses_broken_fixture"]
    assert fixture.message == "RuntimeError: planted fixture error"
    assert fixture.traceback is not None and "def broken_resource" in fixture.traceback
    collection = by_id["tests/test_broken_import.py"]
    assert collection.message == (
        "ModuleNotFoundError: No module named 'module_that_does_not_exist'"
    )
    assert collection.traceback is not None
    assert collection.traceback.startswith("ImportError while importing test module")


def test_pytest_recording_of_expected_outcomes() -> None:
    result = parse_pytest_output(recorded("pytest_outcomes.json"))

    # xpassed counts as passed, xfailed as skipped; the deselected test is not in the report.
    assert (result.passed, result.skipped, result.failed, result.total) == (2, 1, 0, 3)
    assert (result.success, result.error_count, result.failures) == (True, 0, [])


def test_pytest_recording_without_tests() -> None:
    result = parse_pytest_output(recorded("pytest_none.json"))

    assert (result.success, result.total, result.error_count, result.tool_error) == (
        False,
        0,
        0,
        None,
    )
