"""The punie tools as pydantic-ai toolsets (needs the `pydantic-ai` extra).

`code_mode_toolset` offers the single `execute_code(code)` tool that runs Python in the Monty
sandbox (the same tool, output text and prompt as the training data); `direct_toolset` offers
the six tools one by one, returning the typed results. Both are plain `FunctionToolset`s.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from punie_tools.backends import TOOL_NAMES, LocalBackend, ToolBackend
from punie_tools.confine import SandboxUnavailableError
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
) -> FunctionToolset[Any]:
    """A toolset with one tool, `execute_code(code)`, returning the tool-message text."""
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
    return _function_toolset()([execute_code], id="punie-code-mode")


def direct_toolset(
    workspace: str | os.PathLike[str] | None = None, *, backend: ToolBackend | None = None
) -> FunctionToolset[Any]:
    """A toolset with the six tools as separate functions returning typed results."""
    target = _backend(workspace, backend)
    tools = [_retrying(getattr(target, name)) for name in TOOL_NAMES]
    return _function_toolset()(tools, id="punie-tools")


# Mistakes the model can fix by calling again differently: a path outside the workspace, a
# command or option that is not allowed, a file that does not exist.
_RETRYABLE = (PermissionError, FileNotFoundError, IsADirectoryError, NotADirectoryError)


def _retrying(method: Callable[..., Any]) -> Callable[..., Any]:
    """`method` with the model's mistakes turned into pydantic-ai's `ModelRetry`, so the run
    goes on and the model sees the message, instead of the whole run failing."""
    from pydantic_ai import ModelRetry

    @functools.wraps(method)
    def tool(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except SandboxUnavailableError:
            raise  # the host's problem: retrying cannot help
        except _RETRYABLE as exc:
            raise ModelRetry(str(exc)) from exc

    return tool
