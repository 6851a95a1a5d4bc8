"""LocalBackend: confinement, atomic writes, the run_command policy, and the typed tools."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from sandbox_fixtures import materialise

from punie_tools import pytest_run, ruff_check, typecheck
from punie_tools.backends import (
    CommandNotAllowedError,
    LocalBackend,
    ToolBackend,
    WorkspaceEscapeError,
)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = materialise("shop", tmp_path / "ws")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("TOP SECRET\n")
    (root / "link_out").symlink_to(tmp_path / "outside")
    (root / "link_in").symlink_to(root / "shop")
    return root


def test_is_a_tool_backend(ws: Path) -> None:
    assert isinstance(LocalBackend(ws), ToolBackend)


def test_missing_workspace_is_a_host_error(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        LocalBackend(tmp_path / "nope")


def test_read_and_write(ws: Path) -> None:
    b = LocalBackend(ws)
    assert b.read_file("notes.txt") == "alpha\nbeta\ngamma\n"
    assert b.read_file("./notes.txt") == b.read_file("notes.txt")
    assert (
        b.write_file("pkg/deep/new.py", "x = 1\ny = 2")
        == "Wrote 2 lines (11 bytes) to pkg/deep/new.py"
    )
    assert (ws / "pkg/deep/new.py").read_text() == "x = 1\ny = 2"
    assert b.read_file("link_in/cart.py").startswith("import os")  # a symlink inside is fine
    assert not [p for p in ws.rglob(".punie-*")]  # no temp files left behind


def test_write_replaces_atomically_and_keeps_mode(ws: Path) -> None:
    target = ws / "tool.sh"
    target.write_text("old")
    os.chmod(target, 0o755)
    LocalBackend(ws).write_file("tool.sh", "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o755


@pytest.mark.parametrize(
    "path",
    ["/etc/passwd", "../outside/secret.txt", "shop/../../outside/secret.txt", "~/x",
     "link_out/secret.txt", ".."],
)  # fmt: skip
def test_escapes_are_refused(ws: Path, path: str) -> None:
    b = LocalBackend(ws)
    for call in (
        lambda: b.read_file(path),
        lambda: b.write_file(path, "pwned"),
        lambda: b.typecheck(path),
        lambda: b.ruff_check(path),
        lambda: b.pytest_run(path),
        lambda: b.run_command("ls", ["."], cwd=path),
    ):
        with pytest.raises(WorkspaceEscapeError) as info:
            call()
        assert repr(path) in str(info.value)
        assert str(ws) not in str(info.value)  # no host paths in messages
    assert (ws.parent / "outside" / "secret.txt").read_text() == "TOP SECRET\n"
    assert sorted(p.name for p in (ws.parent / "outside").iterdir()) == ["secret.txt"]


def test_file_errors_are_clear(ws: Path) -> None:
    b = LocalBackend(ws, max_read_bytes=10)
    with pytest.raises(FileNotFoundError, match="no such file in the workspace: 'nope'"):
        b.read_file("nope")
    with pytest.raises(IsADirectoryError):
        b.read_file("shop")
    with pytest.raises(ValueError, match="read limit"):
        b.read_file("shop/cart.py")
    with pytest.raises(WorkspaceEscapeError, match=r"inside \.git"):
        b.write_file(".git/config", "[core]")
    with pytest.raises(TypeError):
        b.write_file("a.txt", 3)  # ty: ignore[invalid-argument-type]


def test_run_command_basics(ws: Path) -> None:
    b = LocalBackend(ws)
    assert b.run_command("ls", ["shop"]) == "__init__.py\ncart.py\n"
    assert b.run_command("wc", ["-l", "notes.txt"]) == "3 notes.txt\n"
    assert b.run_command("cat", ["cart.py"], cwd="shop").startswith("import os\n")
    assert b.run_command("grep", ["-c", "/nothing/", "notes.txt"]) == "0\n[exit status 1]"
    out = b.run_command("ruff", ["check", "--no-cache", "shop"])
    assert "F401" in out and out.endswith("[exit status 1]")
    assert "passed" in b.run_command("python", ["-m", "pytest", "-q", "tests", "-k", "total"])


def test_git_read_only(ws: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=ws, check=True)
    b = LocalBackend(ws)
    assert "notes.txt" in b.run_command("git", ["status", "--porcelain"])
    for args in (["commit", "-m", "x"], ["-c", "core.pager=sh", "log"], ["push"],
                 ["diff", "--output=x.txt"], ["grep", "-Ovi", "x"], []):  # fmt: skip
        with pytest.raises(CommandNotAllowedError):
            b.run_command("git", args)


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("rm", ["-rf", "."]),
        ("sh", ["-c", "ls"]),
        ("bash", []),
        ("/bin/ls", []),
        ("./run.sh", []),
        ("python", ["-c", "print(1)"]),
        ("python", ["script.py"]),
        ("python", ["-m", "http.server"]),
        ("find", [".", "-exec", "cat", "{}", ";"]),
        ("find", [".", "-delete"]),
        ("curl", ["http://example.com"]),
    ],
)
def test_disallowed_commands(ws: Path, command: str, args: list[str]) -> None:
    with pytest.raises(CommandNotAllowedError):
        LocalBackend(ws).run_command(command, args)


def test_allow_list_is_configurable(ws: Path) -> None:
    b = LocalBackend(ws, allowed_commands=frozenset({"echo"}))
    assert b.run_command("echo", ["hi"]) == "hi\n"
    with pytest.raises(CommandNotAllowedError, match="allowed commands: echo"):
        b.run_command("ls")


def test_command_args_cannot_escape(ws: Path) -> None:
    b = LocalBackend(ws)
    for args in (["/etc/passwd"], ["../outside/secret.txt"], ["link_out/secret.txt"],
                 ["link_out"], ["-n", "--", "/etc/passwd"]):  # fmt: skip
        with pytest.raises(WorkspaceEscapeError):
            b.run_command("cat", args)
    with pytest.raises(CommandNotAllowedError, match="--files-from is not allowed"):
        b.run_command("cat", ["--files-from=/etc/passwd"])
    # grep's pattern is not a path, so a leading slash is fine there
    assert b.run_command("grep", ["-c", "/", "notes.txt"]) == "0\n[exit status 1]"


def test_hung_command_times_out(ws: Path) -> None:
    b = LocalBackend(ws, timeout=0.5)
    with pytest.raises(TimeoutError, match=r"timed out after 0\.5 s"):
        b.run_command("tail", ["-f", "notes.txt"])


def test_output_is_capped(ws: Path) -> None:
    (ws / "big.txt").write_text("y" * 50_000)
    out = LocalBackend(ws, max_output_chars=1000).run_command("cat", ["big.txt"])
    assert out.startswith("y" * 1000)
    assert out.endswith("[output truncated: 49000 more characters]\n")


def test_typed_tools_match_the_runners(ws: Path) -> None:
    b = LocalBackend(ws)
    assert b.typecheck("shop") == typecheck("shop", cwd=ws)
    assert b.ruff_check("./shop") == ruff_check("shop", cwd=ws)
    local = b.pytest_run("tests")
    direct = pytest_run("tests", cwd=ws)
    assert local.model_dump(exclude={"duration"}) == direct.model_dump(exclude={"duration"})


@pytest.mark.parametrize(
    ("command", "args", "needle"),
    [
        ("sort", ["-o/tmp/x", "notes.txt"], "-o is not allowed"),
        ("sort", ["-rno", "x", "notes.txt"], "-o is not allowed"),
        ("sort", ["--out=x", "notes.txt"], "abbreviates --output"),
        ("sort", ["--rev", "notes.txt"], "spell options in full (did you mean --reverse?)"),
        ("git", ["grep", "-nOvi", "x"], "-O is not allowed"),
        ("git", ["grep", "--open-files-in=vi", "x"], "abbreviates --open-files-in-pager"),
        ("git", ["log", "--outp=x"], "abbreviates --output"),
        ("grep", ["-rR", "x", "."], "-R is not allowed"),
        ("ls", ["-laL"], "-L is not allowed"),
        ("head", ["-n"], "needs a value"),
        ("cat", ["--number=3", "notes.txt"], "not allowed"),
        ("ruff", ["--version"], "must start with one of"),
        ("python", ["-m", "pytest", "-p", "x"], "-p is not allowed"),
    ],
)
def test_option_allow_lists(ws: Path, command: str, args: list[str], needle: str) -> None:
    with pytest.raises(CommandNotAllowedError, match=re.escape(needle)):
        LocalBackend(ws).run_command(command, args)


def test_allowed_option_forms_run(ws: Path) -> None:
    b = LocalBackend(ws)
    assert b.run_command("head", ["-n1", "notes.txt"]) == "alpha\n"
    assert b.run_command("head", ["-2", "notes.txt"]) == "alpha\nbeta\n"
    assert b.run_command("grep", ["-cn", "-e", "a", "notes.txt"]) == "3\n"
    assert b.run_command("sort", ["-r", "--", "notes.txt"]) == "gamma\nbeta\nalpha\n"
    assert b.run_command("find", ["shop", "-name", "*.py", "-type", "f"]).count(".py") == 2


def test_run_command_sees_no_host_environment(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_TOKEN", "tok-123")
    (ws / "tests" / "test_env.py").write_text(
        "import os\n\ndef test_env():\n    assert 'SECRET_TOKEN' not in os.environ\n"
    )
    out = LocalBackend(ws).run_command("pytest", ["-q", "tests/test_env.py"])
    assert "1 passed" in out
    assert str(ws) not in out


def test_timeout_must_be_positive(ws: Path) -> None:
    with pytest.raises(ValueError, match="timeout"):
        LocalBackend(ws, timeout=0)
