"""`AcpBackend`: the six tools carried out by an editor over the Agent Client Protocol.

Files go through the client's `fs/read_text_file` / `fs/write_text_file`; commands and the typed
tools run in client terminals: `create_terminal` -> `wait_for_terminal_exit` (with a timeout,
then `kill_terminal`) -> `terminal_output` -> `release_terminal`, released on every path.

Nothing assumes the editor shares the agent's machine:

- Programs are named, not located: `ruff`, `ty` and `python` are resolved by the editor's own
  environment (its PATH, typically the project's activated venv), or replaced per backend with
  `commands={"python": ["uv", "run", "python"], ...}`. No path of the agent's venv is sent.
- pytest's JSON report comes back through the terminal output: a short wrapper, run by the
  editor's Python, lets pytest-json-report write to a temp file on the editor's side, deletes it,
  and prints the (compacted) report on one marked line; pytest's own console output goes to
  /dev/null. No file is written into the project and nothing is read outside it, so an editor
  that confines `fs/*` to the project gives the same result as one that does not.
- The client's capabilities (from `initialize`) are checked before a request is sent: without
  terminals the typed tools return a `tool_error` and `run_command` raises
  `EditorCapabilityError` (a `NotImplementedError`, catchable in the sandbox); the same happens
  when an editor answers "Method not found" although it advertised the method.

The sandbox runs synchronously in a worker thread; every call is bridged onto the agent's event
loop with `asyncio.run_coroutine_threadsafe(...).result(timeout=...)`. Needs the `acp` extra
(`pip install punie-tools[acp]`) for the connection itself; this module does not import `acp`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import posixpath
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from pydantic import ValidationError

from punie_tools.backends._paths import (
    DEFAULT_ALLOWED_COMMANDS,
    WorkspaceEscapeError,
    check_command,
    relative_path,
    resolve_in_workspace,
    write_confirmation,
)
from punie_tools.backends.local import format_command_output
from punie_tools.models import RuffResult, TestResult, TypeCheckResult
from punie_tools.parsers import parse_pytest_output, parse_ruff_output, parse_ty_output
from punie_tools.runners import _scrub_result, pytest_command, ruff_command, typecheck_command

__all__ = [
    "DEFAULT_ACP_COMMANDS",
    "AcpBackend",
    "AcpClientConnection",
    "BridgeError",
    "EditorCapabilities",
    "EditorCapabilityError",
    "TerminalRun",
]

T = TypeVar("T")

DEFAULT_ACP_COMMANDS: Mapping[str, tuple[str, ...]] = {
    "python": ("python",),
    "ruff": ("ruff",),
    "ty": ("ty",),
}
"""How the editor starts each program: names its own environment resolves (see `commands`)."""

# Environment the client's terminals get on top of their own: stable, pager-free output.
_TERMINAL_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "GIT_PAGER": "cat",
    "PAGER": "cat",
    "GIT_TERMINAL_PROMPT": "0",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "LC_ALL": "C",
}
# pytest as the local runner runs it: a fixed hash seed keeps set/dict failure texts stable.
_PYTEST_ENV = {**_TERMINAL_ENV, "PYTHONHASHSEED": "0"}

# JSON-RPC "Method not found": an editor without the method (whatever it advertised).
_METHOD_NOT_FOUND = -32601
# ACP "Resource not found".
_RESOURCE_NOT_FOUND = -32002
# Seconds the terminal may outlive the wrapper's own pytest timeout (so its message arrives).
_PYTEST_GRACE = 5.0
# The report travels in the terminal output: allow more than ordinary command output.
_REPORT_BYTE_LIMIT = 5_000_000

# Run by the editor's Python as `python -c _PYTEST_WRAPPER NONCE TIMEOUT PYTEST-ARGS...`.
# The working directory goes to the end of sys.path (workspace modules cannot shadow pytest),
# stdout is silenced while pytest runs, and everything the agent needs comes back as
# `\nNONCE KIND JSON\n` lines: `report` (compacted: passed tests keep only id and outcome),
# `timeout` (the test that was running) or `missing` (pytest or pytest-json-report absent).
_PYTEST_WRAPPER = r"""
import json, os, sys, tempfile, threading
nonce, limit, args = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
cwd = os.getcwd()
sys.path[:] = [p for p in sys.path if p not in ("", cwd)] + [cwd]
out = os.dup(1)
def emit(kind, value):
    line = "\n%s %s %s\n" % (nonce, kind, json.dumps(value))
    os.write(out, line.encode("ascii", "backslashreplace"))
try:
    import pytest, pytest_jsonreport
except ImportError as exc:
    emit("missing", str(exc))
    sys.exit(4)
class Watch:
    running, finished = "", 0
    def pytest_runtest_logstart(self, nodeid):
        self.running = nodeid
    def pytest_runtest_logfinish(self, nodeid):
        self.running, self.finished = "", self.finished + 1
watch = Watch()
def expire():
    emit("timeout", {"running": watch.running, "finished": watch.finished})
    os._exit(124)
fd, report = tempfile.mkstemp(prefix="punie-pytest-", suffix=".json")
os.close(fd)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
timer = threading.Timer(limit, expire)
timer.daemon = True
timer.start()
try:
    code = int(pytest.main(args + ["--json-report-file=" + report], plugins=[watch]))
finally:
    timer.cancel()
    sys.stdout.flush()
    os.dup2(out, 1)
try:
    with open(report, encoding="utf-8") as f:
        data = json.loads(f.read() or "null")
except ValueError:
    data = None
finally:
    os.unlink(report)
if isinstance(data, dict):
    quiet = ("passed", "xpassed", "skipped", "xfailed", "deselected")
    tests = []
    for t in data.get("tests") or []:
        item = {"nodeid": t.get("nodeid"), "outcome": t.get("outcome")}
        for stage in ("setup", "call", "teardown"):
            s = t.get(stage)
            if item["outcome"] not in quiet and isinstance(s, dict):
                crash = s.get("crash") or {}
                item[stage] = {"outcome": s.get("outcome"), "longrepr": s.get("longrepr"),
                               "crash": {"message": crash.get("message", "")}}
        tests.append(item)
    collectors = [{"nodeid": c.get("nodeid"), "outcome": c.get("outcome"),
                   "longrepr": c.get("longrepr")}
                  for c in data.get("collectors") or [] if c.get("outcome") == "failed"]
    data = {"exitcode": data.get("exitcode"), "duration": data.get("duration", 0.0),
            "tests": tests, "collectors": collectors}
emit("report", data)
sys.exit(code)
"""

# Exit statuses after which pytest-json-report has written a full report (as the local runner).
_PYTEST_REPORTED = frozenset({0, 1, 2, 5})


class AcpClientConnection(Protocol):
    """The client-facing half of an ACP agent connection (e.g. `acp.AgentSideConnection`)."""

    async def read_text_file(self, session_id: str, path: str, **kwargs: Any) -> Any: ...

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> Any: ...

    async def create_terminal(self, session_id: str, command: str, **kwargs: Any) -> Any: ...

    async def wait_for_terminal_exit(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> Any: ...

    async def terminal_output(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...

    async def release_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class TerminalRun:
    """What one client terminal produced: combined output and exit code, or a timeout."""

    output: str
    exit_code: int | None
    timed_out: bool = False
    truncated: bool = False


class BridgeError(RuntimeError):
    """The backend was used wrongly (from the event loop's own thread)."""


class _NoTerminals(Exception):
    """The editor has no terminal methods (internal; becomes EditorCapabilityError)."""


class _NotStarted(Exception):
    """The editor could not create the terminal (internal; becomes FileNotFoundError)."""


class EditorCapabilityError(NotImplementedError):
    """The editor does not offer what the tool needs (no terminals, no file reads or writes)."""


@dataclass(frozen=True)
class EditorCapabilities:
    """What the ACP client said it supports in `initialize` (`clientCapabilities`)."""

    read_text_file: bool = True
    write_text_file: bool = True
    terminal: bool = True

    @classmethod
    def of(cls, capabilities: Any) -> EditorCapabilities:
        """From `acp.schema.ClientCapabilities`, its JSON form (a dict), or None (assume all).

        None keeps older callers working: requests are sent, and a "Method not found" answer
        still becomes `EditorCapabilityError` / a `tool_error`.
        """
        if capabilities is None:
            return cls()
        if isinstance(capabilities, EditorCapabilities):
            return capabilities
        if isinstance(capabilities, Mapping):
            fs = capabilities.get("fs") or {}
            return cls(
                read_text_file=bool(fs.get("readTextFile", fs.get("read_text_file", False))),
                write_text_file=bool(fs.get("writeTextFile", fs.get("write_text_file", False))),
                terminal=bool(capabilities.get("terminal", False)),
            )
        fs = getattr(capabilities, "fs", None)
        return cls(
            read_text_file=bool(getattr(fs, "read_text_file", False)),
            write_text_file=bool(getattr(fs, "write_text_file", False)),
            terminal=bool(getattr(capabilities, "terminal", False)),
        )


_MISSING = {
    "read_text_file": "file reads (fs/read_text_file)",
    "write_text_file": "file writes (fs/write_text_file)",
    "terminal": "terminals (terminal/*)",
}


def _capability_message(capability: str, tool: str) -> str:
    return f"the editor does not offer {_MISSING[capability]}, so {tool} cannot run in this session"


def _code(exc: BaseException) -> int | None:
    code = getattr(exc, "code", None)
    return code if isinstance(code, int) else None


def _looks_refused(exc: BaseException) -> bool:
    text = f"{exc} {getattr(exc, 'data', '') or ''}".lower()
    return any(
        word in text for word in ("permission", "denied", "not allowed", "outside", "forbid")
    )


def _program_args(argv: Sequence[str]) -> list[str]:
    """`argv` without its program (the local runners' command lines start with an absolute exe)."""
    return list(argv[1:])


def _pytest_args(argv: Sequence[str]) -> list[str]:
    """pytest's own arguments from the local command line: everything after the module name
    `pytest` (the interpreter and how it starts the module stay behind), without the
    report-file option, which the wrapper sets on the editor's side."""
    args: list[str] = []
    skip = False
    for arg in argv[list(argv).index("pytest", 1) + 1 :]:
        if skip:
            skip = False
        elif arg == "--json-report-file":
            skip = True
        elif not arg.startswith("--json-report-file="):
            args.append(arg)
    return args


def _marked(output: str, nonce: str, kind: str) -> Any:
    """The JSON value of the last `NONCE KIND JSON` line in `output`, or None."""
    tag = f"\n{nonce} {kind} "
    at = output.rfind(tag)
    if at < 0:
        return None
    line = output[at + len(tag) :].split("\n", 1)[0]
    try:
        return json.loads(line)
    except ValueError:
        return None


def _json_part(text: str) -> str:
    """The JSON array in terminal output that may also hold stderr lines around it."""
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        return stripped
    start = text.find("\n[")
    start = 0 if text.startswith("[") else (start + 1 if start >= 0 else -1)
    end = text.rfind("]")
    if start < 0 or end < start:
        return text
    return text[start : end + 1]


class AcpBackend:
    """Tools carried out by the ACP client of `session_id`, for the workspace `root`.

    `conn` is the agent's connection to the client (the `AgentSideConnection` that
    `acp.run_agent` hands to your agent's `on_connect`), `loop` the event loop it runs on, `root`
    the session's `cwd` (a path on the editor's machine). Pass the `client_capabilities` your
    agent received in `initialize`. `commands` overrides how the editor starts `python`, `ruff`
    and `ty` (argument lists, e.g. `{"python": ["uv", "run", "python"]}`); the defaults are the
    bare names, resolved by the editor's environment. Call the methods from a worker thread (as
    the sandbox does), never from `loop`'s own thread.
    """

    def __init__(
        self,
        conn: AcpClientConnection,
        session_id: str,
        root: str | os.PathLike[str],
        loop: asyncio.AbstractEventLoop,
        *,
        client_capabilities: Any = None,
        commands: Mapping[str, Sequence[str]] | None = None,
        allowed_commands: frozenset[str] = DEFAULT_ALLOWED_COMMANDS,
        timeout: float = 60.0,
        bridge_grace: float = 10.0,
        output_byte_limit: int = 200_000,
    ) -> None:
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, not {timeout!r}")
        merged = {**DEFAULT_ACP_COMMANDS, **(commands or {})}
        unknown = set(merged) - set(DEFAULT_ACP_COMMANDS)
        if unknown:
            raise ValueError(f"commands can set python, ruff and ty, not {sorted(unknown)}")
        for name, argv in merged.items():
            if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
                raise TypeError(f"commands[{name!r}] must be a non-empty list of str")
        self.conn = conn
        self.session_id = session_id
        self.workspace = Path(os.path.realpath(root))
        self.loop = loop
        self.capabilities = EditorCapabilities.of(client_capabilities)
        self.commands: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in merged.items()}
        self.allowed_commands = frozenset(allowed_commands)
        self.timeout = timeout
        self.bridge_grace = bridge_grace
        self.output_byte_limit = output_byte_limit

    def __repr__(self) -> str:
        return f"AcpBackend(session_id={self.session_id!r}, root={str(self.workspace)!r})"

    # ------------------------------------------------------------------ bridging

    def _bridge(self, coro: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run `coro` on the agent's loop and wait for it from this (worker) thread."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            coro.close()
            raise BridgeError("AcpBackend must be called from a worker thread, not the event loop")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            future.cancel()  # the coroutine's finally blocks still release what it holds
            raise TimeoutError(f"the editor did not answer within {timeout:g} s") from None

    def _abs(self, path: str, *, what: str = "path") -> str:
        """The absolute client path of workspace-relative `path` (ACP wants absolute paths)."""
        resolve_in_workspace(self.workspace, path, what=what)
        rel = relative_path(path)
        return str(self.workspace) if rel == "." else posixpath.join(str(self.workspace), rel)

    def _require(self, capability: str, tool: str) -> None:
        if not getattr(self.capabilities, capability):
            raise EditorCapabilityError(_capability_message(capability, tool))

    async def _terminal(
        self,
        argv: Sequence[str],
        cwd: str,
        timeout: float,
        *,
        env: Mapping[str, str] = _TERMINAL_ENV,
        byte_limit: int | None = None,
    ) -> TerminalRun:
        """create -> wait (kill on timeout) -> output -> release, releasing on every path."""
        try:
            created = await self.conn.create_terminal(
                session_id=self.session_id,
                command=argv[0],
                args=list(argv[1:]),
                cwd=cwd,
                env=[{"name": k, "value": v} for k, v in env.items()],
                output_byte_limit=byte_limit or self.output_byte_limit,
            )
        except ValidationError:
            # An empty answer: clients built on the `acp` package answer null for the
            # terminal methods they do not implement.
            raise _NoTerminals from None
        except Exception as exc:
            if _code(exc) == _METHOD_NOT_FOUND:
                raise _NoTerminals from None
            raise _NotStarted from None
        terminal_id = created.terminal_id
        timed_out = False
        try:
            try:
                await asyncio.wait_for(
                    self.conn.wait_for_terminal_exit(
                        session_id=self.session_id, terminal_id=terminal_id
                    ),
                    timeout=timeout,
                )
            except TimeoutError:
                timed_out = True
                await self.conn.kill_terminal(session_id=self.session_id, terminal_id=terminal_id)
            out = await self.conn.terminal_output(
                session_id=self.session_id, terminal_id=terminal_id
            )
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(
                    self.conn.release_terminal(session_id=self.session_id, terminal_id=terminal_id)
                )
        status = out.exit_status
        exit_code = None if status is None else status.exit_code
        return TerminalRun(out.output, exit_code, timed_out, bool(out.truncated))

    def _run_terminal(
        self,
        argv: Sequence[str],
        tool: str,
        *,
        cwd: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] = _TERMINAL_ENV,
        byte_limit: int | None = None,
    ) -> TerminalRun:
        """Run `argv` in a client terminal in `cwd` (default: the workspace root).

        Raises `EditorCapabilityError` when the editor has no terminals, `FileNotFoundError`
        when it could not start the program, `TimeoutError` when it stopped answering.
        """
        self._require("terminal", tool)
        limit = self.timeout if timeout is None else timeout
        workdir = cwd or str(self.workspace)
        try:
            return self._bridge(
                self._terminal(argv, workdir, limit, env=env, byte_limit=byte_limit),
                limit + self.bridge_grace,
            )
        except _NoTerminals:
            raise EditorCapabilityError(_capability_message("terminal", tool)) from None
        except _NotStarted:
            raise FileNotFoundError(
                f"the editor could not start {argv[0]!r} (is it installed in its environment?)"
            ) from None
        except (TimeoutError, BridgeError):
            raise
        except Exception:  # the client's message may hold host paths: keep ours stable
            raise OSError(f"the editor's terminal failed while running {argv[0]!r}") from None

    def _typed_terminal(self, argv: Sequence[str], tool: str, **kwargs: Any) -> TerminalRun | str:
        """`_run_terminal` for the typed tools: a problem comes back as `tool_error` text."""
        try:
            return self._run_terminal(argv, tool, **kwargs)
        except EditorCapabilityError as exc:
            return str(exc)
        except FileNotFoundError as exc:
            return f"{exc}; AcpBackend(commands=...) sets how the editor starts it"
        except OSError as exc:
            return str(exc)

    # ------------------------------------------------------------------ files

    def read_file(self, path: str) -> str:
        """Return the text of a workspace file."""
        target = self._abs(path)
        self._require("read_text_file", "read_file")
        try:
            response = self._bridge(
                self.conn.read_text_file(session_id=self.session_id, path=target),
                self.timeout,
            )
        except (TimeoutError, BridgeError):
            raise
        except Exception as exc:  # the client's message may hold host paths: keep ours stable
            if _code(exc) == _METHOD_NOT_FOUND:
                raise EditorCapabilityError(
                    _capability_message("read_text_file", "read_file")
                ) from None
            if _code(exc) != _RESOURCE_NOT_FOUND and _looks_refused(exc):
                raise PermissionError(f"the editor refused to read {path!r}") from None
            raise FileNotFoundError(f"the editor could not read {path!r}") from None
        return response.content

    def write_file(self, path: str, content: str) -> str:
        """Create or replace a workspace file with `content`; returns a short confirmation."""
        if not isinstance(content, str):
            raise TypeError(f"content must be a str, not {type(content).__name__}")
        target = self._abs(path)
        if ".git" in Path(relative_path(path)).parts:
            raise WorkspaceEscapeError(f"writing inside .git is not allowed: {path!r}")
        self._require("write_text_file", "write_file")
        try:
            self._bridge(
                self.conn.write_text_file(session_id=self.session_id, path=target, content=content),
                self.timeout,
            )
        except (TimeoutError, BridgeError):
            raise
        except Exception as exc:
            if _code(exc) == _METHOD_NOT_FOUND:
                raise EditorCapabilityError(
                    _capability_message("write_text_file", "write_file")
                ) from None
            if _looks_refused(exc):
                raise PermissionError(f"the editor refused to write {path!r}") from None
            raise OSError(f"the editor could not write {path!r}") from None
        return write_confirmation(path, content)

    # ------------------------------------------------------------------ commands

    def _argv(self, command: str, args: list[str]) -> list[str]:
        """The command line the editor runs for `run_command(command, args)` (as LocalBackend)."""
        if command == "python":
            return [*self.commands["python"], *args]
        if command == "pytest":
            return [*self.commands["python"], "-m", "pytest", "-p", "no:cacheprovider", *args]
        if command in ("ruff", "ty"):
            return [*self.commands[command], *args]
        if command == "git":
            return ["git", "--no-pager", *args]
        return [command, *args]

    def run_command(
        self, command: str, args: list[str] | None = None, cwd: str | None = None
    ) -> str:
        """Run an allowed program without a shell; returns its output (+ `[exit status N]`)."""
        argv_args = list(args or [])
        workdir = resolve_in_workspace(self.workspace, cwd or ".", what="cwd")
        check_command(self.workspace, workdir, command, argv_args, self.allowed_commands)
        run = self._run_terminal(
            self._argv(command, argv_args), "run_command", cwd=self._abs(cwd or ".", what="cwd")
        )
        if run.timed_out:
            raise TimeoutError(f"{command} timed out after {self.timeout:g} s and was stopped")
        return format_command_output(run.output, "", run.exit_code)

    # ------------------------------------------------------------------ typed tools

    def typecheck(self, path: str) -> TypeCheckResult:
        """Type-check a file or directory with ty."""
        self._abs(path)
        local = typecheck_command(relative_path(path))
        if local is None:
            return _ty_failure("ty is not installed")
        run = self._typed_terminal([*self.commands["ty"], *_program_args(local)], "typecheck")
        if isinstance(run, str):
            return _ty_failure(run)
        if run.timed_out:
            return _ty_failure(f"ty timed out after {self.timeout:g} s and was stopped")
        if run.exit_code not in (0, 1):
            return _ty_failure(
                f"ty could not run (exit status {run.exit_code}): {run.output[-500:]}"
            )
        return parse_ty_output(_json_part(run.output), cwd=self.workspace)

    def ruff_check(self, path: str) -> RuffResult:
        """Lint a file or directory with ruff."""
        self._abs(path)
        local = ruff_command(relative_path(path))
        if local is None:
            return _ruff_failure("ruff is not installed")
        run = self._typed_terminal([*self.commands["ruff"], *_program_args(local)], "ruff_check")
        if isinstance(run, str):
            return _ruff_failure(run)
        if run.timed_out:
            return _ruff_failure(f"ruff timed out after {self.timeout:g} s and was stopped")
        if run.exit_code not in (0, 1):
            return _ruff_failure(
                f"ruff could not run (exit status {run.exit_code}): {run.output[-500:]}"
            )
        return parse_ruff_output(_json_part(run.output), cwd=self.workspace)

    def pytest_run(self, path: str) -> TestResult:
        """Run the tests in a file or directory with pytest."""
        self._abs(path)
        nonce = f"punie-{uuid.uuid4().hex}"
        local = pytest_command(relative_path(path), cwd=self.workspace, report_file="-")
        argv = [
            *self.commands["python"],
            "-c",
            _PYTEST_WRAPPER,
            nonce,
            f"{self.timeout:g}",
            *_pytest_args(local),
        ]
        run = self._typed_terminal(
            argv,
            "pytest_run",
            timeout=self.timeout + _PYTEST_GRACE,
            env=_PYTEST_ENV,
            byte_limit=max(self.output_byte_limit, _REPORT_BYTE_LIMIT),
        )
        if isinstance(run, str):
            return _pytest_failure(run)
        stopped = _marked(run.output, nonce, "timeout")
        if isinstance(stopped, dict) or run.timed_out:
            message = f"pytest timed out after {self.timeout:g} s and was stopped"
            if isinstance(stopped, dict) and stopped.get("running"):
                message += f" while running {stopped['running']}"
            if isinstance(stopped, dict) and stopped.get("finished"):
                message += f" ({stopped['finished']} tests had finished)"
            return _pytest_failure(message)
        missing = _marked(run.output, nonce, "missing")
        if missing is not None:
            python = " ".join(self.commands["python"])
            return _pytest_failure(
                f"the editor's Python ({python}) cannot run pytest with pytest-json-report "
                f"({missing}); install both in the project's environment or set "
                "AcpBackend(commands={'python': [...]})"
            )
        report = _marked(run.output, nonce, "report")
        if not isinstance(report, dict):
            why = "its report did not fit in the terminal output" if run.truncated else "no report"
            detail = run.output.strip()[-500:] or "no output"
            return _pytest_failure(f"pytest wrote {why} (exit status {run.exit_code}): {detail}")
        result = parse_pytest_output(json.dumps(report))
        if result.tool_error is None and run.exit_code not in _PYTEST_REPORTED:
            return _pytest_failure(f"pytest could not run (exit status {run.exit_code})")
        return _relative_to(result, str(self.workspace))


def _relative_to(result: TestResult, root: str) -> TestResult:
    """Failure texts name files relative to the workspace and the interpreter as `<python>`,
    as the local runner's do (see `scrub_paths`): no host path reaches the model."""
    return _scrub_result(result, root)


def _ty_failure(message: str) -> TypeCheckResult:
    return TypeCheckResult(success=False, error_count=0, warning_count=0, tool_error=message)


def _ruff_failure(message: str) -> RuffResult:
    return RuffResult(success=False, error_count=0, warning_count=0, tool_error=message)


def _pytest_failure(message: str) -> TestResult:
    return TestResult(success=False, passed=0, failed=0, skipped=0, total=0, tool_error=message)
