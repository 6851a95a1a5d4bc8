"""Red team: model code trying to leave the sandbox. Each attempt must fail with a clear error,
print nothing secret, and leave everything outside the workspace untouched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest
from sandbox_fixtures import materialise

from punie_tools.sandbox import SandboxLimits, run_code

SECRET = "TOP-SECRET-7f3a"
FAST = SandboxLimits(timeout=1.0, max_memory=64 * 1024 * 1024, max_output=100_000, max_calls=20)


@dataclass(frozen=True)
class Attempt:
    name: str
    code: str
    kinds: tuple[str, ...]  # acceptable error kinds
    needle: str  # must appear in the error message


ATTEMPTS = [
    # --- files through the tools
    Attempt("read absolute", 'print(read_file("/etc/passwd"))', ("refused",), "is absolute"),
    Attempt("read traversal", 'print(read_file("../outside/secret.txt"))', ("refused",), "'..'"),
    Attempt("read nested traversal", 'print(read_file("shop/../../outside/secret.txt"))',
            ("refused",), "'..'"),
    Attempt("read home", 'print(read_file("~/.bashrc"))', ("refused",), "is absolute"),
    Attempt("read via symlink", 'print(read_file("link_out/secret.txt"))', ("refused",),
            "symlink"),
    Attempt("read symlinked file", 'print(read_file("secret_link.txt"))', ("refused",), "symlink"),
    Attempt("write traversal", 'write_file("../outside/pwned.txt", "x")', ("refused",), "'..'"),
    Attempt("write absolute", 'write_file("/tmp/punie-pwned.txt", "x")', ("refused",),
            "is absolute"),
    Attempt("write via symlink", 'write_file("link_out/pwned.txt", "x")', ("refused",), "symlink"),
    Attempt("overwrite through symlink", 'write_file("secret_link.txt", "x")', ("refused",),
            "symlink"),
    Attempt("write git hooks", 'write_file(".git/hooks/pre-commit", "rm -rf /")', ("refused",),
            ".git"),
    Attempt("typecheck outside", 'print(typecheck("../outside"))', ("refused",), "'..'"),
    Attempt("pytest outside", 'print(pytest_run("/"))', ("refused",), "is absolute"),
    # --- commands
    Attempt("rm", 'run_command("rm", ["-rf", "."])', ("refused",), "not allowed"),
    Attempt("shell", 'run_command("sh", ["-c", "cat ../outside/secret.txt"])', ("refused",),
            "not allowed"),
    Attempt("shell string", 'run_command("cat ../outside/secret.txt")', ("refused",),
            "not allowed"),
    Attempt("absolute program", 'run_command("/bin/cat", ["notes.txt"])', ("refused",),
            "not allowed"),
    Attempt("python -c", 'run_command("python", ["-c", "print(open(\'/etc/passwd\').read())"])',
            ("refused",), "python -m"),
    Attempt("cat outside", 'print(run_command("cat", ["../outside/secret.txt"]))', ("refused",),
            "'..'"),
    Attempt("cat absolute", 'print(run_command("cat", ["/etc/passwd"]))', ("refused",),
            "absolute"),
    Attempt("cat via symlink", 'print(run_command("cat", ["link_out/secret.txt"]))',
            ("refused",), "symlink"),
    Attempt("option with path", 'print(run_command("grep", ["-r", "--include=x", "T", "/"]))',
            ("refused",), "absolute"),
    Attempt("find exec", 'run_command("find", [".", "-exec", "cat", "{}", ";"])', ("refused",),
            "not allowed"),
    Attempt("git config pager", 'run_command("git", ["-c", "core.pager=sh", "log"])',
            ("refused",), "not allowed"),
    Attempt("git write", 'run_command("git", ["commit", "-am", "x"])', ("refused",),
            "not allowed"),
    Attempt("cwd outside", 'print(run_command("ls", cwd=".."))', ("refused",), "'..'"),
    # --- the interpreter itself
    Attempt("import os listdir", "import os\nprint(os.listdir('/'))", ("refused",),
            "Permission denied"),
    Attempt("os.system", "import os\nos.system('touch ../outside/x')", ("type",), "system"),
    Attempt("environment", "import os\nprint(os.environ)", ("runtime",), "not supported"),
    Attempt("import subprocess", "import subprocess\nsubprocess.run(['ls'])", ("type",),
            "subprocess"),
    Attempt("import socket", "import socket\nsocket.socket()", ("type",), "socket"),
    Attempt("__import__", "__import__('os').system('ls')", ("type",), "__import__"),
    Attempt("open", "print(open('../outside/secret.txt').read())", ("type",), "open"),
    Attempt("pathlib outside", "from pathlib import Path\nprint(Path('/etc/passwd').read_text())",
            ("refused",), "Permission denied"),
    Attempt("pathlib relative", "from pathlib import Path\nprint(Path('notes.txt').read_text())",
            ("refused",), "Permission denied"),
    Attempt("exec", "exec(\"import os\\nprint(os.listdir('/'))\")", ("refused",),
            "Permission denied"),
    Attempt("subclasses", "print(().__class__.__bases__[0].__subclasses__())", ("runtime", "type"),
            "__class__"),
    Attempt("function globals", "print(read_file.__globals__)", ("runtime", "type"),
            "__globals__"),
    Attempt("sys.modules", "import sys\nprint(sys.modules)", ("type",), "modules"),
    # --- resource exhaustion
    Attempt("infinite loop", "while True:\n    pass", ("timeout",), "time limit"),
    Attempt("sleep", "import time\ntime.sleep(1000)", ("timeout",), "time limit"),
    Attempt("memory bomb", "x = 'a' * (10 ** 10)", ("memory",), "memory limit"),
    Attempt("growing list", "x = []\nwhile True:\n    x.append('a' * 100000)", ("memory",),
            "memory limit"),
    Attempt("deep recursion", "def f(n):\n    return f(n + 1)\nf(0)", ("recursion",), "recursion"),
    Attempt("huge output", "while True:\n    print('x' * 10000)", ("output",), "printed output"),
    Attempt("tool call flood", "while True:\n    read_file('notes.txt')", ("runtime",),
            "tool call limit"),
]  # fmt: skip


def _snapshot(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.fixture
def arena(tmp_path: Path) -> tuple[Path, Path]:
    """A workspace with symlinks pointing out, next to an `outside` directory with a secret."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n")
    ws = materialise("shop", tmp_path / "ws")
    (ws / "link_out").symlink_to(outside)
    (ws / "secret_link.txt").symlink_to(outside / "secret.txt")
    (ws / ".git" / "hooks").mkdir(parents=True)
    return ws, tmp_path


def test_there_are_enough_attempts() -> None:
    assert len(ATTEMPTS) >= 25
    assert len({a.name for a in ATTEMPTS}) == len(ATTEMPTS)


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_escape_attempt_is_refused(arena: tuple[Path, Path], attempt: Attempt) -> None:
    ws, root = arena
    before = _snapshot(root)
    tmp_before = set(Path("/tmp").glob("punie-pwned*"))
    record = run_code(attempt.code, ws, limits=FAST)
    assert record.error is not None, f"{attempt.name} was not refused: {record.stdout[:200]!r}"
    assert record.error.kind in attempt.kinds, record.error
    assert attempt.needle in record.error.message, record.error.message
    assert SECRET not in record.stdout
    assert "root:" not in record.stdout
    assert _snapshot(root) == before  # nothing inside or outside the workspace changed
    assert set(Path("/tmp").glob("punie-pwned*")) == tmp_before
    for call in record.calls:  # refused tool calls are recorded with their error
        if call.error is not None:
            assert call.result is None
