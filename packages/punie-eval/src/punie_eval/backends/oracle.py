"""The oracle: replays the suite's reference solutions, to prove the harness end to end."""

from __future__ import annotations

from typing import Any

from punie_eval.backends._common import assistant_turns, first_user_text
from punie_eval.backends.base import Completion
from punie_eval.suite import Suite
from punie_tools import wire


class OracleBackend:
    """Answers each query with its stored reference turns, rendered as a model would emit them."""

    name = "oracle"

    def __init__(self, suite: Suite) -> None:
        self.suite = suite

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """The next reference turn: code as Qwen3-Coder tool-call text, or the final answer."""
        request = first_user_text(messages)
        query = self.suite.by_request(request)
        if query is None or not query.oracle:
            raise LookupError(f"the oracle has no reference solution for {request[:60]!r}")
        index = min(assistant_turns(messages), len(query.oracle) - 1)
        turn = query.oracle[index]
        if turn.code is not None:
            return Completion(text=wire.render_qwen3_coder(turn.code))
        return Completion(text=turn.answer or "")
