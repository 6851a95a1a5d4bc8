"""The punie tools as pydantic-ai toolsets (needs the `pydantic-ai` extra).

`code_mode_toolset` offers the single `execute_code(code)` tool that runs Python in the Monty
sandbox (the same tool, output text and prompt as the training data) and carries the code-mode
system prompt as the toolset's instructions, so the agent needs no `system_prompt` of its own;
`direct_toolset` offers the six tools one by one, returning the typed results. Both are plain
`FunctionToolset`s (pydantic-ai 1.80 or later: toolset instructions).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from punie_tools.backends import TOOL_NAMES, LocalBackend, ToolBackend
from punie_tools.confine import SandboxUnavailableError
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.sandbox import Sandbox, SandboxLimits, run_code
from punie_tools.wire import EXECUTE_CODE_TOOL, format_tool_output

if TYPE_CHECKING:
    from pydantic_ai.toolsets import FunctionToolset

__all__ = ["code_mode_toolset", "direct_toolset"]


def _function_toolset() -> type[FunctionToolset[Any]]:
    try:
        from pydantic_ai.toolsets import FunctionToolset
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "punie_tools.pydantic_ai needs pydantic-ai: pip install 'punie-tools[pydantic-ai]'"
        ) from exc
    return FunctionToolset


def _backend(workspace: str | os.PathLike[str] | None, backend: ToolBackend | None) -> ToolBackend:
    if backend is not None:
        return backend
    if workspace is None:
        raise ValueError("give a workspace or a backend")
    return LocalBackend(workspace)


def code_mode_toolset(
    workspace: str | os.PathLike[str] | None = None,
    *,
    backend: ToolBackend | None = None,
    limits: SandboxLimits | None = None,
    sandbox: Sandbox | None = None,
    instructions: str | None = SYSTEM_PROMPT,
) -> FunctionToolset[Any]:
    """A toolset with one tool, `execute_code(code)`, returning the tool-message text.

    `instructions` (default: `SYSTEM_PROMPT`, the prompt the model was trained with) reach the
    model with every request that offers the tool; pass None to bring your own system prompt.
    """
    target = _backend(workspace, backend)
    description = EXECUTE_CODE_TOOL["function"]["description"]

    def execute_code(code: str) -> str:
        record = (
            sandbox.run(code, target, limits=limits)
            if sandbox is not None
            else run_code(code, None, target, limits)
        )
        return format_tool_output(record)

    execute_code.__doc__ = f"{description}\n\nArgs:\n    code: Python source to run; print results."
    return _function_toolset()([execute_code], id="punie-code-mode", instructions=instructions)


# What the tools raise for a bad request from the model (missing file, path outside the
# workspace, command not allowed, timeout, missing editor capability): the model can do better.
_RETRYABLE = (OSError, ValueError, TypeError, NotImplementedError)


def _retrying(tool: Callable[..., Any]) -> Callable[..., Any]:
    """`tool` raising pydantic-ai's `ModelRetry` for what the model can fix, not aborting the run."""
    from pydantic_ai import ModelRetry

    @functools.wraps(tool)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return tool(*args, **kwargs)
        except SandboxUnavailableError:
            raise  # the host's problem (no OS sandbox): retrying cannot help
        except _RETRYABLE as exc:
            raise ModelRetry(f"{type(exc).__name__}: {exc}") from exc

    return call


def direct_toolset(
    workspace: str | os.PathLike[str] | None = None,
    *,
    backend: ToolBackend | None = None,
    max_retries: int = 3,
) -> FunctionToolset[Any]:
    """A toolset with the six tools as separate functions returning typed results.

    A tool error the model caused (`FileNotFoundError`, `PermissionError` such as
    `WorkspaceEscapeError`, `TimeoutError`, ...) goes back to the model as a retry prompt with
    the error's message instead of ending the run; `max_retries` such errors per tool are
    allowed before pydantic-ai gives up.
    """
    target = _backend(workspace, backend)
    tools = [_retrying(getattr(target, name)) for name in TOOL_NAMES]
    return _function_toolset()(tools, id="punie-tools", max_retries=max_retries)
