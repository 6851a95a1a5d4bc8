"""Overhead of punie-tools' typed calls over the raw CLIs they wrap (target: ≤ 1.10 × raw + 5 ms).

Generates a throwaway project of 60 modules and 20 test files, then times each typed call
(`typecheck`, `ruff_check`, `pytest_run`: confined in the OS sandbox, as they always run) against
the very same command line run raw and unconfined through `subprocess.run`, interleaved in the
same process, and reports the median of ≥5 runs (more for fast tools, up to 41). Each typed call
is timed two ways: as called (outside any block: from a kind's third call, the process's own
confined session serves it, one sandbox kept alive and reset after each call) and with a sandbox
of its own (`confine.per_call()`: what a process's first two calls of a kind, and the
`punie-tools` CLI's single calls, cost), and the session's start cost is printed with the
sandbox's fixed cost.
Run: `python benchmarks/tool_overhead.py [--runs N]`.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

from punie_tools import confine, pytest_run, ruff_check, typecheck
from punie_tools._subprocess import run_confined
from punie_tools.confine import Policy, base_env
from punie_tools.runners import pytest_command, pytest_env, ruff_command, typecheck_command

TARGET = 1.10
SLACK_S = 0.005  # a fixed 5 ms per call is allowed on top of the ratio (sandbox setup)
MAX_RUNS = 41  # cap on runs for fast tools
FAST_BUDGET_S = 3.0  # seconds of raw calls a fast tool may spend to earn extra runs
MODULES = 60
TEST_FILES = 20


def make_project(root: Path) -> None:
    """Write a small but realistic project: typed modules, a few planted problems, tests."""
    (root / "pyproject.toml").write_text(
        '[project]\nname = "bench"\nversion = "0"\nrequires-python = ">=3.11"\n\n'
        '[tool.ruff]\nline-length = 100\n[tool.ruff.lint]\nselect = ["E", "F", "W", "I", "B"]\n\n'
        "[tool.pytest.ini_options]\npythonpath = ['src']\n"
    )
    pkg = root / "src" / "benchpkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Benchmark package."""\n')
    for i in range(MODULES):
        problems = ""
        if i % 10 == 0:
            problems += "import os\n"  # unused import for ruff
        body = [f'"""Module {i}."""\n', problems, "\n"]
        for j in range(8):
            body.append(
                f"\ndef func_{j}(value: int, factor: int = {j + 1}) -> int:\n"
                f'    """Scale value by factor {j}."""\n'
                f"    total = 0\n"
                f"    for step in range(factor):\n"
                f"        total += value * step + {i}\n"
                f"    return total\n\n"
            )
        body.append(
            f"\nclass Thing{i}:\n"
            f"    def __init__(self, name: str) -> None:\n"
            f"        self.name = name\n\n"
            f"    def label(self) -> str:\n"
            f'        return f"{{self.name}}-{i}"\n'
        )
        if i % 15 == 0:
            body.append('\n\ndef wrong() -> int:\n    return "not an int"\n')  # ty error
        (pkg / f"mod_{i:03d}.py").write_text("".join(body))
    tests = root / "tests"
    tests.mkdir()
    for k in range(TEST_FILES):
        lines = [f"from benchpkg.mod_{k:03d} import Thing{k}, func_0, func_1\n\n"]
        for t in range(5):
            lines.append(
                f"\ndef test_case_{t}() -> None:\n"
                f"    assert func_0({t}) == func_0({t})\n"
                f"    assert Thing{k}('x').label() == 'x-{k}'\n"
            )
        if k == 0:
            lines.append("\ndef test_fails() -> None:\n    assert func_1(1) == -1\n")
        (tests / f"test_mod_{k:03d}.py").write_text("".join(lines))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed_per_call(fn: Callable[[], object]) -> float:
    """`timed(fn)` with no confined session at all (`confine.per_call`): a sandbox of its own
    per call, as the first two calls of each kind in a process get."""
    with confine.per_call():
        return timed(fn)


def sandbox_fixed_cost(project: Path, runs: int = 21) -> str:
    """The sandbox's own cost on this machine now: `true` raw, confined with a sandbox per
    call, and in a session (interleaved), and what starting a session's sandbox costs."""
    true = shutil.which("true") or "/bin/true"
    policy = Policy(project, env=base_env())
    raw_t: list[float] = []
    boxed_t: list[float] = []
    session_t: list[float] = []
    start_t: list[float] = []

    def in_session() -> None:
        run_confined([true], policy=policy, timeout=30, cwd=project)

    with confine.session(start_after=0) as current:
        for _ in range(runs):
            raw_t.append(timed(lambda: subprocess.run([true], cwd=project, check=False)))
            boxed_t.append(timed_per_call(in_session))  # the same call, outside the session
            session_t.append(timed(in_session))
        assert current.started == 1, "the session's sandbox was restarted"
    for _ in range(max(5, runs // 3)):
        with confine.session(start_after=0):
            start_t.append(timed(in_session))  # the first call starts the session's sandbox
    raw_ms = statistics.median(raw_t) * 1000
    boxed_ms = statistics.median(boxed_t) * 1000
    session_ms = statistics.median(session_t) * 1000
    start_ms = statistics.median(start_t) * 1000 - session_ms
    return (
        f"fixed cost of the OS sandbox now (`true`, median of {runs}): raw {raw_ms:.1f} ms; "
        f"a sandbox per call {boxed_ms:.1f} ms (+{boxed_ms - raw_ms:.1f} ms per call); in a "
        f"session {session_ms:.1f} ms (+{session_ms - raw_ms:.1f} ms per call); starting a "
        f"session's sandbox +{start_ms:.1f} ms once (median of {len(start_t)})"
    )


def load_line() -> str:
    """The machine's load now: the ratios are only as good as the machine was quiet."""
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per tool (≥5)")
    args = parser.parse_args()
    runs = max(5, args.runs)
    console = Console()

    with tempfile.TemporaryDirectory(prefix="punie-bench-") as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        make_project(project)
        n_files = sum(1 for _ in project.rglob("*.py"))
        report = Path(tmp) / "raw-report.json"
        ruff_argv, ty_argv = ruff_command("."), typecheck_command(".")
        if ruff_argv is None or ty_argv is None:
            raise SystemExit("ruff and ty must be installed (they come with punie-tools)")
        pytest_argv = pytest_command(".", cwd=project, report_file=report)

        def raw(argv: list[str], env: dict[str, str] | None = None) -> Callable[[], object]:
            return lambda: subprocess.run(argv, cwd=project, capture_output=True, env=env)

        cases: list[tuple[str, Callable[[], object], Callable[[], object], str]] = [
            ("ruff", raw(ruff_argv), lambda: ruff_check(".", cwd=project), " ".join(ruff_argv)),
            ("ty", raw(ty_argv), lambda: typecheck(".", cwd=project), " ".join(ty_argv)),
            (
                "pytest",
                raw(pytest_argv, pytest_env()),
                lambda: pytest_run(".", cwd=project),
                " ".join(pytest_argv),
            ),
        ]
        # Sanity: the typed calls really found the planted problems.
        ruff_result = ruff_check(".", cwd=project)
        ty_result = typecheck(".", cwd=project)
        test_result = pytest_run(".", cwd=project)
        console.print(
            f"project: {n_files} Python files · ruff {ruff_result.error_count} violations · "
            f"ty {ty_result.error_count} errors · pytest {test_result.passed} passed, "
            f"{test_result.failed} failed"
        )

        table = Table(
            title=f"typed call vs raw unconfined CLI, median of ≥{runs} interleaved runs: as "
            "called (from a kind's third call in a process: the process's session sandbox), and "
            "with a sandbox of its own (`confine.per_call`; a kind's first two calls)"
        )
        target = f"≤ {TARGET:.2f}× + {SLACK_S * 1000:.0f} ms"
        columns = ("tool", "runs", "raw (ms)", "as called (ms)", "ratio", target,
                   "own sandbox (ms)", "ratio ", f"{target} ")  # fmt: skip
        for column in columns:
            table.add_column(column, justify="right" if column != "tool" else "left")
        process = confine.current_session()  # the process's own session (see confine)
        assert process is not None, "confined calls here get no session: is bwrap working?"
        for name, raw_call, typed_call, _ in cases:
            for _ in range(3):  # warm-up (caches, imports); by the third call a sandbox serves
                typed_call()  # its kind (ruff and ty are one kind: the same sandbox)
            started = process.started
            assert started > 0, "the process's session started no sandbox"
            warm = timed(raw_call)
            # Fast tools get more runs: a 10 ms call is easily disturbed on a shared machine.
            n = max(runs, min(MAX_RUNS, int(FAST_BUDGET_S / max(warm, 1e-3))) | 1)
            times: dict[str, list[float]] = {"raw": [], "call": [], "session": []}

            order = [
                ("raw", functools.partial(timed, raw_call)),
                ("call", functools.partial(timed_per_call, typed_call)),
                ("session", functools.partial(timed, typed_call)),
            ]
            for i in range(n):
                # Rotate which goes first so drift on a shared machine hits all equally.
                for key, fn in order[i % 3 :] + order[: i % 3]:
                    times[key].append(fn())
            assert process.started == started, "the process's sandbox was restarted"
            raw_med = statistics.median(times["raw"])
            row = [name, str(n), f"{raw_med * 1000:.1f}"]
            for key in ("session", "call"):
                med = statistics.median(times[key])
                ok = "[green]yes[/]" if med <= TARGET * raw_med + SLACK_S else "[red]no[/]"
                row += [f"{med * 1000:.1f}", f"{med / raw_med:.3f}", ok]
            table.add_row(*row)
        console.print(table)
        console.print(sandbox_fixed_cost(project))
        console.print(load_line())
        for name, _, _, command in cases:
            console.print(f"{name}: {command}", style="dim", markup=False, highlight=False)


if __name__ == "__main__":
    main()
