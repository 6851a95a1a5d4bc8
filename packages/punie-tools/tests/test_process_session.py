"""The process's own confined session: typed calls made outside any `confine.session()` block.

From a kind's third call in a process, the process's session serves confined calls: one bwrap
sandbox per kind, reset after every call, as `run_code`'s sessions are (their red team is
test_redteam_session.py). What the process's session adds, and what is attacked here: it is
shared by every thread of the process (a call never waits for another thread's: it gets a
sandbox of its own, and its private folders stay outside what the shared sandbox can write), it
keeps a bounded number of sandboxes, a forked child never uses its parent's, and it can be
turned off (`PUNIE_SESSION=0`, `confine.per_call()`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from punie_tools import confine
from punie_tools._session import Session
from punie_tools._subprocess import run_confined
from punie_tools.confine import Policy, available, base_env, scratch_folder


@pytest.fixture(scope="module", autouse=True)
def _sandbox_on() -> None:
    assert available() is None, f"the OS sandbox must be ON here: {available()}"


def _ws(tmp_path: Path, name: str = "ws") -> Path:
    root = tmp_path / name
    root.mkdir()
    return root


def _py(ws: Path, code: str, *, writable: tuple[str, ...] = (), timeout: float = 30):
    policy = Policy(workspace=ws, env=base_env(), writable=writable)
    return run_confined(
        [os.path.abspath(sys.executable), "-I", "-c", code], policy=policy, timeout=timeout
    )


def _process() -> Session:
    current = confine.current_session()
    assert isinstance(current, Session) and current.shared
    return current


LEAVE_BEHIND = """
import os, subprocess
open('/tmp/left-behind', 'w').write('x')
subprocess.Popen(['sleep', '300'], start_new_session=True)
print(os.getpid())
"""

LOOK = """
import os
procs = [p for p in os.listdir('/proc') if p.isdigit()]
cmd = [open(f'/proc/{p}/cmdline', 'rb').read() for p in procs]
print(os.path.exists('/tmp/left-behind'), any(c.startswith(b'sleep\\0') for c in cmd))
"""


def test_a_kinds_third_call_runs_in_the_process_session_and_leaves_nothing(
    tmp_path: Path,
) -> None:
    ws = _ws(tmp_path)
    process = _process()
    started = process.started
    for _ in range(2):  # a sandbox each: starting the session's costs more than they save
        assert _py(ws, "print('own')").stdout == "own\n"
    assert process.started == started
    third = _py(ws, LEAVE_BEHIND)
    assert third.returncode == 0, third.stderr
    assert process.started == started + 1
    assert third.stdout.strip() != "1"  # the launcher is PID 1, the command is not
    fourth = _py(ws, LOOK)
    assert fourth.stdout.split() == ["False", "False"], fourth.stdout
    assert process.started == started + 1  # the same sandbox served the fourth call


def test_a_busy_process_session_never_makes_another_thread_wait(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    for _ in range(3):
        _py(ws, "pass")  # the session's sandbox for this kind is running now
    process = _process()
    started = process.started
    slow_done: list[float] = []

    def slow() -> None:
        _py(ws, "import time; time.sleep(3)")
        slow_done.append(time.monotonic())

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.5)  # the slow call holds the session's sandbox now
    began = time.monotonic()
    quick = _py(ws, "print('quick')")
    quick_done = time.monotonic()
    thread.join()
    assert quick.stdout == "quick\n"
    assert quick_done - began < 2.0, "the quick call waited for the slow one"
    assert slow_done and quick_done < slow_done[0]
    assert process.started == started  # the quick call ran in a sandbox of its own


def test_a_busy_process_session_keeps_other_threads_private_folders_private(
    tmp_path: Path,
) -> None:
    """While the shared sandbox runs thread A's command, thread B's pytest report folder must
    not lie where that sandbox may write (the session's scratch folder)."""
    ws = _ws(tmp_path)
    process = _process()
    with scratch_folder() as first:  # holds the session, as a pytest call does
        seen: list[str] = []
        other = threading.Thread(target=lambda: seen.append(_other_scratch()), daemon=True)
        other.start()
        other.join(timeout=20)
        assert not other.is_alive(), "the other thread waits for this one's call"
        assert process._scratch and first.startswith(process._scratch)
        assert seen and not seen[0].startswith(process._scratch + os.sep)
        assert not os.path.exists(seen[0])  # removed when its block ended
    del ws


def _other_scratch() -> str:
    with scratch_folder() as path:
        assert os.path.isdir(path)
        return path


def test_the_process_session_keeps_at_most_max_boxes_sandboxes(tmp_path: Path) -> None:
    process = _process()
    for i in range(confine.MAX_PROCESS_BOXES + 2):
        ws = _ws(tmp_path, f"ws{i}")
        for _ in range(3):
            assert _py(ws, "print(1)").stdout == "1\n"
        assert len(process._boxes) <= confine.MAX_PROCESS_BOXES
    ended = [b for b in process._boxes.values() if b.proc.poll() is not None]
    assert not ended
    assert len(process._boxes) == confine.MAX_PROCESS_BOXES


def _child_calls(ws: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    child = confine.current_session()
    outs = [_py(Path(ws), "print(2)").stdout for _ in range(3)]
    assert child is not None
    queue.put((id(child), child.started, outs))


def test_a_forked_child_starts_its_own_session_and_leaves_its_parents_alone(
    tmp_path: Path,
) -> None:
    ws = _ws(tmp_path)
    for _ in range(3):
        _py(ws, "pass")
    parent = _process()
    boxes = dict(parent._boxes)
    assert boxes
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_child_calls, args=(str(ws), queue))
    child.start()
    _, child_started, outs = queue.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert outs == ["2\n"] * 3
    assert child_started == 1  # its own sandbox, started at its third call
    assert all(b.proc.poll() is None for b in boxes.values()), "the child ended the parent's"
    assert _py(ws, "print(3)").stdout == "3\n"
    assert dict(parent._boxes) == boxes  # the parent's sandbox still serves the parent


def test_per_call_and_the_environment_switch_turn_the_process_session_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert confine.current_session() is not None
    with confine.per_call():
        assert confine.current_session() is None
        with confine.session() as inner:  # an explicit block still wins
            assert confine.current_session() is inner
    monkeypatch.setenv(confine.PROCESS_SESSION_ENV, "0")
    assert confine.current_session() is None


def test_the_session_starts_from_an_interpreter_path_with_dot_dot(tmp_path: Path) -> None:
    """The launcher ran `sys.executable` as given: `venv/bin/../bin/python` names folders the
    sandbox does not have, and every session sandbox failed to start."""
    here = Path(sys.executable)
    python = here.parent / ".." / here.parent.name / here.name
    ws = _ws(tmp_path)
    code = (
        "import json, sys; from pathlib import Path\n"
        "from punie_tools import confine\n"
        "from punie_tools._subprocess import run_confined\n"
        "p = confine.Policy(workspace=Path(sys.argv[1]), env=confine.base_env())\n"
        "with confine.session(start_after=0) as s:\n"
        "    out = run_confined([sys.executable, '-I', '-c', 'print(5)'], policy=p, timeout=30)\n"
        "print(json.dumps([s.started, out.stdout]))\n"
    )
    proc = subprocess.run(
        [str(python), "-c", code, str(ws)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [1, "5\n"]


@pytest.mark.parametrize("value", ["0", "off", "OFF", " Off ", "no", "NO", "false", "False"])
def test_every_spelling_of_off_turns_the_process_session_off(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(confine.PROCESS_SESSION_ENV, value)
    assert confine.current_session() is None


@pytest.mark.parametrize("value", ["", "1", "on", "yes", "offline"])
def test_other_values_leave_it_on(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(confine.PROCESS_SESSION_ENV, value)
    assert isinstance(confine.current_session(), Session)


def test_the_process_session_is_one_per_process_and_closes_at_exit_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Driven on the module's own state (a stand-in session, the pid changed as a fork that
    skipped the at-fork hook would see it), so the real process session is left alone."""
    registered: list[object] = []
    monkeypatch.setattr(confine.atexit, "register", registered.append)
    monkeypatch.setattr(confine, "_process", None)
    monkeypatch.setattr(confine, "_process_closes_at_exit", False)
    first = confine._process_session()
    assert first.shared and first.max_boxes == confine.MAX_PROCESS_BOXES
    assert confine._process_session() is first  # one per process
    assert registered == [confine._close_process_session]
    monkeypatch.setattr(confine, "_process_pid", os.getpid() + 1)  # seen from a child
    second = confine._process_session()
    assert second is not first and confine._process_pid == os.getpid()
    assert registered == [confine._close_process_session]  # the child inherits the hook
    monkeypatch.setattr(confine, "_process_pid", os.getpid() + 1)
    confine._close_process_session()  # not this process's session: left alone
    assert not second._closed
    monkeypatch.setattr(confine, "_process_pid", os.getpid())
    confine._close_process_session()
    assert second._closed and not first._closed
    first.close()


def test_a_forked_child_gets_a_fresh_lock_and_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """The at-fork hook, run here on stand-ins: a lock another thread held at the fork would
    otherwise stay held in the child forever."""
    held = threading.Lock()
    held.acquire()
    stand_in = Session(shared=True)
    monkeypatch.setattr(confine, "_process_lock", held)
    monkeypatch.setattr(confine, "_process", stand_in)
    confine._after_fork_in_child()
    assert confine._process is None
    assert confine._process_lock is not held
    assert confine._process_lock.acquire(blocking=False)
    confine._process_lock.release()
    assert not stand_in._closed  # the parent's sandboxes are the parent's


LIMITS_CODE = """
import mmap, resource
print(resource.getrlimit(resource.RLIMIT_AS), resource.getrlimit(resource.RLIMIT_FSIZE))
try:
    mmap.mmap(-1, 8 * 1024**3)  # never touched: without a cap this succeeds and costs nothing
    print('mapped')
except OSError as exc:
    print(exc.strerror)
try:
    resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print('raised')
except (ValueError, OSError) as exc:
    print(type(exc).__name__)
"""


def test_every_call_starts_with_the_memory_and_file_caps(tmp_path: Path) -> None:
    """Per-call sandboxes (a kind's first two calls) and the session's sandbox (from the third)
    alike: the caps are set before the command starts, an 8 GiB mapping fails, and the command
    cannot raise its cap again."""
    ws = _ws(tmp_path)
    process = _process()
    started = process.started
    caps = f"({confine.DEFAULT_MEMORY_BYTES}, {confine.DEFAULT_MEMORY_BYTES}) "
    caps += f"({confine.DEFAULT_FILE_BYTES}, {confine.DEFAULT_FILE_BYTES})"
    for _ in range(4):
        outcome = _py(ws, LIMITS_CODE)
        assert outcome.stdout.splitlines() == [caps, "Cannot allocate memory", "ValueError"], (
            outcome.stdout,
            outcome.stderr,
        )
    assert process.started == started + 1  # calls 3 and 4 ran in the session's sandbox


def test_a_policy_without_caps_keeps_the_callers_limits(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    policy = Policy(workspace=ws, env=base_env(), memory_bytes=None, file_bytes=None)
    code = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0] == resource.RLIM_INFINITY)"
    own = confine.resource_limits(Policy(workspace=ws))
    for _ in range(3):
        outcome = run_confined([sys.executable, "-I", "-c", code], policy=policy, timeout=30)
        assert outcome.stdout == "True\n", outcome.stderr
    assert [kind for kind, _ in own] == [confine.resource.RLIMIT_AS, confine.resource.RLIMIT_FSIZE]


def test_unconfined_calls_start_with_the_caps_too(tmp_path: Path) -> None:
    ws = _ws(tmp_path)
    policy = Policy(workspace=ws, env=base_env())
    outcome = run_confined(
        [sys.executable, "-I", "-c", LIMITS_CODE], policy=policy, timeout=30, unconfined=True
    )
    assert outcome.stdout.splitlines()[1:] == ["Cannot allocate memory", "ValueError"], outcome


def test_release_never_lets_a_command_run_without_its_limits(tmp_path: Path) -> None:
    """`_release` against the descriptors bwrap would use: the sandboxed command (here a
    process that is already gone) is only let go once its limits are set."""
    from punie_tools._subprocess import _release

    ours: list[int] = []  # the ends `_release` does not close

    def held(info: bytes, close: bool = True) -> tuple[tuple[int, int], int]:
        info_r, info_w = os.pipe()
        block_r, block_w = os.pipe()
        os.write(info_w, info)
        if close:
            os.close(info_w)
        else:
            ours.append(info_w)
        ours.append(block_r)
        return (info_r, block_w), block_r

    caps = confine.resource_limits(Policy(workspace=tmp_path))
    gone = subprocess.Popen(["true"])
    gone.wait()
    fds, block_r = held(b'{"child-pid": %d}' % gone.pid)
    assert "could not set the sandbox's resource limits" in (
        _release(fds, caps, time.monotonic() + 5) or ""
    )
    assert os.read(block_r, 1) == b""  # never released: the writer closed without a byte
    fds, block_r = held(b"")  # bwrap stopped before its sandbox existed: nothing to limit
    assert _release(fds, caps, time.monotonic() + 5) is None
    fds, block_r = held(b'{"child-p')
    assert _release(fds, caps, time.monotonic() + 5) == "bwrap's info was cut short"
    fds, block_r = held(b"", close=False)
    assert _release(fds, caps, time.monotonic() + 0.2) is TimeoutError
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        fds, block_r = held(b'{"child-pid": %d, "pid-namespace": 1}' % child.pid)
        assert _release(fds, caps, time.monotonic() + 5) is None
        assert os.read(block_r, 1) == b"1"
        assert confine.resource.prlimit(child.pid, confine.resource.RLIMIT_AS) == caps[0][1:] * 2
    finally:
        child.kill()
        child.wait()
        for fd in ours:
            os.close(fd)
