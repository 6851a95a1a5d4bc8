"""The no-clairvoyance rule: code uses only numbers the conversation has revealed.

A mined example teaches a model to find before it reads. So every integer literal in the code
of a call must appear in the user's request or in an earlier tool output of the same
conversation, with three exceptions that carry no knowledge of the file: 0, 1 and -1 (counting
and off-by-one arithmetic), and the bound of a head slice `x[:N]` (print at most N items).
The answer may state only numbers that the request or a tool output showed, or, for an answer
given without any tool call, numbers in the quoted source spans.

This is the rule datagen's `verify` applies to generated examples; `punie-mine verify` applies
it to mined ones, and the miner drops any candidate that breaks it before writing.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass

__all__ = ["Violation", "check_messages", "code_numbers", "text_numbers"]

_NUMBER = re.compile(r"(?<![\w.])(\d+)(?![\w])")
_FREE = {0, 1, -1}


@dataclass(frozen=True)
class Violation:
    turn: int  # index of the message that breaks the rule
    kind: str  # "code" | "answer"
    number: int
    detail: str


def text_numbers(text: str) -> set[int]:
    """The whole numbers written in a text (digits not part of a word or a dotted version)."""
    return {int(m.group(1)) for m in _NUMBER.finditer(text)}


def code_numbers(code: str) -> list[tuple[int, int]]:
    """(value, line) of each integer literal that needs to have been revealed."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Slice) and node.lower is None and node.step is None and node.upper:
            exempt.add(id(node.upper))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            exempt.add(id(node.operand))  # judged with its sign, below
    found = []
    for node in ast.walk(tree):
        if id(node) in exempt:
            continue
        value = None
        if (
            isinstance(node, ast.UnaryOp)
            and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant)
        ):
            value = node.operand.value
            value = -value if isinstance(value, int) and not isinstance(value, bool) else None
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            value = node.value
        if value is not None and value not in _FREE:
            found.append((value, getattr(node, "lineno", 0)))
    return found


def _code_of(message: dict) -> list[str]:
    codes = []
    for call in message.get("tool_calls") or []:
        arguments = call.get("function", {}).get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                arguments = {}
        if isinstance(arguments, dict) and isinstance(arguments.get("code"), str):
            codes.append(arguments["code"])
    return codes


def check_messages(messages: list[dict], quoted: list[str] | None = None) -> list[Violation]:
    """Every number a call uses or the answer states must have been revealed before it."""
    revealed: set[int] = set()
    violations: list[Violation] = []
    used_tools = False
    final = None
    for turn, message in enumerate(messages):
        role = message.get("role")
        content = message.get("content") or ""
        if role in {"user", "tool"}:
            revealed |= text_numbers(content)
        elif role == "assistant":
            codes = _code_of(message)
            used_tools = used_tools or bool(codes)
            for code in codes:
                for value, line in code_numbers(code):
                    if abs(value) not in revealed:
                        violations.append(
                            Violation(turn, "code", value, f"code line {line} uses {value}")
                        )
            if not codes:
                final = (turn, content)
    if final is not None:
        allowed = set(revealed)
        if not used_tools:
            for text in quoted or []:
                allowed |= text_numbers(text)
        for value in sorted(text_numbers(final[1]) - allowed):
            violations.append(Violation(final[0], "answer", value, f"the answer states {value}"))
    return violations
