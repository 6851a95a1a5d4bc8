"""The build runs pytest without the environment's plugins (`execute.backend`): every project's
tests must report exactly the same either way, passing and failing, so the recorded results are
what a user's default `pytest_run` prints."""

from __future__ import annotations

import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from punie_datagen.build import _ADDRESS
from punie_datagen.execute import backend, materialize, tool_versions
from punie_datagen.workspaces import load_projects
from punie_tools.backends import LocalBackend

PROJECTS = load_projects()


def _states() -> list[tuple[str, str]]:
    """(project, variant or "") for every project: the first variant pytest reveals (a failing
    run), else its clean files; the clean files of three projects (a passing run); and a test
    file that cannot import, in three projects."""
    states = [(name, "") for name in sorted(PROJECTS)[:3]]
    for name in sorted(PROJECTS):
        variants = PROJECTS[name].variants.values()
        failing = [v.name for v in variants if v.reveals == "pytest"]
        if failing or (name, "") not in states:
            states.append((name, failing[0] if failing else ""))
    broken = [
        (name, v.name)
        for name in sorted(PROJECTS)
        for v in PROJECTS[name].variants.values()
        if v.kind == "broken_test_import"
    ]
    return states + broken[:3]


STATES = _states()


def _comparable(result) -> dict:
    """The result without its duration, and with every object's memory address masked (the
    build's own `_ADDRESS`): a traceback's `<... object at 0x7f...>` differs in every run,
    plugins or not, and the build drops any example that would show one."""
    text = json.dumps(result.model_dump(exclude={"duration"}), sort_keys=True)
    return json.loads(_ADDRESS.sub(" at 0x…>", text))


def _both(key: tuple[str, str]) -> tuple[dict, dict]:
    name, variant = key
    files = PROJECTS[name].with_variants((variant,) if variant else ())
    with tempfile.TemporaryDirectory(prefix="punie-plugins-") as tmp:
        root = Path(tmp)
        materialize(files, root)
        with_plugins = LocalBackend(root).pytest_run(".")
        without = backend(root).pytest_run(".")
    return _comparable(with_plugins), _comparable(without)


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], tuple[dict, dict]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(STATES, pool.map(_both, STATES), strict=True))


def test_the_states_cover_passing_failing_and_broken_runs(results) -> None:
    outcomes = {(w["success"], w["error_count"] > 0) for w, _ in results.values()}
    assert {(True, False), (False, False), (False, True)} <= outcomes
    assert len({name for name, _ in results}) == len(PROJECTS)


@pytest.mark.parametrize("key", STATES, ids=[f"{n}-{v or 'clean'}" for n, v in STATES])
def test_pytest_reports_the_same_without_the_environments_plugins(results, key) -> None:
    with_plugins, without = results[key]
    assert with_plugins["tool_error"] is None
    assert without == with_plugins


def test_the_setting_is_part_of_every_cache_key(tmp_path: Path) -> None:
    assert backend(tmp_path).pytest_plugin_autoload is False
    assert "pytest-json-report only" in tool_versions().values()
