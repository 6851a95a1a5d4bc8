"""Qwen3-Coder's XML-style tool call: `<tool_call><function=NAME><parameter=ARG>…`.

The layout matches Qwen3-Coder's chat template exactly: each parameter value sits between
`<parameter=NAME>\\n` and `\\n</parameter>`, so rendering then parsing gives the code back.
"""

from __future__ import annotations

import re

from punie_tools.wire._types import CodeCall, Malformed

__all__ = ["parse_qwen3_coder_call", "render_qwen3_coder"]

_FUNCTION = re.compile(r"<function=([^>\s]*)>")
_PARAM_OPEN = re.compile(r"<parameter=([^>\s]*)>")


def render_qwen3_coder(code: str, name: str = "execute_code") -> str:
    """The text Qwen3-Coder emits to call execute_code(code)."""
    return (
        f"<tool_call>\n<function={name}>\n<parameter=code>\n{code}\n</parameter>\n"
        "</function>\n</tool_call>"
    )


def parse_qwen3_coder_call(block: str, raw: str) -> CodeCall | Malformed:
    """Parse the inside of one `<tool_call>…</tool_call>` block in the XML form."""
    match = _FUNCTION.search(block)
    if match is None:
        return Malformed(reason="tool call has no <function=NAME> tag", raw=raw)
    name = match.group(1)
    if name != "execute_code":
        return Malformed(
            reason=f"unknown function {name!r}; the only tool is execute_code", raw=raw
        )
    body = block[match.end() :]
    end = body.rfind("</function>")
    if end < 0:
        return Malformed(reason="<function=execute_code> is not closed by </function>", raw=raw)
    body = body[:end]
    opened = _PARAM_OPEN.search(body)
    if opened is None:
        return Malformed(reason="execute_code call has no <parameter=code>", raw=raw)
    if opened.group(1) != "code":
        return Malformed(
            reason=f"unknown parameter {opened.group(1)!r}; execute_code takes only code", raw=raw
        )
    value = body[opened.end() :]
    close = value.rfind("</parameter>")
    if close < 0:
        return Malformed(reason="<parameter=code> is not closed by </parameter>", raw=raw)
    trailer = value[close + len("</parameter>") :]
    if _PARAM_OPEN.search(trailer):
        return Malformed(reason="execute_code takes exactly one parameter, code", raw=raw)
    value = value[:close]
    if value.startswith("\n"):
        value = value[1:]
    if value.endswith("\n"):
        value = value[:-1]
    if not value.strip():
        return Malformed(reason="execute_code was called with empty code", raw=raw)
    return CodeCall(code=value, format="qwen3_coder")
