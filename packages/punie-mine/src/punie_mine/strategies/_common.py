"""Helpers shared by the strategies: spans, search roots, output checks, short text."""

from __future__ import annotations

import re
from collections import Counter

from punie_mine.index import RepoIndex
from punie_mine.plan import Span, span_hash
from punie_tools.models import ExecutionRecord


def span(index: RepoIndex, path: str, start: int, end: int) -> Span:
    return Span(path, start, end, span_hash(index.span(path, start, end)))


def search_root(index: RepoIndex) -> str:
    """The directory holding the package code (`src`, or the package folder of a flat layout)."""
    tops = Counter(m.path.split("/")[0] for m in index.code if "/" in m.path)
    return tops.most_common(1)[0][0] if tops else "."


def first_sentence(text: str | None, limit: int = 220) -> str:
    if not text:
        return ""
    flat = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", flat)
    sentence = match.group(1) if match else flat
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def out(records: list[ExecutionRecord], step: int = 0) -> str | None:
    """The stdout of a step, or None when that step failed (then no answer is grounded)."""
    if step >= len(records) or records[step].error is not None:
        return None
    return records[step].stdout


def window_code(path: str, start: int, end: int) -> str:
    return (
        f'lines = read_file("{path}").splitlines()\n'
        f"for number in range({start}, {end + 1}):\n"
        f"    print(number, lines[number - 1])\n"
    )


def names(items: list[str], limit: int = 8) -> str:
    shown = [f"`{i}`" for i in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    if len(shown) == 1:
        return shown[0] + more
    return ", ".join(shown[:-1]) + (f", {shown[-1]}" if more else f" and {shown[-1]}") + more
