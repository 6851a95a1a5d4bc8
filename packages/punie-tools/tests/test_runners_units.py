"""The runners' deciding helpers, checked directly (no tool run, milliseconds each).

tests/test_runners.py runs the real tools through the runners; these pin down what the helpers
decide on their own (path checks, host-path scrubbing, the command lines, what a stopped pytest
run reports), so mutation testing of runners.py judges each decision without a subprocess.
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from punie_tools import runners
from punie_tools._subprocess import DEFAULT_MAX_OUTPUT, ProcessOutcome, run_deadline
from punie_tools.models import (
    RuffResult,
    RuffViolation,
    TestFailure,
    TestResult,
    TypeCheckError,
    TypeCheckResult,
)
from punie_tools.runners import (
    _check_inputs,
    _exit_message,
    _not_finished,
    _partial,
    _scrub_result,
    check_pytest_options,
    pytest_command,
    python_module_argv,
    scrub_paths,
)

# Mutants mutmut makes of runners.py that cannot change behaviour (see tests/mutation/).
EQUIVALENT_MUTANTS: dict[str, tuple[str, str]] = {
    "punie_tools.runners.x__check_inputs__mutmut_80": (
        'return normal + (sep + node if (sep) or True else ""), None',
        "without '::' both sep and node are empty: adding them adds nothing",
    ),
    "punie_tools.runners.x_pytest_run__mutmut_43": (
        "return _pytest_in(rel, cwd, Path(report_dir), options, interpreter, timeout, None)",
        "None is falsy: the run stays confined, as with False",
    ),
    "punie_tools.runners.x__pytest_in__mutmut_36": (
        'outcome, problem, limit = _run("pytest", argv, cwd, timeout, None, policy)',
        "None is falsy: the run stays confined, as with False",
    ),
    "punie_tools.runners.x__pytest_in__mutmut_49": (
        'return _pytest_failure(problem or "XXpytest did not runXX")',
        "unreachable: with no outcome _run always gives a message",
    ),
    "punie_tools.runners.x__pytest_in__mutmut_50": (
        'return _pytest_failure(problem or "PYTEST DID NOT RUN")',
        "unreachable: with no outcome _run always gives a message",
    ),
    "punie_tools.runners.x__pytest_in__mutmut_69": (
        'if (problem := _not_finished("pytest", outcome, None, limit)) is not None:',
        "a timed-out run returned above: the timeout and limit only word a timeout message",
    ),
    "punie_tools.runners.x__pytest_in__mutmut_70": (
        'if (problem := _not_finished("pytest", outcome, timeout, None)) is not None:',
        "a timed-out run returned above: the timeout and limit only word a timeout message",
    ),
    "punie_tools.runners.x__read_report__mutmut_43": (
        "data = handle.read(None)",
        "reading it all or MAX+1 bytes: either is more than MAX exactly when the file is",
    ),
    "punie_tools.runners.x__read_report__mutmut_45": (
        "data = handle.read(MAX_REPORT_BYTES + 2)",
        "reading MAX+1 or MAX+2 bytes: either is more than MAX exactly when the file is",
    ),
    "punie_tools.runners.x__read_report__mutmut_57": (
        'return data.decode(errors="replace")',
        "bytes.decode's default codec is UTF-8",
    ),
    "punie_tools.runners.x__read_report__mutmut_60": (
        'return data.decode("UTF-8", errors="replace")',
        "codec names are case-insensitive",
    ),
    "punie_tools.runners.x__read_report__mutmut_5": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(None, "O_CLOEXEC", 0)',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x__read_report__mutmut_7": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", None)',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x__read_report__mutmut_10": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", )',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x__read_report__mutmut_11": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "XXO_CLOEXECXX", 0)',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x__read_report__mutmut_12": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "o_cloexec", 0)',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x__read_report__mutmut_13": (
        'flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 1)',
        "os.open makes descriptors non-inheritable anyway (PEP 446); this one is closed "
        "before the function returns",
    ),
    "punie_tools.runners.x_typecheck__mutmut_1": (
        "path: PathLike, *, cwd: PathLike, timeout: float = 61.0, unconfined: bool = False",
        "the default timeout shows only in the message of a run that lasted that long",
    ),
    "punie_tools.runners.x_typecheck__mutmut_50": (
        'return _ty_failure(problem or "XXty did not runXX")',
        "unreachable: with no outcome _run, and otherwise _not_finished, always gives a message",
    ),
    "punie_tools.runners.x_typecheck__mutmut_51": (
        'return _ty_failure(problem or "TY DID NOT RUN")',
        "unreachable: with no outcome _run, and otherwise _not_finished, always gives a message",
    ),
    "punie_tools.runners.x_pytest_run__mutmut_1": (
        "timeout: float = 121.0,",
        "the default timeout shows only in the message of a run that lasted that long",
    ),
    "punie_tools.runners.x_typecheck__mutmut_58": (
        "parsed = parse_ty_output(outcome.stdout, cwd=None)",
        "only the messages are used here, and they are scrubbed of host paths afterwards",
    ),
    "punie_tools.runners.x_typecheck__mutmut_60": (
        "parsed = parse_ty_output(outcome.stdout, )",
        "only the messages are used here, and they are scrubbed of host paths afterwards",
    ),
    "punie_tools.runners.x_check_pytest_options__mutmut_31": (
        '_, problem = _check_inputs("pytest", value.partition("::")[0] or "XX.XX", cwd)',
        "a missing path is accepted either way ('does not exist' is not a refusal here)",
    ),
    "punie_tools.runners.x_ruff_check__mutmut_1": (
        "path: PathLike, *, cwd: PathLike, timeout: float = 61.0, unconfined: bool = False",
        "the default timeout shows only in the message of a run that lasted that long",
    ),
    "punie_tools.runners.x_ruff_check__mutmut_50": (
        'return _ruff_failure(problem or "XXruff did not runXX")',
        "unreachable: with no outcome _run, and otherwise _not_finished, always gives a message",
    ),
    "punie_tools.runners.x_ruff_check__mutmut_51": (
        'return _ruff_failure(problem or "RUFF DID NOT RUN")',
        "unreachable: with no outcome _run, and otherwise _not_finished, always gives a message",
    ),
}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with a package, a test file and a symlink that leaves it."""
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text("x = 1\n")
    (root / "tests").mkdir()
    (root / "tests" / "test_a.py").write_text("def test_a():\n    pass\n")
    (tmp_path / "outside.py").write_text("y = 2\n")
    (root / "escape.py").symlink_to(tmp_path / "outside.py")
    return root


# --------------------------------------------------------------------------- _check_inputs


def test_relative_paths_are_normalised(ws: Path) -> None:
    assert _check_inputs("ruff", "pkg/mod.py", ws) == ("pkg/mod.py", None)
    assert _check_inputs("ruff", "./pkg/./mod.py", ws) == ("pkg/mod.py", None)
    assert _check_inputs("ruff", ".", ws) == (".", None)
    assert _check_inputs("ruff", "", ws) == (".", None)
    assert _check_inputs("ruff", Path("pkg"), ws) == ("pkg", None)


def test_pytest_node_ids_are_checked_by_their_file(ws: Path) -> None:
    assert _check_inputs("pytest", "./tests/test_a.py::test_a", ws) == (
        "tests/test_a.py::test_a",
        None,
    )
    _, problem = _check_inputs("pytest", "tests/test_b.py::test_a", ws)
    assert problem == "cannot run pytest: 'tests/test_b.py::test_a' does not exist in the workspace"
    # Only pytest splits on '::'; for ruff it is part of the file name.
    _, problem = _check_inputs("ruff", "tests/test_a.py::test_a", ws)
    assert problem is not None and "does not exist" in problem


def test_absolute_paths_inside_become_relative(ws: Path) -> None:
    assert _check_inputs("ty", ws / "pkg" / "mod.py", ws) == ("pkg/mod.py", None)
    assert _check_inputs("ty", str(ws), ws) == (".", None)
    assert _check_inputs("pytest", f"{ws}/tests/test_a.py::test_a", ws) == (
        "tests/test_a.py::test_a",
        None,
    )
    # A sibling whose name starts with the workspace's is outside.
    (ws.parent / "ws2").mkdir()
    (ws.parent / "ws2" / "m.py").write_text("")
    assert _check_inputs("ty", ws.parent / "ws2" / "m.py", ws) == (
        "",
        "cannot run ty: the absolute path given is outside the workspace",
    )


def test_absolute_path_through_a_symlinked_workspace(ws: Path, tmp_path: Path) -> None:
    """macOS's /tmp is a link to /private/tmp: a path given through either name is inside."""
    link = tmp_path / "link"
    link.symlink_to(ws, target_is_directory=True)
    assert _check_inputs("ruff", link / "pkg" / "mod.py", ws) == ("pkg/mod.py", None)
    assert _check_inputs("ruff", ws / "pkg" / "mod.py", link) == ("pkg/mod.py", None)
    assert _check_inputs("ruff", "pkg/mod.py", link) == ("pkg/mod.py", None)


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../outside.py", "cannot run ruff: '../outside.py' is outside the workspace"),
        ("escape.py", "cannot run ruff: 'escape.py' is outside the workspace"),
        (
            "pkg/../../outside.py",
            "cannot run ruff: 'pkg/../../outside.py' is outside the workspace",
        ),
        ("~/x.py", "cannot run ruff: '~/x.py' is not a path relative to the workspace"),
        ("pkg/-rf", "cannot run ruff: 'pkg/-rf' has a component starting with '-'"),
        ("--fix", "cannot run ruff: '--fix' has a component starting with '-'"),
        ("pkg/gone.py", "cannot run ruff: 'pkg/gone.py' does not exist in the workspace"),
        ("a\x00b", "cannot run ruff: path must be a str without NUL bytes"),
    ],
)
def test_bad_paths_are_refused_with_the_reason(ws: Path, path: str, why: str) -> None:
    assert _check_inputs("ruff", path, ws) == ("", why)


def test_non_paths_and_missing_workspaces_are_refused(ws: Path) -> None:
    assert _check_inputs("ty", 3, ws) == ("", "cannot run ty: path must be a str, not int")  # type: ignore[arg-type]
    assert _check_inputs("ty", b"x", ws) == ("", "cannot run ty: path must be a str, not bytes")  # type: ignore[arg-type]
    assert _check_inputs("ty", ".", ws / "nope") == (
        "",
        "cannot run ty: the working directory (cwd) does not exist",
    )
    # A file is not a working directory.
    assert _check_inputs("ty", ".", ws / "pkg" / "mod.py")[1] == (
        "cannot run ty: the working directory (cwd) does not exist"
    )


def test_workspace_root_itself_is_accepted_when_it_is_slash() -> None:
    """`/` as the workspace: every real path is inside it (no `//` prefix check)."""
    assert _check_inputs("ruff", "/usr", "/") == ("usr", None)
    assert _check_inputs("ruff", "usr", "/") == ("usr", None)


# --------------------------------------------------------------------------- scrub_paths


def test_scrub_paths_makes_workspace_paths_relative(ws: Path) -> None:
    text = f"error in {ws}/pkg/mod.py; root {ws}; again {ws}/tests"
    assert scrub_paths(text, ws) == "error in pkg/mod.py; root .; again tests"


def test_scrub_paths_knows_the_real_path_too(ws: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(ws, target_is_directory=True)
    text = f"{ws}/pkg/mod.py and {link}/pkg/mod.py"
    assert scrub_paths(text, link) == "pkg/mod.py and pkg/mod.py"


def test_scrub_paths_hides_the_python_and_temp_folders() -> None:
    temp = tempfile.gettempdir()
    text = f"{sys.prefix}/lib/x.py {sys.base_prefix}/lib/os.py {temp}/punie-1/report.json"
    scrubbed = scrub_paths(text)
    assert scrubbed == "<python>/lib/x.py <python>/lib/os.py <tmp>/punie-1/report.json"
    # The workspace wins over the temp folder it lies in (the longest root first).
    inside = Path(temp) / "scrub-ws"
    assert scrub_paths(f"{inside}/a.py {temp}/b", inside) == "a.py <tmp>/b"
    assert scrub_paths("", inside) == ""
    assert scrub_paths("nothing to hide", inside) == "nothing to hide"


def test_scrub_paths_leaves_a_slash_workspace_alone() -> None:
    assert scrub_paths("/usr/bin/x and /etc", "/") == "/usr/bin/x and /etc"


# --------------------------------------------------------------------------- command lines


def test_python_module_argv_moves_the_workspace_to_the_end_of_sys_path() -> None:
    argv = python_module_argv("bin/python", "pytest")
    assert argv == [os.path.abspath("bin/python"), "-s", "-c", runners.PYTHON_BOOTSTRAP, "pytest"]
    assert runners.PYTEST_BOOTSTRAP == runners.PYTHON_BOOTSTRAP


def test_pytest_command_is_exact(ws: Path) -> None:
    argv = pytest_command(
        "tests", cwd=ws, report_file=ws / "r.json", options=["-x"], python="/usr/bin/python3"
    )
    assert argv == [
        "/usr/bin/python3", "-s", "-c", runners.PYTHON_BOOTSTRAP, "pytest",
        "-p", "no:cacheprovider",
        f"--rootdir={ws}",
        "--continue-on-collection-errors",
        "--json-report", f"--json-report-file={ws / 'r.json'}",
        "--json-report-omit", "log", "streams", "warnings", "keywords",
        "-v", "--color=no",
        "-x",
        "--", "tests",
    ]  # fmt: skip


def test_pytest_command_without_plugin_autoload_names_the_report_plugin(ws: Path) -> None:
    default = pytest_command("tests", cwd=ws, report_file="r.json", python="/usr/bin/python3")
    alone = pytest_command(
        "tests", cwd=ws, report_file="r.json", python="/usr/bin/python3", plugin_autoload=False
    )
    assert alone == [*default[:5], "-p", "pytest_jsonreport.plugin", *default[5:]]
    assert "PYTEST_DISABLE_PLUGIN_AUTOLOAD" not in runners.pytest_env()
    env = runners.pytest_env(plugin_autoload=False)
    assert env == {**runners.pytest_env(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def test_pytest_interpreter_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(runners.PYTEST_PYTHON_ENV, raising=False)
    assert runners.default_pytest_python() == os.path.abspath(sys.executable)
    monkeypatch.setenv(runners.PYTEST_PYTHON_ENV, "venv/bin/python")
    assert runners.default_pytest_python() == os.path.abspath("venv/bin/python")
    argv = pytest_command(".", cwd=tmp_path, report_file="r.json")
    assert argv[0] == os.path.abspath("venv/bin/python")
    monkeypatch.setenv(runners.PYTEST_PYTHON_ENV, "")
    assert runners.default_pytest_python() == os.path.abspath(sys.executable)


def test_tool_command_lines() -> None:
    ruff = runners.ruff_command("src")
    assert ruff is not None and ruff[1:] == [
        "check", "--output-format", "json", "--no-fix", "--no-cache", "--", "src",
    ]  # fmt: skip
    ty = runners.typecheck_command(Path("src"))
    assert ty is not None and ty[1:] == [
        "check", "--output-format", "gitlab", "--no-progress", "--color", "never", "--", "src",
    ]  # fmt: skip
    assert os.path.basename(ruff[0]).startswith("ruff")
    assert os.path.basename(ty[0]).startswith("ty")


def test_pytest_env_is_the_confined_base() -> None:
    env = runners.pytest_env()
    assert env["PYTHONHASHSEED"] == os.environ.get("PYTHONHASHSEED", "0") or "0"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


# --------------------------------------------------------------------------- pytest options


def test_pytest_options_allow_list(ws: Path) -> None:
    assert check_pytest_options([], ws) is None
    assert check_pytest_options(["-k", "slow", "-x", "--maxfail=2"], ws) is None
    assert check_pytest_options("-x", ws) == (
        "options must be a list of str, e.g. ['-k', 'slow', '-x']"
    )
    assert check_pytest_options(["-x", 3], ws) == (  # type: ignore[list-item]
        "options must be a list of str, e.g. ['-k', 'slow', '-x']"
    )
    assert check_pytest_options(["--basetemp", "/tmp/x"], ws) == (
        "pytest_run option --basetemp is not allowed: it writes files"
    )


def test_pytest_option_paths_stay_inside(ws: Path) -> None:
    # A path that is not there (yet) is fine; one outside the workspace is not.
    assert check_pytest_options(["--ignore", "tests/gone.py"], ws) is None
    assert check_pytest_options(["--deselect", "tests/test_a.py::test_a"], ws) is None
    assert check_pytest_options(["--ignore", "../outside.py"], ws) == (
        "option value: '../outside.py' is outside the workspace"
    )
    assert check_pytest_options(["--ignore-glob", "escape.py::x"], ws) == (
        "option value: 'escape.py' is outside the workspace"
    )


# --------------------------------------------------------------------------- outcomes


def test_not_finished_names_the_reason() -> None:
    done = ProcessOutcome(0, "out", "")
    assert _not_finished("ruff", done, 5.0, None) is None
    launch = ProcessOutcome(None, "", "", launch_error="ruff: cannot start")
    assert _not_finished("ruff", launch, 5.0, None) == "ruff: cannot start"
    timed = ProcessOutcome(None, "", "", timed_out=True)
    assert _not_finished("ty", timed, 2.5, None) == "ty timed out after 2.5 s and was stopped"
    assert _not_finished("ty", timed, 2.5, 30.0) == (
        "ty was stopped: the run's time limit of 30 s was reached"
    )
    flood = ProcessOutcome(None, "", "", truncated=True)
    assert _not_finished("pytest", flood, 5.0, None) == (
        f"pytest printed more than {DEFAULT_MAX_OUTPUT} bytes and was stopped"
    )


def test_exit_message_prefers_stderr_and_hides_paths(ws: Path) -> None:
    both = ProcessOutcome(2, f"out {ws}/a.py", f"  err {ws}/b.py  ")
    assert _exit_message("ruff", both, ws) == "ruff could not run (exit status 2): err b.py"
    out_only = ProcessOutcome(4, f"out {ws}/a.py\n", " \n")
    assert _exit_message("pytest", out_only, ws, "wrote no report") == (
        "pytest wrote no report (exit status 4): out a.py"
    )
    assert _exit_message("ty", ProcessOutcome(101, "", ""), ws) == (
        "ty could not run (exit status 101): no output"
    )


@pytest.mark.parametrize("timeout", [0, -0.5, float("nan"), "5", None])
def test_timeouts_must_be_positive_numbers(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout must be a number of seconds > 0"):
        runners._check_timeout(timeout)  # type: ignore[arg-type]
    runners._check_timeout(0.01)
    runners._check_timeout(3)


def test_an_exhausted_run_deadline_runs_nothing(ws: Path) -> None:
    with run_deadline(0):
        outcome, problem, limit = runners._run("ruff", ["ruff"], ws, 5.0, True)
    assert outcome is None
    assert limit == 0.0
    assert problem == "ruff was stopped: the run's time limit of 0 s was reached"
    with run_deadline(0):
        results = [
            runners.ruff_check(".", cwd=ws),
            runners.typecheck(".", cwd=ws),
            runners.pytest_run(".", cwd=ws),
        ]
    for tool, result in zip(("ruff", "ty", "pytest"), results, strict=True):
        assert result.success is False
        assert result.tool_error == f"{tool} was stopped: the run's time limit of 0 s was reached"


def test_bad_inputs_never_reach_a_tool(ws: Path) -> None:
    ruff = runners.ruff_check("../x", cwd=ws)
    assert ruff == RuffResult(
        success=False, error_count=0, warning_count=0,
        tool_error="cannot run ruff: '../x' is outside the workspace",
    )  # fmt: skip
    ty = runners.typecheck("gone.py", cwd=ws)
    assert ty == TypeCheckResult(
        success=False, error_count=0, warning_count=0,
        tool_error="cannot run ty: 'gone.py' does not exist in the workspace",
    )  # fmt: skip
    tests = runners.pytest_run("tests", cwd=ws, options=["--basetemp=/tmp"])
    assert tests.success is False and tests.total == 0 and tests.passed == 0
    assert tests.tool_error is not None and "--basetemp" in tests.tool_error
    missing = runners.pytest_run("tests", cwd=ws, python=str(ws / "no-python"))
    assert missing == TestResult(
        success=False, passed=0, failed=0, skipped=0, total=0,
        tool_error="cannot run pytest: the configured Python interpreter does not exist or is "
        "not executable",
    )  # fmt: skip
    not_exec = ws / "pkg" / "mod.py"
    assert runners.pytest_run("tests", cwd=ws, python=str(not_exec)).tool_error == (
        missing.tool_error
    )


# --------------------------------------------------------------------------- a stopped run


STOPPED = "pytest timed out after 5 s and was stopped"


def test_partial_counts_what_finished_and_names_the_running_test() -> None:
    stdout = (
        "============ test session starts ============\n"
        "collecting ... collected 6 items\n"
        "\n"
        "tests/test_a.py::test_ok PASSED                    [ 16%]\n"
        "tests/test_a.py::test_xpass XPASS                  [ 33%]\n"
        "tests/test_a.py::test_skip SKIPPED (why)           [ 50%]\n"
        "tests/test_a.py::test_xfail XFAIL                  [ 60%]\n"
        "tests/test_a.py::test_bad FAILED                   [ 70%]\n"
        "tests/test_b.py::test_setup ERROR                  [ 80%]\n"
        "tests/test_b.py::test_hangs[a b] \n"
    )
    result = _partial(stdout, STOPPED)
    running = "tests/test_b.py::test_hangs[a b]"
    assert result.tool_error == f"{STOPPED} while running {running}"
    assert result.success is False
    assert (result.passed, result.failed, result.skipped, result.error_count) == (2, 2, 2, 1)
    assert result.total == 6
    assert [(f.test_id, f.message) for f in result.failures] == [
        ("tests/test_a.py::test_bad", "failed (details lost: the run was stopped before "
         "pytest reported)"),
        ("tests/test_b.py::test_setup", "error (details lost: the run was stopped before "
         "pytest reported)"),
        (running, f"did not finish: {STOPPED}"),
    ]  # fmt: skip


def test_partial_when_the_last_test_had_finished() -> None:
    stdout = "tests/test_a.py::test_ok PASSED [ 50%]\ntests/test_a.py::test_two PASSED [100%]\n\n"
    result = _partial(stdout, STOPPED)
    assert result.tool_error == STOPPED
    assert (result.passed, result.failed, result.total) == (2, 0, 2)
    assert result.failures == []


def test_partial_while_collecting() -> None:
    result = _partial("============ test session starts ============\ncollecting ... \n", STOPPED)
    assert result.tool_error == f"{STOPPED} while collecting tests"
    assert (result.passed, result.failed, result.skipped, result.total) == (0, 0, 0, 0)
    assert _partial("", STOPPED).tool_error == f"{STOPPED} while collecting tests"


def test_partial_ignores_lines_that_only_look_like_tests() -> None:
    stdout = (
        "tests/test_a.py::test_ok PASSED [ 50%]\n"
        "  tests/test_a.py::indented PASSED\n"
        "tests/test_a.py::test_ok PASSEDX\n"
        "tests/test_a.py::test_ok\n"
    )
    result = _partial(stdout, STOPPED)
    # The last line names a test that already reported: nothing was running.
    assert result.tool_error == STOPPED
    assert (result.passed, result.total) == (1, 1)


# --------------------------------------------------------------------------- scrubbed results


def test_scrub_result_cleans_every_message(ws: Path) -> None:
    tests = TestResult(
        success=False, passed=0, failed=2, skipped=0, total=2,
        failures=[
            TestFailure(test_id="t::a", message=f"{ws}/a.py: boom", traceback=f"{ws}/a.py:3"),
            TestFailure(test_id="t::b", message=f"at {ws}"),
        ],
        tool_error=f"{ws}/conftest.py broke",
    )  # fmt: skip
    clean = _scrub_result(tests, ws)
    assert [(f.message, f.traceback) for f in clean.failures] == [
        ("a.py: boom", "a.py:3"),
        ("at .", None),
    ]
    assert clean.tool_error == "conftest.py broke"
    assert (clean.failed, clean.total) == (2, 2)

    ty = TypeCheckResult(
        success=False, error_count=1, warning_count=0,
        errors=[TypeCheckError(file="a.py", line=1, column=1, severity="error", code="x",
                               message=f"see {ws}/b.py")],
    )  # fmt: skip
    assert _scrub_result(ty, ws).errors[0].message == "see b.py"
    assert _scrub_result(ty, ws).tool_error is None

    ruff = RuffResult(
        success=False, error_count=1, warning_count=0,
        violations=[RuffViolation(file="a.py", line=1, column=1, code="F401", severity="error",
                                  message=f"`{ws}/c` unused")],
        tool_error=f"{ws}",
    )  # fmt: skip
    scrubbed = _scrub_result(ruff, ws)
    assert scrubbed.violations[0].message == "`c` unused"
    assert scrubbed.tool_error == "."


# --------------------------------------------------------------------------- tools misbehaving


def _fake_tool(ws: Path, name: str, stdout: str, stderr: str, status: int) -> str:
    """A stand-in for a broken tool install (the real tools never print these): a script in the
    workspace, so the sandbox can run it."""
    script = ws / f"fake-{name}"
    script.write_text(
        f"#!/bin/sh\nprintf '%s' '{stdout}'\nprintf '%s' '{stderr}' >&2\nexit {status}\n"
    )
    script.chmod(0o755)
    return str(script)


def test_missing_tools_are_named(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runners, "find_executable", lambda name: None)
    assert runners.typecheck_command("a.py") is None
    assert runners.ruff_command("a.py") is None
    for tool, result in (("ty", runners.typecheck(".", cwd=ws)),
                         ("ruff", runners.ruff_check(".", cwd=ws))):  # fmt: skip
        assert result.success is False and result.error_count == 0
        assert result.tool_error == (
            f"{tool} is not installed: it was not found next to the running Python nor on PATH "
            f"(install punie-tools, which depends on {tool})"
        )


def test_unreadable_tool_output_keeps_what_the_tool_said(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes = {
        "ty": _fake_tool(ws, "ty", "not json", f"ty: panic in {ws}/pkg", 1),
        "ruff": _fake_tool(ws, "ruff", "not json", f"ruff: panic in {ws}/pkg", 0),
    }
    monkeypatch.setattr(runners, "find_executable", lambda name: fakes.get(name))
    ty = runners.typecheck("pkg", cwd=ws)
    ruff = runners.ruff_check("pkg", cwd=ws)
    for tool, result in (("ty", ty), ("ruff", ruff)):
        assert result.success is False
        assert result.tool_error is not None
        assert result.tool_error.endswith(f" ({tool} said: {tool}: panic in pkg)"), (
            result.tool_error
        )
        assert len(result.tool_error) > len(f" ({tool} said: {tool}: panic in pkg)")
    # Without stderr nothing is appended.
    quiet = _fake_tool(ws, "ty", "not json", "", 1)
    monkeypatch.setattr(runners, "find_executable", lambda name: quiet)
    alone = runners.typecheck("pkg", cwd=ws).tool_error
    assert alone is not None and "said" not in alone
    # A long complaint is cut to its last 500 characters.
    chatty = {
        "ty": _fake_tool(ws, "ty", "not json", "x" * 600 + "END", 1),
        "ruff": _fake_tool(ws, "ruff", "not json", "y" * 600 + "END", 1),
    }
    monkeypatch.setattr(runners, "find_executable", lambda name: chatty.get(name))
    long = runners.typecheck("pkg", cwd=ws).tool_error
    assert long is not None and long.endswith(" (ty said: …" + "x" * 497 + "END)")
    long = runners.ruff_check("pkg", cwd=ws).tool_error
    assert long is not None and long.endswith(" (ruff said: …" + "y" * 497 + "END)")


def test_warnings_beside_a_good_result_are_not_errors(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes = {
        "ty": _fake_tool(ws, "ty", "[]", "WARN: no python files found", 0),
        "ruff": _fake_tool(ws, "ruff", "[]", "warning: the `select` option is deprecated", 0),
    }
    monkeypatch.setattr(runners, "find_executable", lambda name: fakes.get(name))
    assert runners.typecheck("pkg", cwd=ws) == TypeCheckResult(
        success=True, error_count=0, warning_count=0
    )
    assert runners.ruff_check("pkg", cwd=ws) == RuffResult(
        success=True, error_count=0, warning_count=0
    )


def test_tool_crashes_are_reported_with_their_exit_status(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fakes = {
        "ty": _fake_tool(ws, "ty", "[]", f"thread main panicked at {ws}/x.rs", 101),
        "ruff": _fake_tool(ws, "ruff", "[]", f"ruff failed: {ws}/ruff.toml", 2),
    }
    monkeypatch.setattr(runners, "find_executable", lambda name: fakes.get(name))
    assert runners.typecheck(".", cwd=ws) == TypeCheckResult(
        success=False, error_count=0, warning_count=0,
        tool_error="ty could not run (exit status 101): thread main panicked at x.rs",
    )  # fmt: skip
    assert runners.ruff_check(".", cwd=ws) == RuffResult(
        success=False, error_count=0, warning_count=0,
        tool_error="ruff could not run (exit status 2): ruff failed: ruff.toml",
    )  # fmt: skip
    silent = _fake_tool(ws, "ty", "", "", 101)
    monkeypatch.setattr(runners, "find_executable", lambda name: silent)
    assert runners.typecheck(".", cwd=ws).tool_error == (
        "ty could not run (exit status 101): no output"
    )


def test_ty_exit_2_names_its_io_diagnostics(ws: Path) -> None:
    """The real ty exits 2 on files it cannot read, with the reasons as diagnostics."""
    for i in range(7):
        (ws / "pkg" / f"bad{i}.py").write_bytes(b'x = "\xff"\n')
    result = runners.typecheck("pkg", cwd=ws)
    reason = "Failed to read file: stream did not contain valid UTF-8"
    assert result.success is False and result.error_count == 0
    assert result.tool_error == "ty could not run (exit status 2): " + "; ".join([reason] * 5)


def test_ty_configuration_errors_say_why(ws: Path) -> None:
    (ws / "pyproject.toml").write_text("[tool.ty\n")
    result = runners.typecheck("pkg", cwd=ws)
    assert result.tool_error is not None
    assert result.tool_error.startswith("ty could not run (exit status 2): ")
    assert "is not a valid `pyproject.toml`" in result.tool_error
    assert str(ws) not in result.tool_error


def test_real_tool_results_have_no_host_paths(ws: Path) -> None:
    (ws / "pkg" / "mod.py").write_text(
        "import os\n\n\ndef f() -> int:\n    return 'x'\n\n\nimport pkg.missing_mod\n"
    )
    ty = runners.typecheck("pkg", cwd=ws)
    assert ty.success is False and ty.error_count >= 1 and ty.tool_error is None
    ruff = runners.ruff_check("pkg", cwd=ws)
    assert ruff.success is False and ruff.error_count >= 1 and ruff.tool_error is None
    texts = [e.message for e in ty.errors] + [v.message for v in ruff.violations]
    assert texts and not any(str(ws) in t for t in texts)
    assert {e.file for e in ty.errors} == {"pkg/mod.py"}
    assert {v.file for v in ruff.violations} == {"pkg/mod.py"}


def test_runs_are_stopped_by_their_timeout(ws: Path) -> None:
    tiny = 0.001
    ty = runners.typecheck("pkg", cwd=ws, timeout=tiny)
    assert ty.tool_error == f"ty timed out after {tiny:g} s and was stopped"
    ruff = runners.ruff_check("pkg", cwd=ws, timeout=tiny)
    assert ruff.tool_error == f"ruff timed out after {tiny:g} s and was stopped"


def test_runs_are_stopped_by_the_runs_time_limit(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tools that hang (stand-ins that sleep) are stopped by the run's deadline, and say so."""
    sleeper = _fake_tool(ws, "sleepy", "", "", 0)
    (ws / "fake-sleepy").write_text("#!/bin/sh\nsleep 30\n")
    monkeypatch.setattr(runners, "find_executable", lambda name: sleeper)
    for tool, run in (("ty", runners.typecheck), ("ruff", runners.ruff_check)):
        with run_deadline(0.5):
            result = run("pkg", cwd=ws)
        assert result.tool_error == f"{tool} was stopped: the run's time limit of 0.5 s was reached"
    python = _fake_python(tmp_path, None, "", 0)
    Path(python).write_text("#!/bin/sh\nsleep 30\n")
    with run_deadline(2):
        tests = runners.pytest_run("tests", cwd=ws, python=python)
    assert tests.tool_error == (
        "pytest was stopped: the run's time limit of 2 s was reached while collecting tests"
    )


def test_default_limits_and_confinement_are_documented() -> None:
    import inspect

    for run, timeout in ((runners.typecheck, 60.0), (runners.ruff_check, 60.0),
                         (runners.pytest_run, 120.0)):  # fmt: skip
        params = inspect.signature(run).parameters
        assert params["timeout"].default == timeout
        assert params["unconfined"].default is False


@pytest.fixture
def no_sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    from punie_tools.confine import BWRAP_ENV, reset_probe

    monkeypatch.setenv(BWRAP_ENV, str(tmp_path / "no-bwrap-here"))
    reset_probe()
    yield
    reset_probe()


@pytest.mark.usefixtures("no_sandbox")
def test_without_a_sandbox_runs_need_the_opt_out(ws: Path) -> None:
    for result in (runners.typecheck("pkg", cwd=ws), runners.ruff_check("pkg", cwd=ws),
                   runners.pytest_run("tests", cwd=ws)):  # fmt: skip
        assert result.tool_error is not None
        assert "was not run: it must run inside an OS sandbox" in result.tool_error
    assert runners.typecheck("pkg", cwd=ws, unconfined=True).success is True
    assert runners.ruff_check("pkg", cwd=ws, unconfined=True).success is True


def test_partial_counts_every_failure_and_error() -> None:
    stdout = (
        "collected 5 items\n"
        "tests/t.py::a PASSED\n"
        "tests/t.py::b FAILED\n"
        "tests/t.py::c FAILED\n"
        "tests/t.py::d ERROR\n"
        "tests/t.py::e ERROR\n"
        "tests/t.py::f \n"
    )
    result = _partial(stdout, STOPPED)
    assert (result.passed, result.failed, result.error_count, result.total) == (1, 3, 2, 4)
    assert result.tool_error == f"{STOPPED} while running tests/t.py::f"
    # An indented line is output of a test, not pytest naming the next one.
    indented = _partial("tests/t.py::a PASSED\n   tests/t.py::b\n", STOPPED)
    assert indented.tool_error == STOPPED and indented.total == 1


# --------------------------------------------------------------------------- pytest misbehaving


def _fake_python(tmp_path: Path, report: str | None, stderr: str, status: int) -> str:
    """A stand-in interpreter (a broken project venv): writes `report` where pytest-json-report
    would, says `stderr`, exits with `status`."""
    bin_dir = tmp_path / "fake-venv" / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    python = bin_dir / "python"
    write = "" if report is None else f"printf '%s' '{report}' > \"$f\"\n"
    python.write_text(
        "#!/bin/sh\n"
        'for a in "$@"; do case "$a" in --json-report-file=*) f="${a#--json-report-file=}";; '
        "esac; done\n" + write + f"printf '%s' '{stderr}' >&2\nexit {status}\n"
    )
    python.chmod(0o755)
    return str(python)


REPORT = (
    '{"exitcode": 1, "summary": {"passed": 1, "failed": 1, "total": 2, "collected": 2}, '
    '"collectors": [], "tests": [{"nodeid": "tests/test_a.py::test_a", "outcome": "passed"}, '
    '{"nodeid": "tests/test_a.py::test_b", "outcome": "failed", '
    '"call": {"crash": {"message": "AssertionError: WSPATH/x"}, "longrepr": "WSPATH/x"}}]}'
)


def test_pytest_report_is_read_and_scrubbed(ws: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, REPORT.replace("WSPATH", str(ws)), "", 1)
    result = runners.pytest_run("tests", cwd=ws, python=python)
    assert result.tool_error is None
    assert (result.passed, result.failed, result.total, result.success) == (1, 1, 2, False)
    assert [f.message for f in result.failures] == ["AssertionError: x"]


def test_pytest_node_ids_and_path_options_reach_pytest(ws: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, REPORT.replace("WSPATH", str(ws)), "", 1)
    result = runners.pytest_run(
        "tests/test_a.py::test_a", cwd=ws, python=python, options=["--ignore", "tests/x"]
    )
    assert result.tool_error is None and result.total == 2


def test_pytest_internal_errors_win_over_the_report(ws: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, REPORT, f"INTERNALERROR in {ws}/conftest.py", 3)
    assert runners.pytest_run("tests", cwd=ws, python=python) == TestResult(
        success=False, passed=0, failed=0, skipped=0, total=0,
        tool_error="pytest could not run (exit status 3): INTERNALERROR in conftest.py",
    )  # fmt: skip


def test_pytest_without_a_report(ws: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, None, "No module named pytest", 1)
    assert runners.pytest_run("tests", cwd=ws, python=python).tool_error == (
        "pytest wrote no report (exit status 1): No module named pytest"
    )
    blank = _fake_python(tmp_path, "  ", "", 4)
    assert runners.pytest_run("tests", cwd=ws, python=blank).tool_error == (
        "pytest wrote no report (exit status 4): no output"
    )


def test_pytest_unreadable_report_is_a_parse_error(ws: Path, tmp_path: Path) -> None:
    python = _fake_python(tmp_path, "{not json", "", 0)
    result = runners.pytest_run("tests", cwd=ws, python=python)
    assert result.success is False
    assert result.tool_error is not None and "exit status" not in result.tool_error


def test_pytest_stopped_while_starting(ws: Path) -> None:
    result = runners.pytest_run("tests", cwd=ws, timeout=0.001)
    assert result.tool_error == (
        "pytest timed out after 0.001 s and was stopped while collecting tests"
    )
    assert (result.success, result.total, result.failures) == (False, 0, [])


# --------------------------------------------------------------------------- reading the report


def test_read_report_reads_a_regular_file(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_bytes(b'{"a": "caf\xc3\xa9 \xff"}')
    assert runners._read_report(report) == '{"a": "café \ufffd"}'
    with pytest.raises(FileNotFoundError):
        runners._read_report(tmp_path / "gone.json")


def test_read_report_refuses_links_fifos_and_huge_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = tmp_path / "host-secret"
    host.write_text('{"secret": 1}')
    link = tmp_path / "link.json"
    link.symlink_to(host)
    with pytest.raises(OSError) as caught:
        runners._read_report(link)
    assert (caught.value.errno, caught.value.strerror) == (
        errno.ELOOP, "it is a symbolic link, not the file pytest wrote"
    )  # fmt: skip
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    raised: list[OSError] = []

    def read() -> None:
        try:
            runners._read_report(fifo)
        except OSError as exc:
            raised.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(10)
    if reader.is_alive():  # it waits for a writer: give it one, then fail
        with open(fifo, "w"):
            pass
        reader.join(10)
        pytest.fail("reading the report waited for a writer on a FIFO")
    (exc,) = raised  # opened without waiting for a writer, then refused
    assert (exc.errno, exc.strerror) == (errno.EINVAL, "it is not a regular file")
    with pytest.raises(OSError):
        runners._read_report(tmp_path)  # a folder
    monkeypatch.setattr(runners, "MAX_REPORT_BYTES", 2**20)
    big = tmp_path / "big.json"
    big.write_bytes(b"x" * 2**20)
    assert len(runners._read_report(big)) == 2**20  # at the limit
    big.write_bytes(b"x" * (2**20 + 1))
    with pytest.raises(OSError) as caught:
        runners._read_report(big)
    assert (caught.value.errno, caught.value.strerror) == (errno.EFBIG, "it is larger than 1 MiB")


def test_a_report_swapped_for_a_link_is_not_read(ws: Path, tmp_path: Path) -> None:
    """The tests replaced the report with a link to a host file: the run says so and the host
    file's content is nowhere in the result."""
    secret = tmp_path / "secret.json"
    secret.write_text(REPORT.replace("WSPATH", "SECRET"))
    python = _fake_python(tmp_path, None, "", 1)
    text = Path(python).read_text().replace("printf '%s' '' >&2", f'ln -s {secret} "$f"')
    Path(python).write_text(text)
    result = runners.pytest_run("tests", cwd=ws, python=python)
    assert result == TestResult(
        success=False, passed=0, failed=0, skipped=0, total=0,
        tool_error="could not read pytest's report file: it is a symbolic link, not the file "
        "pytest wrote",
    )  # fmt: skip


def _stand_in(tmp_path: Path, name: str, body: str) -> str:
    python = tmp_path / "stand-in" / "bin" / name
    python.parent.mkdir(parents=True, exist_ok=True)
    python.write_text("#!/bin/sh\n" + body)
    python.chmod(0o755)
    return str(python)


def test_pytest_starts_in_the_workspace_unbuffered_with_the_options(
    ws: Path, tmp_path: Path
) -> None:
    """A stand-in interpreter that says where it runs, its PYTHONUNBUFFERED and its arguments."""
    python = _stand_in(
        tmp_path, "python",
        "printf 'cwd=%s unbuffered=%s args=%s' \"$(pwd)\" \"$PYTHONUNBUFFERED\" \"$*\" >&2\n"
        "exit 3\n",
    )  # fmt: skip
    said = runners.pytest_run("tests", cwd=ws, python=python, options=["-k", "smoke"]).tool_error
    assert said is not None
    assert said.startswith("pytest wrote no report (exit status 3): cwd=. unbuffered=1 args=-s ")
    assert said.endswith(" -v --color=no -k smoke -- tests")
    assert "--json-report-file=<tmp>/" in said and "/report.json " in said


def test_pytest_that_floods_its_output_is_stopped(ws: Path, tmp_path: Path) -> None:
    flood = _stand_in(tmp_path, "python", f"head -c {DEFAULT_MAX_OUTPUT + 4096} /dev/zero\n")
    assert runners.pytest_run("tests", cwd=ws, python=flood) == TestResult(
        success=False, passed=0, failed=0, skipped=0, total=0,
        tool_error=f"pytest printed more than {DEFAULT_MAX_OUTPUT} bytes and was stopped",
    )  # fmt: skip


def test_pytest_options_are_refused_before_anything_runs(ws: Path, tmp_path: Path) -> None:
    python = _stand_in(tmp_path, "python", "printf 'it ran' >&2\nexit 3\n")
    for options in (["-p", "evil_plugin"], ["--rootdir", "/"], ["--ignore", "../outside"]):
        refusal = runners.check_pytest_options(options, ws)
        assert refusal is not None, options
        result = runners.pytest_run("tests", cwd=ws, python=python, options=options)
        assert (result.tool_error, result.total) == (refusal, 0)


def test_refusals_of_absolute_paths_name_them_relative(ws: Path) -> None:
    gone = str(ws / "pkg" / "gone.py")
    assert _check_inputs("ruff", gone, ws) == (
        "", "cannot run ruff: 'pkg/gone.py' does not exist in the workspace"
    )  # fmt: skip
    assert _check_inputs("pytest", gone + "::test_x", ws) == (
        "", "cannot run pytest: 'pkg/gone.py::test_x' does not exist in the workspace"
    )  # fmt: skip
    (ws / "v1.2").mkdir()
    (ws / "v1.2" / "XX.XX").write_text("")
    assert _check_inputs("ruff", "./v1.2/XX.XX", ws) == ("v1.2/XX.XX", None)  # dots kept in names


def test_scrub_result_keeps_clean_failures_as_they_are(ws: Path) -> None:
    clean = TestFailure(test_id="t::a", message="assert 1 == 2", traceback="E   assert 1 == 2")
    bare = TestFailure(test_id="t::b", message="boom")
    dirty = TestFailure(test_id="t::c", message="ok", traceback=f"{ws}/pkg/mod.py:1: boom")
    result = TestResult(
        success=False, passed=0, failed=3, skipped=0, total=3, failures=[clean, bare, dirty]
    )
    out = _scrub_result(result, ws)
    assert out.failures[0] is clean and out.failures[1] is bare
    assert (out.failures[2].message, out.failures[2].traceback) == ("ok", "pkg/mod.py:1: boom")
