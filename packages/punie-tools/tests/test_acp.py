"""AcpBackend against a real ACP client over the in-memory transport.

The client below is a real `acp.Client`: its terminals run real subprocesses and its file
methods touch real files, so the bridged tools do exactly what an editor would make them do.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from acp import RequestError
from acp._transport import memory_transport_pair
from acp.agent.connection import AgentSideConnection
from acp.client.connection import ClientSideConnection
from acp.schema import (
    CreateTerminalResponse,
    KillTerminalResponse,
    ReadTextFileResponse,
    ReleaseTerminalResponse,
    TerminalExitStatus,
    TerminalOutputResponse,
    WaitForTerminalExitResponse,
    WriteTextFileResponse,
)
from sandbox_fixtures import materialise

from punie_tools import ruff_check, typecheck
from punie_tools.backends import LocalBackend, ToolBackend, WorkspaceEscapeError
from punie_tools.backends.acp import AcpBackend
from punie_tools.sandbox import SandboxLimits, run_code


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
                del self.output[: len(self.output) - self.limit]
                self.truncated = True


class TerminalClient:
    """An ACP client (editor side) whose terminals are real subprocesses."""

    def __init__(self) -> None:
        self.terminals: dict[str, _Terminal] = {}
        self.created: list[tuple[str, list[str]]] = []
        self.killed: list[str] = []
        self.released: list[str] = []

    async def request_permission(self, *args: Any, **kwargs: Any) -> Any:
        raise RequestError.method_not_found("session/request_permission")

    async def session_update(self, *args: Any, **kwargs: Any) -> None:
        return None

    async def read_text_file(
        self, session_id: str, path: str, line: int | None = None, limit: int | None = None,
        **kwargs: Any,
    ) -> ReadTextFileResponse:  # fmt: skip
        try:
            return ReadTextFileResponse(content=Path(path).read_text())
        except OSError as exc:
            raise RequestError.resource_not_found(path) from exc

    async def write_text_file(
        self, session_id: str, path: str, content: str, **kwargs: Any
    ) -> WriteTextFileResponse:
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # as editors do
        Path(path).write_text(content)
        return WriteTextFileResponse()

    async def create_terminal(
        self, session_id: str, command: str, args: list[str] | None = None,
        env: Any = None, cwd: str | None = None, output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> CreateTerminalResponse:  # fmt: skip
        extra = {e.name: e.value for e in env or []}
        proc = await asyncio.create_subprocess_exec(
            command, *(args or []), cwd=cwd, env={**os.environ, **extra},
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
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

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise RequestError.method_not_found(method)

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        return None

    def on_connect(self, conn: Any) -> None:
        return None


class _IdleAgent:
    """The agent side needs an Agent object; these tests only use its client-facing methods."""

    def on_connect(self, conn: Any) -> None:
        return None


Scenario = Callable[[AgentSideConnection, TerminalClient], Awaitable[None]]


def run_acp(scenario: Scenario) -> None:
    """Run `scenario` on a fresh event loop with an agent and a client linked in memory."""

    async def main() -> None:
        agent_end, client_end = memory_transport_pair()
        client = TerminalClient()
        client_conn = ClientSideConnection(client, client_end)  # ty: ignore[invalid-argument-type]
        agent_conn = AgentSideConnection(_IdleAgent(), agent_end)  # ty: ignore[invalid-argument-type]
        try:
            await scenario(agent_conn, client)
        finally:
            await agent_end.close()
            await client_end.close()
            del client_conn

    asyncio.run(main())


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return materialise("shop", tmp_path / "shop")


def _backend(conn: AgentSideConnection, root: Path, **kwargs: Any) -> AcpBackend:
    return AcpBackend(conn, "session-1", root, asyncio.get_running_loop(), **kwargs)


def test_bridged_ruff_and_ty_match_local(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop)
        assert isinstance(backend, ToolBackend)
        bridged = await asyncio.to_thread(backend.ruff_check, ".")
        assert bridged == ruff_check(".", cwd=shop)
        assert bridged.violations and bridged.violations[0].code == "F401"
        types = await asyncio.to_thread(backend.typecheck, "shop")
        assert types == typecheck("shop", cwd=shop)
        tests = await asyncio.to_thread(backend.pytest_run, "tests")
        local = LocalBackend(shop).pytest_run("tests")
        assert tests.model_dump(exclude={"duration"}) == local.model_dump(exclude={"duration"})
        assert len(client.created) == 3
        assert sorted(client.released) == sorted(set(client.released)) and len(client.released) == 3
        assert client.terminals == {}

    run_acp(scenario)


def test_files_and_commands_through_the_editor(shop: Path) -> None:
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

    run_acp(scenario)


def test_hung_command_is_killed_and_released(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        backend = _backend(conn, shop, timeout=0.5)
        with pytest.raises(TimeoutError, match=r"timed out after 0\.5 s"):
            await asyncio.to_thread(backend.run_command, "tail", ["-f", "notes.txt"])
        assert len(client.killed) == 1
        assert client.released == client.killed
        assert client.terminals == {}

    run_acp(scenario)


def test_hung_typed_tool_reports_tool_error(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        (shop / "tests" / "test_hang.py").write_text(
            "import time\n\ndef test_hang():\n    time.sleep(60)\n"
        )
        backend = _backend(conn, shop, timeout=1.5)
        result = await asyncio.to_thread(backend.pytest_run, "tests/test_hang.py")
        assert result.tool_error is not None and "timed out" in result.tool_error
        assert client.killed and client.released == client.killed and client.terminals == {}

    run_acp(scenario)


def test_calling_from_the_loop_thread_is_refused(shop: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        with pytest.raises(RuntimeError, match="worker thread"):
            _backend(conn, shop).read_file("notes.txt")

    run_acp(scenario)


def test_sandbox_over_acp_matches_local(shop: Path, tmp_path: Path) -> None:
    async def scenario(conn: AgentSideConnection, client: TerminalClient) -> None:
        code = (
            'r = ruff_check(".")\n'
            "print(r.error_count, [v.code for v in r.violations])\n"
            'src = read_file("shop/cart.py")\n'
            'print(write_file("shop/cart.py", src.replace("import os\\n", "")))\n'
            'print(ruff_check(".").success)\n'
            'print(run_command("ls", ["shop"]))\n'
        )
        twin = materialise("shop", tmp_path / "twin")
        limits = SandboxLimits(timeout=5)
        bridged = await asyncio.to_thread(run_code, code, None, _backend(conn, shop), limits)
        local = run_code(code, twin, limits=limits)
        assert bridged.error is None, bridged.error
        assert bridged.stdout == local.stdout
        assert bridged.stdout.splitlines()[0] == "1 ['F401']"
        assert [c.name for c in bridged.calls] == [c.name for c in local.calls]
        assert [c.result for c in bridged.calls] == [c.result for c in local.calls]
        assert client.terminals == {}

    run_acp(scenario)
