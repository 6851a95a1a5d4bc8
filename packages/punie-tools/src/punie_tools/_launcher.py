"""The launcher of a confined session: PID 1 of a sandbox kept alive for a whole run.

Standard library only. bwrap starts it as `python -I -S -B -c "$(cat _launcher.py)" FD
[RESOURCE=CAP ...]`, as PID 1 of the sandbox's PID namespace (`--as-pid-1`), with FD a unix
stream socket to the host (`punie_tools._session`); it first sets each resource limit
(`confine.resource_limits`), which every command inherits. For each command the host sends
(argv, cwd, env) with the write ends of two fresh pipes (stdout, stderr); the launcher starts
the command (`posix_spawn`) in its own session with exactly that environment, waits for it to
exit (or for the host to ask for a kill), and then, before it answers, makes the sandbox as it
was before the call:

- kills every other process of the namespace (`kill(-1, SIGKILL)` from PID 1 reaches all but
  itself) and reaps them, until none is left;
- empties `/tmp`, `/dev/shm` and `/dev/mqueue` and restores their modes; removes the System V
  shared memory, semaphores and message queues; clears the user keyrings;
- checks that its own resource limits, niceness, CPU affinity and OOM score (which a process of
  the same user may change from outside) are what they were at the start; if not, or if any
  cleaning step failed, it answers `F` and the host discards the session.

Hardening: the launcher is made non-dumpable before it accepts a command, so no command can
ptrace it, read its memory or take its descriptors (`/proc/1/fd`, `pidfd_getfd`); it keeps no
signal handler (as PID 1 it then ignores every signal sent from inside the namespace, SIGKILL
included); its socket is close-on-exec and every command gets only descriptors 0, 1 and 2.

Answers, one line each: `R` ready, `X <status>` the command ended with that status (128 + N
for signal N, as bwrap reports it), `K` killed at the host's request, `F <reason>` broken.

Pytest mode (`FD zygote [RESOURCE=CAP ...]`, run by the project's interpreter as
`python -s -c TEXT ...` in pytest's own environment): before it says it is ready the
launcher imports pytest (and pytest-json-report, if installed) with the working folder off
`sys.path`, and a command that asks for it (`fork`) is not spawned but forked from the
launcher: the copy makes itself the command's process (its own session, descriptors 0-2
only, the command's working folder and environment, Python's default SIGINT handler,
`sys.path` and `sys.argv` as `PYTHON_BOOTSTRAP` sets them) and runs `pytest.console_main()`,
then the exit handlers, and exits with pytest's status. It is the same pytest, only already
imported; the launcher itself never runs anything of the workspace, and everything after
the call is cleaned the same way.
"""

import ctypes
import marshal
import os
import resource
import select
import signal
import socket
import stat
import sys

_CLEAN_DIRS = ("/tmp", "/dev/shm", "/dev/mqueue")
_IPC_RMID = 0
_SYSVIPC = (("/proc/sysvipc/shm", "shmctl"), ("/proc/sysvipc/sem", "semctl"),
            ("/proc/sysvipc/msg", "msgctl"))  # fmt: skip
_KEYCTL = {"x86_64": 250, "aarch64": 219, "i686": 288, "armv7l": 311, "ppc64le": 250,
           "s390x": 250, "riscv64": 219}  # fmt: skip
_KEYCTL_CLEAR = 7
_KEY_SPEC_USER_KEYRING = -4
_KEY_SPEC_USER_SESSION_KEYRING = -5
_PR_GET_DUMPABLE = 3
_PR_SET_DUMPABLE = 4


class Broken(Exception):
    """The sandbox cannot be made clean again: the host must discard the session."""


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 or libc.prctl(_PR_GET_DUMPABLE, 0, 0, 0, 0):
        raise Broken("could not make the launcher non-dumpable")
    return libc


def _state():
    """What another process of the same user can change about the launcher from outside."""
    limits = {}
    for name in sorted(n for n in dir(resource) if n.startswith("RLIMIT_")):
        limits[name] = resource.getrlimit(getattr(resource, name))
    with open("/proc/self/oom_score_adj", "rb") as handle:
        oom = handle.read()
    return (limits, os.getpriority(os.PRIO_PROCESS, 0), sorted(os.sched_getaffinity(0)), oom)


def _skeleton():
    """What the folders to clean hold at the start, by path: (device, inode, mode). bwrap
    made it (the folders that lead to the workspace and other mounts under `/tmp`); mount
    points are recorded but never entered."""
    found = {}

    def walk(folder, dev):
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            info = os.lstat(path)
            found[path] = (info.st_dev, info.st_ino, stat.S_IMODE(info.st_mode))
            if stat.S_ISDIR(info.st_mode) and info.st_dev == dev:
                walk(path, dev)

    for root in _CLEAN_DIRS:
        try:
            info = os.lstat(root)
        except FileNotFoundError:
            continue
        found[root] = (info.st_dev, info.st_ino, stat.S_IMODE(info.st_mode))
        walk(root, info.st_dev)
    return found


def _restore(skeleton):
    """Remove everything under the cleaned folders that is not in `skeleton`, without ever
    crossing into another file system (the workspace is a bind mount under `/tmp` when it
    lives in the host's `/tmp`), then check the skeleton is whole, modes included."""

    def walk(folder, dev):
        os.chmod(folder, skeleton[folder][2] | 0o700)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            info = os.lstat(path)
            known = skeleton.get(path)
            if known is not None and known[:2] == (info.st_dev, info.st_ino):
                if stat.S_ISDIR(info.st_mode) and info.st_dev == dev:
                    walk(path, dev)
                continue
            _remove(path, dev)
        os.chmod(folder, skeleton[folder][2])

    for root in _CLEAN_DIRS:
        if root in skeleton:
            walk(root, skeleton[root][0])
    for path, (dev, ino, mode) in skeleton.items():
        info = os.lstat(path)
        if (info.st_dev, info.st_ino) != (dev, ino):
            raise Broken(f"{path} was replaced")
        if info.st_dev == skeleton[_root_of(path)][0] and stat.S_IMODE(info.st_mode) != mode:
            raise Broken(f"the mode of {path} was changed")


def _kill_all():
    """Kill and reap every process of the namespace but this one, until none is left."""
    while True:
        try:
            os.kill(-1, signal.SIGKILL)
        except ProcessLookupError:
            break
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            # Still someone to signal but no child to wait for: an orphan being re-parented.
            select.select([], [], [], 0.001)
        while True:  # reap what is already dead without blocking
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break


def _root_of(path):
    return next(r for r in _CLEAN_DIRS if path == r or path.startswith(r + "/"))


def _remove(path, dev):
    info = os.lstat(path)
    if info.st_dev != dev:
        raise Broken(f"{path} is on another file system")
    if stat.S_ISDIR(info.st_mode):
        os.chmod(path, 0o700)
        for name in os.listdir(path):
            _remove(os.path.join(path, name), dev)
        os.rmdir(path)
    else:
        os.unlink(path)


def _clean(libc, skeleton, start_state):
    _kill_all()
    _restore(skeleton)
    for table, call in _SYSVIPC:
        try:
            with open(table, encoding="ascii") as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            ident = int(row.split()[1])
            if getattr(libc, call)(ident, _IPC_RMID, 0) != 0 and ctypes.get_errno() != 22:
                raise Broken(f"could not remove System V object {ident} ({table})")
        with open(table, encoding="ascii") as handle:
            if handle.read().splitlines()[1:]:
                raise Broken(f"{table} is not empty")
    number = _KEYCTL.get(os.uname().machine)
    if number is not None:
        for ring in (_KEY_SPEC_USER_KEYRING, _KEY_SPEC_USER_SESSION_KEYRING):
            libc.syscall(number, _KEYCTL_CLEAR, ring)
    if _state() != start_state:
        raise Broken("the launcher's limits, priority, affinity or OOM score were changed")


def _recv_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _receive(sock):
    """(message, descriptors) of the host's next frame: 4-byte length, then marshal data."""
    head, fds, _, _ = socket.recv_fds(sock, 4, 4)
    if not head:
        raise EOFError
    head += _recv_exact(sock, 4 - len(head))
    body = _recv_exact(sock, int.from_bytes(head, "big"))
    return marshal.loads(body), fds


def _send(sock, line):
    sock.sendall(line.encode("ascii", "replace") + b"\n")


_SIGNALS = tuple(s for s in signal.valid_signals() if s not in (signal.SIGKILL, signal.SIGSTOP))


def _spawn(message, out, err):
    """Start the command (posix_spawn: the launcher waits only for the exec, not for a copy
    of itself) in its own session, with its own environment, default signal handling, an
    empty signal mask, /dev/null as stdin and the host's pipes as stdout and stderr; every
    other descriptor of the launcher is close-on-exec. Its pid, or (None, why not)."""
    argv = message["argv"]
    try:
        os.chdir(message["cwd"])
    except OSError as exc:
        return None, f"bwrap: Can't chdir to {message['cwd']}: {exc.strerror}"
    # posix_spawnp looks the program up in the launcher's own PATH: make it the command's,
    # as bwrap's execvp would (no PATH: the C library's default).
    path = message["env"].get("PATH")
    if path is None:
        os.environ.pop("PATH", None)
    else:
        os.environ["PATH"] = path
    try:
        pid = os.posix_spawnp(
            argv[0], argv, message["env"],
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
                (os.POSIX_SPAWN_DUP2, out, 1),
                (os.POSIX_SPAWN_DUP2, err, 2),
                (os.POSIX_SPAWN_CLOSE, out),
                (os.POSIX_SPAWN_CLOSE, err),
            ],
            setsid=True, setsigdef=_SIGNALS, setsigmask=(),
        )  # fmt: skip
    except OSError as exc:
        return None, f"bwrap: execvp {argv[0]}: {exc.strerror}"
    finally:
        os.chdir("/")
    return pid, ""


_ZYGOTE = {}


def _prepare_zygote():
    """Pytest mode: import pytest now, as `PYTHON_BOOTSTRAP` would (the working folder off
    `sys.path`), so that each run forks an interpreter that has it already."""
    here = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", here)]
    import pytest

    try:  # noqa: SIM105
        import pytest_jsonreport.plugin  # noqa: F401
    except ImportError:
        pass
    _ZYGOTE["main"] = pytest.console_main
    _ZYGOTE["argv0"] = os.path.join(os.path.dirname(pytest.__file__), "__main__.py")
    _ZYGOTE["path"] = list(sys.path)


def _fork_pytest(message, out, err):
    """Pytest mode: the command's process as a fork of this one (see the module's docstring)."""
    pid = os.fork()
    if pid:
        return pid, ""
    code = 1
    try:
        os.setsid()
        null = os.open("/dev/null", os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        _close_others(-1)
        os.chdir(message["cwd"])
        os.environ.clear()
        os.environ.update(message["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        cwd = os.getcwd()
        sys.path[:] = [p for p in _ZYGOTE["path"] if p not in ("", cwd)] + [cwd]
        sys.argv[:] = [_ZYGOTE["argv0"], *message["args"]]
        try:
            code = _ZYGOTE["main"]()
        except SystemExit as exc:
            code = exc.code
        if code is None:
            code = 0
        elif not isinstance(code, int):
            sys.stderr.write(f"{code}\n")
            code = 1
        import atexit

        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            try:  # noqa: SIM105
                stream.flush()
            except (OSError, ValueError):
                pass
    except BaseException:
        try:
            import traceback

            traceback.print_exc()
        except BaseException:
            pass
    finally:
        os._exit(code & 0xFF if isinstance(code, int) else 1)


def _run(sock, message, fds):
    """Run one command; the answer line (before cleaning)."""
    out, err = fds
    if out < 3 or err < 3 or out == err:
        raise Broken("unexpected descriptors")
    if message.get("fork"):
        if not _ZYGOTE:
            raise Broken("a fork asked of a launcher not in pytest mode")
        pid, failed = _fork_pytest(message, out, err)
    else:
        pid, failed = _spawn(message, out, err)
    if pid is None:
        os.write(err, (failed + "\n").encode("utf-8", "surrogateescape"))
        os.close(out)
        os.close(err)
        return "X 1"
    os.close(out)
    os.close(err)
    pidfd = os.pidfd_open(pid)
    poller = select.poll()
    poller.register(pidfd, select.POLLIN)
    poller.register(sock.fileno(), select.POLLIN)
    try:
        while True:
            for fd, _ in poller.poll():
                if fd == pidfd:
                    _, status = os.waitpid(pid, 0)
                    if os.WIFSIGNALED(status):
                        return f"X {128 + os.WTERMSIG(status)}"
                    return f"X {os.waitstatus_to_exitcode(status)}"
                request, extra = _receive(sock)
                for fd_extra in extra:
                    os.close(fd_extra)
                if request.get("op") == "kill":
                    return "K"
                raise Broken("unexpected request during a command")
    finally:
        os.close(pidfd)


def _close_others(keep):
    """Close every descriptor but 0, 1, 2 and `keep` (bwrap passes some on), so that a
    command can inherit nothing else."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd != keep:
            try:  # noqa: SIM105
                os.close(fd)
            except OSError:
                pass


def main():
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.set_inheritable(False)
    _close_others(sock.fileno())
    zygote = sys.argv[2:3] == ["zygote"]
    try:
        for limit in sys.argv[3 if zygote else 2 :]:  # "RESOURCE=CAP": what commands inherit
            kind, cap = (int(part) for part in limit.split("="))
            resource.setrlimit(kind, (cap, cap))
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the only handler Python installs
        if zygote:
            _prepare_zygote()
        libc = _libc()
        skeleton = _skeleton()
        start_state = _state()
        _clean(libc, skeleton, start_state)
    except (Broken, OSError, ValueError, ImportError) as exc:
        _send(sock, f"F {exc}")
        return 1
    _send(sock, "R")
    while True:
        try:
            message, fds = _receive(sock)
        except (EOFError, OSError):
            break
        if message.get("op") in ("quit", "kill"):  # a kill that crossed the answer: ignored
            for fd in fds:
                os.close(fd)
            if message.get("op") == "quit":
                break
            continue
        try:
            if len(fds) != 2:
                raise Broken("a command needs two descriptors")
            answer = _run(sock, message, fds)
            _clean(libc, skeleton, start_state)
        except (Broken, OSError, EOFError, KeyError, ValueError, TypeError) as exc:
            try:
                _kill_all()
                _send(sock, f"F {type(exc).__name__}: {exc}")
            except OSError:
                pass
            return 1
        _send(sock, answer)
    _kill_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
