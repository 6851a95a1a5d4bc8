"""Split Markdown documentation into sections by heading (fenced code is not a heading)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["DocSection", "split_sections"]

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class DocSection:
    path: str
    heading: str
    level: int
    line: int  # 1-based line of the heading
    end_line: int  # last line of the section's body
    body: str  # the section's text without the heading line, code blocks included

    @property
    def prose(self) -> str:
        """The body without fenced code blocks, blank-line separated paragraphs."""
        out, fenced = [], False
        for line in self.body.splitlines():
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                out.append(line)
        return "\n".join(out).strip()

    @property
    def first_paragraph(self) -> str:
        paragraphs = [p.strip() for p in self.prose.split("\n\n") if p.strip()]
        prose = [p for p in paragraphs if not p.startswith(("|", "<", "!["))]
        return " ".join(prose[0].split()) if prose else ""

    @property
    def has_code(self) -> bool:
        return any(_FENCE.match(line) for line in self.body.splitlines())


def split_sections(path: str, text: str) -> list[DocSection]:
    """Every heading outside fenced code, with the lines up to the next heading."""
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []
    fenced = False
    for index, line in enumerate(lines):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            heads.append((index, len(match.group(1)), match.group(2).strip("` ")))
    sections = []
    for i, (index, level, heading) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(lines)
        while end - 1 > index and not lines[end - 1].strip():
            end -= 1
        body = "\n".join(lines[index + 1 : end])
        sections.append(DocSection(path, heading, level, index + 1, max(end, index + 1), body))
    return sections
