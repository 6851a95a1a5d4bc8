"""Helpers shared by backends: finding the request and the turn index in a conversation."""

from __future__ import annotations

from typing import Any


def first_user_text(messages: list[dict[str, Any]]) -> str:
    """The content of the first user message (the request), or ''."""
    for message in messages:
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def assistant_turns(messages: list[dict[str, Any]]) -> int:
    """How many assistant messages the conversation already holds."""
    return sum(1 for m in messages if m.get("role") == "assistant")
