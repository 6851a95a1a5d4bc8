"""The backend contract: one `Completion` per call of `Backend.complete`."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, Field

__all__ = ["Backend", "BackendSpecError", "BackendUnavailable", "BackendUnreachable", "Completion"]


class BackendSpecError(ValueError):
    """A backend spec string that cannot be understood."""


class BackendUnavailable(RuntimeError):
    """The backend cannot serve requests at all (unreachable, 4xx, no such model).

    Raised on a run's first request it makes the run an infrastructure error (exit 2), not a
    model that scored zero.
    """


class BackendUnreachable(BackendUnavailable):
    """The server cannot be reached (connection refused, no such host, the connection dropped
    without a reply): at any point of a run, an infrastructure error (a 4xx later in a run may be the model's doing, e.g. a
    conversation longer than the server's context).
    """


class Completion(BaseModel):
    """One model reply: its raw text, and the code of structured tool calls when there were any."""

    text: str = ""
    code: str | None = None  # the first structured execute_code call
    codes: list[str] = Field(default_factory=list)  # every structured call, in order
    tool_call_error: str | None = None  # a structured tool call that could not be decoded
    finish_reason: str | None = None  # "stop" | "length" | "tool_calls" | None (unknown)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    seconds: float = 0.0  # model time only

    @property
    def truncated(self) -> bool:
        """The reply was cut at the token limit."""
        return self.finish_reason == "length"


@runtime_checkable
class Backend(Protocol):
    """Anything that can produce the model's next message."""

    name: str

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """The model's reply to `messages` (OpenAI-style dicts), with `tools` offered."""
        ...
