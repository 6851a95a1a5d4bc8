"""Strict reading of chat-format JSONL datasets with errors that name file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from punie_train.errors import DatasetError

_ROLES = {"system", "user", "assistant", "tool"}


def validate_example(obj: Any, path: Path, line: int) -> dict[str, Any]:
    """Check one decoded line is a chat example mlx-lm can render; return it."""
    if not isinstance(obj, dict):
        raise DatasetError(path, f"expected a JSON object, got {type(obj).__name__}", line)
    messages = obj.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DatasetError(path, "missing or empty 'messages' list", line)
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            raise DatasetError(path, f"message {i} has no valid 'role'", line)
    tools = obj.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise DatasetError(path, "'tools' must be a list", line)
    return obj


def read_examples(path: Path) -> list[dict[str, Any]]:
    """Read and validate every line of a dataset file; raise DatasetError on the first bad one."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(path, "file not found")
    examples: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise DatasetError(path, f"invalid JSON ({exc.msg})", number) from exc
            examples.append(validate_example(obj, path, number))
    if not examples:
        raise DatasetError(path, "no examples")
    return examples


def expand_assistant_turns(examples: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One example per assistant turn: the conversation up to and including that turn.

    mlx-lm's ChatDataset with ``mask_prompt`` trains only the final message, so without this a
    code-mode example would teach its closing answer but never the tool calls before it.
    """
    expanded: list[dict[str, Any]] = []
    for example in examples:
        messages = example["messages"]
        for index, message in enumerate(messages):
            if message.get("role") == "assistant":
                prefix = {**example, "messages": messages[: index + 1]}
                expanded.append(prefix)
    return expanded
