"""Overhead of the code-mode sandbox: three typed calls through Monty vs the three raw CLIs.

A throwaway project is generated; then, interleaved in one process, we time
(a) one `run_code` whose script calls `typecheck`, `ruff_check` and `pytest_run` (type-check of
the script, Monty, host round trips, parsing, record) and (b) the very same three command lines
run raw, unconfined, with `subprocess.run`. The typed calls run confined in the OS sandbox
(bubblewrap), as they always do, three ways: `Sandbox`'s default (a confined session per run
that starts a sandbox for a kind of call at its third call, so none here: this script's ty and
ruff calls are one kind, pytest another), a session that starts one at the first call
(`session_start_after=0`), and a sandbox per call (`os_session=False`). Reports medians of ≥5 runs; target: sandbox ≤ 1.10 × raw +
3 × 5 ms.
Run: `python benchmarks/sandbox_overhead.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from punie_tools.backends import LocalBackend
from punie_tools.runners import pytest_command, pytest_env, ruff_command, typecheck_command
from punie_tools.sandbox import Sandbox, SandboxLimits

RATIO = 1.10
SLACK_S = 3 * 0.005  # 5 ms per call, three calls per run
SCRIPT = (
    'ty = typecheck("src")\n'
    'lint = ruff_check("src")\n'
    'tests = pytest_run("tests")\n'
    "print(ty.error_count, lint.error_count, tests.passed, tests.failed)\n"
)


def make_project(root: Path, modules: int = 20) -> None:
    """A small typed package with a few planted problems and passing/failing tests."""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "0"\nrequires-python = ">=3.11"\n\n'
        '[tool.ruff.lint]\nselect = ["E", "F", "I"]\n\n'
        "[tool.pytest.ini_options]\npythonpath = ['src']\n"
    )
    pkg = root / "src" / "benchpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for i in range(modules):
        extra = "import os\n\n\n" if i % 7 == 0 else ""
        bad = f'\n\ndef broken_{i}() -> int:\n    return "x"\n' if i % 9 == 0 else ""
        (pkg / f"mod_{i}.py").write_text(
            f"{extra}def add_{i}(a: int, b: int) -> int:\n    return a + b + {i}\n{bad}"
        )
    tests = root / "tests"
    tests.mkdir()
    for i in range(5):
        (tests / f"test_mod_{i}.py").write_text(
            f"from benchpkg.mod_{i} import add_{i}\n\n\n"
            f"def test_add_{i}() -> None:\n    assert add_{i}(1, 2) == {3 + i}\n\n\n"
            f"def test_other_{i}() -> None:\n    assert add_{i}(0, 0) == {i + (1 if i == 3 else 0)}\n"
        )


def raw_calls(root: Path, report: Path) -> Callable[[], None]:
    """The same three command lines the typed calls run, executed raw."""
    ty = typecheck_command("src")
    ruff = ruff_command("src")
    assert ty is not None and ruff is not None
    pytest = pytest_command("tests", cwd=os.path.abspath(root), report_file=report)
    env = pytest_env()

    def run() -> None:
        subprocess.run(ty, cwd=root, capture_output=True, check=False)
        subprocess.run(ruff, cwd=root, capture_output=True, check=False)
        subprocess.run(pytest, cwd=root, capture_output=True, check=False, env=env)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per side (≥5)")
    args = parser.parse_args()
    runs = max(5, args.runs)
    console = Console(width=120)
    with tempfile.TemporaryDirectory(prefix="punie-bench-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        make_project(root)
        raw = raw_calls(root, Path(tmp) / "report.json")
        backend = LocalBackend(root)
        with (
            Sandbox(SandboxLimits(timeout=30)) as sandbox,
            Sandbox(SandboxLimits(timeout=30), os_session=False) as per_call,
            Sandbox(SandboxLimits(timeout=30), session_start_after=0) as eager,
        ):

            def boxed() -> None:
                record = sandbox.run(SCRIPT, backend)
                assert record.error is None, record.error

            def boxed_eager() -> None:
                record = eager.run(SCRIPT, backend)
                assert record.error is None, record.error

            def boxed_per_call() -> None:
                record = per_call.run(SCRIPT, backend)
                assert record.error is None, record.error

            def empty() -> None:
                sandbox.run("print(1)", backend)

            raw()
            boxed()  # warm-up: worker start, caches
            boxed_per_call()
            boxed_eager()
            times: dict[str, list[float]] = {"raw": [], "session": [], "eager": [], "call": [],
                                             "empty": []}  # fmt: skip
            order = [("raw", raw), ("session", boxed), ("eager", boxed_eager),
                     ("call", boxed_per_call), ("empty", empty)]  # fmt: skip
            for i in range(runs):
                for key, fn in order[i % 5 :] + order[: i % 5]:  # rotate who goes first
                    start = time.perf_counter()
                    fn()
                    times[key].append(time.perf_counter() - start)
            check = sandbox.run(SCRIPT, backend)
    raw_med = statistics.median(times["raw"])
    limit = RATIO * raw_med + SLACK_S
    table = Table(title=f"Sandbox overhead (median of {runs} runs, same process, interleaved)")
    for col in ("what", "median ms", "ratio vs raw", "target"):
        table.add_column(col, justify="right" if col != "what" else "left")
    table.add_row("raw CLIs: ty + ruff + pytest", f"{raw_med * 1000:.1f}", "1.000", "")
    for key, what in (
        (
            "session",
            "sandbox (default): typecheck + ruff_check + pytest_run; a run's session "
            "starts a sandbox at the 3rd call of a kind",
        ),
        ("eager", "sandbox, session_start_after=0: the run's session starts one at the 1st call"),
        ("call", "sandbox, os_session=False: an OS sandbox per call"),
    ):
        med = statistics.median(times[key])
        verdict = "[green]met[/]" if med <= limit else "[red]missed[/]"
        table.add_row(
            what,
            f"{med * 1000:.1f}",
            f"{med / raw_med:.3f}",
            f"≤ {limit * 1000:.1f} ms ({RATIO}× + 3 × 5 ms): {verdict}",
        )
    empty_med = statistics.median(times["empty"])
    table.add_row("sandbox: print(1), no tools", f"{empty_med * 1000:.1f}", "", "")
    console.print(table)
    console.print(
        f"overhead over raw: default {(statistics.median(times['session']) - raw_med) * 1000:+.1f}"
        f" ms, eager session {(statistics.median(times['eager']) - raw_med) * 1000:+.1f} ms, "
        f"a sandbox per call {(statistics.median(times['call']) - raw_med) * 1000:+.1f} ms; "
        f"script printed {check.stdout!r}"
    )
    one, five, _ = os.getloadavg()
    console.print(f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
