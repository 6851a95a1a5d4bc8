"""Hermes / Qwen2.5 tool call: `<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>`.

Rendering matches Qwen2.5's chat template (`arguments | tojson`, non-ASCII kept as is).
"""

from __future__ import annotations

import json
from typing import Any

from punie_tools.wire._types import CodeCall, Malformed

__all__ = ["parse_hermes_call", "render_hermes"]


def render_hermes(code: str, name: str = "execute_code") -> str:
    """The text a Hermes-style model (Qwen2.5) emits to call execute_code(code)."""
    arguments = json.dumps({"code": code}, ensure_ascii=False)
    return f'<tool_call>\n{{"name": "{name}", "arguments": {arguments}}}\n</tool_call>'


def parse_hermes_call(block: str, raw: str) -> tuple[CodeCall | Malformed, int]:
    """Parse a JSON tool call at the start of `block`; also returns where the JSON ended."""
    text = block.lstrip()
    offset = len(block) - len(text)
    try:
        payload, end = json.JSONDecoder().raw_decode(text)
    except json.JSONDecodeError as exc:
        return Malformed(reason=f"tool call is not valid JSON: {exc.msg} at {exc.pos}", raw=raw), 0
    end += offset
    if not isinstance(payload, dict):
        return Malformed(reason="tool call JSON is not an object", raw=raw), end
    name = payload.get("name")
    if name != "execute_code":
        return Malformed(
            reason=f"unknown function {name!r}; the only tool is execute_code", raw=raw
        ), end
    arguments: Any = payload.get("arguments", payload.get("parameters"))
    if isinstance(arguments, str):  # OpenAI style: arguments as a JSON string
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return Malformed(reason="arguments is a string but not valid JSON", raw=raw), end
    if not isinstance(arguments, dict):
        return Malformed(reason="tool call has no arguments object", raw=raw), end
    code = arguments.get("code")
    if not isinstance(code, str):
        return Malformed(reason="execute_code needs a string argument 'code'", raw=raw), end
    extra = sorted(set(arguments) - {"code"})
    if extra:
        return Malformed(reason=f"execute_code takes only code, got also {extra}", raw=raw), end
    if not code.strip():
        return Malformed(reason="execute_code was called with empty code", raw=raw), end
    return CodeCall(code=code, format="hermes"), end
