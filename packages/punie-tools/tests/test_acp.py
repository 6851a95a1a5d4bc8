"""AcpBackend against real ACP clients (editor side) over real OS pipes.

The clients below are real `acp.Client`s connected with the package's own `ClientSideConnection`
and `AgentSideConnection` over `os.pipe()` pairs, byte for byte as an editor and an agent talk
over stdio: their terminals run real subprocesses and their file methods touch real files. One
editor only allows file access inside the project, one offers no terminals at all, and the last
tests spawn the README's example agent as a subprocess, as an editor does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from acp import PROTOCOL_VERSION, RequestError, spawn_agent_process, text_block
from acp.agent.connection import AgentSideConnection
from acp.client.connection import ClientSideConnection
from acp.schema import (
    AgentMessageChunk,
    ClientCapabilities,
    CreateTerminalResponse,
    FileSystemCapabilities,
    KillTerminalResponse,
    ReadTextFileResponse,
    ReleaseTerminalResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)
from sandbox_fixtures import materialise

from punie_tools import LocalBackend, ToolBackend, WorkspaceEscapeError, ruff_check, typecheck
from punie_tools.backends.acp import AcpBackend, EditorCapabilities, EditorCapabilityError
from punie_tools.sandbox import SandboxLimits, run_code

README = Path(__file__).parents[1] / "README.md"
# The venv of this test run: the "project's environment" the editor's terminals resolve names in.
VENV_BIN = str(Path(sys.executable).parent)

FULL = ClientCapabilities(
    fs=FileSystemCapabilities(read_text_file=True, write_text_file=True), terminal=True
)
NO_TERMINAL = ClientCapabilities(
    fs=FileSystemCapabilities(read_text_file=True, write_text_file=True), terminal=False
)


class _Terminal:
    def __init__(self, proc: asyncio.subprocess.Process, limit: int | None) -> None:
        self.proc = proc
        self.limit = limit
        self.output = bytearray()
        self.truncated = False
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while chunk := await self.proc.stdout.read(65536):
            self.output += chunk
            if self.limit is not None and len(self.output) > self.limit:
                del self.output[: len(self.output) - self.limit]  # ACP: keep the end
                self.truncated = True


class FilesClient:
    """An editor without terminals: only `fs/*`, confined to `root` when one is given."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self.paths: list[str] = []  # every path the agent asked to read or write
        self.refused: list[str] = []

    def _check(self, path: str) -> Path:
        self.paths.append(path)
        target = Path(path)
        if not target.is_absolute():
            raise RequestError.invalid_params({"path": "must be absolute"})
        if self.root is not None and not target.resolve().is_relative_to(self.root.resolve()):
            self.refused.append(path)
            raise RequestError(-32000, "Permission denied: outside the project")
        return target

    async def request_permission(self, *args: Any, **kwargs: Any) -> Any:
        raise RequestError.method_not_found("session/request_permission")

    async def session_update(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None,
        **kwargs: Any,
    ) -> ReadTextFileResponse:  # fmt: skip
        target = self._check(path)
        try:
            return ReadTextFileResponse(content=target.read_text())
        except OSError as exc:
            raise RequestError.resource_not_found(path) from exc

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> WriteTextFileResponse:
        target = self._check(path)
        target.parent.mkdir(parents=True, exist_ok=True)  # as editors do
        target.write_text(content)
        return WriteTextFileResponse()

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise RequestError.method_not_found(method)

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        return None

    def on_connect(self, conn: Any) -> None:
        return None


class TerminalClient(FilesClient):
    """An editor with terminals that run real subprocesses in its own environment.

    Its PATH starts with this test run's venv (as an editor with the project's venv activated),
    and its temp dir is `tmp`, so tests can see what a tool left behind on the editor's side.
    """

    def __init__(self, root: Path | None = None, tmp: Path | None = None) -> None:
        super().__init__(root)
        self.tmp = tmp
        self.terminals: dict[str, _Terminal] = {}
        self.created: list[tuple[str, list[str]]] = []
        self.killed: list[str] = []
        self.released: list[str] = []

    async def create_terminal(
        self, session_id: str, command: str, args: list[str] | None = None,
        env: Any = None, cwd: str | None = None, output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> CreateTerminalResponse:  # fmt: skip
        extra = {e.name: e.value for e in env or []}
        own = {**os.environ, "PATH": VENV_BIN + os.pathsep + os.environ.get("PATH", "")}
        if self.tmp is not None:
            own["TMPDIR"] = str(self.tmp)
        try:
            proc = await asyncio.create_subprocess_exec(
                command, *(args or []), cwd=cwd, env={**own, **extra},
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            raise RequestError.internal_error({"error": str(exc)}) from exc
        terminal_id = uuid.uuid4().hex
        self.terminals[terminal_id] = _Terminal(proc, output_byte_limit)
        self.created.append((command, list(args or [])))
        return CreateTerminalResponse(terminal_id=terminal_id)

    def _status(self, term: _Terminal) -> TerminalExitStatus | None:
        code = term.proc.returncode
        if code is None:
            return None
        if code < 0:
            return TerminalExitStatus(signal=signal.Signals(-code).name)
        return TerminalExitStatus(exit_code=code)

    async def terminal_output(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> TerminalOutputResponse:
        term = self.terminals[terminal_id]
        if term.proc.returncode is not None:
            await term.reader
        return TerminalOutputResponse(
            output=term.output.decode(errors="replace"),
            truncated=term.truncated,
            exit_status=self._status(term),
        )

    async def wait_for_terminal_exit(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> WaitForTerminalExitResponse:
        term = self.terminals[terminal_id]
        code = await term.proc.wait()
        await term.reader
        return WaitForTerminalExitResponse(exit_code=code if code >= 0 else None)

    async def kill_terminal(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> KillTerminalResponse:
        term = self.terminals[terminal_id]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(term.proc.pid, signal.SIGKILL)
        await term.proc.wait()
        self.killed.append(terminal_id)
        return KillTerminalResponse()

    async def release_terminal(
        self, session_id: str, terminal_id: str, **kwargs: Any
    ) -> ReleaseTerminalResponse:
        term = self.terminals.pop(terminal_id)
        if term.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(term.proc.pid, signal.SIGKILL)
            await term.proc.wait()
        term.reader.cancel()
        self.released.append(terminal_id)
        return ReleaseTerminalResponse()


class _IdleAgent:
    """The agent side needs an Agent object; these tests only use its client-facing methods."""

    def on_connect(self, conn: Any) -> None:
        return None


async def _pipe() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """One OS pipe as a (reader, writer) pair of streams on the running loop."""
    loop = asyncio.get_running_loop()
    read_fd, write_fd = os.pipe()
    reader = asyncio.StreamReader(limit=50 * 1024 * 1024)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(read_fd, "rb", 0)
    )
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, os.fdopen(write_fd, "wb", 0)
    )
    return reader, asyncio.StreamWriter(transport, protocol, None, loop)


@contextlib.asynccontextmanager
async def _connected(client: FilesClient) -> AsyncIterator[AgentSideConnection]:
    """The agent's connection to `client`, both ends speaking ACP over two OS pipes."""
    to_client_r, to_client_w = await _pipe()
    to_agent_r, to_agent_w = await _pipe()
    client_conn = ClientSideConnection(client, to_agent_w, to_client_r)  # ty: ignore[invalid-argument-type]
    agent_conn = AgentSideConnection(_IdleAgent(), to_client_w, to_agent_r)  # ty: ignore[invalid-argument-type]
    try:
        yield agent_conn
    finally:
        await agent_conn.close()
        await client_conn.close()
        for writer in (to_client_w, to_agent_w):
            writer.close()


Scenario = Callable[[AgentSideConnection, Any], Awaitable[None]]


def run_acp(scenario: Scenario, client: Any = None) -> None:
    """Run `scenario(conn, client)` on a fresh event loop (default client: a TerminalClient)."""
    editor = client if client is not None else TerminalClient()

    async def main() -> None:
        async with _connected(editor) as conn:
            await scenario(conn, editor)

    asyncio.run(main())


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return materialise("shop", tmp_path / "shop")


def _backend(conn: AgentSideConnection, root: Path, **kwargs: Any) -> AcpBackend:
    kwargs.setdefault("client_capabilities", FULL)
    return AcpBackend(conn, "session-1", root, asyncio.get_running_loop(), **kwargs)


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


# --------------------------------------------------------------------------- typed tools


def test_bridged_tools_match_local_with_an_editor_confined_to_the_project(
    shop: Path, tmp_path: Path
) -> None:
    editor_tmp = tmp_path / "editor-tmp"
    editor_tmp.mkdir()
    client = TerminalClient(root=shop, tmp=editor_tmp)
    before = _files(shop)

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop)
        assert isinstance(backend, ToolBackend)
        bridged = await asyncio.to_thread(backend.ruff_check, ".")
        assert bridged == ruff_check(".", cwd=shop)
        assert bridged.violations and bridged.violations[0].code == "F401"
        types = await asyncio.to_thread(backend.typecheck, "shop")
        assert types == typecheck("shop", cwd=shop)
        assert types.error_count == 1
        tests = await asyncio.to_thread(backend.pytest_run, "tests")
        local = LocalBackend(shop).pytest_run("tests")
        assert tests.tool_error is None, tests.tool_error
        assert (tests.passed, tests.failed, tests.total) == (1, 1, 2)
        assert tests.model_dump(exclude={"duration"}) == local.model_dump(exclude={"duration"})
        assert len(client.created) == 3
        assert sorted(client.released) == sorted(set(client.released)) and len(client.released) == 3
        assert client.terminals == {}

    run_acp(scenario, client)
    # Programs are named for the editor's environment, never paths into the agent's venv.
    assert [command for command, _ in client.created] == ["ruff", "ty", "python"]
    assert not any(VENV_BIN in arg for _, args in client.created for arg in args)
    # pytest's report came back through the terminal: no file request, nothing left anywhere.
    assert client.paths == [] and client.refused == []
    assert _files(shop) == before
    assert list(editor_tmp.iterdir()) == []


def test_pytest_needs_no_file_access_at_all(shop: Path) -> None:
    """An editor that offers terminals but no fs methods still runs the tests."""
    caps = ClientCapabilities(fs=FileSystemCapabilities(), terminal=True)

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop, client_capabilities=caps)
        result = await asyncio.to_thread(backend.pytest_run, "tests/test_cart.py")
        assert result.tool_error is None, result.tool_error
        assert (result.passed, result.failed) == (1, 1)
        assert result.failures[0].test_id == "tests/test_cart.py::test_discount"
        with pytest.raises(EditorCapabilityError, match="does not offer file reads"):
            await asyncio.to_thread(backend.read_file, "notes.txt")
        assert client.paths == []

    run_acp(scenario)


def test_pytest_collection_error_and_node_path(shop: Path) -> None:
    (shop / "tests" / "test_broken.py").write_text("import module_that_does_not_exist\n")

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop)
        bridged = await asyncio.to_thread(backend.pytest_run, "tests")
        local = LocalBackend(shop).pytest_run("tests")
        assert bridged.error_count == 1
        assert bridged.model_dump(exclude={"duration"}) == local.model_dump(exclude={"duration"})
        assert str(shop) not in str(bridged.model_dump())  # no host path reaches the model

    run_acp(scenario)


def test_commands_are_configurable(shop: Path) -> None:
    """`commands` says how the editor starts python, ruff and ty (e.g. through uv or -m)."""

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        commands = {"ruff": ["python", "-m", "ruff"], "python": ["python", "-X", "utf8"]}
        backend = _backend(conn, shop, commands=commands)
        lint = await asyncio.to_thread(backend.ruff_check, ".")
        assert lint == ruff_check(".", cwd=shop)
        tests = await asyncio.to_thread(backend.pytest_run, "tests")
        assert (tests.passed, tests.failed) == (1, 1), tests.tool_error
        out = await asyncio.to_thread(backend.run_command, "ruff", ["version"])
        assert out.startswith("ruff ")
        assert client.created[0][0] == "python" and client.created[0][1][:2] == ["-m", "ruff"]
        assert client.created[1][1][:2] == ["-X", "utf8"]

    run_acp(scenario)


def test_program_missing_in_the_editors_environment(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop, commands={"ty": ["no-such-ty-binary"]})
        result = await asyncio.to_thread(backend.typecheck, ".")
        assert result.success is False and result.tool_error is not None
        assert "could not start 'no-such-ty-binary'" in result.tool_error
        assert "AcpBackend(commands=...)" in result.tool_error

        bare = _backend(conn, shop, commands={"python": [sys.executable, "-S"]})  # no site-packages
        tests = await asyncio.to_thread(bare.pytest_run, "tests")
        assert tests.tool_error is not None
        assert "cannot run pytest with pytest-json-report" in tests.tool_error
        assert "No module named 'pytest'" in tests.tool_error

    run_acp(scenario)


def test_bad_commands_setting_is_refused(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        with pytest.raises(ValueError, match="not \\['mypy'\\]"):
            _backend(conn, shop, commands={"mypy": ["mypy"]})
        with pytest.raises(TypeError, match="non-empty list"):
            _backend(conn, shop, commands={"ruff": "ruff"})

    run_acp(scenario)


# --------------------------------------------------------------------------- files and commands


def test_files_and_commands_through_the_editor(shop: Path) -> None:
    client = TerminalClient(root=shop)

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop)
        assert await asyncio.to_thread(backend.read_file, "notes.txt") == "alpha\nbeta\ngamma\n"
        done = await asyncio.to_thread(backend.write_file, "new/x.py", "x = 1\n")
        assert done == LocalBackend(shop).write_file("new/y.py", "x = 1\n").replace("y.py", "x.py")
        assert (shop / "new/x.py").read_text() == "x = 1\n"
        out = await asyncio.to_thread(backend.run_command, "grep", ["-n", "beta", "notes.txt"])
        assert out == LocalBackend(shop).run_command("grep", ["-n", "beta", "notes.txt"])
        missing = await asyncio.to_thread(backend.run_command, "grep", ["zeta", "notes.txt"])
        assert missing.endswith("[exit status 1]")
        with pytest.raises(FileNotFoundError, match=r"could not read 'nope\.txt'"):
            await asyncio.to_thread(backend.read_file, "nope.txt")
        with pytest.raises(WorkspaceEscapeError):
            await asyncio.to_thread(backend.read_file, "../secret")
        with pytest.raises(PermissionError):
            await asyncio.to_thread(backend.run_command, "rm", ["-rf", "."])
        assert client.terminals == {}
        assert len(client.released) == 2

    run_acp(scenario, client)
    assert client.refused == []  # the agent never asked for anything outside the project
    assert all(Path(p).is_relative_to(shop) for p in client.paths)


def test_an_editor_refusal_is_a_permission_error(shop: Path) -> None:
    """An editor confined to a narrower root refuses; the model sees a PermissionError."""
    client = TerminalClient(root=shop / "shop")

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop)
        with pytest.raises(PermissionError, match=r"the editor refused to read 'notes\.txt'"):
            await asyncio.to_thread(backend.read_file, "notes.txt")
        with pytest.raises(PermissionError, match="refused to write"):
            await asyncio.to_thread(backend.write_file, "notes.txt", "x")
        record = await asyncio.to_thread(
            run_code,
            'try:\n    read_file("notes.txt")\nexcept PermissionError as e:\n    print("no:", e)\n',
            None,
            backend,
        )
        assert record.error is None, record.error
        assert record.stdout == "no: the editor refused to read 'notes.txt'\n"
        assert str(shop) not in str(record.calls[0].error)  # the editor's message stays out

    run_acp(scenario, client)
    assert len(client.refused) == 3


def test_hung_command_is_killed_and_released(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop, timeout=0.5)
        with pytest.raises(TimeoutError, match=r"timed out after 0\.5 s"):
            await asyncio.to_thread(backend.run_command, "tail", ["-f", "notes.txt"])
        assert len(client.killed) == 1
        assert client.released == client.killed
        assert client.terminals == {}

    run_acp(scenario)


def test_hung_test_is_named_in_the_tool_error(shop: Path) -> None:
    (shop / "tests" / "test_hang.py").write_text(
        "import time\n\ndef test_quick():\n    pass\n\ndef test_hang():\n    time.sleep(60)\n"
    )

    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        # 15 s: pytest must have started and finished test_quick first, even on a loaded machine.
        backend = _backend(conn, shop, timeout=15)
        result = await asyncio.to_thread(backend.pytest_run, "tests/test_hang.py")
        assert result.tool_error == (
            "pytest timed out after 15 s and was stopped while running "
            "tests/test_hang.py::test_hang (1 tests had finished)"
        )
        assert client.released and client.terminals == {}

    run_acp(scenario)


def test_calling_from_the_loop_thread_is_refused(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        with pytest.raises(RuntimeError, match="worker thread"):
            _backend(conn, shop).read_file("notes.txt")

    run_acp(scenario)


# --------------------------------------------------------------------------- capabilities


NO_TERMINAL_MESSAGE = "the editor does not offer terminals (terminal/*)"


class MethodNotFoundClient(FilesClient):
    """An editor that answers "Method not found" to terminal requests (as non-Python ones do)."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(root)
        self.asked: list[str] = []

    async def create_terminal(self, session_id: str, command: str, **kwargs: Any) -> Any:
        self.asked.append(command)
        raise RequestError.method_not_found("terminal/create")


@pytest.mark.parametrize(
    ("advertised", "client_class"),
    [(NO_TERMINAL, MethodNotFoundClient), (None, MethodNotFoundClient), (None, FilesClient)],
    ids=["advertised", "method-not-found", "null-answer"],
)
def test_an_editor_without_terminals_gives_typed_errors(
    shop: Path, advertised: ClientCapabilities | None, client_class: type[FilesClient]
) -> None:
    """Capabilities are checked first (no terminal request is even sent); an editor that answers
    "Method not found" (or, built on the `acp` package, null) because the caller passed no
    capabilities gives the same typed errors, never a bare exception."""
    client = client_class(root=shop)

    async def scenario(conn: AgentSideConnection, client: FilesClient) -> None:
        backend = _backend(conn, shop, client_capabilities=advertised)
        for tool in ("typecheck", "ruff_check", "pytest_run"):
            result = await asyncio.to_thread(getattr(backend, tool), ".")
            assert result.success is False
            assert (
                result.tool_error == f"{NO_TERMINAL_MESSAGE}, so {tool} cannot run in this session"
            )
        with pytest.raises(EditorCapabilityError, match=re.escape(NO_TERMINAL_MESSAGE)):
            await asyncio.to_thread(backend.run_command, "ls")
        assert await asyncio.to_thread(backend.read_file, "notes.txt") == "alpha\nbeta\ngamma\n"
        code = (
            'print(read_file("notes.txt").splitlines()[0])\n'
            'print(pytest_run("tests").tool_error)\n'
            "try:\n"
            '    run_command("ls")\n'
            "except NotImplementedError as e:\n"
            '    print("caught:", e)\n'
        )
        record = await asyncio.to_thread(run_code, code, None, backend)
        assert record.error is None, record.error
        assert record.stdout.splitlines() == [
            "alpha",
            f"{NO_TERMINAL_MESSAGE}, so pytest_run cannot run in this session",
            f"caught: {NO_TERMINAL_MESSAGE}, so run_command cannot run in this session",
        ]

    run_acp(scenario, client)
    if isinstance(client, MethodNotFoundClient):
        asked = ["ty", "ruff", "python", "ls", "python", "ls"]
        assert client.asked == ([] if advertised is not None else asked)


class BareClient:
    """An editor with neither fs nor terminal methods."""

    async def session_update(self, *args: Any, **kwargs: Any) -> None:
        return None

    def on_connect(self, conn: Any) -> None:
        return None


def test_method_not_found_from_the_editor_is_typed(shop: Path) -> None:
    client = MethodNotFoundClient(shop)

    async def scenario(conn: AgentSideConnection, client: MethodNotFoundClient) -> None:
        backend = _backend(conn, shop, client_capabilities=FULL)  # it claims terminals
        result = await asyncio.to_thread(backend.ruff_check, ".")
        assert (
            result.tool_error == f"{NO_TERMINAL_MESSAGE}, so ruff_check cannot run in this session"
        )
        with pytest.raises(EditorCapabilityError, match="so run_command cannot run"):
            await asyncio.to_thread(backend.run_command, "ls")

    run_acp(scenario, client)
    assert client.asked == ["ruff", "ls"]


def test_an_editor_without_fs_methods_gives_typed_errors(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: BareClient) -> None:
        backend = _backend(conn, shop, client_capabilities=None)
        with pytest.raises(EditorCapabilityError, match=r"file reads \(fs/read_text_file\)"):
            await asyncio.to_thread(backend.read_file, "notes.txt")
        with pytest.raises(EditorCapabilityError, match=r"file writes \(fs/write_text_file\)"):
            await asyncio.to_thread(backend.write_file, "x.txt", "x")
        result = await asyncio.to_thread(backend.pytest_run, "tests")
        assert (
            result.tool_error == f"{NO_TERMINAL_MESSAGE}, so pytest_run cannot run in this session"
        )

    run_acp(scenario, BareClient())
    assert not (shop / "x.txt").exists()


def test_capabilities_are_read_from_the_schema_or_json() -> None:
    assert EditorCapabilities.of(None) == EditorCapabilities(True, True, True)
    assert EditorCapabilities.of(NO_TERMINAL) == EditorCapabilities(True, True, False)
    assert EditorCapabilities.of(ClientCapabilities()) == EditorCapabilities(False, False, False)
    as_json = {"fs": {"readTextFile": True}, "terminal": True}
    assert EditorCapabilities.of(as_json) == EditorCapabilities(True, False, True)


# --------------------------------------------------------------------------- the sandbox over ACP


def test_sandbox_over_acp_matches_local(shop: Path, tmp_path: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        code = (
            'r = ruff_check(".")\n'
            "print(r.error_count, [v.code for v in r.violations])\n"
            'src = read_file("shop/cart.py")\n'
            'print(write_file("shop/cart.py", src.replace("import os\\n", "")))\n'
            'print(ruff_check(".").success)\n'
            'print(run_command("ls", ["shop"]))\n'
            "try:\n"
            '    read_file("missing.txt")\n'
            "except FileNotFoundError as e:\n"
            '    print("missing")\n'
            't = pytest_run("tests")\n'
            "print(t.passed, t.failed, t.error_count, [f.test_id for f in t.failures])\n"
        )
        twin = materialise("shop", tmp_path / "twin")
        limits = SandboxLimits(timeout=5)
        bridged = await asyncio.to_thread(run_code, code, None, _backend(conn, shop), limits)
        local = run_code(code, twin, limits=limits)
        assert bridged.error is None, bridged.error
        assert bridged.stdout == local.stdout
        lines = bridged.stdout.splitlines()
        assert lines[0] == "1 ['F401']"
        assert lines[-2:] == ["missing", "1 1 0 ['tests/test_cart.py::test_discount']"]
        assert [c.name for c in bridged.calls] == [c.name for c in local.calls]
        assert client.terminals == {}

    run_acp(scenario, TerminalClient(root=shop))


# --------------------------------------------------------------------------- the README's agent


def _readme_agent(tmp_path: Path) -> Path:
    """The README's complete example agent, written to a file exactly as printed."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    agent = [b for b in blocks if "acp.run_agent(" in b]
    assert len(agent) == 1, "the README must hold exactly one complete ACP agent example"
    path = tmp_path / "code_mode_agent.py"
    path.write_text(agent[0])
    return path


class _Editor(TerminalClient):
    """A TerminalClient that also collects the agent's messages, as an editor shows them."""

    def __init__(self, root: Path, tmp: Path) -> None:
        super().__init__(root=root, tmp=tmp)
        self.messages: list[str] = []

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        if isinstance(update, AgentMessageChunk):
            self.messages.append(getattr(update.content, "text", ""))


async def _ask(
    editor: FilesClient, agent: Path, project: Path, caps: ClientCapabilities, code: str, log: Path
) -> None:
    with log.open("ab") as stderr:
        async with spawn_agent_process(
            editor, sys.executable, str(agent), transport_kwargs={"stderr": stderr}
        ) as (conn, _process):
            init = await conn.initialize(
                protocol_version=PROTOCOL_VERSION, client_capabilities=caps
            )
            assert init.protocol_version == PROTOCOL_VERSION
            session = await conn.new_session(cwd=str(project), mcp_servers=[])
            response = await asyncio.wait_for(
                conn.prompt(session_id=session.session_id, prompt=[text_block(code)]), 120
            )
            assert response.stop_reason == "end_turn"


def test_readme_agent_runs_in_an_editor_confined_to_the_project(shop: Path, tmp_path: Path) -> None:
    agent = _readme_agent(tmp_path)
    editor_tmp = tmp_path / "editor-tmp"
    editor_tmp.mkdir()
    editor = _Editor(shop, editor_tmp)
    code = (
        't = pytest_run("tests")\n'
        "print(t.passed, t.failed, t.total)\n"
        'print(ruff_check(".").violations[0].code)\n'
        "try:\n"
        '    read_file("../outside.txt")\n'
        "except PermissionError as e:\n"
        "    print(e)\n"
    )
    log = tmp_path / "agent-stderr.log"
    asyncio.run(_ask(editor, agent, shop, FULL, code, log))
    assert editor.messages == [
        "1 1 2\nF401\npath '../outside.txt' contains '..'; paths must stay inside the workspace"
    ], log.read_text()
    assert [c for c, _ in editor.created] == ["python", "ruff"]
    assert editor.refused == [] and editor.terminals == {}
    assert list(editor_tmp.iterdir()) == []


def test_readme_agent_with_an_editor_without_terminals(shop: Path, tmp_path: Path) -> None:
    agent = _readme_agent(tmp_path)

    class Editor(FilesClient):
        def __init__(self) -> None:
            super().__init__(root=shop)
            self.messages: list[str] = []

        async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
            if isinstance(update, AgentMessageChunk):
                self.messages.append(getattr(update.content, "text", ""))

    editor = Editor()
    code = 'print(read_file("notes.txt").split()[1])\nprint(typecheck(".").tool_error)\n'
    log = tmp_path / "agent-stderr.log"
    asyncio.run(_ask(editor, agent, shop, NO_TERMINAL, code, log))
    assert editor.messages == [
        f"beta\n{NO_TERMINAL_MESSAGE}, so typecheck cannot run in this session"
    ], log.read_text()
