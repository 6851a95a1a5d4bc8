"""Shared fixtures: the real suite under data/eval (queries, oracle, fixture workspace), and the
interpreter the scorer's pytest runs use."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from scripted import OracleRun

from punie_eval.suite import Suite, load_suite
from punie_tools.runners import PYTEST_PYTHON_ENV

REPO = Path(__file__).resolve().parents[3]
SUITE_DIR = REPO / "data" / "eval"

# The distributions the fixture's tests need: pytest and the JSON report punie-tools reads.
PYTEST_DISTRIBUTIONS = ("pytest", "pytest-json-report")


def _requirements(dist: metadata.Distribution) -> list[str]:
    """Names of the distributions `dist` needs here (extras left out, markers evaluated)."""
    names = []
    for requirement in dist.requires or []:
        spec, _, marker = requirement.partition(";")
        if marker and ("extra" in marker or not Marker(marker).evaluate()):
            continue
        names.append(re.split(r"[\s<>=!~\[(]", spec.strip(), maxsplit=1)[0])
    return names


def project_python(root: Path, wanted: tuple[str, ...] = PYTEST_DISTRIBUTIONS) -> Path:
    """A virtual environment at `root` holding only `wanted` and what they need (linked from this
    environment, no download), as a user's project venv would; its interpreter.

    The test environment also holds hypothesis and anyio, whose pytest plugins load in every
    pytest run that uses this interpreter: a quarter of a second of CPU each, seconds under
    load, for the hundreds of real pytest runs the scorer makes here. Users run punie-eval
    without the test extras (or point `PUNIE_PYTEST_PYTHON` at their project's venv), so the
    scorer's runs here use an interpreter like theirs: the runs stay real (bubblewrap, the
    bootstrap, pytest-json-report), only the unrelated plugins are gone.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = next(root.glob("lib/python*/site-packages"))
    seen: set[str] = set()
    todo = list(wanted)
    while todo:
        dist = metadata.distribution(todo.pop())
        key = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if key in seen:
            continue
        seen.add(key)
        base = Path(str(dist.locate_file("")))
        for top in {Path(str(f)).parts[0] for f in dist.files or []}:
            if top in ("..", "bin", "__pycache__") or top.endswith(".pth"):
                continue
            if (base / top).exists() and not (site / top).exists():
                (site / top).symlink_to(base / top)
        todo += _requirements(dist)
    return root / "bin" / "python"


def pytest_configure(config: pytest.Config) -> None:
    """Point the scorer's pytest runs (and the `punie-eval` subprocesses, which inherit the
    environment) at a project interpreter without this environment's test plugins, unless the
    caller chose one."""
    config.addinivalue_line(
        "markers", "real_tools: runs the real ruff, ty or pytest (left out of mutation testing)"
    )
    if os.environ.get(PYTEST_PYTHON_ENV):
        return
    root = Path(tempfile.mkdtemp(prefix="punie-eval-tests-python-"))
    os.environ[PYTEST_PYTHON_ENV] = str(project_python(root / "venv"))
    config.add_cleanup(lambda: shutil.rmtree(root, ignore_errors=True))


@pytest.fixture(scope="session")
def suite() -> Suite:
    return load_suite(SUITE_DIR)


@pytest.fixture(scope="session")
def oracle_run(suite: Suite) -> OracleRun:
    """The oracle on all 20 queries, once per session (the most expensive run there is), scored
    and inspected by every test that needs it."""
    import punie_eval.scoring as scoring
    from punie_eval.backends.oracle import OracleBackend
    from punie_eval.harness import run_suite

    seen: list[Path] = []
    real = scoring.pytest_run

    def spy(path: str, *, cwd: Path, **kwargs: Any) -> Any:  # records where, then runs it
        seen.append(Path(cwd).resolve())
        return real(path, cwd=cwd, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scoring, "pytest_run", spy)
        report, transcripts = run_suite(suite, OracleBackend(suite))
    return OracleRun(report, transcripts, seen)
