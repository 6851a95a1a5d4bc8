"""Split documentation (Markdown/MyST and reStructuredText) into sections by heading.

A section runs from its heading to the next heading of any level. Its `blocks` are prose
paragraphs and code examples in order, so an answer can restate the whole section, code
included. A section whose code comes from a directive that pulls text from elsewhere (MyST
`{literalinclude}`, a project's own snippet directive, reST `.. literalinclude::`) cannot be
restated from the section alone: `answer_text()` returns None for it rather than cut the code
and leave a sentence ending in a colon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["DocSection", "split_rst_sections", "split_sections"]

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*(\{?[\w.+-]*\}?)\s*(.*)$")
# MyST directives whose body is prose (kept as a note) or code (kept as code).
_PROSE_DIRECTIVES = {
    "note",
    "tip",
    "warning",
    "important",
    "admonition",
    "hint",
    "seealso",
    "caution",
    "attention",
}
_CODE_DIRECTIVES = {"code", "code-block", "sourcecode", "code-cell"}
_RST_UNDERLINE = re.compile(r"^([=\-~^\"'`#*+<>:._])\1{2,}\s*$")
_RST_DIRECTIVE = re.compile(r"^\.\.\s+([\w-]+)::\s*(.*)$")


@dataclass(frozen=True)
class Block:
    kind: str  # "prose" | "code" | "opaque" (text this section cannot show by itself)
    text: str
    language: str = ""


@dataclass(frozen=True)
class DocSection:
    path: str
    heading: str
    level: int
    line: int  # 1-based line of the heading
    end_line: int  # last line of the section's body
    body: str  # the section's text without the heading line
    heading_line: str = ""  # the heading line exactly as in the file (Markdown) or its text (reST)
    blocks: list[Block] = field(default_factory=list)

    @property
    def prose(self) -> str:
        return "\n\n".join(b.text for b in self.blocks if b.kind == "prose").strip()

    @property
    def first_paragraph(self) -> str:
        prose = [
            b.text
            for b in self.blocks
            if b.kind == "prose" and not b.text.startswith(("|", "<", "!["))
        ]
        return " ".join(prose[0].split()) if prose else ""

    @property
    def has_code(self) -> bool:
        return any(b.kind == "code" for b in self.blocks)

    @property
    def opaque(self) -> bool:
        return any(b.kind == "opaque" for b in self.blocks)

    def answer_text(self) -> str | None:
        """The whole section as an answer: every paragraph and every code example, in order."""
        if self.opaque or not self.blocks:
            return None
        parts = []
        for block in self.blocks:
            if block.kind == "code":
                parts.append(f"```{block.language}\n{block.text}\n```")
            else:
                parts.append(block.text)
        if self.blocks[-1].kind == "prose" and self.blocks[-1].text.rstrip().endswith(":"):
            return None  # the section itself stops on a colon: what follows is elsewhere
        return "\n\n".join(parts)


def _md_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            text = "\n".join(line.rstrip() for line in paragraph).strip()
            if text:
                blocks.append(Block("prose", text))
            paragraph.clear()

    i = 0
    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush()
            marker, info = fence.group(1), fence.group(2)
            inner: list[str] = []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                inner.append(lines[i])
                i += 1
            i += 1
            name = info.strip("{}")
            if info.startswith("{"):
                content = [x for x in inner if not x.startswith(":")]
                text = "\n".join(content).strip("\n")
                if name in _PROSE_DIRECTIVES and text.strip():
                    blocks.append(Block("prose", text.strip()))
                elif name in _CODE_DIRECTIVES and text.strip():
                    blocks.append(Block("code", text, fence.group(3).strip() or "python"))
                else:
                    blocks.append(Block("opaque", f"{info} {fence.group(3)}".strip()))
            else:
                blocks.append(Block("code", "\n".join(inner).strip("\n"), info))
            continue
        if not line.strip():
            flush()
        elif line.lstrip().startswith("<!--"):
            pass
        else:
            paragraph.append(line)
        i += 1
    flush()
    return blocks


def split_sections(path: str, text: str) -> list[DocSection]:
    """Markdown: every heading outside fenced code, with the lines up to the next heading."""
    if path.endswith(".rst"):
        return split_rst_sections(path, text)
    lines = text.splitlines()
    heads: list[tuple[int, int, str]] = []
    fence: str | None = None
    for index, line in enumerate(lines):
        match = _FENCE.match(line)
        if match and (fence is None or line.strip().startswith(fence)):
            fence = match.group(1) if fence is None else None
            continue
        heading = None if fence else _HEADING.match(line)
        if heading:
            heads.append((index, len(heading.group(1)), heading.group(2).strip("` ")))
    sections = []
    for i, (index, level, heading) in enumerate(heads):
        end = heads[i + 1][0] if i + 1 < len(heads) else len(lines)
        while end - 1 > index and not lines[end - 1].strip():
            end -= 1
        body_lines = lines[index + 1 : end]
        sections.append(
            DocSection(
                path,
                heading,
                level,
                index + 1,
                max(end, index + 1),
                "\n".join(body_lines),
                lines[index].strip(),
                _md_blocks(body_lines),
            )
        )
    return sections


def _rst_blocks(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    i = 0
    paragraph: list[str] = []
    literal_next = False

    def flush() -> None:
        nonlocal literal_next
        if paragraph:
            text = " ".join(" ".join(paragraph).split())
            literal_next = text.endswith("::")
            if literal_next:
                text = text[:-2].rstrip() + ":" if not text.endswith(" ::") else text[:-3]
            if text:
                blocks.append(Block("prose", text))
            paragraph.clear()

    def indented(start: int) -> tuple[list[str], int]:
        inner: list[str] = []
        j = start
        while j < len(lines) and (not lines[j].strip() or lines[j].startswith((" ", "\t"))):
            inner.append(lines[j])
            j += 1
        while inner and not inner[-1].strip():
            inner.pop()
        body = [x for x in inner if not x.strip().startswith(":")] if inner else []
        width = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
        return [x[width:] for x in body], j

    while i < len(lines):
        line = lines[i]
        directive = _RST_DIRECTIVE.match(line)
        if directive:
            flush()
            name, argument = directive.group(1), directive.group(2)
            inner, i = indented(i + 1)
            text = "\n".join(inner).strip("\n")
            if name in _CODE_DIRECTIVES and text:
                blocks.append(Block("code", text, argument or "python"))
            elif name in _PROSE_DIRECTIVES and text:
                blocks.append(Block("prose", " ".join(text.split())))
            elif name not in {"index", "toctree", "contents", "_"}:
                blocks.append(Block("opaque", f"{name}:: {argument}"))
            continue
        if line.startswith(" ") and not paragraph and literal_next:
            inner, i = indented(i)
            blocks.append(Block("code", "\n".join(inner), "python"))
            literal_next = False
            continue
        if not line.strip():
            flush()
        elif line.startswith(".. "):
            pass  # a comment or a target
        else:
            paragraph.append(line)
        i += 1
    flush()
    return blocks


def split_rst_sections(path: str, text: str) -> list[DocSection]:
    """reStructuredText: a title is a line underlined (optionally overlined) by punctuation."""
    lines = text.splitlines()
    styles: list[str] = []
    heads: list[tuple[int, int, str, int]] = []  # (title index, level, title, first body index)
    i = 0
    while i < len(lines) - 1:
        title, under = lines[i], lines[i + 1]
        match = _RST_UNDERLINE.match(under)
        if (
            title.strip()
            and not title.startswith(" ")
            and match
            and len(under.rstrip()) >= len(title.rstrip())
        ):
            over = i > 0 and lines[i - 1].strip() == under.strip()
            style = ("o" if over else "") + match.group(1)
            if style not in styles:
                styles.append(style)
            heads.append((i, styles.index(style) + 1, title.strip(), i + 2 + (1 if over else 0)))
            i += 2
            continue
        i += 1
    sections = []
    for n, (index, level, title, body_start) in enumerate(heads):
        end = heads[n + 1][0] if n + 1 < len(heads) else len(lines)
        if (
            n + 1 < len(heads)
            and end > 0
            and lines[end - 1].strip()
            and _RST_UNDERLINE.match(lines[end - 1])
        ):
            end -= 1  # the next title's overline
        while end - 1 > index and not lines[end - 1].strip():
            end -= 1
        body_lines = lines[body_start:end]
        sections.append(
            DocSection(
                path,
                title,
                level,
                index + 1,
                max(end, index + 1),
                "\n".join(body_lines),
                title,
                _rst_blocks(body_lines),
            )
        )
    return sections
