"""The confinement layer itself: bubblewrap for real, the macOS profile as generated text, the
typed refusal when no OS sandbox works, and the per-backend pytest interpreter."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import pwd
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_fixtures import materialise

from punie_tools import confine, pytest_run, ruff_check, typecheck
from punie_tools._subprocess import run_confined
from punie_tools.backends import LocalBackend
from punie_tools.confine import (
    BWRAP_ENV,
    Policy,
    SandboxUnavailableError,
    available,
    base_env,
    bwrap_argv,
    interpreter_paths,
    macos_profile,
    reset_probe,
)
from punie_tools.sandbox import run_code


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return materialise("shop", tmp_path / "ws")


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine without bubblewrap: the binary named by PUNIE_BWRAP does not exist."""
    monkeypatch.setenv(BWRAP_ENV, str(tmp_path / "no-bwrap-here"))
    reset_probe()
    yield
    reset_probe()


def _py(code: str) -> list[str]:
    return [sys.executable, "-c", code]


def test_sandbox_is_on_here() -> None:
    assert available() is None  # CI and this machine run every tool confined


# --------------------------------------------------------------------------- bubblewrap, for real


def test_only_the_workspace_is_writable(ws: Path, tmp_path: Path) -> None:
    (tmp_path / "host.txt").write_text("host\n")
    code = (
        "import os\n"
        "open('inside.txt', 'w').write('ok')\n"
        "for p in [{!r}, '/usr/pwned', os.path.expanduser('~/pwned')]:\n"
        "    try:\n"
        "        open(p, 'w').write('x')\n"
        "        print('WROTE', p)\n"
        "    except OSError as e:\n"
        "        print('refused', type(e).__name__)\n"
        "print(os.path.exists({!r}))\n"
    ).format(str(tmp_path / "pwned.txt"), str(tmp_path / "host.txt"))
    out = run_confined(_py(code), policy=Policy(ws, env=base_env()), timeout=60)
    assert out.returncode == 0, out.stderr
    # /usr is read-only; the other two land in the private /tmp (HOME is there), not the host
    assert out.stdout.count("refused") == 1
    assert out.stdout.rstrip().endswith("False")  # the rest of the host's folder is invisible
    assert (ws / "inside.txt").read_text() == "ok"
    assert not (tmp_path / "pwned.txt").exists()
    assert not Path("~/pwned").expanduser().exists()


def test_environment_is_the_allow_list(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    code = "import os, json; print(json.dumps(sorted(os.environ)))"
    out = run_confined(_py(code), policy=Policy(ws, env=base_env()), timeout=60)
    names = set(eval(out.stdout))
    assert "AWS_SECRET_ACCESS_KEY" not in names
    assert names <= set(base_env()) | {"PWD", "SHLVL", "_", "LC_CTYPE"}
    assert {"PATH", "HOME", "LANG", "PYTHONHASHSEED"} <= names


def test_private_tmp_has_a_size_cap(ws: Path) -> None:
    code = (
        "try:\n"
        "    open('/tmp/fill', 'wb').write(b'x' * 3_000_000)\n"
        "    print('wrote')\n"
        "except OSError as e:\n"
        "    print('full', e.errno)\n"
    )
    policy = Policy(ws, env=base_env(), tmp_bytes=1024 * 1024)
    out = run_confined(_py(code), policy=policy, timeout=60)
    assert out.stdout.strip() == "full 28"  # ENOSPC


def test_nothing_but_the_workspace_and_capped_tmpfs_is_writable(ws: Path) -> None:
    """Memory through files: `/dev/shm` is capped like `/tmp`; the sandbox's root and `/dev`
    (bwrap's own, uncapped tmpfs) take no new file at all."""
    code = (
        "import errno\n"
        "for path, size in (('/dev/shm/fill', 3_000_000), ('/fill', 10), ('/dev/fill', 10),\n"
        "                   ('/usr/fill', 10)):\n"
        "    try:\n"
        "        open(path, 'wb').write(b'x' * size)\n"
        "        print(path, 'wrote')\n"
        "    except OSError as e:\n"
        "        print(path, errno.errorcode[e.errno])\n"
        "open('/dev/null', 'w').write('devices still work')\n"
        "open('kept.txt', 'w').write('the workspace is writable')\n"
    )
    policy = Policy(ws, env=base_env(), tmp_bytes=1024 * 1024)
    out = run_confined(_py(code), policy=policy, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n")[:4] == [
        "/dev/shm/fill ENOSPC", "/fill EROFS", "/dev/fill EROFS", "/usr/fill EROFS",
    ]  # fmt: skip
    assert (ws / "kept.txt").read_text() == "the workspace is writable"


def test_no_network_and_own_pid_namespace(ws: Path) -> None:
    code = (
        "import os, socket\n"
        "print(sorted(p for p in os.listdir('/proc') if p.isdigit())[:3])\n"
        "try:\n"
        "    socket.create_connection(('1.1.1.1', 53), timeout=2)\n"
        "    print('connected')\n"
        "except OSError as e:\n"
        "    print('offline')\n"
    )
    out = run_confined(_py(code), policy=Policy(ws, env=base_env()), timeout=60)
    lines = out.stdout.splitlines()
    assert lines[0] == "['1']"  # this process is PID 1 (--as-pid-1): nothing of the host
    assert lines[1] == "offline"


def test_etc_holds_private_copies_only(ws: Path) -> None:
    """The few /etc files are copies bwrap writes into the sandbox (cheaper than bind mounts):
    same bytes as the host's, nothing else of /etc, and a copy cannot be rewritten (chmod,
    then write: the sandbox's root is read-only) nor is the host's touched."""
    copies = [p for p in confine.copied_files() if p != "/etc/ld.so.cache"]
    code = (
        "import hashlib, json, os, pwd\n"
        "files = json.loads(os.environ['COPIES'])\n"
        "seen = {p: hashlib.sha256(open(p, 'rb').read()).hexdigest() for p in files}\n"
        "user = pwd.getpwuid(os.getuid()).pw_name\n"
        "refused = []\n"
        "for p in files:\n"
        "    try:\n"
        "        os.chmod(p, 0o644)\n"
        "        open(p, 'w').write('pwned')\n"
        "    except OSError as e:\n"
        "        refused.append(e.errno)\n"
        "print(json.dumps({'etc': sorted(os.listdir('/etc')), 'seen': seen,\n"
        "                  'user': user, 'refused': refused,\n"
        "                  'cache': os.path.getsize('/etc/ld.so.cache')}))\n"
    )
    before = {p: Path(p).read_bytes() for p in copies}
    env = base_env({"COPIES": json.dumps(copies)})
    out = run_confined(_py(code), policy=Policy(ws, env=env), timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert {p: Path(p).read_bytes() for p in copies} == before  # the host's are untouched
    assert got["seen"] == {p: hashlib.sha256(b).hexdigest() for p, b in before.items()}
    assert got["cache"] == os.path.getsize("/etc/ld.so.cache")
    assert got["user"] == pwd.getpwuid(os.getuid()).pw_name
    assert got["refused"] == [errno.EROFS] * len(copies)
    assert "shadow" not in got["etc"] and "hostname" not in got["etc"]
    allowed = {p.split("/")[2] for p in confine.system_paths() if p.startswith("/etc/")}
    assert set(got["etc"]) <= allowed - {"ssl"}, got["etc"]  # certificates only with network


def test_argv_holds_the_promised_options(ws: Path) -> None:
    argv = bwrap_argv("bwrap", ["true"], Policy(ws, env={}))
    text = " ".join(argv)
    for option in ("--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop ALL",
                   "--die-with-parent", "--as-pid-1", "--new-session", "--tmpfs /tmp"):  # fmt: skip
        assert option in text
    assert "--share-net" not in argv
    real = os.path.realpath(ws)
    assert ["--bind", real, real] == argv[argv.index("--bind") : argv.index("--bind") + 3]
    binds = [argv[i + 1] for i, a in enumerate(argv) if a == "--bind"]
    assert binds == [real]  # the workspace is the only writable host path
    assert "/root" not in argv and "/home" not in argv
    assert argv[-2:] == ["--", "true"]


# --------------------------------------------------------------------------- macOS profile


def test_macos_profile_denies_by_default(ws: Path, tmp_path: Path) -> None:
    private = str(tmp_path / "private")
    profile = macos_profile(Policy(ws, readable=("/opt/proj-venv",)), private_tmp=private)
    lines = profile.splitlines()
    assert lines[:2] == ["(version 1)", "(deny default)"]
    writes = [ln for ln in lines if "file-write*" in ln and "/dev/null" not in ln]
    assert len(writes) == 1
    assert f'(subpath "{os.path.realpath(ws)}")' in writes[0]
    assert f'(subpath "{private}")' in writes[0]
    assert "/opt/proj-venv" not in writes[0]
    reads = next(ln for ln in lines if ln.startswith("(allow file-read* (subpath"))
    assert '(subpath "/opt/proj-venv")' in reads
    assert (
        f'(subpath "{sys.prefix}")' in reads
        or f'(subpath "{os.path.realpath(sys.prefix)}")' in reads
    )
    assert "(deny network*)" in lines
    assert "(allow network*)" not in lines
    assert profile.count("(") == profile.count(")")


def test_macos_profile_quotes_paths_and_allows_network_only_on_request(tmp_path: Path) -> None:
    odd = tmp_path / 'we"ird\\name'
    odd.mkdir()
    profile = macos_profile(Policy(odd, network=True))
    assert (
        '(subpath "' + os.path.realpath(odd).replace("\\", "\\\\").replace('"', '\\"') + '")'
        in profile
    )
    assert "(allow network*)" in profile.splitlines()


# --------------------------------------------------------------------------- no sandbox: refuse


@pytest.mark.usefixtures("no_sandbox")
def test_runners_refuse_without_a_sandbox(ws: Path) -> None:
    assert available() is not None
    for result in (ruff_check(".", cwd=ws), typecheck(".", cwd=ws), pytest_run("tests", cwd=ws)):
        assert result.success is False
        assert result.tool_error is not None
        assert "bubblewrap" in result.tool_error
        assert "unconfined=True" in result.tool_error and "--unconfined" in result.tool_error
        assert str(ws) not in result.tool_error


@pytest.mark.usefixtures("no_sandbox")
def test_backend_refuses_with_a_typed_error(ws: Path) -> None:
    with pytest.raises(SandboxUnavailableError, match="bubblewrap"):
        LocalBackend(ws).run_command("ls")
    record = run_code("print(run_command('ls'))", ws)
    assert record.error is not None and record.error.kind == "refused"
    assert "unconfined=True" in record.error.message


@pytest.mark.usefixtures("no_sandbox")
def test_unconfined_is_an_explicit_opt_out(ws: Path) -> None:
    assert ruff_check(".", cwd=ws, unconfined=True).error_count == 1
    assert LocalBackend(ws, unconfined=True).run_command("ls", ["shop"]) == "__init__.py\ncart.py\n"
    record = run_code("print(ruff_check('.').error_count)", ws, unconfined=True)
    assert record.stdout == "1\n"


def test_broken_bwrap_is_probed_once_and_named(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = tmp_path / "calls"
    fake = tmp_path / "bwrap"
    fake.write_text(
        f"#!/bin/sh\necho x >> {calls}\n"
        "echo 'bwrap: No permissions to creating new namespace, likely because the kernel does "
        "not allow non-privileged user namespaces' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv(BWRAP_ENV, str(fake))
    reset_probe()
    try:
        first = ruff_check(".", cwd=ws)
        second = typecheck(".", cwd=ws)
    finally:
        reset_probe()
    assert first.tool_error is not None and "cannot create a sandbox" in first.tool_error
    assert "user namespaces" in first.tool_error
    assert str(fake) not in first.tool_error
    assert second.tool_error == first.tool_error.replace("ruff", "ty", 1)
    assert calls.read_text().count("x") == 1  # detected once, then cached


# --------------------------------------------------------------------------- pytest interpreter


def _alt_venv(tmp_path: Path) -> Path:
    """A second venv whose packages are this one's: a stand-in for the project's own venv."""
    venv = tmp_path / "project-venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    (venv / "pyvenv.cfg").write_text(
        f"home = {os.path.dirname(os.path.realpath(sys.executable))}\n"
        "include-system-site-packages = false\n"
    )
    lib = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    lib.mkdir(parents=True)
    (lib / "site-packages").symlink_to(
        next(p for p in sys.path if p.endswith("site-packages") and p.startswith(sys.prefix))
    )
    return venv


def test_interpreter_paths_follow_the_venv(tmp_path: Path) -> None:
    venv = _alt_venv(tmp_path)
    paths = interpreter_paths(venv / "bin" / "python")
    assert str(venv) in paths
    base = Path(os.path.realpath(sys.executable))
    assert any(base.is_relative_to(p) for p in paths)  # the installation it points at


def test_backend_runs_pytest_with_the_project_interpreter(ws: Path, tmp_path: Path) -> None:
    venv = _alt_venv(tmp_path)
    (ws / "tests" / "test_which.py").write_text(
        "import sys\n\ndef test_which():\n    assert sys.prefix == '', sys.prefix\n"
    )
    result = LocalBackend(ws, pytest_python=venv / "bin" / "python").pytest_run(
        "tests/test_which.py"
    )
    assert result.tool_error is None
    assert result.failures[0].message.endswith("project-venv")
    default = LocalBackend(ws).pytest_run("tests/test_which.py")
    assert "project-venv" not in default.failures[0].message


def test_missing_interpreter_is_a_tool_error(ws: Path, tmp_path: Path) -> None:
    result = pytest_run("tests", cwd=ws, python=str(tmp_path / "nope" / "python"))
    assert result.tool_error is not None and "interpreter does not exist" in result.tool_error
    assert str(tmp_path) not in result.tool_error
