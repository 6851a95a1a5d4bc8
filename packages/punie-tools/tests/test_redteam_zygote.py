"""Red team, pytest runs forked from a zygote (`confine.session(pytest_zygote=True)`).

In that mode a session's pytest runs share one sandbox whose PID 1 is the launcher started by
the pytest interpreter with pytest already imported; each run is a fork of it. Everything a
session promises must still hold, and one thing more: the fork inherits the launcher's memory,
so nothing a run does to its interpreter (modules, environment, descriptors) may reach the
next run, and no run may reach the launcher. Each test lets run 1 attack from inside a test
function and checks run 2, which is itself a forked pytest run. The commands are pytest
command lines passed to `run_confined` directly (no option allow-list in the way).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox_fixtures.redteam import daemons, marker_processes, workspace

from punie_tools import confine
from punie_tools._session import Session
from punie_tools._subprocess import ProcessOutcome, run_confined
from punie_tools.confine import Policy, available, base_env
from punie_tools.runners import pytest_env, pytest_run, python_module_argv

MARKER = "punie-zygote-marker-91c4"
LAUNCHER_SIGN = "The launcher of a confined session"  # from the launcher's docstring
RESULT = "RESULT:"


@pytest.fixture(scope="module", autouse=True)
def _sandbox_on() -> None:
    assert available() is None, f"the OS sandbox must be ON for the red team: {available()}"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path)


@pytest.fixture
def session() -> Iterator[Session]:
    with confine.session(start_after=0, pytest_zygote=True) as current:
        yield current


_COUNTER = [0]


def run_test(
    ws: Path, body: str, *, timeout: float = 60.0, env: dict[str, str] | None = None
) -> ProcessOutcome:
    """Run `body` as the one test of a new test file, in a pytest command line like the one
    `pytest_run` makes (no plugin autoload, output not captured)."""
    _COUNTER[0] += 1
    name = f"test_attack_{_COUNTER[0]}.py"
    (ws / name).write_text("def test_attack():\n" + textwrap.indent(body, "    "))
    argv = [*python_module_argv(sys.executable, "pytest"), "-p", "no:cacheprovider", "-q",
            "-s", "--color=no", "--", name]  # fmt: skip
    policy = Policy(workspace=ws, env={**pytest_env(plugin_autoload=False), **(env or {})})
    return run_confined(argv, policy=policy, timeout=timeout)


def result(outcome: ProcessOutcome) -> dict:
    assert outcome.returncode == 0, (outcome.returncode, outcome.stdout[-3000:], outcome.stderr)
    line = next(line for line in outcome.stdout.splitlines() if line.startswith(RESULT))
    return json.loads(line[len(RESULT) :])


# What run 2 sees: the processes, the temporary places, its interpreter and PID 1.
LOOK = f"""
import json, os, sys, __main__
import _pytest.python
pids = sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
places = {{d: sorted(os.listdir(d)) for d in ('/tmp', '/dev/shm', '/dev/mqueue') if os.path.isdir(d)}}
sockets = [fd for fd in os.listdir('/proc/self/fd')
           if os.path.exists('/proc/self/fd/' + fd)
           and os.readlink('/proc/self/fd/' + fd).startswith('socket:')]
print({RESULT!r} + json.dumps({{
    'pids': pids, 'me': os.getpid(), 'places': places, 'env': dict(os.environ),
    'pid1': open('/proc/1/cmdline', 'rb').read().decode(errors='replace'),
    'forked': hasattr(__main__, '_fork_pytest'), 'sockets': sockets,
    'patched': getattr(_pytest.python, 'PUNIE_PATCHED', None), 'dumps': json.dumps([1]),
    'path_end': sys.path[-1] == os.getcwd(),
    'modules': sorted(m for m in sys.modules if m.startswith('punie_attack')),
}}))
"""


def look(ws: Path, env: dict[str, str] | None = None) -> dict:
    return result(run_test(ws, LOOK, env=env))


# --------------------------------------------------------------------------- the zygote is used


def test_pytest_runs_are_forks_of_one_launcher_that_has_pytest(ws: Path, session: Session) -> None:
    first, second = look(ws), look(ws)
    assert session.started == 1
    for seen in (first, second):
        assert seen["forked"] is True, "the run was not forked from the launcher"
        assert LAUNCHER_SIGN in seen["pid1"] and "\x00zygote\x00" in seen["pid1"]
        assert seen["pids"] == [1, seen["me"]]
        assert seen["path_end"], "PYTHON_BOOTSTRAP's sys.path order"
        assert seen["sockets"] == [], "the run inherited the launcher's socket"
    assert first["me"] != second["me"]


def test_without_the_option_pytest_runs_are_new_interpreters(ws: Path) -> None:
    with confine.session(start_after=0) as current:
        seen = look(ws)
        assert current.started == 1
    assert seen["forked"] is False and "\x00zygote\x00" not in seen["pid1"]


def test_a_run_whose_environment_adds_import_paths_is_not_forked(
    ws: Path, session: Session
) -> None:
    """The zygote starts in the run's environment: with `PYTHONPATH` into the workspace the
    launcher would import workspace code itself, and keep it for the next runs."""
    (ws / "lib").mkdir()
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        value = str(ws / "lib") if name != "PYTHONHOME" else sys.base_prefix
        assert look(ws, env={name: value})["forked"] is False, name
    assert look(ws)["forked"] is True


def test_typed_results_are_the_same_as_a_new_interpreters(ws: Path) -> None:
    (ws / "calc.py").write_text("def add(a, b):\n    return a + b\n")
    (ws / "test_calc.py").write_text(
        "import os\nfrom calc import add\n\n"
        "def test_ok():\n    assert add(1, 2) == 3\n\n"
        "def test_bad():\n    assert add(1, 2) == {'a': 1, 'b': {2, 3}}\n\n"
        "def test_env(tmp_path):\n    assert os.environ['PYTHONHASHSEED']\n"
        "    assert str(tmp_path) == 'numbered the same in every run'\n"
        "def test_broken():\n    raise ValueError(str(set('abcdefgh')))\n"
    )

    def typed() -> str:
        found = pytest_run("test_calc.py", cwd=ws, plugin_autoload=False).model_dump(mode="json")
        found.pop("duration")
        return json.dumps(found, sort_keys=True)

    fresh = typed()
    assert '"failed": 3' in fresh and '"passed": 1' in fresh, fresh
    with confine.session(start_after=0, pytest_zygote=True) as current:
        forked = [typed() for _ in range(3)]
        assert current.started == 1
    for one in forked:
        assert json.loads(one) == json.loads(fresh)


# --------------------------------------------------------------------------- nothing carries over


def test_the_interpreter_state_of_run_1_is_not_in_run_2(ws: Path, session: Session) -> None:
    (ws / "punie_attack_mod.py").write_text("VALUE = 1\n")
    attack = """
import json, os, sys
import _pytest.python
import punie_attack_mod
_pytest.python.PUNIE_PATCHED = 'yes'
json.dumps = lambda *a, **k: 'forged'
os.environ['PUNIE_LEAK'] = 'secret'
sys.path.insert(0, '/tmp')
print('RESULT:' + '{}')
"""
    result(run_test(ws, attack))
    seen = look(ws)
    assert seen["patched"] is None and seen["dumps"] == "[1]"
    assert "PUNIE_LEAK" not in seen["env"]
    own = {
        k: v for k, v in seen["env"].items() if k not in ("PYTEST_CURRENT_TEST", "PYTEST_VERSION")
    }
    assert own == pytest_env(plugin_autoload=False), "run 2's environment is its own"
    assert seen["modules"] == [], "a module run 1 imported is already imported in run 2"
    assert seen["path_end"]


def test_processes_of_run_1_are_dead_before_run_2(ws: Path, session: Session) -> None:
    result(run_test(ws, daemons(MARKER) + "time.sleep(0.3)\nprint('RESULT:' + '{}')\n"))
    seen = look(ws)
    assert seen["pids"] == [1, seen["me"]], seen["pids"]
    assert not marker_processes(MARKER), "a process of run 1 outlived it on the host"


def test_temporary_places_and_tmp_path_are_reset(ws: Path, session: Session) -> None:
    baseline = look(ws)["places"]
    leave = """
import os
open('/tmp/left.txt', 'w').write('run 1')
os.makedirs('/dev/shm/deep')
print('RESULT:' + '{}')
"""
    result(run_test(ws, leave))
    assert look(ws)["places"] == baseline
    numbered = """
import tempfile, os
base = os.path.join(tempfile.gettempdir(), 'pytest-of-' + os.environ.get('USER', 'root'))
print('RESULT:' + str(sorted(os.listdir(base)) if os.path.isdir(base) else []).replace("'", '"'))
"""
    first = run_test(ws, "def inner(tmp_path):\n    pass\n" + numbered)
    assert result(first) == result(run_test(ws, numbered)), "tmp_path numbering carried over"


def test_signals_and_a_crash_of_run_1_change_nothing(ws: Path, session: Session) -> None:
    attack = """
import os, signal
for s in range(1, 65):
    if s in (signal.SIGKILL, signal.SIGSTOP):
        continue
    try:
        os.kill(1, s)
    except OSError:
        pass
os.kill(1, signal.SIGSTOP)
os.kill(1, signal.SIGKILL)
print('RESULT:' + '{}')
"""
    result(run_test(ws, attack))
    crashed = run_test(ws, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)\n")
    assert crashed.returncode == 128 + signal.SIGSEGV, crashed
    hard_exit = run_test(ws, "import os\nos._exit(7)\n")
    assert hard_exit.returncode == 7, hard_exit
    seen = look(ws)
    assert seen["forked"] and seen["pids"] == [1, seen["me"]]
    assert session.started == 1, "the launcher survived and still serves"


def test_the_launcher_cannot_be_ptraced_or_read(ws: Path, session: Session) -> None:
    attack = """
import ctypes, json, os
libc = ctypes.CDLL(None, use_errno=True)
got = {'attach': libc.ptrace(16, 1, 0, 0), 'seize': libc.ptrace(0x4206, 1, 0, 0)}
pidfd = libc.syscall(434, 1, 0)
got['getfd'] = [libc.syscall(438, pidfd, fd, 0) for fd in range(12)] if pidfd >= 0 else []
opened = []
for name in ('mem', 'environ', 'maps'):
    try:
        open('/proc/1/' + name, 'rb').read(1)
        opened.append(name)
    except OSError:
        pass
got['opened'] = opened
print('RESULT:' + json.dumps(got))
"""
    got = result(run_test(ws, attack))
    assert got["attach"] == -1 and got["seize"] == -1
    assert set(got["getfd"]) <= {-1}
    assert got["opened"] == []
    assert look(ws)["forked"] and session.started == 1


def test_a_run_past_its_timeout_is_stopped_and_the_next_is_served(
    ws: Path, session: Session
) -> None:
    stuck = run_test(ws, f"import time\ntime.sleep(300)  # {MARKER}\n", timeout=3.0)
    assert stuck.timed_out, stuck
    assert not marker_processes(MARKER)
    seen = look(ws)
    assert seen["forked"] and seen["pids"] == [1, seen["me"]]


def test_files_outside_the_workspace_stay_out_of_reach(ws: Path, session: Session) -> None:
    secret = ws.parent / "secret.txt"
    secret.write_text("host secret\n")
    attack = f"""
import json
got = {{}}
for how in ('r', 'a'):
    try:
        open({str(secret)!r}, how).close()
        got[how] = 'opened'
    except OSError as exc:
        got[how] = exc.errno
print('RESULT:' + json.dumps(got))
"""
    got = result(run_test(ws, attack))
    assert got["r"] != "opened", got  # appending makes a new file in the sandbox's own /tmp
    assert secret.read_text() == "host secret\n"
    assert look(ws)["forked"]


def test_an_interpreter_without_pytest_falls_back_to_a_sandbox_per_call(ws: Path) -> None:
    """The launcher cannot start in pytest mode (no pytest to import): the call still runs,
    in a sandbox of its own, and reports what that interpreter does."""
    bare = "/usr/bin/python3"  # the system's Python: no pytest there
    assert os.path.realpath(bare) != os.path.realpath(sys.executable)
    argv = [*python_module_argv(bare, "pytest"), "-q", "--", "keep.txt"]
    policy = Policy(workspace=ws, env=base_env({"PYTHONNOUSERSITE": "1"}))
    with confine.session(start_after=0, pytest_zygote=True) as current:
        outcome = run_confined(argv, policy=policy, timeout=30.0)
        assert current.started == 0
    assert outcome.launch_error is None
    assert "No module named pytest" in outcome.stderr, outcome
