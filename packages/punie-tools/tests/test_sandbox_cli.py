"""`punie-tools run`, `stubs` and `prompt`, through typer's runner and the real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sandbox_fixtures import materialise
from typer.testing import CliRunner

from punie_tools.cli import app
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.stubs import STUBS

runner = CliRunner()


def _script(tmp_path: Path, code: str) -> Path:
    path = tmp_path / "script.py"
    path.write_text(code)
    return path


def test_run_prints_stdout_and_exits_0(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    script = _script(tmp_path, 'r = ruff_check(".")\nprint(r.error_count, r.violations[0].code)\n')
    result = runner.invoke(app, ["run", str(script), "--workspace", str(ws)])
    assert result.exit_code == 0, result.output
    assert result.stdout == "1 F401\n"


def test_run_json_record(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    script = _script(tmp_path, 'print(read_file("notes.txt").split()[0])\n')
    result = runner.invoke(app, ["run", str(script), "-w", str(ws), "--json"])
    assert result.exit_code == 0
    record = json.loads(result.stdout)
    assert record["stdout"] == "alpha\n"
    assert record["calls"][0]["name"] == "read_file"
    assert record["error"] is None


def test_run_error_exits_1(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    script = _script(tmp_path, 'print("before")\nread_file("../x")\n')
    result = runner.invoke(app, ["run", str(script), "--workspace", str(ws)])
    assert result.exit_code == 1
    assert result.stdout == "before\n"
    assert "Error (refused, line 2)" in result.stderr


def test_run_usage_errors_exit_2(tmp_path: Path) -> None:
    script = _script(tmp_path, "print(1)\n")
    missing = runner.invoke(app, ["run", str(tmp_path / "nope.py"), "--workspace", str(tmp_path)])
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    bad_ws = runner.invoke(app, ["run", str(script), "--workspace", str(tmp_path / "nope")])
    assert bad_ws.exit_code == 2 and "no such directory" in bad_ws.stderr
    assert runner.invoke(app, ["run"]).exit_code == 2


def test_stubs_and_prompt_commands() -> None:
    assert runner.invoke(app, ["stubs"]).stdout == STUBS
    assert runner.invoke(app, ["prompt"]).stdout == SYSTEM_PROMPT


def test_console_script(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    script = _script(tmp_path, 'print(typecheck("shop").errors[0].line)\n')
    exe = Path(sys.executable).parent / "punie-tools"
    done = subprocess.run(
        [str(exe), "run", str(script), "--workspace", str(ws)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "9\n"
