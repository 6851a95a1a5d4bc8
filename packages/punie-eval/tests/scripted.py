"""Scripted backends for negative tests: they stand in for a model only.

Everything behind them (wire parser, Monty sandbox, ruff, ty, pytest, scoring) is real, and the
real model paths are tested beside them (a tiny mlx-lm model, an OpenAI-compatible HTTP server).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from punie_eval.backends import Completion
from punie_eval.backends._common import assistant_turns
from punie_eval.backends.oracle import OracleBackend
from punie_eval.report import Report
from punie_eval.suite import Suite
from punie_tools import wire


class AlwaysDirect:
    """Never calls a tool: answers every request with the same sentence."""

    name = "always-direct"

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        return Completion(text="I cannot run tools, but your code probably works fine.")


class Garbage:
    """Emits broken tool-call markup every time."""

    name = "garbage"

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        return Completion(text="<tool_call>\n<function=execute_code>\n<parameter=code>\nprint(")


class Scripted:
    """Replies with fixed code turns (rendered as Qwen3-Coder text), then a fixed answer."""

    def __init__(self, codes: list[str], answer: str = "done", name: str = "scripted") -> None:
        self.codes, self.answer, self.name = codes, answer, name

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        turn = assistant_turns(messages)
        if turn < len(self.codes):
            return Completion(text=wire.render_qwen3_coder(self.codes[turn]))
        return Completion(text=self.answer)


class Transcript:
    """Replies with fixed raw outputs, turn by turn: a str is the model's text, a dict the
    fields of a Completion (structured calls, finish_reason)."""

    def __init__(self, outputs: list[str | dict[str, Any]], name: str = "transcript") -> None:
        self.outputs, self.name = outputs, name

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        turn = assistant_turns(messages)
        if turn >= len(self.outputs):
            raise LookupError(f"the transcript ends at turn {turn}")
        output = self.outputs[turn]
        return Completion(text=output) if isinstance(output, str) else Completion(**output)


class WrongFile:
    """The oracle, but every path it names is replaced: right tool, wrong file."""

    name = "wrong-file"

    def __init__(self, suite: Suite, replacements: dict[str, str]) -> None:
        self.oracle = OracleBackend(suite)
        self.replacements = replacements

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        reply = self.oracle.complete(messages, tools)
        text = reply.text
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        return Completion(text=text)


@dataclass(frozen=True)
class OracleRun:
    """One full oracle run of the suite: its report, its transcripts, and the working directory
    of every pytest re-check the scorer made during it."""

    report: Report
    transcripts: list[dict[str, Any]]
    pytest_cwds: list[Path]
