"""The one tool-call representation shared by datagen (training data) and eval (scoring).

Calls are stored as OpenAI-style structured messages: an assistant message whose `tool_calls`
hold one `execute_code` call with `arguments` as a dict `{"code": ...}`, then a `tool` message
with the run's output. A model's own chat template renders these. The parsers read what models
actually emit (Qwen3-Coder XML form, Hermes/Qwen2.5 JSON form) and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from punie_tools.models import ExecutionRecord
from punie_tools.wire._types import CodeCall, DirectAnswer, Malformed, ParsedOutput
from punie_tools.wire.hermes import parse_hermes_call, render_hermes
from punie_tools.wire.qwen3_coder import parse_qwen3_coder_call, render_qwen3_coder

__all__ = [
    "EXECUTE_CODE_TOOL",
    "TOOLS",
    "CodeCall",
    "DirectAnswer",
    "Example",
    "ExampleMeta",
    "Malformed",
    "ParsedOutput",
    "assistant_code_message",
    "assistant_text_message",
    "code_mode_messages",
    "format_tool_output",
    "parse_model_output",
    "render_hermes",
    "render_qwen3_coder",
    "tool_message",
]

EXECUTE_CODE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "execute_code",
        "description": (
            "Run Python code in a sandbox that can call read_file, write_file, run_command, "
            "typecheck, ruff_check and pytest_run on the workspace. Returns what the code "
            "printed, and the error if it failed."
        ),
        "parameters": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Python source to run; print results."}
            },
            "required": ["code"],
        },
    },
}
"""JSON-schema definition of the single tool, `execute_code(code: str)`."""

TOOLS: list[dict[str, Any]] = [EXECUTE_CODE_TOOL]


def assistant_code_message(code: str, call_id: str, content: str = "") -> dict[str, Any]:
    """An assistant turn calling execute_code(code); `arguments` is a dict, not a JSON string."""
    return {
        "role": "assistant",
        "content": content,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": "execute_code", "arguments": {"code": code}},
            }
        ],
    }


def assistant_text_message(text: str) -> dict[str, Any]:
    """An assistant turn that answers directly."""
    return {"role": "assistant", "content": text}


def tool_message(content: str, call_id: str) -> dict[str, Any]:
    """The tool turn carrying execute_code's output back to the model."""
    return {"role": "tool", "tool_call_id": call_id, "content": content}


def code_mode_messages(
    system: str, request: str, turns: Sequence[tuple[str, ExecutionRecord]], answer: str
) -> list[dict[str, Any]]:
    """A whole code-mode conversation as training data holds it: system prompt, user request,
    then per turn the execute_code call (`call_0`, `call_1`, …) and its real output, then the
    final answer."""
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": system},
        {"role": "user", "content": request},
    ]
    for step, (code, record) in enumerate(turns):
        call_id = f"call_{step}"
        messages.append(assistant_code_message(code, call_id))
        messages.append(tool_message(format_tool_output(record), call_id))
    messages.append(assistant_text_message(answer))
    return messages


def format_tool_output(record: ExecutionRecord, *, max_chars: int = 8000) -> str:
    """The text the model sees after its code ran: stdout, then `Error (kind, line N): message`.

    Deterministic (no timings, no host paths): re-running the same code on the same workspace
    gives the same text. Output longer than `max_chars` is cut with a marker; no output and no
    error gives `(no output)`.
    """
    out = record.stdout
    if len(out) > max_chars:
        out = out[:max_chars] + f"\n… [output truncated: {len(out) - max_chars} more characters]"
    parts: list[str] = []
    if out.strip():
        parts.append(out.rstrip("\n"))
    if record.error is not None:
        where = f", line {record.error.line}" if record.error.line is not None else ""
        parts.append(f"Error ({record.error.kind}{where}): {record.error.message}")
    return "\n".join(parts) if parts else "(no output)"


_THINK_END = "</think>"
_FENCED = re.compile(r"```(?:python|py)[ \t]*\n(.*?)```", re.DOTALL)
_QWEN3_END = re.compile(r"</function>\s*</tool_call>")
_BARE_END = re.compile(r"</function>")


def _qwen3_end(
    rest: str, end: re.Pattern[str] = _QWEN3_END, next_call: str = "<tool_call>"
) -> re.Match[str] | None:
    """End of the first XML call: the first `</function></tool_call>` followed by nothing or by
    another call, so code that itself contains those tags still parses; else the last one.
    (Bare calls without the wrapper: `</function>` followed by nothing or `<function=`.)"""
    last = None
    for match in end.finditer(rest):
        last = match
        after = rest[match.end() :].lstrip()
        if not after or after.startswith(next_call):
            return match
    return last


def _strip_thinking(text: str) -> tuple[str, bool]:
    """Text after the thinking block; the flag is True when a `<think>` was never closed.

    Only a `</think>` before the first tool call counts, so code that mentions the tag is kept.
    """
    starts = [i for i in (text.find("<tool_call>"), text.find("<function=")) if i >= 0]
    limit = min(starts) if starts else len(text)
    end = text.rfind(_THINK_END, 0, limit)
    if end >= 0:
        return text[end + len(_THINK_END) :], False
    return text, text.lstrip().startswith("<think>") and not starts


def parse_model_output(text: str, *, allow_fenced: bool = False) -> ParsedOutput:
    """Classify one model turn as CodeCall, DirectAnswer or Malformed; never raises.

    Reads Qwen3-Coder (`<function=execute_code><parameter=code>`) and Hermes/Qwen2.5 (JSON in
    `<tool_call>`) calls; with `allow_fenced`, a ```python block in a turn without a tool call
    counts as code too. Only the first call of a turn is used (`ignored_calls` counts the rest).
    """
    if not isinstance(text, str):
        return Malformed(reason=f"model output is {type(text).__name__}, not text", raw=repr(text))
    body, unclosed_think = _strip_thinking(text)
    start = body.find("<tool_call>")
    if start < 0:
        return _without_tool_call(body, text, unclosed_think, allow_fenced)
    content = body[:start].strip()
    rest = body[start + len("<tool_call>") :]
    if rest.lstrip().startswith("{"):
        call, end = parse_hermes_call(rest, text)
        after = rest[end:]
        if isinstance(call, CodeCall):
            tail = after.lstrip()
            if tail and not tail.startswith("</tool_call>"):
                return Malformed(reason="unexpected text after the tool call's JSON", raw=text)
    elif "<function=" in rest:
        match = _qwen3_end(rest)
        if match is not None:
            block, after = rest[: match.start() + len("</function>")], rest[match.end() :]
        elif rest.rstrip().endswith("</function>"):
            block, after = rest, ""
        else:
            return Malformed(reason="tool call is not closed by </function></tool_call>", raw=text)
        call = parse_qwen3_coder_call(block, text)
    else:
        return Malformed(reason="<tool_call> holds neither JSON nor <function=...>", raw=text)
    if isinstance(call, Malformed):
        return call
    return call.model_copy(update={"content": content, "ignored_calls": after.count("<tool_call>")})


def _without_tool_call(
    body: str, raw: str, unclosed_think: bool, allow_fenced: bool
) -> ParsedOutput:
    if "<function=" in body:  # Qwen3-Coder sometimes drops the <tool_call> wrapper
        start = body.find("<function=")
        rest = body[start:]
        # Only the first call: with two bare calls, the first one's code must not run on into
        # the second.
        match = _qwen3_end(rest, _BARE_END, "<function=")
        block, after = (rest[: match.end()], rest[match.end() :]) if match else (rest, "")
        call = parse_qwen3_coder_call(block, raw)
        if isinstance(call, CodeCall):
            update = {"content": body[:start].strip(), "ignored_calls": after.count("<function=")}
            return call.model_copy(update=update)
        return call
    if "</tool_call>" in body:
        return Malformed(reason="</tool_call> without an opening <tool_call>", raw=raw)
    if unclosed_think:
        return Malformed(reason="the turn ended inside an unclosed <think> block", raw=raw)
    if allow_fenced:
        match = _FENCED.search(body)
        if match is not None and match.group(1).strip():
            code = match.group(1).rstrip("\n")
            return CodeCall(code=code, format="fenced", content=body[: match.start()].strip())
    answer = body.strip()
    if not answer:
        return Malformed(reason="empty output", raw=raw)
    return DirectAnswer(text=answer)


Group = Literal["ruff_check", "pytest_run", "typecheck", "workflow", "base", "mined"]


class ExampleMeta(BaseModel):
    """Where a training/eval example came from and how to rebuild its workspace."""

    model_config = ConfigDict(extra="allow")

    group: Group
    category: str
    source: str  # generator name, or "mined:<repo>"
    request: str  # the user's request text
    workspace: dict[str, Any] = Field(default_factory=dict)  # how to re-materialise it
    provenance: list[dict[str, Any]] = Field(default_factory=list)  # mined: repo, file, lines, hash


class Example(BaseModel):
    """One dataset line: mlx-lm's chat format (`messages`, `tools`) plus `meta`."""

    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] = Field(default_factory=lambda: [EXECUTE_CODE_TOOL])
    meta: ExampleMeta
