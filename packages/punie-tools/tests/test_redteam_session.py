"""Red team, confined sessions: one sandbox kept alive for a run (`confine.session`).

A session trades a fresh sandbox per call for one launcher (PID 1 of the sandbox) that runs
each command and then resets the sandbox. Every promise a per-call sandbox keeps must still hold
between the calls of a session, so each test here lets call 1 attack and checks call 2 (and the
host): nothing call 1 started is alive, nothing it left in the sandbox's temporary places is
visible, its environment is gone, the launcher was neither stopped, ptraced, re-limited nor
reached through its descriptors, and the answer of call 2 is call 2's own. The commands run
Python directly through `run_confined` (no option allow-list in the way): the OS layer alone
must hold.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_fixtures.redteam import daemons, marker_processes, workspace

from punie_tools import confine
from punie_tools._session import Session
from punie_tools._subprocess import ProcessOutcome, run_confined
from punie_tools.confine import Policy, available, base_env, scratch_folder
from punie_tools.sandbox import SandboxLimits, run_code

MARKER = "punie-session-marker-5e27"
LAUNCHER_SIGN = "The launcher of a confined session"  # from the launcher's docstring


@pytest.fixture(scope="module", autouse=True)
def _sandbox_on() -> None:
    assert available() is None, f"the OS sandbox must be ON for the red team: {available()}"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path)


@pytest.fixture
def session() -> Iterator[Session]:
    with confine.session(start_after=0) as current:  # every call in the session's sandbox
        yield current


def _policy(ws: Path, **env: str) -> Policy:
    return Policy(workspace=ws, env=base_env(env or None))


def run(
    ws: Path, code: str, *, timeout: float = 30.0, max_output: int = 1_000_000,
    policy: Policy | None = None, **env: str,
) -> ProcessOutcome:  # fmt: skip
    return run_confined(
        [sys.executable, "-c", code], policy=policy or _policy(ws, **env), timeout=timeout,
        max_output=max_output,
    )  # fmt: skip


def _json(outcome: ProcessOutcome) -> object:
    assert outcome.returncode == 0, (outcome, outcome.stderr[-2000:])
    return json.loads(outcome.stdout)


# What call 2 sees of the sandbox: the processes, the temporary places, System V IPC.
LOOK = """
import json, os
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
places = {d: sorted(os.listdir(d)) for d in ('/tmp', '/dev/shm', '/dev/mqueue') if os.path.isdir(d)}
ipc = {n: open('/proc/sysvipc/' + n).read().splitlines()[1:] for n in ('shm', 'sem', 'msg')}
modes = {d: oct(os.stat(d).st_mode & 0o7777) for d in ('/tmp', '/dev/shm')}
print(json.dumps({'pids': pids, 'me': os.getpid(), 'places': places, 'ipc': ipc,
                  'modes': modes, 'env': dict(os.environ),
                  'pid1': open('/proc/1/cmdline', 'rb').read().decode(errors='replace')}))
"""


def _look(ws: Path, **env: str) -> dict:
    data = _json(run(ws, LOOK, **env))
    assert isinstance(data, dict)
    return data


# --------------------------------------------------------------------------- the session is used


def test_calls_share_one_sandbox_whose_pid_1_is_the_launcher(ws: Path, session: Session) -> None:
    first = _look(ws)
    second = _look(ws)
    assert session.started == 1
    assert LAUNCHER_SIGN in first["pid1"] and LAUNCHER_SIGN in second["pid1"]
    assert first["pids"] == [1, first["me"]]  # nothing else runs in the sandbox
    assert second["me"] != first["me"]
    assert (ws / "keep.txt").read_text() == "workspace file\n"


def test_without_a_session_every_call_has_its_own_sandbox(ws: Path) -> None:
    data = _look(ws)
    assert LAUNCHER_SIGN not in data["pid1"] and data["me"] == 1  # the command is PID 1


def test_run_code_opens_one_session_per_run(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    close = Session.close

    def counting_close(self: Session) -> None:
        started.append(self.started)
        close(self)

    monkeypatch.setattr(Session, "close", counting_close)
    (ws / "a.py").write_text("import os\n")
    record = run_code(
        "print(ruff_check('a.py').error_count)\nprint(ruff_check('.').error_count)\n"
        "print(run_command('ls'))",
        ws,
        limits=SandboxLimits(timeout=5.0, tool_timeout=30.0),
    )
    assert record.error is None, record.error
    assert record.stdout.splitlines()[:2] == ["1", "1"]
    assert "keep.txt" in record.stdout
    assert started == [1], "three confined calls of one run share one sandbox"


# --------------------------------------------------------------------------- nothing carries over


def test_processes_of_call_1_are_dead_before_call_2(ws: Path, session: Session) -> None:
    # Call 1 leaves a double-forked daemon in its own session, a process that forks children
    # as fast as it can, and a process that ignores every signal it may ignore; then exits.
    leave = (
        daemons(MARKER)
        + f"""
import signal
forker = '''
import os, time
while True:  # forks until it is killed (throttled: the test must stay cheap)
    try:
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
    except OSError:
        pass
    time.sleep(0.002)
# {MARKER}'''
subprocess.Popen([sys.executable, '-c', forker], start_new_session=True)
stubborn = '''
import signal, time
for s in range(1, 32):
    try:
        signal.signal(s, signal.SIG_IGN)
    except (OSError, ValueError):
        pass
time.sleep(300)  # {MARKER}'''
subprocess.Popen([sys.executable, '-c', stubborn], start_new_session=True)
time.sleep(0.5)
print('left')
"""
    )
    assert run(ws, leave).stdout == "left\n"
    assert not marker_processes(MARKER), "a process of call 1 outlived it on the host"
    data = _look(ws)
    assert data["pids"] == [1, data["me"]], data["pids"]
    assert session.started == 1


def test_temporary_places_ipc_and_keyrings_are_reset(ws: Path, session: Session) -> None:
    leave = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
open('/tmp/left.txt', 'w').write('call 1')
os.makedirs('/tmp/deep/er')
open('/tmp/deep/er/x', 'w').write('x')
os.chmod('/tmp/deep', 0)
os.symlink('/tmp', '/tmp/loop')
open('/dev/shm/left', 'w').write('call 1')
open('/dev/mqueue/left', 'w').close()
assert libc.shmget(0x5e27, 4096, 0o1600) >= 0, ctypes.get_errno()
assert libc.semget(0x5e28, 1, 0o1600) >= 0, ctypes.get_errno()
assert libc.msgget(0x5e29, 0o1600) >= 0, ctypes.get_errno()
os.chmod('/tmp', 0)
os.chmod('/dev/shm', 0o777)
print('left')
"""
    assert run(ws, leave).stdout == "left\n"
    data = _look(ws)
    assert data["places"] == {"/tmp": data["places"]["/tmp"], "/dev/shm": [], "/dev/mqueue": []}
    assert "left.txt" not in data["places"]["/tmp"] and "deep" not in data["places"]["/tmp"]
    assert data["ipc"] == {"shm": [], "sem": [], "msg": []}
    first_modes = data["modes"]
    assert first_modes["/tmp"] != "0o0" and first_modes["/dev/shm"] != "0o777"
    keys = """
import ctypes, os, platform
libc = ctypes.CDLL(None, use_errno=True)
add_key = {'x86_64': 248, 'aarch64': 217}.get(platform.machine())
keyctl = {'x86_64': 250, 'aarch64': 219}.get(platform.machine())
if add_key is None:
    print('skip')
else:
    key = libc.syscall(add_key, b'user', b'punie-left', b'secret', 6, -4)  # @u
    found = libc.syscall(keyctl, 10, -4, b'user', b'punie-left', 0)  # KEYCTL_SEARCH
    print(key > 0, found > 0)
"""
    written = run(ws, keys).stdout.split()
    if written != ["skip"]:
        assert written[0] == "True", "add_key failed: nothing to test"
        assert run(ws, keys.replace("key = libc", "key = 1 or libc")).stdout.split()[1] == "False"
    assert (ws / "keep.txt").read_text() == "workspace file\n"
    assert session.started == 1


def test_the_environment_is_exactly_each_calls_own(ws: Path, session: Session) -> None:
    first = _look(ws, PUNIE_CALL_ONE="secret-of-call-1")
    second = _look(ws, PUNIE_CALL_TWO="two")
    assert first["env"] == base_env({"PUNIE_CALL_ONE": "secret-of-call-1"})
    assert second["env"] == base_env({"PUNIE_CALL_TWO": "two"})
    # Programs are looked up in the call's own PATH, as bwrap's execvp does per call.
    (ws / "bin").mkdir()
    (ws / "bin" / "only-here").write_text("#!/bin/sh\necho found in $0\n")
    (ws / "bin" / "only-here").chmod(0o755)
    env = base_env({"PATH": f"{ws / 'bin'}:/usr/bin:/bin"})
    found = run_confined(["only-here"], policy=Policy(workspace=ws, env=env), timeout=30)
    assert found.stdout == f"found in {ws / 'bin' / 'only-here'}\n", found
    missing = run_confined(["only-here"], policy=_policy(ws), timeout=30)
    assert missing.returncode == 1 and "execvp only-here" in missing.stderr, missing
    environ = run(ws, "print(open('/proc/1/environ').read())")
    assert environ.returncode != 0 and "PermissionError" in environ.stderr
    assert "secret-of-call-1" not in environ.stdout + environ.stderr


def test_the_writable_scratch_folder_is_emptied_after_every_call(
    ws: Path, session: Session
) -> None:
    with scratch_folder() as mine:
        root = os.path.dirname(mine)
        policy = Policy(workspace=ws, writable=(mine,), env=base_env())
        plant = f"""
import os
open({mine!r} + '/report.json', 'w').write('mine')
for name in ('planted', 'aaaaaaaaaaaaaaaa', 'ffffffffffffffff'):
    os.makedirs({root!r} + '/' + name + '/sub')
    open({root!r} + '/' + name + '/report.json', 'w').write('{{"forged": true}}')
print(sorted(os.listdir({root!r})))
"""
        assert run(ws, plant, policy=policy).returncode == 0
        assert os.listdir(root) == [os.path.basename(mine)], "planted folders survived"
        assert Path(mine, "report.json").read_text() == "mine"  # the call's own output stays
    with scratch_folder() as fresh:
        assert os.listdir(fresh) == [] and os.listdir(os.path.dirname(fresh)) == [
            os.path.basename(fresh)
        ]
    # A call that needs no writable folder does not see the scratch folder at all.
    seen = run(ws, f"import os; print(os.path.exists({root!r}))")
    assert seen.stdout == "False\n"


def test_a_git_folder_made_by_one_call_is_read_only_in_the_next(ws: Path, session: Session) -> None:
    """Per call, a `.git` in the workspace is bound read-only (a hook planted there would run
    at the user's next git command); a session's mounts are fixed at its start, so a `.git`
    that appears must move the next call to a new sandbox where it is read-only."""
    made = run(ws, "import os; os.mkdir('.git'); open('.git/config', 'w').write('[core]\\n')")
    assert made.returncode == 0, made
    plant = run(ws, "open('.git/config', 'a').write('fsmonitor = touch /tmp/x\\n')")
    assert "Read-only file system" in plant.stderr, plant
    assert (ws / ".git" / "config").read_text() == "[core]\n"
    assert session.started == 2


# --------------------------------------------------------------------------- the launcher


def test_signals_to_the_launcher_change_nothing(ws: Path, session: Session) -> None:
    attack = """
import os, signal
for s in range(1, 65):
    if s in (signal.SIGKILL, signal.SIGSTOP):
        continue
    try:
        os.kill(1, s)
    except OSError as exc:
        print('refused', s, exc.errno)
os.kill(1, signal.SIGSTOP)
os.kill(1, signal.SIGKILL)
print('sent')
"""
    out = run(ws, attack)
    assert out.returncode == 0 and out.stdout.endswith("sent\n"), out
    data = _look(ws)
    assert data["pids"] == [1, data["me"]] and LAUNCHER_SIGN in data["pid1"]
    assert session.started == 1, "the launcher survived every signal and still serves"


def test_the_launcher_cannot_be_ptraced_read_or_reached_through_its_descriptors(
    ws: Path, session: Session
) -> None:
    attack = """
import ctypes, json, os, platform, socket
inherited = []
for fd in range(3, 64):
    try:
        os.fstat(fd)
        inherited.append(fd)
    except OSError:
        pass
libc = ctypes.CDLL(None, use_errno=True)
got = {'inherited': inherited}
got['ptrace_attach'] = libc.ptrace(16, 1, 0, 0)
got['ptrace_seize'] = libc.ptrace(0x4206, 1, 0, 0)
pidfd = libc.syscall(434, 1, 0)  # pidfd_open
got['pidfd_getfd'] = [libc.syscall(438, pidfd, fd, 0) for fd in range(0, 12)] if pidfd >= 0 else 'no pidfd'
buf = ctypes.create_string_buffer(16)
iov = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 16)
got['process_vm_readv'] = libc.syscall(310, 1, iov, 1, iov, 1, 0)
opened = []
for name in ('mem', 'environ', 'maps', 'root', 'cwd', 'exe'):
    try:
        path = '/proc/1/' + name
        if name in ('root', 'cwd'):
            os.listdir(path)
        else:
            open(path, 'rb').read(1)
        opened.append(name)
    except OSError:
        pass
try:  # as root the fd folder's names can be listed (it is owned by root), never followed
    numbers = os.listdir('/proc/1/fd')
except OSError:
    numbers = [str(n) for n in range(64)]
got['fd_numbers'] = len(numbers)
for number in numbers:
    for how in ('r', 'w', 'link'):
        try:
            if how == 'link':
                os.readlink('/proc/1/fd/' + number)
            else:
                open('/proc/1/fd/' + number, how + 'b').close()
            opened.append('fd %s %s' % (number, how))
        except OSError:
            pass
got['opened'] = opened
print(json.dumps(got))
"""
    got = _json(run(ws, attack))
    assert isinstance(got, dict)
    assert got["ptrace_attach"] == -1 and got["ptrace_seize"] == -1
    assert got["pidfd_getfd"] == "no pidfd" or set(got["pidfd_getfd"]) == {-1}
    assert got["process_vm_readv"] == -1
    assert got["inherited"] == [], "the command inherited descriptors beyond 0, 1 and 2"
    assert got["fd_numbers"] >= 3 and got["opened"] == [], got["opened"]
    assert _look(ws)["pids"][0] == 1 and session.started == 1


def test_changing_the_launchers_limits_discards_the_sandbox(ws: Path, session: Session) -> None:
    """prlimit, setpriority and sched_setaffinity work on any process of the same user: a call
    that lowers the launcher's limits would cripple the next call. The launcher notices and
    the host starts a new sandbox; the next call has the host's limits."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    attack = """
import os, resource
resource.prlimit(1, resource.RLIMIT_NOFILE, (16, 16))
resource.prlimit(1, resource.RLIMIT_FSIZE, (1, 1))
os.setpriority(os.PRIO_PROCESS, 1, 19)
print('limited')
"""
    out = run(ws, attack)
    assert out.launch_error is not None and "session" in out.launch_error, out
    check = "import os, resource; print(resource.getrlimit(resource.RLIMIT_NOFILE), os.nice(0))"
    assert run(ws, check).stdout == f"{(soft, hard)} {os.nice(0)}\n"
    assert session.started == 2


def test_a_launcher_that_dies_mid_call_gives_a_launch_error_and_a_new_sandbox(
    ws: Path, session: Session
) -> None:
    assert run(ws, "print(1)").stdout == "1\n"
    (box,) = session._boxes.values()
    children = Path(f"/proc/{box.proc.pid}/task/{box.proc.pid}/children").read_text().split()
    launcher = int(children[0])

    def kill_soon() -> None:
        time.sleep(0.5)
        os.kill(launcher, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    started = time.monotonic()
    out = run(ws, f"import time; time.sleep(60)  # {MARKER}")
    killer.join()
    assert time.monotonic() - started < 20
    assert out.launch_error is not None and "sandbox stopped" in out.launch_error, out
    # With its PID 1 gone the kernel kills the sandbox's processes, a moment after the call.
    deadline = time.monotonic() + 5
    while marker_processes(MARKER) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not marker_processes(MARKER)
    assert run(ws, "print(2)").stdout == "2\n"
    assert session.started == 2
    # run_command says so as an OSError (not "not installed"), without a host path.
    from punie_tools.backends import LocalBackend

    backend = LocalBackend(ws)
    backend.run_command("ls")
    (box,) = session._boxes.values()
    launcher = int(
        Path(f"/proc/{box.proc.pid}/task/{box.proc.pid}/children").read_text().split()[0]
    )
    # bwrap is held stopped while its launcher dies, so the session still takes the sandbox for
    # alive when the next call is sent (otherwise, if bwrap has exited by then, the session
    # quietly starts a new sandbox and nothing is raised: a race this test lost once in CI).
    # The launcher is stopped first and killed only after the call was sent: killed at once,
    # it could close its socket before the send, which then fails and the call quietly gets a
    # sandbox of its own (lost twice here at load 4).
    os.kill(box.proc.pid, signal.SIGSTOP)
    os.kill(launcher, signal.SIGSTOP)
    late = threading.Timer(0.5, os.kill, (launcher, signal.SIGKILL))
    late.start()
    try:
        with pytest.raises(OSError, match="sandbox stopped") as caught:
            backend.run_command("ls")
    finally:
        late.join()
        with contextlib.suppress(ProcessLookupError):
            os.kill(box.proc.pid, signal.SIGCONT)
    assert type(caught.value) is OSError and str(ws) not in str(caught.value)
    assert "keep.txt" in backend.run_command("ls")


def test_a_leftover_process_cannot_forge_the_next_calls_output(ws: Path, session: Session) -> None:
    forger = f"""
import os, subprocess, sys
code = '''
import os, time
while True:
    for p in os.listdir('/proc'):
        if p.isdigit() and int(p) not in (1, os.getpid()):
            for fd in (1, 2):
                try:
                    with open('/proc/%s/fd/%d' % (p, fd), 'w') as f:
                        f.write('FORGED')
                except OSError:
                    pass
    time.sleep(0.001)
# {MARKER}'''
subprocess.Popen([sys.executable, '-c', code], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print('planted')
"""
    # Call 1's own output may hold what its own forger wrote before the call ended (its
    # output is its own to make); the promise is about the next call's.
    assert run(ws, forger).stdout.startswith("planted\n")
    out = run(ws, "import time; time.sleep(0.5); print('clean')")
    assert out.stdout == "clean\n" and out.stderr == "", out


# --------------------------------------------------------------------------- limits still hold


def test_timeout_and_output_cap_hold_in_a_session(ws: Path, session: Session) -> None:
    started = time.monotonic()
    out = run(ws, f"import time; time.sleep(120)  # {MARKER}", timeout=1.0)
    assert out.timed_out and time.monotonic() - started < 15
    assert not marker_processes(MARKER)
    flood = run(ws, "import os\nwhile True:\n    os.write(1, b'x' * 65536)", max_output=200_000)
    assert flood.truncated and len(flood.stdout) == 200_000
    both = run(ws, "import os\nfor _ in range(40):\n    os.write(1, b'o' * 9000)\n"
                   "    os.write(2, b'e' * 9000)")  # fmt: skip
    assert (both.stdout, both.stderr) == ("o" * 360_000, "e" * 360_000)
    assert run(ws, "print('next')").stdout == "next\n"
    assert session.started == 1


def test_a_session_sees_no_more_than_a_sandbox_per_call(
    ws: Path, tmp_path: Path, session: Session
) -> None:
    """The same probe, per call and in the session: what exists and what is writable. The
    session may be stricter (its root and /dev are read-only), never looser."""
    (tmp_path / "host-secret.txt").write_text("secret\n")
    probe = f"""
import json, os
paths = ['/', '/usr', '/etc', '/etc/shadow', '/root', '/home', '/var', '/run', '/tmp', '/dev',
         '/dev/shm', {str(ws)!r}, {str(tmp_path / "host-secret.txt")!r}, {str(tmp_path)!r},
         '/proc/sys', {sys.prefix!r}]
found = {{}}
for p in paths:
    found[p] = [os.path.exists(p), os.access(p, os.W_OK)]
print(json.dumps(found))
"""
    in_session = _json(run(ws, probe))
    with confine.per_call():
        per_call = _json(run(ws, probe))
    assert isinstance(in_session, dict) and isinstance(per_call, dict)
    for path, (exists, writable) in in_session.items():
        assert not exists or per_call[path][0], f"{path} is visible only in the session"
        assert not writable or per_call[path][1], f"{path} is writable only in the session"
    assert in_session[str(tmp_path / "host-secret.txt")] == [False, False]
    # The one path only a session has: /dev/mqueue, its own IPC namespace's (empty) queues,
    # mounted so the launcher can empty it after every call.
    assert _json(run(ws, "import os; print(os.listdir('/dev/mqueue'))")) == []
    assert in_session[str(ws)] == [True, True]
    assert in_session["/"][1] is False and in_session["/dev"][1] is False


# --------------------------------------------------------------------------- the red team, in sessions

# `run_code` starts a run's session sandbox for a kind of call at its third call of that
# kind (see `Sandbox.session_start_after`), so most of `test_redteam_confine`'s attacks run
# with a sandbox per call there. These run the subprocess red team's host-code-execution
# attacks (pytest running the workspace's code on the host's behalf) with every call of the
# run inside the session's sandbox, checked the same way (a few: each runs pytest twice).
SESSION_ATTACKS = (
    "pytest test reads a host secret by absolute path",
    "pytest test dumps the environment",
    "pytest test starts a process in its own session",
    "pytest test plants core.fsmonitor in the workspace's own .git",
)


@pytest.fixture(scope="module")
def eager_sandbox() -> Iterator[object]:
    from punie_tools.sandbox import Sandbox

    with Sandbox(session_start_after=0) as sandbox:
        yield sandbox


@pytest.mark.parametrize("name", SESSION_ATTACKS)
def test_red_team_attacks_are_contained_in_a_session(
    arena: object,  # noqa: F811 (the fixture imported from test_redteam_confine)
    eager_sandbox: object,
    name: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from test_redteam_confine import ATTACKS, _seen_by_model, _snapshot, assert_contained

    from punie_tools.backends import LocalBackend

    attack = next(a for a in ATTACKS if a.name == name)
    if attack.setup is not None:
        attack.setup(arena)
    before = _snapshot(arena)
    served: list[int] = []
    close = Session.close

    def counting_close(self: Session) -> None:
        served.append(self.started)
        close(self)

    monkeypatch.setattr(Session, "close", counting_close)
    backend = LocalBackend(arena.ws, timeout=attack.limits.tool_timeout)  # type: ignore[attr-defined]
    record = eager_sandbox.run(arena.fill(attack.code), backend, limits=attack.limits)  # type: ignore[attr-defined]
    assert served and served[0] >= 1, "the run's calls did not use a session sandbox"
    if attack.expect is not None:
        assert attack.expect in _seen_by_model(record), _seen_by_model(record)[-3000:]
    assert_contained(arena, record, before)  # type: ignore[arg-type]
    if attack.after is not None:
        attack.after(arena)


from test_redteam_confine import arena  # noqa: E402,F401  (the arena fixture, shared)
