"""The agent loop: model reply → wire parser → sandbox on the workspace → tool message → next turn.

A direct answer ends the episode; malformed output and backend exceptions end it too and are
recorded, never raised, so one bad query cannot stop a run.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from punie_eval._outcome import interpret
from punie_eval.backends import Backend
from punie_tools import wire
from punie_tools.models import ExecutionRecord
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.sandbox import run_code

__all__ = ["Episode", "Turn", "fresh_workspace", "run_episode"]

_IGNORE = shutil.ignore_patterns("__pycache__", ".ruff_cache", ".pytest_cache", "*.pyc")


class Turn(BaseModel):
    """One model reply and, for code, what running it did."""

    index: int
    kind: Literal["code", "answer", "malformed", "backend_error"]
    text: str = ""
    code: str | None = None
    structured_code: str | None = None  # code from a structured tool call (not parsed from text)
    tool_call_error: str | None = None
    reason: str | None = None
    record: ExecutionRecord | None = None
    tool_output: str | None = None
    model_s: float = 0.0
    sandbox_s: float = 0.0
    completion_tokens: int | None = None


class Episode(BaseModel):
    """A whole conversation for one request."""

    request: str
    turns: list[Turn] = Field(default_factory=list)
    outcome: Literal["answer", "turn_limit", "malformed", "backend_error"] = "turn_limit"
    final_answer: str | None = None
    wall_s: float = 0.0
    messages: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def model_s(self) -> float:
        return sum(t.model_s for t in self.turns)

    @property
    def sandbox_s(self) -> float:
        return sum(t.sandbox_s for t in self.turns)

    @property
    def tool_s(self) -> float:
        """Seconds spent inside tool calls (the real ruff/ty/pytest/file work)."""
        return sum(c.duration for t in self.turns if t.record for c in t.record.calls)

    @property
    def completion_tokens(self) -> int | None:
        counts = [t.completion_tokens for t in self.turns if t.completion_tokens is not None]
        return sum(counts) if counts else None


@contextmanager
def fresh_workspace(source: Path) -> Generator[Path]:
    """A private copy of the fixture workspace, removed afterwards (isolation between queries)."""
    with tempfile.TemporaryDirectory(prefix="punie-eval-") as tmp:
        target = Path(tmp) / "workspace"
        shutil.copytree(source, target, ignore=_IGNORE)
        yield target


def run_episode(
    request: str,
    backend: Backend,
    workspace: Path,
    *,
    turn_limit: int = 8,
    system_prompt: str = SYSTEM_PROMPT,
) -> Episode:
    """Run the conversation for `request` on `workspace` until an answer, an error or the limit."""
    start = time.perf_counter()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": request},
    ]
    episode = Episode(request=request)
    for index in range(turn_limit):
        t0 = time.perf_counter()
        try:
            completion = backend.complete(messages, wire.TOOLS)
        except Exception as exc:  # a backend failure is a result, not a crash
            episode.turns.append(
                Turn(
                    index=index,
                    kind="backend_error",
                    reason=f"{type(exc).__name__}: {exc}",
                    model_s=time.perf_counter() - t0,
                )
            )
            episode.outcome = "backend_error"
            break
        model_s = completion.seconds or (time.perf_counter() - t0)
        outcome = interpret(completion)
        turn = Turn(
            index=index,
            kind=outcome.kind,
            text=completion.text,
            code=outcome.code,
            structured_code=completion.code,
            tool_call_error=completion.tool_call_error,
            reason=outcome.reason,
            model_s=model_s,
            completion_tokens=completion.completion_tokens,
        )
        episode.turns.append(turn)
        if outcome.kind == "answer":
            episode.outcome = "answer"
            episode.final_answer = outcome.answer or ""
            messages.append({"role": "assistant", "content": episode.final_answer})
            break
        if outcome.kind == "malformed":
            episode.outcome = "malformed"
            break
        code = outcome.code or ""
        t1 = time.perf_counter()
        record = run_code(code, workspace)
        turn.sandbox_s = time.perf_counter() - t1
        turn.record = record
        turn.tool_output = wire.format_tool_output(record)
        call_id = f"call_{index}"
        messages.append(wire.assistant_code_message(code, call_id))
        messages.append(wire.tool_message(turn.tool_output, call_id))
    episode.messages = messages
    episode.wall_s = time.perf_counter() - start
    return episode
