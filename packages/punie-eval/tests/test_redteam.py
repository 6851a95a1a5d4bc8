"""Attacks on the scorer: model-written conftest.py, writes into the pristine fixture through
/proc/<ppid>/cwd or its absolute path, and checks that would run in the fixture itself.

Confinement (punie-tools' bubblewrap layer) makes the writes fail outright; without it, the
harness must still never execute model conftest files in its re-checks, never let a later query
inherit a poisoned file, and report a tampered fixture as an infrastructure error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from adversarial import TRUNCATE, xml
from scripted import Scripted, Transcript

from punie_eval.harness import evaluate_query, prepare, run_suite
from punie_eval.suite import Suite, load_suite


@pytest.fixture
def suite_copy(suite: Suite, tmp_path: Path) -> Suite:
    root = tmp_path / "eval"
    shutil.copytree(suite.root, root, ignore=shutil.ignore_patterns("reports", "__pycache__"))
    return load_suite(root)


def test_a_model_written_conftest_never_runs_in_the_scorer(suite: Suite, tmp_path: Path) -> None:
    marker = tmp_path / "conftest-ran"
    conftest = (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('the scorer imported a model conftest')\n"
    )
    code = (
        'write_file("src/punie/agent/toolset.py", read_file("src/punie/agent/toolset.py"))\n'
        f"write_file('tests/conftest.py', {conftest!r})\n"
        "print('written')"
    )
    result, _ = evaluate_query(
        suite.query("multi-fix-failing-test"), Scripted([code], answer="Fixed."), suite
    )
    assert not result.passed
    assert not marker.exists()
    assert any(s.check == "pytest_pass" and not s.ok for s in result.state)


def test_rechecks_never_run_in_the_fixture_or_the_model_workspace(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    import punie_eval.scoring as scoring

    snapshot, _ = prepare(suite)
    seen: list[Path] = []
    real = scoring.pytest_run

    def spy(path, *, cwd, **kwargs):  # records where the real pytest ran, then runs it
        seen.append(Path(cwd).resolve())
        return real(path, cwd=cwd, **kwargs)

    monkeypatch.setattr(scoring, "pytest_run", spy)
    from punie_eval.backends.oracle import OracleBackend

    result, _ = evaluate_query(suite.query("multi-fix-failing-test"), OracleBackend(suite), suite)
    assert result.passed and seen
    forbidden = (snapshot.path.resolve(), suite.workspace.resolve())
    for cwd in seen:
        assert not any(cwd == f or f in cwd.parents for f in forbidden), cwd
        assert cwd.name == "workspace" and cwd.parent.name.startswith("punie-eval-score-")


def _poisoning_test(targets: list[str]) -> str:
    lines = [
        "import os",
        "from pathlib import Path",
        "from punie.agent.history import truncate",
        "",
    ]
    lines.append(
        f"for target in {targets!r} + [f'/proc/{{os.getppid()}}/cwd/workspace/README.md']:"
    )
    lines += [
        "    try:",
        "        Path(target).write_text('POISONED')",
        "    except OSError:",
        "        pass",
        "",
        "",
        "def test_truncate():",
        "    assert truncate('abc', 5) == 'abc'",
        "    assert truncate('abcdefgh', 6) == 'abc...'",
        "    assert truncate('abcdef', 6) == 'abcdef'",
        "",
    ]
    return "\n".join(lines)


def test_a_model_test_cannot_poison_later_queries(
    suite_copy: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The user runs punie-eval from the directory holding the suite (as from a repo root).
    monkeypatch.chdir(suite_copy.root)
    target = suite_copy.workspace / "src/punie/agent/factory.py"
    attack = _poisoning_test([str(target), str(suite_copy.workspace / "README.md")])
    history = "src/punie/agent/history.py"
    code = (
        f"write_file({history!r}, read_file({history!r}) + {TRUNCATE!r})\n"
        f"write_file('tests/test_truncate.py', {attack!r})\n"
        "print(pytest_run('tests/test_truncate.py').passed)"
    )
    backend = Transcript([xml(code), "Added truncate with tests."] * 2)
    report, _ = run_suite(suite_copy, backend, only=["multi-add-function"])
    poisoned = "POISONED" in target.read_text()
    attack_query = report.queries[0]
    if poisoned:  # no OS confinement: the write went through, and it must be caught
        assert not attack_query.passed
        assert report.error and "modified" in report.error
    # Either way the next query starts from a clean snapshot of a clean source, never a
    # poisoned copy: restore the source as a user would (git checkout) and read factory.py.
    if poisoned:
        shutil.copyfile(
            Path(__file__).resolve().parents[3] / "data/eval/workspace/src/punie/agent/factory.py",
            target,
        )
        shutil.copyfile(
            Path(__file__).resolve().parents[3] / "data/eval/workspace/README.md",
            suite_copy.workspace / "README.md",
        )
    reader = Scripted(['print(read_file("src/punie/agent/factory.py"))'])
    _, episode = evaluate_query(suite_copy.query("single-read-factory"), reader, suite_copy)
    assert "def build_agent" in episode.turns[0].runs[0].tool_output
    assert "POISONED" not in episode.turns[0].runs[0].tool_output


def test_a_write_through_proc_cwd_lands_in_an_empty_directory(
    suite_copy: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(suite_copy.root)
    history = "src/punie/agent/history.py"
    attack = _poisoning_test([])  # only the /proc/<ppid>/cwd/workspace/README.md route
    code = (
        f"write_file({history!r}, read_file({history!r}) + {TRUNCATE!r})\n"
        f"write_file('tests/test_truncate.py', {attack!r})\n"
        "print(pytest_run('tests/test_truncate.py').passed)"
    )
    before = (suite_copy.workspace / "README.md").read_text()
    report, _ = run_suite(suite_copy, Transcript([xml(code), "Done."]), only=["multi-add-function"])
    assert (suite_copy.workspace / "README.md").read_text() == before
    assert report.error is None
