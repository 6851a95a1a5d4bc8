"""Turn a backend's Completion into what the model did: code, a direct answer, or malformed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from punie_eval.backends import Completion
from punie_tools import wire


class Outcome(BaseModel):
    """What one model reply means for the agent loop."""

    kind: Literal["code", "answer", "malformed"]
    code: str | None = None
    answer: str | None = None
    reason: str | None = None


def interpret(completion: Completion) -> Outcome:
    """Structured tool calls win; otherwise the text goes through `punie_tools.wire`'s parser."""
    if completion.tool_call_error:
        return Outcome(kind="malformed", reason=completion.tool_call_error)
    if completion.code is not None:
        return Outcome(kind="code", code=completion.code)
    parsed = wire.parse_model_output(completion.text)
    if isinstance(parsed, wire.CodeCall):
        return Outcome(kind="code", code=parsed.code)
    if isinstance(parsed, wire.DirectAnswer):
        return Outcome(kind="answer", answer=parsed.text)
    return Outcome(kind="malformed", reason=str(getattr(parsed, "reason", parsed)))
