"""Run one tool as a subprocess with a timeout, always reaping it, and find the tools' executables.

Private helper of the runners: it never raises for anything the tool did, so callers can turn
every outcome (not found, timed out, crashed, finished) into a result with `tool_error`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import resource
import select
import selectors
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Generator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from punie_tools.confine import (
    Policy,
    apply_limits,
    current_session,
    launch,
    probe,
    resource_limits,
)

__all__ = [
    "DEFAULT_MAX_OUTPUT",
    "SESSION_FAILURE",
    "ProcessOutcome",
    "find_executable",
    "run_confined",
    "run_deadline",
    "run_process",
    "stop_all",
    "tail",
    "time_left",
]

SESSION_FAILURE = "the confined session's sandbox stopped"
"""How a `launch_error` starts when a session's sandbox failed during the call (see
`confine.session`): the command may have run; the next call gets a new sandbox."""

DEFAULT_MAX_OUTPUT = 32 * 1024 * 1024
"""Bytes of stdout + stderr read from one subprocess before it is killed (memory bound)."""


@dataclass(frozen=True, slots=True)
class ProcessOutcome:
    """What happened to one subprocess: its exit status and output, or why it did not finish."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool = False
    launch_error: str | None = None
    truncated: bool = False
    """The output passed `max_output` bytes: reading stopped there and the process was killed."""

    @property
    def finished(self) -> bool:
        """True when the process ran to its own exit (not killed for time, not unlaunchable)."""
        return (
            self.returncode is not None
            and not self.timed_out
            and self.launch_error is None
            and not self.truncated
        )


def tail(text: str, limit: int = 2000) -> str:
    """The last `limit` characters of `text`, stripped: enough to explain a failure."""
    text = text.strip()
    return text if len(text) <= limit else "…" + text[-limit:]


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process and everything it started (it leads its own session), ignoring races."""
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, OSError):
        proc.kill()


_live: set[subprocess.Popen[bytes]] = set()
_live_lock = threading.Lock()


def stop_all() -> int:
    """Kill every tool subprocess (and its group) running now, in any thread; how many.

    For a command line interrupted while worker threads wait on tools: each waiting call then
    returns at once (as a process that did not finish), and nothing is left running.
    """
    with _live_lock:
        running = list(_live)
    for proc in running:
        _kill_group(proc)
    return len(running)


def run_process(
    argv: list[str],
    *,
    cwd: str | os.PathLike[str],
    timeout: float,
    env: dict[str, str] | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
    pass_fds: tuple[int, ...] = (),
    limits: Sequence[tuple[int, int]] = (),
    bwrap: bool = False,
) -> ProcessOutcome:
    """Run `argv` in `cwd`; on timeout kill its whole process group. Always reaps; never raises.

    At most `max_output` bytes of output are read: past that the process is killed and the
    outcome is `truncated`, so a flood of output never costs more memory than that. `pass_fds`
    are descriptors the process inherits (no other is).

    `limits` (`confine.resource_limits`) are set before the command runs. When `argv` is a
    bwrap command line (`bwrap`), bwrap holds the sandboxed command before its exec
    (`--block-fd`) while they are set on it from here (its pid from `--info-fd`), so this
    process is never forked; otherwise a forked child sets them before its exec (a fork of a
    large process costs milliseconds per GiB).
    """
    held: tuple[int, int] | None = None
    preexec = None
    if limits and bwrap:
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        argv = [argv[0], "--info-fd", str(info_w), "--block-fd", str(block_r), *argv[1:]]
        pass_fds = (*pass_fds, info_w, block_r)
        held = (info_r, block_w)
    elif limits:
        preexec = functools.partial(apply_limits, tuple(limits))
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            pass_fds=pass_fds,
            preexec_fn=preexec,
        )
    except OSError as exc:
        if held is not None:
            _close(*held)
        return ProcessOutcome(None, "", "", launch_error=f"could not start {argv[0]}: {exc}")
    finally:
        if held is not None:
            _close(info_w, block_r)
    deadline = time.monotonic() + timeout
    with _live_lock:
        _live.add(proc)
    try:
        failed = None if held is None else _release(held, limits, deadline)
        if failed is not None:
            _kill_group(proc)
            _reap(proc)
            if failed is TimeoutError:  # time ran out before the command could start
                return ProcessOutcome(None, "", "", timed_out=True)
            return ProcessOutcome(None, "", "", launch_error=str(failed))
        out, err, finished, truncated = _collect(proc, deadline, max_output)
    except BaseException:
        # KeyboardInterrupt and the like: do not leave the tool running behind us.
        _kill_group(proc)
        _reap(proc)
        raise
    finally:
        with _live_lock:
            _live.discard(proc)
    if truncated:
        _kill_group(proc)
        _reap(proc)
        return ProcessOutcome(None, _decode(out), _decode(err), truncated=True)
    if not finished:
        _kill_group(proc)
        _reap(proc)
        return ProcessOutcome(None, _decode(out), _decode(err), timed_out=True)
    return ProcessOutcome(proc.returncode, _decode(out), _decode(err))


def _close(*fds: int) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _release(
    held: tuple[int, int], limits: Sequence[tuple[int, int]], deadline: float
) -> str | type[TimeoutError] | None:
    """Set `limits` on the command bwrap holds, then let it run; why not, if it could not be
    done (the command is then killed, never run without them): `TimeoutError` when the
    deadline passed first.

    bwrap writes `{"child-pid": N, ...}` to its info descriptor once the sandbox's first
    process exists; if it stops before (a bad option, no namespaces), the descriptor closes
    with nothing and there is nothing to limit: bwrap's own error is the outcome.
    """
    info_r, block_w = held
    try:
        data = b""
        poller = select.poll()  # any descriptor number, unlike select()
        poller.register(info_r, select.POLLIN)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                return TimeoutError
            chunk = os.read(info_r, 4096)
            if not chunk:
                return None if not data.strip() else "bwrap's info was cut short"
            data += chunk
            try:
                pid = json.loads(data)["child-pid"]
                break
            except ValueError:
                continue
        for kind, cap in limits:
            resource.prlimit(pid, kind, (cap, cap))
        os.write(block_w, b"1")
    except (OSError, KeyError, TypeError) as exc:
        return f"could not set the sandbox's resource limits: {exc}"
    finally:
        _close(info_r, block_w)
    return None


def _collect(
    proc: subprocess.Popen[bytes], deadline: float, max_output: int
) -> tuple[bytes, bytes, bool, bool]:
    """Read both pipes to EOF and wait for exit, all before `deadline`.

    Returns (stdout, stderr, finished, truncated): `finished` is False if time ran out,
    `truncated` True when more than `max_output` bytes arrived (reading stops there).

    Unlike `Popen.communicate(timeout=...)`, whose final wait polls with growing sleeps, this
    waits for the exit on a pidfd where the platform has one, so it adds no latency.
    """
    assert proc.stdout is not None and proc.stderr is not None
    buffers: dict[int, list[bytes]] = {proc.stdout.fileno(): [], proc.stderr.fileno(): []}
    total = 0
    with selectors.DefaultSelector() as selector:
        for pipe in (proc.stdout, proc.stderr):
            selector.register(pipe, selectors.EVENT_READ)
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return (*_joined(buffers, proc), False, False)
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 65536)
                if chunk:
                    room = max_output - total
                    if len(chunk) > room:  # keep exactly max_output bytes, then stop
                        buffers[key.fd].append(chunk[: max(room, 0)])
                        return (*_joined(buffers, proc), False, True)
                    buffers[key.fd].append(chunk)
                    total += len(chunk)
                else:
                    selector.unregister(key.fileobj)
    stdout, stderr = _joined(buffers, proc)
    return stdout, stderr, _wait_exit(proc, deadline), False


def _joined(buffers: dict[int, list[bytes]], proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    assert proc.stdout is not None and proc.stderr is not None
    out = b"".join(buffers[proc.stdout.fileno()])
    err = b"".join(buffers[proc.stderr.fileno()])
    for pipe in (proc.stdout, proc.stderr):
        with contextlib.suppress(OSError):
            pipe.close()
    return out, err


def _wait_exit(proc: subprocess.Popen[bytes], deadline: float) -> bool:
    """Wait (until `deadline`) for a process whose pipes are closed to exit; True if it did."""
    if proc.poll() is not None:
        return True
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is not None:
        try:
            pidfd = pidfd_open(proc.pid)
        except OSError:
            pidfd = None
        if pidfd is not None:
            try:
                with selectors.DefaultSelector() as selector:
                    selector.register(pidfd, selectors.EVENT_READ)
                    if not selector.select(max(0.0, deadline - time.monotonic())):
                        return False
            finally:
                os.close(pidfd)
            # The leader has exited but is not reaped yet, so its pid (the group id) cannot be
            # reused: end whatever it left running in its group, then reap it.
            with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return True
    try:
        proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        return False
    return True


def _reap(proc: subprocess.Popen[bytes]) -> None:
    """Reap a killed process (it cannot ignore SIGKILL, so this returns at once)."""
    for pipe in (proc.stdout, proc.stderr):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        proc.wait(timeout=10.0)


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


_RUN_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar(
    "punie_run_deadline", default=None
)


@contextlib.contextmanager
def run_deadline(seconds: float | None) -> Generator[None]:
    """Within the block, every tool call counts against one wall-clock limit of `seconds`.

    The sandbox sets it around one `run_code` run; the runners and `LocalBackend` read it
    through `time_left` (it is per thread / per task, as a context variable).
    """
    value = None if seconds is None else (time.monotonic() + seconds, float(seconds))
    token = _RUN_DEADLINE.set(value)
    try:
        yield
    finally:
        _RUN_DEADLINE.reset(token)


def time_left(timeout: float) -> tuple[float, float | None]:
    """(seconds a call with `timeout` may take, the run's limit when that is what bounds it).

    Outside `run_deadline` this is `(timeout, None)`; 0 seconds means the run's time is up.
    """
    current = _RUN_DEADLINE.get()
    if current is None:
        return timeout, None
    end, total = current
    remaining = end - time.monotonic()
    if remaining < timeout:
        return max(remaining, 0.0), total
    return timeout, None


def run_confined(
    argv: list[str],
    *,
    policy: Policy,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
    max_output: int = DEFAULT_MAX_OUTPUT,
    unconfined: bool = False,
    tool: str | None = None,
) -> ProcessOutcome:
    """Run `argv` confined by `policy` (see `punie_tools.confine`) in `cwd` (default: the
    workspace), with `policy.env` as its whole environment.

    Inside `confine.session()` the command runs in the session's sandbox for this policy
    (same confinement, no new sandbox per call) when the session can serve it.

    Raises `SandboxUnavailableError` when no OS sandbox works here and `unconfined` is False;
    otherwise never raises, like `run_process`.
    """
    where = cwd if cwd is not None else policy.workspace
    current = None if unconfined else current_session()
    if current is not None:
        outcome = current.run(argv, policy, where, timeout, max_output)
        if outcome is not None:
            return outcome
    with launch(argv, policy, cwd=where, unconfined=unconfined, tool=tool) as launched:
        return run_process(
            launched.argv,
            cwd=where,
            timeout=timeout,
            env=launched.env,
            max_output=max_output,
            pass_fds=launched.pass_fds,
            limits=resource_limits(policy),
            bwrap=not unconfined and probe()[0] == "bwrap",
        )


_FOUND: dict[str, str] = {}


def find_executable(name: str) -> str | None:
    """Path of tool `name` installed with punie-tools (next to this Python), else from PATH."""
    cached = _FOUND.get(name)
    if cached is not None and os.access(cached, os.X_OK):
        return cached
    found = _search(name)
    if found is not None:
        _FOUND[name] = found
    return found


def _search(name: str) -> str | None:
    candidates: list[Path] = []
    scripts = sysconfig.get_path("scripts")
    if scripts:
        candidates.append(Path(scripts) / name)
    candidates.append(Path(sys.executable).parent / name)
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        user_scripts = sysconfig.get_path("scripts", scheme=user_scheme)
        if user_scripts:
            candidates.append(Path(user_scripts) / name)
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return shutil.which(name)
