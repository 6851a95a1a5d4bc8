"""The three outcomes of reading one model turn: code to run, a direct answer, or malformed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = ["CodeCall", "DirectAnswer", "Malformed", "ParsedOutput"]


class CodeCall(BaseModel):
    """The model asked to run `code` with execute_code."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["code"] = "code"
    code: str
    format: Literal["qwen3_coder", "hermes", "fenced"] = "qwen3_coder"
    content: str = ""  # text the model wrote before the call (thinking stripped)
    ignored_calls: int = 0  # further tool calls in the same turn, not run


class DirectAnswer(BaseModel):
    """The model answered in prose, without calling a tool."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["answer"] = "answer"
    text: str


class Malformed(BaseModel):
    """The model tried to call a tool but the call cannot be used; `reason` says why."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["malformed"] = "malformed"
    reason: str
    raw: str


ParsedOutput = CodeCall | DirectAnswer | Malformed
