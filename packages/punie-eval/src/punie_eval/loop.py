"""The agent loop: model reply → wire parser → sandbox on the workspace → tool message → next turn.

A direct answer ends the episode; malformed output, backend exceptions and the per-query time
limit end it too and are recorded, never raised, so one bad query cannot stop a run. Several tool
calls in one turn run in order (at most `MAX_CALLS_PER_TURN`; the rest are refused, and the
model is told so). A thinking block is recorded beside the turn and never scored.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, Field

from punie_eval._outcome import interpret
from punie_eval.backends import Backend, BackendUnavailable, BackendUnreachable
from punie_tools import wire
from punie_tools.models import ExecutionError, ExecutionRecord
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.sandbox import SandboxLimits, run_code

__all__ = ["MAX_CALLS_PER_TURN", "CodeRun", "Episode", "Turn", "run_episode"]

MAX_CALLS_PER_TURN = 4
Outcome = Literal["answer", "turn_limit", "malformed", "backend_error", "timeout"]


class CodeRun(BaseModel):
    """One execute_code call of a turn and what running it did."""

    code: str
    record: ExecutionRecord | None = None
    tool_output: str = ""
    refused: str | None = None
    sandbox_s: float = 0.0


class Turn(BaseModel):
    """One model reply and, for code, what running it did."""

    index: int
    kind: Literal["code", "answer", "malformed", "backend_error"]
    text: str = ""  # the raw reply, thinking included
    thinking: str | None = None
    structured_code: str | None = None  # first structured tool call (for replay)
    structured_codes: list[str] = Field(default_factory=list)
    tool_call_error: str | None = None
    finish_reason: str | None = None
    reason: str | None = None
    runs: list[CodeRun] = Field(default_factory=list)
    model_s: float = 0.0
    completion_tokens: int | None = None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    @property
    def code(self) -> str | None:
        return self.runs[0].code if self.runs else None

    @property
    def records(self) -> list[ExecutionRecord]:
        return [r.record for r in self.runs if r.record is not None]

    @property
    def sandbox_s(self) -> float:
        return sum(r.sandbox_s for r in self.runs)


class Episode(BaseModel):
    """A whole conversation for one request."""

    request: str
    turns: list[Turn] = Field(default_factory=list)
    outcome: Outcome = "turn_limit"
    final_answer: str | None = None
    wall_s: float = 0.0
    time_limit_s: float | None = None
    messages: list[dict[str, Any]] = Field(default_factory=list)
    unavailable: str | None = None  # the backend could not serve the request at all
    unreachable: bool = False  # ... because no connection could be made (the server is gone)

    @property
    def model_s(self) -> float:
        return sum(t.model_s for t in self.turns)

    @property
    def sandbox_s(self) -> float:
        return sum(t.sandbox_s for t in self.turns)

    @property
    def tool_s(self) -> float:
        """Seconds spent inside tool calls (the real ruff/ty/pytest/file work)."""
        return sum(c.duration for t in self.turns for r in t.records for c in r.calls)

    @property
    def completion_tokens(self) -> int | None:
        counts = [t.completion_tokens for t in self.turns if t.completion_tokens is not None]
        return sum(counts) if counts else None

    @property
    def truncated(self) -> bool:
        return any(t.truncated for t in self.turns)


def _limits(remaining: float) -> SandboxLimits:
    """Sandbox limits that cannot outlast the query's remaining time."""
    base = SandboxLimits()
    budget = max(1.0, remaining)
    return SandboxLimits(
        timeout=min(base.timeout, budget), tool_timeout=min(base.tool_timeout, budget)
    )


def _run(code: str, workspace: Any, remaining: float) -> CodeRun:
    start = time.perf_counter()
    try:
        where = workspace() if callable(workspace) else workspace
        record = run_code(code, where, limits=_limits(remaining))
    except Exception as exc:  # a sandbox failure on odd input is the model's turn failing
        record = ExecutionRecord(
            code=code,
            error=ExecutionError(kind="crash", message=f"{type(exc).__name__}: {exc}"),
        )
    return CodeRun(
        code=code,
        record=record,
        tool_output=wire.format_tool_output(record),
        sandbox_s=time.perf_counter() - start,
    )


def _assistant_calls(codes: list[str], first_id: int) -> dict[str, Any]:
    message = wire.assistant_code_message(codes[0], f"call_{first_id}")
    for offset, code in enumerate(codes[1:], 1):
        message["tool_calls"].append(
            wire.assistant_code_message(code, f"call_{first_id + offset}")["tool_calls"][0]
        )
    return message


def run_episode(
    request: str,
    backend: Backend,
    workspace: Any,
    *,
    turn_limit: int = 8,
    time_limit: float | None = None,
    system_prompt: str = SYSTEM_PROMPT,
) -> Episode:
    """Run the conversation for `request` on `workspace` until an answer, an error or a limit.

    `workspace` is a directory, or a callable returning one (made when code first runs).

    `time_limit` (seconds) bounds the whole episode, model and tool time included: tools get
    at most the time that is left, and no new turn starts after it has run out.
    """
    start = time.perf_counter()
    deadline = start + time_limit if time_limit else None
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system_prompt},
        {"role": "user", "content": request},
    ]
    episode = Episode(request=request, time_limit_s=time_limit)
    calls = 0
    for index in range(turn_limit):
        if deadline is not None and time.perf_counter() >= deadline:
            episode.outcome = "timeout"
            break
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
            if isinstance(exc, BackendUnavailable):
                episode.unavailable = str(exc)
                episode.unreachable = isinstance(exc, BackendUnreachable)
            break
        model_s = completion.seconds or (time.perf_counter() - t0)
        outcome = interpret(completion)
        turn = Turn(
            index=index,
            kind=outcome.kind,
            text=completion.text,
            thinking=outcome.thinking,
            structured_code=completion.code,
            structured_codes=list(completion.codes),
            tool_call_error=completion.tool_call_error,
            finish_reason=completion.finish_reason,
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
        for number, code in enumerate(outcome.codes):
            remaining = deadline - time.perf_counter() if deadline is not None else 3600.0
            if number >= MAX_CALLS_PER_TURN:
                refused = f"not run: at most {MAX_CALLS_PER_TURN} tool calls per turn"
                turn.runs.append(CodeRun(code=code, refused=refused, tool_output=refused))
            elif remaining <= 0:
                refused = "not run: the query's time limit was reached"
                turn.runs.append(CodeRun(code=code, refused=refused, tool_output=refused))
            else:
                turn.runs.append(_run(code, workspace, remaining))
        messages.append(_assistant_calls([r.code for r in turn.runs], calls))
        for offset, run in enumerate(turn.runs):
            messages.append(wire.tool_message(run.tool_output, f"call_{calls + offset}"))
        calls += len(turn.runs)
    if deadline is not None and episode.outcome == "turn_limit" and time.perf_counter() >= deadline:
        episode.outcome = "timeout"
    episode.messages = messages
    episode.wall_s = time.perf_counter() - start
    return episode
