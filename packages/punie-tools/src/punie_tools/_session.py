"""Confined sessions: one bubblewrap sandbox kept alive for many commands (see `confine.session`).

A `Session` starts, lazily, one sandbox per distinct set of mounts its calls need — the
same mounts, namespaces and options a per-call sandbox of that policy gets — with the
launcher (`punie_tools/_launcher.py`, standard library only) as PID 1. Each command is sent
to the launcher with its own argv, working folder and environment and the write ends of
two fresh pipes; the host reads them exactly as `run_process` does (same output cap, same
deadline), and the launcher answers only after it has killed every other process of the
sandbox and emptied its temporary folders (see `_launcher`). Anything unexpected from the
launcher (no answer in time, a malformed one, a closed socket, a failed clean-up) discards
that sandbox (bwrap and everything in it is killed) and the call returns a `launch_error`;
the next call starts a new one. A sandbox that cannot be started makes its calls run with a
sandbox per call, as without a session.
"""

from __future__ import annotations

import contextlib
import functools
import marshal
import os
import secrets
import selectors
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from punie_tools import _subprocess
from punie_tools._subprocess import SESSION_FAILURE, ProcessOutcome
from punie_tools.confine import (
    Policy,
    _dedupe,
    _open_copied,
    bwrap_argv,
    probe,
    protected_paths,
    resource_limits,
    tool_paths,
)

__all__ = ["LAUNCHER", "Session"]

LAUNCHER = str(Path(__file__).with_name("_launcher.py"))
"""The launcher script. bwrap runs its text with this Python as `python -I -S -B -c TEXT FD`
(no file to bind: the package may live outside what the sandbox can read, e.g. editable)."""

START_TIMEOUT_S = 20.0
"""How long a new sandbox may take to say it is ready before the call falls back."""
GRACE_S = 10.0
"""How long the launcher may take to kill and clean after the host asked it to stop a call."""
MAX_RESTARTS = 3
"""Sandboxes of one kind discarded in a session before its calls fall back to one per call."""
_MAX_LINE = 4096
_MAX_SEEN = 1024  # kinds of call a session counts before it forgets the oldest
_LAUNCHER_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


def _session_options() -> list[str]:
    """What a session's sandbox adds to a per-call one: its own `/dev/mqueue` (emptied after
    each call, like `/tmp` and `/dev/shm`), so that nothing written outside the workspace
    survives a call unnoticed."""
    return ["--mqueue", "/dev/mqueue"]


class _Dead(Exception):
    """The sandbox stopped answering properly; the message says how."""


class _Box:
    """One running sandbox and its launcher."""

    def __init__(
        self, bwrap: str, policy: Policy, start_timeout: float = START_TIMEOUT_S,
        pytest_python: str | None = None,
    ) -> None:  # fmt: skip
        self.policy = policy
        self.pytest_python = pytest_python
        """Pytest mode (see `_launcher`): the launcher is this interpreter with pytest
        imported, started in `policy.env` (the pytest command's own environment)."""
        self._buffer = b""
        self.sock, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        limits = [f"{kind}={cap}" for kind, cap in resource_limits(policy)]
        if pytest_python is None:
            command = [os.path.abspath(sys.executable), "-I", "-S", "-B", "-c",
                       _launcher_text(), str(child.fileno()), *limits]  # fmt: skip
        else:
            command = [os.path.abspath(pytest_python), "-s", "-c", _launcher_text(),
                       str(child.fileno()), "zygote", *limits]  # fmt: skip
        ws = os.path.realpath(policy.workspace)
        try:
            with _open_copied(policy.network) as files:
                argv = bwrap_argv(bwrap, command, policy, cwd=ws, files=files,
                                  extra=_session_options())  # fmt: skip
                self.proc = subprocess.Popen(
                    argv, env=dict(policy.env if pytest_python else _LAUNCHER_ENV),
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True, pass_fds=(child.fileno(), *files.values()),
                )  # fmt: skip
        except BaseException:
            self.sock.close()
            raise
        finally:
            child.close()
        try:
            answer = self._answer(time.monotonic() + start_timeout)
        except _Dead:
            self.stop()
            raise
        if answer != "R":
            self.stop()
            raise _Dead(f"the launcher did not start: {answer[:200]}")

    # ------------------------------------------------------------------ protocol

    def _send(self, message: dict[str, object], fds: Sequence[int] = ()) -> None:
        body = marshal.dumps(message)
        frame = len(body).to_bytes(4, "big") + body
        sent = socket.send_fds(self.sock, [frame], list(fds)) if fds else 0
        self.sock.sendall(frame[sent:])

    def _answer(self, deadline: float) -> str:
        """The launcher's next answer line, by `deadline`; `_Dead` otherwise."""
        while b"\n" not in self._buffer:
            if len(self._buffer) > _MAX_LINE:
                raise _Dead("the launcher sent a malformed answer")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Dead("the launcher did not answer in time")
            if not _readable(self.sock, remaining):
                continue
            chunk = self.sock.recv(_MAX_LINE)
            if not chunk:
                raise _Dead("the launcher exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("ascii", "replace")

    # ------------------------------------------------------------------ one command

    def call(
        self, argv: Sequence[str], cwd: str, env: Mapping[str, str], timeout: float,
        max_output: int,
    ) -> ProcessOutcome | None:  # fmt: skip
        """Run one command in the sandbox; like `run_process`, never raises for what it did.
        None when the launcher could not be reached (the command did not start). In pytest
        mode the command (a `runners.pytest_command` line) is forked from the launcher."""
        out_r, out_w = os.pipe2(os.O_CLOEXEC)
        err_r, err_w = os.pipe2(os.O_CLOEXEC)
        message: dict[str, object] = {"argv": list(argv), "cwd": cwd, "env": dict(env)}
        if self.pytest_python is not None:
            message.update(fork=True, args=list(argv[len(pytest_prefix(argv[0])) :]))
        try:
            self._send(message, (out_w, err_w))
        except (OSError, ValueError):
            for fd in (out_r, err_r):
                os.close(fd)
            self.stop()
            return None  # nothing ran: the caller runs it in a sandbox of its own
        finally:
            os.close(out_w)
            os.close(err_w)
        with _subprocess._live_lock:
            _subprocess._live.add(self.proc)
        try:
            return self._collect(out_r, err_r, time.monotonic() + timeout, max_output)
        except (_Dead, OSError) as exc:  # OSError: the socket to the launcher broke
            self.stop()
            return _failed(f"{SESSION_FAILURE} ({exc}); the call did not complete and the next "
                           "call gets a new sandbox")  # fmt: skip
        except BaseException:
            self.stop()
            raise
        finally:
            with _subprocess._live_lock:
                _subprocess._live.discard(self.proc)
            for fd in (out_r, err_r):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _collect(self, out_r: int, err_r: int, deadline: float, max_output: int) -> ProcessOutcome:
        buffers: dict[int, list[bytes]] = {out_r: [], err_r: []}
        total = 0
        stopped: str | None = None  # "timeout" or "truncated" once the host asked for a kill
        answer: str | None = None
        with selectors.DefaultSelector() as selector:
            selector.register(out_r, selectors.EVENT_READ)
            selector.register(err_r, selectors.EVENT_READ)
            selector.register(self.sock, selectors.EVENT_READ)
            while answer is None or selector.get_map():  # the answer, then both pipes' EOF
                if answer is None and b"\n" in self._buffer:
                    answer = self._answer(deadline)
                    selector.unregister(self.sock)
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    if stopped is not None:
                        raise _Dead("the launcher did not stop the command in time")
                    stopped = "timeout"
                    deadline = self._ask_kill()
                    continue
                for key, _ in selector.select(remaining):
                    if key.fileobj is self.sock:
                        chunk = self.sock.recv(_MAX_LINE)
                        if not chunk:
                            raise _Dead("the launcher exited")
                        self._buffer += chunk
                        if len(self._buffer) > _MAX_LINE and b"\n" not in self._buffer:
                            raise _Dead("the launcher sent a malformed answer")
                        continue
                    fd = int(key.fd)
                    chunk = os.read(fd, 65536)
                    if not chunk:
                        selector.unregister(fd)
                        continue
                    room = max_output - total
                    if len(chunk) > room:  # keep exactly max_output bytes, then stop
                        buffers[fd].append(chunk[: max(room, 0)])
                        total = max_output
                        for pipe in (out_r, err_r):
                            with contextlib.suppress(KeyError):
                                selector.unregister(pipe)
                        if stopped is None:
                            stopped = "truncated"
                            deadline = self._ask_kill()
                        continue
                    buffers[fd].append(chunk)
                    total += len(chunk)
        out = _decode(b"".join(buffers[out_r]))
        err = _decode(b"".join(buffers[err_r]))
        status = _status(answer)
        if answer != "K" and status is None:  # "F ...": the launcher could not clean up
            self.stop()
            if stopped is None:
                raise _Dead(f"the launcher answered {answer[:300]!r}")
        if stopped == "truncated":
            return ProcessOutcome(None, out, err, truncated=True)
        if stopped == "timeout" or status is None:
            return ProcessOutcome(None, out, err, timed_out=True)
        return ProcessOutcome(status, out, err)

    def _ask_kill(self) -> float:
        """Ask the launcher to stop the command; the new deadline for its answer."""
        try:
            self._send({"op": "kill"})
        except OSError as exc:
            raise _Dead(f"could not ask the launcher to stop the command: {exc}") from None
        return time.monotonic() + GRACE_S

    # ------------------------------------------------------------------ lifetime

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self.sock.fileno() >= 0

    def close(self) -> None:
        """Ask the launcher to end (it kills what is left), then make sure bwrap has exited."""
        with contextlib.suppress(OSError, ValueError):
            self._send({"op": "quit"})
        self.stop(wait=2.0)

    def stop(self, wait: float = 0.0) -> None:
        """End the sandbox: bwrap's process group is killed (the launcher, PID 1 of the
        sandbox, dies with bwrap, and every process of the sandbox with it) and reaped."""
        with contextlib.suppress(OSError):
            self.sock.close()
        proc = getattr(self, "proc", None)
        if proc is None:
            return
        if wait:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=wait)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, OSError):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            proc.wait(timeout=10.0)


@functools.cache
def _launcher_text() -> str:
    return Path(LAUNCHER).read_text(encoding="utf-8")


def _readable(sock: socket.socket, timeout: float) -> bool:
    """True when `sock` has data (or EOF) to read within `timeout` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(timeout))


def _status(answer: str | None) -> int | None:
    """The exit status in an `X <status>` answer, else None."""
    if answer is None or not answer.startswith("X "):
        return None
    text = answer[2:]
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 255:
        return None
    return int(text)


def pytest_prefix(python: str) -> list[str]:
    """The start of every pytest command line `runners.pytest_command` makes with `python`."""
    from punie_tools.runners import python_module_argv  # runners imports this module

    return python_module_argv(python, "pytest")


ZYGOTE_PYTHON_ENV = frozenset({"PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE", "PYTHONNOUSERSITE",
                               "PYTHONUNBUFFERED", "PYTHONIOENCODING", "PYTHONUTF8"})  # fmt: skip
"""The only `PYTHON*` variables a pytest run may have to be forked from a zygote: the zygote
starts in the run's environment, and one that adds import paths (`PYTHONPATH`, `PYTHONHOME`,
...) could make the launcher itself import code from the workspace, which would then outlive
the run. Such a run gets an ordinary sandbox."""


def pytest_python(argv: Sequence[str], env: Mapping[str, str] | None = None) -> str | None:
    """The interpreter of `argv` when it is a pytest run made by `runners.pytest_command` (in
    `env`, if given, with no `PYTHON*` variable outside `ZYGOTE_PYTHON_ENV`)."""
    if not argv:
        return None
    if env is not None and any(k.startswith("PYTHON") and k not in ZYGOTE_PYTHON_ENV for k in env):
        return None
    prefix = pytest_prefix(argv[0])
    return argv[0] if list(argv[: len(prefix)]) == prefix else None


def _failed(message: str) -> ProcessOutcome:
    return ProcessOutcome(None, "", "", launch_error=message)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Session:
    """Sandboxes kept alive for a run of commands; see `punie_tools.confine.session`."""

    def __init__(
        self, start_after: int = 2, *, shared: bool = False, max_boxes: int | None = None,
        pytest_zygote: bool = False,
    ) -> None:  # fmt: skip
        self.pytest_zygote = pytest_zygote
        """Pytest runs get a sandbox of their own kind whose launcher has pytest imported and
        forks each run from itself (see `confine.session`)."""
        self.shared = shared
        """The process's session (see `confine.current_session`): a call that finds it busy
        with another thread's call runs in a sandbox of its own instead of waiting."""
        self.max_boxes = max_boxes
        """Sandboxes kept alive at most; starting one more ends the oldest."""
        self.start_after = start_after
        """Calls of each kind that run in a sandbox of their own before the session starts one
        for that kind: starting a session's sandbox costs a few per-call sandboxes (bwrap plus
        the launcher's Python), so a run that makes a single call of a kind is not slowed."""
        self._seen: dict[tuple[object, ...], int] = {}
        self._lock = threading.RLock()
        self._boxes: dict[tuple[object, ...], _Box] = {}
        self._failures: dict[tuple[object, ...], int] = {}
        self._scratch = ""  # made at the first `scratch()`
        self._active: set[str] = set()
        self._closed = False
        self.started = 0
        """Sandboxes started so far (a benchmark reports it)."""

    # ------------------------------------------------------------------ scratch

    @contextlib.contextmanager
    def scratch(self) -> Generator[str]:
        """A fresh, empty folder the next confined call may write (pytest's report), removed
        when the block ends. It lies in the session's scratch folder, which every sandbox of
        the session that needs one binds read-write; the host empties it after every call.

        The block holds the session: a shared session busy with another thread's call gives a
        private folder instead (outside the one its sandboxes bind), and so does a closed
        session; the call then runs in a sandbox of its own."""
        held = self._lock.acquire(blocking=not self.shared)
        if held and self._closed:  # its sandboxes are gone: the call runs in one of its own
            self._lock.release()
            held = False
        if not held:
            private = tempfile.mkdtemp(prefix="punie-pytest-")
            try:
                yield private
            finally:
                with contextlib.suppress(OSError):
                    _remove(private)
            return
        try:
            if not self._scratch:
                self._scratch = os.path.realpath(tempfile.mkdtemp(prefix="punie-session-"))
            name = secrets.token_hex(8)
            path = os.path.join(self._scratch, name)
            os.mkdir(path, 0o700)
            self._active.add(name)
            try:
                yield path
            finally:
                self._active.discard(name)
                with contextlib.suppress(OSError):
                    _remove(path)
        finally:
            self._lock.release()

    def _empty_scratch(self) -> None:
        if not self._scratch:
            return
        for name in os.listdir(self._scratch):
            path = os.path.join(self._scratch, name)
            if name in self._active and not os.path.islink(path) and os.path.isdir(path):
                continue  # the current call's own folder: its caller reads it, then removes it
            _remove(path)

    # ------------------------------------------------------------------ running

    def _key(self, policy: Policy) -> tuple[object, ...] | None:
        ws = os.path.realpath(policy.workspace)
        for path in policy.writable:
            if not self._scratch or not _inside(os.path.realpath(path), self._scratch):
                return None  # a writable path the session's sandboxes do not have
        info = os.stat(ws)
        readable = sorted(
            _dedupe((*tool_paths(), *policy.readable)) if policy.readable else tool_paths()
        )
        return (ws, info.st_dev, info.st_ino, tuple(readable), protected_paths(ws, policy.readable),
                policy.network, policy.tmp_bytes, bool(policy.writable),
                resource_limits(policy))  # fmt: skip

    def run(
        self, argv: Sequence[str], policy: Policy, cwd: str | os.PathLike[str], timeout: float,
        max_output: int,
    ) -> ProcessOutcome | None:  # fmt: skip
        """Run `argv` in this session's sandbox for `policy`, or None when the call must run
        in a sandbox of its own (no bwrap here, a policy the session cannot serve, a sandbox
        that would not start, or the session is closed)."""
        kind, bwrap, _ = probe()
        if kind != "bwrap" or self._closed:
            return None
        where = os.path.realpath(cwd)
        try:
            key = self._key(policy)
        except OSError:
            return None
        if key is None or not _inside(where, str(key[0])):
            return None
        zygote = pytest_python(argv, policy.env) if self.pytest_zygote else None
        if zygote is not None:  # its own sandbox, started in the command's environment
            key = (*key, "pytest", zygote, tuple(sorted(policy.env.items())))
        if not self._lock.acquire(blocking=not self.shared):
            return None  # the process's session is busy: a sandbox of its own, no waiting
        try:
            return self._run(key, argv, policy, where, timeout, max_output, bwrap, zygote)
        finally:
            self._lock.release()

    def _run(
        self, key: tuple[object, ...], argv: Sequence[str], policy: Policy, where: str,
        timeout: float, max_output: int, bwrap: str, zygote: str | None = None,
    ) -> ProcessOutcome | None:  # fmt: skip
        if self._closed:
            return None
        box = self._boxes.get(key)
        if box is None or not box.alive:
            if box is not None:
                box.stop()
                self._boxes.pop(key, None)
            if self._failures.get(key, 0) >= MAX_RESTARTS:
                return None
            seen = self._seen.get(key, 0)
            if seen < self.start_after:
                if len(self._seen) >= _MAX_SEEN:
                    self._seen.pop(next(iter(self._seen)))  # the longest unseen kind
                self._seen[key] = seen + 1
                return None
            if self.max_boxes is not None and len(self._boxes) >= self.max_boxes:
                self._boxes.pop(next(iter(self._boxes))).close()  # the oldest
            scratch = (self._scratch,) if policy.writable else ()
            box_env = dict(policy.env) if zygote is not None else dict(_LAUNCHER_ENV)
            box_policy = replace(policy, writable=scratch, env=box_env)
            began = time.monotonic()
            try:
                box = _Box(bwrap, box_policy, min(START_TIMEOUT_S, timeout), zygote)
            except (OSError, _Dead):
                self._failures[key] = self._failures.get(key, 0) + 1
                if time.monotonic() - began >= timeout:
                    return ProcessOutcome(None, "", "", timed_out=True)
                return None  # nothing ran: a sandbox of its own for this call
            self._boxes[key] = box
            self.started += 1
            timeout = max(timeout - (time.monotonic() - began), 0.001)  # start counts
        outcome = box.call(argv, where, policy.env, timeout, max_output)
        if outcome is None:  # the launcher was gone before the command was sent
            self._boxes.pop(key, None)
            return None
        if not box.alive or outcome.launch_error is not None:
            self._failures[key] = self._failures.get(key, 0) + 1
            box.stop()
            self._boxes.pop(key, None)
        try:
            self._empty_scratch()
        except OSError:
            self.close()  # the scratch folder cannot be trusted any more
        return outcome

    def close(self) -> None:
        """End every sandbox of the session and remove its scratch folder; later calls run
        in a sandbox of their own."""
        with self._lock:
            self._closed = True
            boxes, self._boxes = list(self._boxes.values()), {}
            for box in boxes:
                box.close()
            if self._scratch:
                with contextlib.suppress(OSError):
                    _remove(self._scratch)


def _remove(path: str) -> None:
    """Remove `path` and what is under it, never following a symlink, whatever the modes."""
    info = os.lstat(path)
    if stat.S_ISDIR(info.st_mode):
        os.chmod(path, 0o700)
        for name in os.listdir(path):
            _remove(os.path.join(path, name))
        os.rmdir(path)
    else:
        os.unlink(path)
