"""Helpers shared by the strategies: spans, search roots, the find-then-read snippets, output parsing.

Find before you read: no snippet uses a line number, index or window that neither the request nor
an earlier tool output revealed. A block is located by `grep -n` (its line is then in the output),
by a search over the file inside the script, or by a typed result's `line`; its end is computed
from indentation (or the next heading) inside the script, never guessed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter

from punie_mine.index import RepoIndex
from punie_mine.plan import Span, span_hash
from punie_tools.models import ExecutionRecord

_PRINTED = re.compile(r"^(\d+) ?(.*)$")


def span(index: RepoIndex, path: str, start: int, end: int) -> Span:
    return Span(path, start, end, span_hash(index.span(path, start, end)))


def search_root(index: RepoIndex) -> str:
    """The directory holding the package code (`src`, or the package folder of a flat layout)."""
    tops = Counter(m.path.split("/")[0] for m in index.code if "/" in m.path)
    return tops.most_common(1)[0][0] if tops else "."


def tests_root(index: RepoIndex) -> str:
    """Where the tests live: `tests/` when most are there, else the code folder (tests beside code)."""
    tops = Counter(m.path.split("/")[0] for m in index.tests if "/" in m.path)
    return tops.most_common(1)[0][0] if tops else "."


def pick(key: str, options: list[str]) -> str:
    """A stable choice among phrasings (the same candidate always gets the same wording)."""
    digest = hashlib.sha256(key.encode()).digest()
    return options[digest[0] % len(options)]


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


def q(text: str) -> str:
    """A Python string literal for generated code (double quotes, escapes as needed)."""
    return json.dumps(text)


def grep_code(args: list[str], count_label: str | None = None) -> str:
    call = f"run_command({q('grep')}, [{', '.join(q(a) for a in args)}])"
    if count_label is None:
        return f"print({call})\n"
    return (
        f"found = {call}.rstrip()\n"
        "print(found)\n"
        f"print({q(count_label + ':')}, len(found.splitlines()))\n"
    )


_BLOCK_TAIL = """indent = len(lines[start - 1]) - len(lines[start - 1].lstrip())
end = start
while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > indent):
    end += 1
while end > start and not lines[end - 1].strip():
    end -= 1
"""

_PRINT_BLOCK = """for number in range(start, end + 1):
    print(number, lines[number - 1])
"""

_HEADER_ONLY = """stop = start
while stop < end and not lines[stop].lstrip().startswith(("def ", "async def ", "@")):
    stop += 1
while stop > start and not lines[stop - 1].strip():
    stop -= 1
for number in range(start, stop + 1):
    print(number, lines[number - 1])
"""


def block_at_code(path: str, line: int, header_only: bool = False) -> str:
    """Print the block (def or class) that starts at `line`, which an earlier output revealed."""
    return (
        f"lines = read_file({q(path)}).splitlines()\n"
        f"start = {line}\n" + _BLOCK_TAIL + (_HEADER_ONLY if header_only else _PRINT_BLOCK)
    )


def search_block_code(path: str, prefix: str) -> str:
    """Find the line that starts (after indentation) with `prefix`, then print its block."""
    return (
        f"lines = read_file({q(path)}).splitlines()\n"
        "start = 0\n"
        "for number, line in enumerate(lines, 1):\n"
        f"    if line.lstrip().startswith({q(prefix)}):\n"
        "        start = number\n"
        "        break\n"
        "if start == 0:\n"
        f"    print({q('not found: ' + prefix)})\n"
        "else:\n"
        + "".join("    " + line + "\n" for line in (_BLOCK_TAIL + _PRINT_BLOCK).splitlines())
    )


def section_code(path: str, heading_line: str) -> str:
    """Find a Markdown heading line and print its section, up to the next heading of any level."""
    return (
        f"lines = read_file({q(path)}).splitlines()\n"
        "start = 0\n"
        "fenced = False\n"
        "for number, line in enumerate(lines, 1):\n"
        '    if line.lstrip().startswith(("```", "~~~")):\n'
        "        fenced = not fenced\n"
        f"    elif not fenced and start == 0 and line.strip() == {q(heading_line)}:\n"
        "        start = number\n"
        '    elif not fenced and start and line.startswith("#"):\n'
        "        break\n"
        "    if start:\n"
        "        print(number, line)\n"
        "if start == 0:\n"
        f"    print({q('heading not found: ' + heading_line)})\n"
    )


def printed_lines(text: str) -> list[tuple[int, str]]:
    """The `N text` lines a read printed, as (line number, text)."""
    result = []
    for line in text.splitlines():
        match = _PRINTED.match(line)
        if match:
            result.append((int(match.group(1)), match.group(2)))
    return result


def grep_hits(text: str) -> list[tuple[str, int, str]]:
    """`path:line:text` hits of a `grep -rn` (or `line:text` of a single-file grep)."""
    hits = []
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) == 3 and parts[1].isdigit():
            hits.append((parts[0], int(parts[1]), parts[2]))
        elif len(parts) >= 2 and parts[0].isdigit():
            hits.append(("", int(parts[0]), line.split(":", 1)[1]))
    return hits


def names(items: list[str], limit: int = 8) -> str:
    shown = [f"`{i}`" for i in items[:limit]]
    more = " and more" if len(items) > limit else ""
    if len(shown) == 1:
        return shown[0] + more
    return ", ".join(shown[:-1]) + (f", {shown[-1]}" if more else f" and {shown[-1]}") + more


def plain_list(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]
