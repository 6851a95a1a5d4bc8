"""`punie-tools` keeps the command-line contract (docs/cli-contract.md).

Every case runs the installed `punie-tools` as a real subprocess on real files (NO_COLOR=1,
COLUMNS=80 unless a test says otherwise). A bad input must give exit 2, exactly one line
`error: …` on stderr, no traceback, nothing on stdout, and leave the workspace and everything
around it as it was: punie-tools writes no output file, so the workspace is what it must not
touch.
"""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest

from punie_tools import __version__
from punie_tools.cli_testing import (
    Outcome,
    Snapshot,
    assert_help_readable,
    assert_user_error,
    interrupt_when,
    run_tool,
    tool_command,
)

LONG_NAME = "a_module_whose_name_is_long_enough_to_reach_past_the_middle_of_the_screen.py"


def tools(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Outcome:
    return run_tool("punie-tools", *args, cwd=cwd, env=env)


@pytest.fixture
def area(tmp_path: Path) -> Path:
    """A workspace (one lint finding, one passing test) and things beside it."""
    root = tmp_path / "area"
    ws = root / "ws"
    (ws / "pkg").mkdir(parents=True)
    (ws / "pkg" / "__init__.py").write_text("")
    (ws / "pkg" / "mod.py").write_text(
        "import os\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n"
    )
    (ws / "tests").mkdir()
    (ws / "tests" / "test_mod.py").write_text(
        "from pkg.mod import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
    )
    (ws / "notes.txt").write_text("my notes\n")
    (ws / "escape").symlink_to(root / "outside")
    (root / "outside").mkdir()
    (root / "outside" / "secret.py").write_text("import os\n")
    (root / "a_file").write_text("not a directory\n")
    (root / "binary.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff\xfe not a script")
    (root / "nul.py").write_text('print("a")\x00\n')
    (root / "empty.py").write_text("\n   \n")
    (root / "ok.py").write_text('print(read_file("notes.txt"))\n')
    return root


# (arguments, extra environment, a fragment of the error line); `{a}` is the area, `{w}` the
# workspace.
BAD_INPUTS: dict[str, tuple[list[str], dict[str, str], str]] = {
    "workspace missing": (["ruff", "-w", "{a}/nowhere"], {}, "--workspace {a}/nowhere: no such directory"),
    "workspace is a file": (["typecheck", "-w", "{a}/a_file"], {}, "is not a directory"),
    "path missing": (["ruff", "nope.py", "-w", "{w}"], {}, "'nope.py' does not exist in the workspace"),
    "path escapes with ..": (["typecheck", "../outside", "-w", "{w}"], {}, "is outside the workspace"),
    "absolute path outside": (["check", "{a}/outside/secret.py", "-w", "{w}"], {}, "outside the workspace"),
    "symlink out of the workspace": (["ruff", "escape/secret.py", "-w", "{w}"], {}, "is outside the workspace"),
    "path looks like an option": (["ruff", "-w", "{w}", "--", "-rf"], {}, "component starting with '-'"),
    "node id of a missing file": (["pytest", "tests/nope.py::test_x", "-w", "{w}"], {}, "does not exist"),
    "timeout zero": (["ruff", "-w", "{w}", "--timeout", "0"], {}, "--timeout must be a number of seconds > 0"),
    "timeout nan": (["pytest", "-w", "{w}", "--timeout", "nan"], {}, "(got nan)"),
    "timeout not a number": (["check", "-w", "{w}", "--timeout", "soon"], {}, "invalid value for '--timeout'"),
    "maxfail zero": (["pytest", "-w", "{w}", "--maxfail", "0"], {}, "--maxfail"),
    "python missing": (["pytest", "-w", "{w}", "--python", "{a}/nopython"], {}, "no such interpreter"),
    "env python missing": (["check", "-w", "{w}"], {"PUNIE_PYTEST_PYTHON": "{a}/nopython"}, "$PUNIE_PYTEST_PYTHON"),
    "no OS sandbox": (["ruff", "-w", "{w}"], {"PUNIE_BWRAP": "/bin/false"}, "pass --unconfined"),
    "no OS sandbox for run": (["run", "{a}/ok.py", "-w", "{w}"], {"PUNIE_BWRAP": "/bin/false"}, "--unconfined"),
    "cwd and workspace both": (["ruff", "--cwd", "{w}", "-w", "{w}"], {}, "give --workspace only"),
    "unknown option": (["ruff", "--fix", "-w", "{w}"], {}, "no such option: --fix"),
    "unknown command": (["lint", "{w}"], {}, "no such command"),
    "run: script missing": (["run", "{a}/nope.py", "-w", "{w}"], {}, "no such file"),
    "run: script is a directory": (["run", "{w}", "-w", "{w}"], {}, "is a directory"),
    "run: binary script": (["run", "{a}/binary.py", "-w", "{w}"], {}, "is not UTF-8 text"),
    "run: NUL bytes": (["run", "{a}/nul.py", "-w", "{w}"], {}, "holds NUL bytes"),
    "run: empty script": (["run", "{a}/empty.py", "-w", "{w}"], {}, "is empty (nothing to run)"),
    "run: negative deadline": (["run", "{a}/ok.py", "-w", "{w}", "--deadline", "-1"], {}, "--deadline must be"),
    "run: both interpreter names": (["run", "{a}/ok.py", "-w", "{w}", "--python", "python3", "--pytest-python", "python3"], {}, "give --python only"),
    "run: workspace missing": (["run", "{a}/ok.py", "-w", "{a}/nowhere"], {}, "no such directory"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(case: str, area: Path) -> None:
    args, env, fragment = BAD_INPUTS[case]
    values = {"a": str(area), "w": str(area / "ws")}
    argv = [a.format(**values) for a in args]
    before = Snapshot.take(area)
    outcome = tools(*argv, cwd=area, env={k: v.format(**values) for k, v in env.items()})
    assert_user_error(outcome, before, contains=fragment.format(**values))


def test_a_tool_that_cannot_run_gives_its_result_and_one_error_line(area: Path) -> None:
    ws = area / "ws"
    (ws / "ruff.toml").write_text('[lint]\nselect = ["NOPE999"]\n')  # ruff itself exits 2
    before = Snapshot.take(area)
    for args, stdout_check in (
        ([], lambda out: out == "ruff: tool error\n"),
        (["--json"], lambda out: json.loads(out)["tool_error"].startswith("ruff could not run")),
    ):
        outcome = tools("ruff", "-w", str(ws), *args)
        assert outcome.code == 2, outcome
        assert stdout_check(outcome.stdout), outcome  # the result, on stdout
        errors = [line for line in outcome.stderr_lines if line.startswith("error:")]
        assert len(errors) == 1 and "NOPE999" in errors[0], outcome
        assert "Traceback" not in outcome.stderr
    before.assert_unchanged()


def test_version() -> None:
    outcome = tools("--version")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, f"punie-tools {__version__}\n", "")


def test_bare_command_prints_help_on_stderr_and_exits_2() -> None:
    outcome = tools()
    assert outcome.code == 2 and outcome.stdout == ""
    assert "Usage: punie-tools" in outcome.stderr and "Traceback" not in outcome.stderr


COMMANDS = ["typecheck", "ruff", "pytest", "check", "run", "stubs", "prompt"]


@pytest.mark.parametrize("command", [[], *([c] for c in COMMANDS)])
def test_help_is_readable_at_80_columns(command: list[str]) -> None:
    outcome = tools(*command, "--help")
    assert_help_readable(outcome, defaults=bool(command) and command[0] not in ("stubs", "prompt"))
    text = outcome.stdout
    assert "--cwd" not in text and "<float" not in text
    if command in (["typecheck"], ["ruff"]):
        assert "[default: 60.0]" in text
    if command == ["pytest"]:
        assert "[default: 120.0]" in text
    if command == ["check"]:
        assert "60 for ty and ruff, 120 for pytest" in " ".join(text.split())
    if command == ["run"]:
        for default in ("[default: 10.0]", "[default: 60.0]", "[default: 300.0]"):
            assert default in text
    if command and command[0] in ("typecheck", "ruff", "pytest", "check", "run"):
        assert "-w, --workspace DIR" in text and "--unconfined" in text and "--json" in text
    if not command:
        assert "--version" in text
        for name in COMMANDS:
            assert re.search(rf"^  {name}\s+\S", text, re.M), name


def test_json_on_every_command_that_reports(area: Path) -> None:
    ws = str(area / "ws")
    ruff = tools("ruff", "-w", ws, "--json")
    assert ruff.code == 1, ruff
    [violation] = json.loads(ruff.stdout)["violations"]
    assert (violation["file"], violation["code"]) == ("pkg/mod.py", "F401")

    ty = tools("typecheck", "pkg", "-w", ws, "--json")
    assert ty.code == 0, ty
    assert json.loads(ty.stdout)["error_count"] == 0

    tests = tools("pytest", "tests", "-w", ws, "--json")
    assert tests.code == 0, tests
    assert (json.loads(tests.stdout)["passed"], json.loads(tests.stdout)["total"]) == (1, 1)

    both = tools("check", "-w", ws, "--json")
    assert both.code == 1, both
    data = json.loads(both.stdout)
    assert sorted(data) == ["pytest", "ruff", "typecheck"]
    assert (data["ruff"]["error_count"], data["pytest"]["passed"]) == (1, 1)

    ran = tools("run", str(area / "ok.py"), "-w", ws, "--json")
    assert ran.code == 0, ran
    record = json.loads(ran.stdout)
    assert (record["stdout"], record["error"], record["calls"][0]["name"]) == (
        "my notes\n\n",
        None,
        "read_file",
    )


def test_results_on_stdout_progress_on_stderr(area: Path) -> None:
    ws = area / "ws"
    outcome = tools("ruff", "-w", str(ws))
    assert outcome.code == 1, outcome
    assert outcome.stdout == (
        "ruff: 1 errors, 0 warnings, 1 fixable\n"
        "pkg/mod.py:1:8 F401 error (fixable)\n"
        "    `os` imported but unused\n"
        "problems found\n"
    )  # `punie-tools ruff > f` captures the result and nothing else
    assert outcome.stderr == f"ruff: checking . in {ws}\n"
    script = area / "prints.py"
    script.write_text('print("result")\nread_file("../outside/secret.py")\n')
    ran = tools("run", str(script), "-w", str(ws))
    assert (ran.code, ran.stdout) == (1, "result\n")  # the script raised: exit 1, not 2
    assert ran.stderr_lines[0].startswith("run: ") and "Error (refused, line 2)" in ran.stderr
    assert "\x1b[" not in outcome.stdout + outcome.stderr + ran.stdout + ran.stderr


def test_no_colour_when_not_a_terminal_even_without_no_color(area: Path) -> None:
    outcome = tools("ruff", "-w", str(area / "ws"), env={"NO_COLOR": ""})
    assert outcome.code == 1, outcome
    assert "\x1b[" not in outcome.stdout + outcome.stderr


def _on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    """Everything the tool wrote to a real pseudo-terminal (stdout and stderr both)."""
    leader, follower = pty.openpty()
    full = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full |= {"COLUMNS": "80", "TERM": "xterm-256color"} | env
    proc = subprocess.Popen(
        [*tool_command("punie-tools"), *args], stdin=follower, stdout=follower,
        stderr=follower, env=full, close_fds=True,
    )  # fmt: skip
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the tool closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


def test_no_color_on_a_terminal_means_no_colour_and_no_cursor_control(area: Path) -> None:
    args = ["ruff", "-w", str(area / "ws")]
    plain = _on_a_terminal(args, {"NO_COLOR": "1"})
    assert "pkg/mod.py:1:8 F401 error (fixable)" in plain
    colour = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;)[0-9;]*m")
    assert not colour.search(plain), repr(plain)
    assert "\x1b[?25" not in plain and "\x1b[2K" not in plain, repr(plain)  # no spinner
    # The same on a terminal without NO_COLOR is coloured: the check above can fail.
    assert colour.search(_on_a_terminal(args, {}))


def test_tables_never_cut_a_name(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / LONG_NAME).write_text("import os\n")
    (ws / "short.py").write_text("import sys\n")
    for columns in ("80", "120", "200"):
        outcome = tools("ruff", "-w", str(ws), env={"COLUMNS": columns})
        assert outcome.code == 1, outcome
        lines = outcome.stdout.splitlines()
        assert any(LONG_NAME in line for line in lines), (columns, outcome.stdout)
        assert any("short.py" in line for line in lines), (columns, outcome.stdout)
        if columns == "200":  # wide enough for the table, names whole in their column
            assert "┃ file" in outcome.stdout
        else:
            assert all(len(line) <= int(columns) for line in lines if LONG_NAME not in line)


@pytest.fixture
def slow_ws(tmp_path: Path) -> Path:
    ws = tmp_path / "slow-ws"
    (ws / "tests").mkdir(parents=True)
    (ws / "tests" / "test_slow.py").write_text(
        "import time\n\n\ndef test_slow():\n    time.sleep(120)\n"
    )
    (ws / "script.py").write_text('print(pytest_run("tests").passed)\n')
    return ws


def _processes_naming(text: str) -> list[str]:
    """Command lines of live processes that mention `text` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\x00", b" ").decode()
            except OSError:
                continue
            if text in cmdline:
                found.append(f"{entry.name}: {cmdline}")
    return found


def _interrupt_while_pytest_runs(args: list[str], ready: str, ws: Path) -> Outcome:
    """Like `interrupt_when`, but Ctrl-C (SIGINT to the tool's process, as a terminal sends
    it) only once the slow test is really running in a pytest under `ws`."""
    proc = subprocess.Popen(
        [*tool_command("punie-tools"), *args], stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "80"},
    )  # fmt: skip
    assert proc.stderr is not None
    try:
        first = proc.stderr.readline()
        assert ready in first, first
        deadline = time.monotonic() + 90
        while not [p for p in _processes_naming(str(ws)) if "pytest" in p]:
            assert proc.poll() is None, "the tool finished before pytest started"
            assert time.monotonic() < deadline, "pytest never started"
            time.sleep(0.1)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        stdout, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return Outcome(["punie-tools", *args], proc.returncode, stdout, first + rest)


def test_interrupt_when_ready(slow_ws: Path) -> None:
    """The shared helper's way (SIGINT as soon as the progress line shows) gives 130 too."""
    outcome = interrupt_when(
        "punie-tools", "pytest", "tests", "-w", str(slow_ws), ready="pytest: running", timeout=120
    )
    assert outcome.code == 130, outcome
    assert outcome.stderr_lines[-1].startswith("error: interrupted"), outcome


@pytest.mark.parametrize(
    ("args", "ready"),
    [
        (["pytest", "tests"], "pytest: running"),
        (["check", "tests"], "check: ty, ruff and pytest"),
        (["run", "{ws}/script.py"], "run: "),
    ],
    ids=["pytest", "check", "run"],
)
def test_ctrl_c_is_exit_130_and_stops_every_tool(
    args: list[str], ready: str, slow_ws: Path
) -> None:
    before = Snapshot.take(slow_ws)
    argv = [a.format(ws=slow_ws) for a in args]
    started = time.monotonic()

    outcome = _interrupt_while_pytest_runs([*argv, "-w", str(slow_ws)], ready, slow_ws)
    assert outcome.code == 130, outcome
    assert outcome.stderr_lines[-1].startswith("error: interrupted"), outcome
    assert "Traceback" not in outcome.stderr and outcome.stdout == ""
    assert time.monotonic() - started < 90  # not the test's 120 s sleep
    assert not _processes_naming(str(slow_ws)), "a tool outlived the interrupted command"
    before.assert_unchanged()


def test_debug_shows_the_traceback(area: Path) -> None:
    outcome = tools("ruff", "nope.py", "-w", str(area / "ws"), "--debug")
    assert outcome.code == 2
    assert "Traceback" in outcome.stderr
    assert outcome.stderr_lines[-1].startswith("error: PATH 'nope.py' does not exist")
