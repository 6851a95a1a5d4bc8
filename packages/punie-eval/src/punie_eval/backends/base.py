"""The backend contract: one `Completion` per call of `Backend.complete`."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel

__all__ = ["Backend", "BackendSpecError", "Completion"]


class BackendSpecError(ValueError):
    """A backend spec string that cannot be understood."""


class Completion(BaseModel):
    """One model reply: its raw text, and the code of a structured tool call when there was one."""

    text: str = ""
    code: str | None = None
    tool_call_error: str | None = None  # a structured tool call that could not be decoded
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    seconds: float = 0.0  # model time only


@runtime_checkable
class Backend(Protocol):
    """Anything that can produce the model's next message."""

    name: str

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """The model's reply to `messages` (OpenAI-style dicts), with `tools` offered."""
        ...
