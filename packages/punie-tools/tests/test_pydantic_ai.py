"""The pydantic-ai toolsets, driven by pydantic-ai's FunctionModel through a real Agent run."""

from __future__ import annotations

from pathlib import Path

from pydantic_ai import Agent
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel
from sandbox_fixtures import materialise

from punie_tools import ruff_check
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.pydantic_ai import code_mode_toolset, direct_toolset
from punie_tools.sandbox import run_code
from punie_tools.wire import format_tool_output

CODE = 'r = ruff_check(".")\nprint(r.error_count, [v.code for v in r.violations])'


def _tool_returns(messages: list[ModelMessage]) -> list[ToolReturnPart]:
    return [
        part
        for m in messages
        if isinstance(m, ModelRequest)
        for part in m.parts
        if isinstance(part, ToolReturnPart)
    ]


def _instructions(messages: list[ModelMessage]) -> str | None:
    """The instructions sent with the latest request (what the model reads as its system text)."""
    last = messages[-1]
    assert isinstance(last, ModelRequest)
    return last.instructions


def test_code_mode_toolset(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    seen: list[list[str]] = []
    instructions: list[str | None] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        seen.append([t.name for t in info.function_tools])
        instructions.append(_instructions(messages))
        returns = _tool_returns(messages)
        if not returns:
            return ModelResponse(parts=[ToolCallPart("execute_code", {"code": CODE})])
        return ModelResponse(parts=[TextPart(f"tool said: {returns[-1].content}")])

    agent = Agent(FunctionModel(model), toolsets=[code_mode_toolset(ws)])
    result = agent.run_sync("Any lint problems?")
    expected = format_tool_output(run_code(CODE, ws))
    assert expected == "1 ['F401']"
    assert result.output == f"tool said: {expected}"
    assert seen[0] == ["execute_code"]
    assert [i and i.strip() for i in instructions] == [SYSTEM_PROMPT.strip()] * 2  # the prompt


def test_code_mode_instructions_can_be_replaced(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    instructions: list[str | None] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        instructions.append(_instructions(messages))
        return ModelResponse(parts=[TextPart("done")])

    Agent(FunctionModel(model), toolsets=[code_mode_toolset(ws, instructions=None)]).run_sync("x")
    Agent(
        FunctionModel(model), toolsets=[code_mode_toolset(ws, instructions="Be brief.")]
    ).run_sync("x")
    assert instructions == [None, "Be brief."]


def test_code_mode_reports_errors_to_the_model(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        returns = _tool_returns(messages)
        if not returns:
            code = 'print(ruff_check(".").violation)'
            return ModelResponse(parts=[ToolCallPart("execute_code", {"code": code})])
        return ModelResponse(parts=[TextPart(str(returns[-1].content))])

    agent = Agent(FunctionModel(model), toolsets=[code_mode_toolset(ws)])
    out = agent.run_sync("go").output
    assert out.startswith("Error (type, line 1):")
    assert "violation" in out


def test_direct_toolset_returns_typed_results(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    names: list[str] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        names.extend(t.name for t in info.function_tools if t.name not in names)
        returns = _tool_returns(messages)
        if not returns:
            return ModelResponse(parts=[ToolCallPart("ruff_check", {"path": "."})])
        return ModelResponse(parts=[TextPart(returns[-1].model_response_str())])

    agent = Agent(FunctionModel(model), toolsets=[direct_toolset(ws)])
    out = agent.run_sync("lint").output
    expected = ruff_check(".", cwd=ws)
    assert '"code":"F401"' in out.replace(" ", "")
    assert f'"error_count":{expected.error_count}' in out.replace(" ", "")
    assert sorted(names) == sorted(
        ["read_file", "write_file", "run_command", "typecheck", "ruff_check", "pytest_run"]
    )


def test_direct_tool_errors_are_retries_not_crashes(tmp_path: Path) -> None:
    """A path outside the workspace or a missing file goes back to the model, which retries."""
    ws = materialise("shop", tmp_path / "ws")
    calls = ["../secret.txt", "missing.txt", "notes.txt"]
    feedback: list[str] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        last = messages[-1]
        assert isinstance(last, ModelRequest)
        # pydantic-ai 1.x sends a RetryPromptPart, 2.x a ToolReturnPart holding the error
        feedback.extend(
            str(p.content) for p in last.parts if isinstance(p, RetryPromptPart | ToolReturnPart)
        )
        if len(feedback) < len(calls):
            return ModelResponse(parts=[ToolCallPart("read_file", {"path": calls[len(feedback)]})])
        return ModelResponse(parts=[TextPart(feedback[-1])])

    agent = Agent(FunctionModel(model), toolsets=[direct_toolset(ws)])
    assert agent.run_sync("read the notes").output == "alpha\nbeta\ngamma\n"
    assert "WorkspaceEscapeError: path '../secret.txt' contains '..'" in feedback[0]
    assert "FileNotFoundError: no such file in the workspace: 'missing.txt'" in feedback[1]


def test_direct_toolset_lets_the_model_retry_an_escape(tmp_path: Path) -> None:
    ws = materialise("shop", tmp_path / "ws")
    answers: list[str] = []

    def model(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        answers[:] = [
            str(part.content)
            for m in messages
            if isinstance(m, ModelRequest)
            for part in m.parts
            if getattr(part, "tool_name", None) == "read_file"  # a return or a retry prompt
        ]
        if not answers:
            return ModelResponse(parts=[ToolCallPart("read_file", {"path": "../outside.txt"})])
        if len(answers) == 1:
            return ModelResponse(parts=[ToolCallPart("read_file", {"path": "notes.txt"})])
        return ModelResponse(parts=[TextPart("done")])

    agent = Agent(FunctionModel(model), toolsets=[direct_toolset(ws)])
    assert agent.run_sync("read it").output == "done"  # the escape did not end the run
    assert "'..'" in answers[0] and "inside the workspace" in answers[0]
    assert str(ws) not in answers[0]
    assert answers[1] == "alpha\nbeta\ngamma\n"
