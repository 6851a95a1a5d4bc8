"""What one mined example will ask, which code answers it, and which source spans ground it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from punie_tools.models import ExecutionRecord

__all__ = ["Plan", "Span", "span_hash"]


def span_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Span:
    """A quoted range of a source file; `sha256` is of lines start..end joined by newlines."""

    file: str
    start_line: int
    end_line: int
    sha256: str

    def as_dict(self, repository: str) -> dict[str, Any]:
        return {
            "repository": repository,
            "file": self.file,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "sha256": self.sha256,
        }


# Builds the final answer from the real records; returns None when the tool output does not
# support the answer (then the example is dropped rather than stated without evidence).
Answer = Callable[[list[ExecutionRecord]], str | None]


@dataclass
class Plan:
    category: str  # code | testing | concepts | tools
    request: str
    steps: list[str]  # one code block per assistant turn; empty for a direct answer
    answer: Answer
    spans: list[Span] = field(default_factory=list)
    kind: str = ""  # which template produced it, for stats
