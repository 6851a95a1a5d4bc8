"""Tiny chat datasets in punie-datagen's shape, with tool outputs from really running the code."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

EXECUTE_CODE_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "execute_code",
        "description": "Run Python code with the workspace tools bound; returns its output.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "Python code to run."}},
            "required": ["code"],
        },
    },
}

SYSTEM = "You are Punie, a coding assistant. Call execute_code to inspect and check code."

# (request, code) pairs; the tool message content is what running the code really prints.
TASKS: list[tuple[str, str]] = [
    ("How many characters are in 'hello world'?", 'print(len("hello world"))'),
    ("Sort the list [3, 1, 2].", "print(sorted([3, 1, 2]))"),
    ("What is 2 to the power 10?", "print(2 ** 10)"),
    ("Upper-case the word 'ruff'.", 'print("ruff".upper())'),
    ("Sum the numbers 1 to 100.", "print(sum(range(1, 101)))"),
    ("Reverse the string 'pytest'.", 'print("pytest"[::-1])'),
    ("Split 'a,b,c' on commas.", 'print("a,b,c".split(","))'),
    ("Count the vowels in 'typecheck'.", 'print(sum(c in "aeiou" for c in "typecheck"))'),
    ("What is the maximum of [4, 9, 2]?", "print(max([4, 9, 2]))"),
    ("Join ['x', 'y'] with a dash.", 'print("-".join(["x", "y"]))'),
    ("Is 17 prime?", "print(all(17 % d for d in range(2, 17)))"),
    ("Square the numbers 1 to 5.", "print([n * n for n in range(1, 6)])"),
]


def run_code(code: str) -> str:
    """Run ``code`` and return what it printed (the true tool output)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(code, {})
    return buffer.getvalue().rstrip("\n")


def make_example(index: int) -> dict[str, Any]:
    """Build example ``index`` (cycling through TASKS)."""
    request, code = TASKS[index % len(TASKS)]
    output = run_code(code)
    call_id = f"call_{index}"
    return {
        "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": request},
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "execute_code", "arguments": {"code": code}},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": output},
            {"role": "assistant", "content": f"The result is {output}."},
        ],
        "tools": [EXECUTE_CODE_TOOL],
        "meta": {"group": "base", "category": "test", "source": "tests", "request": request},
    }


def write_dataset(directory: Path, n_train: int = 24, n_valid: int = 8) -> Path:
    """Write train/valid/test.jsonl into ``directory`` and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    splits = {"train": range(n_train), "valid": range(n_train, n_train + n_valid)}
    splits["test"] = range(n_train + n_valid, n_train + 2 * n_valid)
    for name, indices in splits.items():
        lines = [json.dumps(make_example(i)) for i in indices]
        (directory / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    return directory
