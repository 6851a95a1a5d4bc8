"""Turn a backend's Completion into what the model did: code, a direct answer, or malformed.

A turn may hold several tool calls (several structured calls, or several `<tool_call>` blocks
in the text): all of them are returned, in order, and the loop runs them in order. A thinking
block (`<think>…</think>`) is split off and kept, never scored.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from punie_eval.backends import Completion
from punie_tools import wire

__all__ = ["Outcome", "interpret", "split_thinking"]

_THINK = re.compile(r"^\s*(?:<think>)?(.*?)</think>", re.DOTALL)
# A boundary between two calls: the end of one block directly followed by the start of another.
_BETWEEN_CALLS = re.compile(r"(?<=</tool_call>)\s*(?=<tool_call>)")


class Outcome(BaseModel):
    """What one model reply means for the agent loop."""

    kind: Literal["code", "answer", "malformed"]
    codes: list[str] = Field(default_factory=list)
    answer: str | None = None
    thinking: str | None = None
    reason: str | None = None

    @property
    def code(self) -> str | None:
        return self.codes[0] if self.codes else None


def split_thinking(text: str) -> tuple[str | None, str]:
    """(thinking, rest): the block before `</think>` when the text starts with one."""
    starts = [i for i in (text.find("<tool_call>"), text.find("<function=")) if i >= 0]
    limit = min(starts) if starts else len(text)
    match = _THINK.match(text[:limit])
    if match is None:
        return None, text
    return match.group(1).strip(), text[match.end() :]


def interpret(completion: Completion) -> Outcome:
    """Structured tool calls win; otherwise the text goes through `punie_tools.wire`'s parser."""
    thinking, _ = split_thinking(completion.text or "")
    if completion.tool_call_error:
        return Outcome(kind="malformed", thinking=thinking, reason=completion.tool_call_error)
    codes = completion.codes or ([completion.code] if completion.code is not None else [])
    if codes:
        return Outcome(kind="code", codes=codes, thinking=thinking)
    parsed = wire.parse_model_output(completion.text)
    if isinstance(parsed, wire.CodeCall):
        codes = [parsed.code]
        if parsed.ignored_calls:
            codes = _all_calls(completion.text, parsed)
            if isinstance(codes, str):
                return Outcome(kind="malformed", thinking=thinking, reason=codes)
        return Outcome(kind="code", codes=codes, thinking=thinking)
    if isinstance(parsed, wire.DirectAnswer):
        return Outcome(kind="answer", answer=parsed.text, thinking=thinking)
    return Outcome(
        kind="malformed", thinking=thinking, reason=str(getattr(parsed, "reason", parsed))
    )


def _all_calls(text: str, first: wire.CodeCall) -> list[str] | str:
    """Every call of a multi-call turn, or why one of them cannot be read."""
    _, body = split_thinking(text)
    start = body.find("<tool_call>")
    blocks = _BETWEEN_CALLS.split(body[start:]) if start >= 0 else [body]
    codes: list[str] = []
    for number, block in enumerate(blocks, 1):
        parsed = wire.parse_model_output(block)
        if not isinstance(parsed, wire.CodeCall):
            reason = getattr(parsed, "reason", "not a tool call")
            return f"tool call {number} of {len(blocks)} in one turn cannot be read: {reason}"
        codes.append(parsed.code)
    return codes or [first.code]
