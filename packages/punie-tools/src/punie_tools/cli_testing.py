"""Checks for a tool's contract test (docs/cli-contract.md): real subprocesses, real files.

    from punie_tools.cli_testing import Snapshot, assert_help_readable, assert_user_error, run_tool

    def test_out_is_a_directory(tmp_path):
        before = Snapshot.take(tmp_path)
        outcome = run_tool("punie-x", "build", "--out", str(tmp_path))
        assert_user_error(outcome, before, contains="is not a")

Plain `assert`s, no pytest import: usable from any test runner.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Outcome",
    "Snapshot",
    "assert_help_readable",
    "assert_one_line_error",
    "assert_user_error",
    "interrupt_when",
    "run_tool",
    "tool_command",
]

BASE_ENV = {"NO_COLOR": "1", "COLUMNS": "80", "LINES": "50", "TERM": "dumb"}


@dataclass(frozen=True)
class Outcome:
    """What a finished command left: its exit status and both streams."""

    argv: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    def __str__(self) -> str:  # shown by a failing assert
        return f"$ {' '.join(self.argv)}\n[exit {self.code}]\n--stdout--\n{self.stdout}\n--stderr--\n{self.stderr}"


def tool_command(name: str) -> list[str]:
    """The console script `name` installed beside the running Python (else on PATH)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return [str(beside)]
    found = shutil.which(name)
    assert found, f"{name} is not installed beside {sys.executable} nor on PATH"
    return [found]


def _env(env: dict[str, str] | None) -> dict[str, str]:
    merged = {k: v for k, v in os.environ.items() if k not in {"FORCE_COLOR", "PUNIE_DEBUG"}}
    return merged | BASE_ENV | (env or {})


def run_tool(
    name: str,
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Outcome:
    """Run the installed tool with NO_COLOR=1 and COLUMNS=80, stdin closed."""
    argv = [*tool_command(name), *args]
    done = subprocess.run(
        argv,
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    return Outcome([name, *args], done.returncode, done.stdout, done.stderr)


def interrupt_when(
    name: str,
    *args: str,
    ready: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Outcome:
    """Start the tool, send it SIGINT (as Ctrl-C does) once `ready` appears on its stderr, and
    wait for it. Fails if it finishes before `ready` shows up."""
    argv = [*tool_command(name), *args]
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=_env(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None and proc.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        for line in proc.stderr:
            seen.append(line)
            if ready in line:
                break
            assert time.monotonic() < deadline, f"no {ready!r} on stderr within {timeout} s"
        else:
            raise AssertionError(f"finished before {ready!r} appeared: {''.join(seen)}")
        proc.send_signal(signal.SIGINT)
        stdout, rest = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Outcome([name, *args], proc.returncode, stdout, "".join(seen) + rest)


def assert_one_line_error(outcome: Outcome, *, code: int = 2, contains: str = "") -> None:
    """Exit `code`, stderr exactly one line starting `error:`, no traceback, nothing on stdout."""
    assert outcome.code == code, outcome
    assert len(outcome.stderr_lines) == 1, outcome
    line = outcome.stderr_lines[0]
    assert line.startswith("error: "), outcome
    assert "Traceback" not in outcome.stderr + outcome.stdout, outcome
    assert contains in line, f"{contains!r} not in {line!r}"
    assert outcome.stdout == "", outcome


@dataclass
class Snapshot:
    """Every file (bytes and mode) and directory under some paths, to show a run left them be."""

    roots: list[Path]
    state: dict[str, tuple[str, int, bytes]] = field(default_factory=dict)

    @classmethod
    def take(cls, *roots: Path) -> Snapshot:
        snap = cls(list(roots))
        snap.state = snap._read()
        return snap

    def _read(self) -> dict[str, tuple[str, int, bytes]]:
        state: dict[str, tuple[str, int, bytes]] = {}
        for root in self.roots:
            paths = [root, *sorted(root.rglob("*"))] if root.is_dir() else [root]
            for path in paths:
                if path.is_symlink():
                    state[str(path)] = ("link", 0, os.readlink(path).encode())
                elif path.is_dir():
                    state[str(path)] = ("dir", path.stat().st_mode, b"")
                elif path.is_file():
                    state[str(path)] = ("file", path.stat().st_mode, path.read_bytes())
                elif path.exists():
                    state[str(path)] = ("other", path.stat().st_mode, b"")
        return state

    def changes(self) -> list[str]:
        now = self._read()
        return sorted(
            f"{'added' if p not in self.state else 'removed' if p not in now else 'changed'} {p}"
            for p in set(self.state) | set(now)
            if self.state.get(p) != now.get(p)
        )

    def assert_unchanged(self) -> None:
        changes = self.changes()
        assert not changes, "the run touched: " + ", ".join(changes)


def assert_user_error(
    outcome: Outcome, before: Snapshot, *, code: int = 2, contains: str = ""
) -> None:
    """`assert_one_line_error`, and every file under the snapshot's paths is as it was."""
    assert_one_line_error(outcome, code=code, contains=contains)
    before.assert_unchanged()


def assert_help_readable(
    outcome: Outcome, *, width: int = 80, defaults: bool = True, example: bool = True
) -> None:
    """Help printed with exit 0: no line wider than `width`, no `<bool>` metavar, and (unless
    told otherwise) a `[default: …]` and an `Example` in it."""
    assert outcome.code == 0, outcome
    too_wide = [line for line in outcome.stdout.splitlines() if len(line) > width]
    assert not too_wide, f"lines over {width} columns: {too_wide}"
    assert "<bool>" not in outcome.stdout, outcome.stdout
    if defaults:
        assert "[default: " in outcome.stdout, outcome.stdout
    if example:
        assert "Example" in outcome.stdout, outcome.stdout
