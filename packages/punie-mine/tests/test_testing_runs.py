"""Run-a-test-file and fix-a-failing-test-in-a-copy, with a real interpreter and real pytest.

The fixture repository uses Python 3.14 template strings, which this interpreter cannot run, so
these tests write a small Python 3.11 project of their own and pass `python=sys.executable`
(this environment has pytest and pytest-json-report, as punie-tools requires).
"""

import sys
from pathlib import Path

import pytest

from punie_mine.miner import mine
from punie_mine.sources import resolve_source

CALC = '''"""Tiny arithmetic."""


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def double(x: int) -> int:
    """Twice x."""
    return add(x, x)
'''

TESTS = """from calc.core import add, double


def test_add_small_numbers():
    result = add(2, 3)
    assert result == 5


def test_double():
    value = double(4)
    assert value == 8
"""


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("calcrepo")
    (root / "src" / "calc").mkdir(parents=True)
    (root / "src" / "calc" / "__init__.py").write_text("")
    (root / "src" / "calc" / "core.py").write_text(CALC)
    (root / "tests").mkdir()
    (root / "tests" / "test_core.py").write_text(TESTS)
    (root / "pyproject.toml").write_text(
        '[project]\nname = "calc"\nversion = "0"\n\n[tool.pytest.ini_options]\npythonpath = ["src"]\n'
    )
    resolved = resolve_source(str(root), root.parent / "cache")
    examples, report = mine(resolved, "calc", {"testing": 8}, python=sys.executable)
    return root, examples, report


def _kind(examples, kind):
    return [e for e in examples if e.meta.workspace["kind"] == kind]


def test_run_a_test_file_reports_the_real_result(mined) -> None:
    _, examples, _ = mined
    [run] = _kind(examples, "run-tests")
    assert "passed: 2 failed: 0" in run.messages[3]["content"]
    assert "2 passed, 0 failed, 0 skipped" in run.messages[-1]["content"]


def test_fix_a_failing_test_in_a_copy(mined) -> None:
    root, examples, _ = mined
    [fix] = _kind(examples, "fix-copy")
    tools = [m["content"] for m in fix.messages if m["role"] == "tool"]
    assert "tests/test_core.py:4:def test_add_small_numbers" in tools[0]  # found first
    assert "6     assert result == 5" in tools[1]  # then read: the line it breaks was printed
    assert "passed: 1 failed: 1" in tools[2]  # the broken test really fails in the copy
    assert "test_add_small_numbers" in tools[2]
    assert "passed: 2 failed: 0" in tools[3]  # and passes once restored
    assert "`tests/test_copy_core.py`" in fix.messages[-1]["content"]
    assert (root / "tests" / "test_core.py").read_text() == TESTS  # the source is never touched
    assert not (root / "tests" / "test_copy_core.py").exists()


def test_without_an_interpreter_no_test_is_run(mined, tmp_path: Path) -> None:
    root, _, _ = mined
    examples, _ = mine(resolve_source(str(root), tmp_path), "calc", {"testing": 8})
    kinds = {e.meta.workspace["kind"] for e in examples}
    assert kinds and not kinds & {"run-tests", "fix-copy"}
