"""Shared test setup for punie-tools.

The fixture projects under tests/fixtures/ are inputs for the real ruff, ty and pytest runs;
they hold planted problems and must never be collected by the outer pytest run.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

collect_ignore_glob = ["fixtures/*"]

FIXTURES = Path(__file__).parent / "fixtures"
# Tests using these fixtures run the real tools on the fixture projects (seconds each); they get
# the `real_tools` marker so that `-m "not real_tools"` (mutation testing) can leave them out.
REAL_TOOL_FIXTURES = frozenset({"real_outputs", "fixture_projects", "fresh_project"})


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_tools: runs the real ruff, ty or pytest on the fixture projects"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if REAL_TOOL_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.real_tools)


@pytest.fixture(scope="session")
def fixture_projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared copy of tests/fixtures (treat as read-only): tool runs never touch the sources."""
    root = tmp_path_factory.mktemp("fixture-projects")
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    return root


@pytest.fixture
def fresh_project(tmp_path: Path) -> Callable[[str], Path]:
    """Factory: a private, writable copy of one fixture project (for tests that change files)."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return make


@pytest.fixture(scope="session")
def real_outputs(
    fixture_projects: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """Raw output of the real tools on the fixture projects: seeds for parser and fuzz tests."""
    from punie_tools._subprocess import run_process
    from punie_tools.runners import pytest_command, pytest_env, ruff_command, typecheck_command

    ruff_argv = ruff_command(".")
    ty_argv = typecheck_command(".")
    assert ruff_argv is not None and ty_argv is not None
    ruff_dir = fixture_projects / "ruff_project"
    ty_dir = fixture_projects / "ty_project"
    pytest_dir = fixture_projects / "pytest_project"
    concise = [a if a != "gitlab" else "concise" for a in ty_argv]
    report = tmp_path_factory.mktemp("report") / "report.json"
    pytest_argv = pytest_command(".", cwd=pytest_dir, report_file=report)
    run_process(pytest_argv, cwd=pytest_dir, timeout=120, env=pytest_env())
    return {
        "ruff": run_process(ruff_argv, cwd=ruff_dir, timeout=60).stdout,
        "ty_gitlab": run_process(ty_argv, cwd=ty_dir, timeout=60).stdout,
        "ty_concise": run_process(concise, cwd=ty_dir, timeout=60).stdout,
        "pytest": report.read_text(),
    }
