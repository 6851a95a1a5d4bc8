"""Conceptual questions from the documentation (README, docs/ in Markdown or reST).

Each answer restates one whole section, its code examples included; a section that cannot be
shown whole (its code comes from an include directive, or it stops on a colon) is not used.
Most answers are direct (knowledge needs no tool call); some read the section after finding its
heading, the way a developer asks "what do the docs say about …". Class docstrings stand in only
when the source ships no documentation at all.
"""

from __future__ import annotations

import re

from punie_mine.docs import DocSection
from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import (
    block_at_code,
    first_sentence,
    grep_code,
    out,
    pick,
    printed_lines,
    search_root,
    section_code,
    span,
)
from punie_mine.syntax import ClassInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_ANSWER = 1400  # characters: a whole section must fit one example
MAX_SECTION_LINES = 60
MAX_READ_LINES = 35  # a section read with a tool is printed and restated: keep it shorter
# Headings that name a part of a document, not a concept a developer would ask about.
GENERIC_HEADINGS = {
    "about", "api", "api reference", "changelog", "contents", "contributing", "credits",
    "development", "example", "examples", "faq", "features", "getting started", "index",
    "installation", "install", "introduction", "key characteristics", "license", "limitations",
    "motivation", "next steps", "note well", "notes", "overview", "quick start", "quickstart",
    "reference", "references", "requirements", "see also", "setup", "summary", "table of contents",
    "testing", "tests", "usage", "what's next", "why", "acknowledgements", "status", "roadmap",
    "prerequisites", "output", "result", "results", "running", "run it", "the code", "code",
    "how it works", "conclusion", "background", "recap", "steps", "step", "todo",
    "documentation", "docs", "links", "resources", "support", "authors", "history",
}  # fmt: skip
_GERUND = re.compile(r"^(using|creating|defining|adding|registering|writing|making|building|"
                     r"getting|setting up|configuring|handling|injecting|rendering|scanning|"
                     r"testing|overriding)\s+(.+)$", re.IGNORECASE)  # fmt: skip
_BASE = {
    "using": "use", "creating": "create", "defining": "define", "adding": "add",
    "registering": "register", "writing": "write", "making": "make", "building": "build",
    "getting": "get", "setting up": "set up", "configuring": "configure", "handling": "handle",
    "injecting": "inject", "rendering": "render", "scanning": "scan", "testing": "test",
    "overriding": "override",
}  # fmt: skip


def _word(word: str) -> str:
    """Lower-case a plain Title-Case word; keep code, CamelCase and acronyms as written."""
    if not word.isalpha() or any(c.isupper() for c in word[1:]):
        return word
    return word.lower()


def _topic(heading: str) -> str:
    text = re.sub(r"^\d+(\.\d+)*[.)]?\s+", "", heading).strip().rstrip(":")
    text = text.split(": ")[0]  # "Hopscotch: Multi-Implementation Resolution" → "Hopscotch"
    return " ".join(_word(w) for w in text.split())


def _request(section: DocSection, repo: str) -> str:
    heading = re.sub(r"^\d+(\.\d+)*[.)]?\s+", "", section.heading).strip().rstrip(":")
    if heading.lower() == repo.lower():
        return pick(repo, [f"What is {repo}?", f"what does {repo} do?"])
    if heading.endswith("?"):
        return heading if repo.lower() in heading.lower() else f"{heading[:-1]} in {repo}?"
    gerund = _GERUND.match(heading)
    if gerund:
        verb = gerund.group(1).lower()
        base = _BASE[verb]
        return pick(
            heading,
            [
                f"How do I {base} {gerund.group(2)} in {repo}?",
                f"how do you {base} {gerund.group(2)} with {repo}?",
            ],
        )
    topic = _topic(heading)
    return pick(
        heading,
        [
            f"How does {topic} work in {repo}?",
            f"Explain {topic} in {repo}.",
            f"tell me about {topic} in {repo}",
            f"Can you explain {topic} ({repo})?",
        ],
    )


def _usable(section: DocSection) -> bool:
    name = re.sub(r"^\d+(\.\d+)*[.)]?\s+", "", section.heading).strip().rstrip(":").lower()
    if name in GENERIC_HEADINGS or len(name) < 4 or not re.search(r"[a-z]", name):
        return False
    text = section.answer_text()
    return (
        text is not None
        and len(section.first_paragraph) >= 40
        and len(text) <= MAX_ANSWER
        and section.end_line - section.line < MAX_SECTION_LINES
    )


def _direct(index: RepoIndex, repo: str, section: DocSection) -> Plan:
    text = section.answer_text() or ""
    cite = f"(Source: {repo}'s `{section.path}`, section “{section.heading}”.)"
    return Plan(
        "concepts",
        _request(section, repo),
        [],
        lambda _records: f"{text}\n\n{cite}",
        [span(index, section.path, section.line, section.end_line)],
        "doc-direct",
    )


def _from_doc(index: RepoIndex, repo: str, section: DocSection) -> Plan:
    code = section_code(section.path, section.heading_line)
    text = section.answer_text() or ""

    def answer(records: list[ExecutionRecord]) -> str | None:
        printed = printed_lines(out(records) or "")
        if not printed or printed[0][0] != section.line or printed[-1][0] < section.end_line:
            return None
        return (
            f"`{section.path}` covers it in “{section.heading}” (lines {section.line}–"
            f"{section.end_line}):\n\n{text}"
        )

    topic = _topic(section.heading)
    return Plan(
        "concepts",
        pick(
            f"read {section.path} {section.heading}",
            [
                f"What do the {repo} docs say about {topic}?",
                f"check the docs: how does {topic} work?",
                f"Look up {topic} in the {repo} documentation.",
            ],
        ),
        [code],
        answer,
        [span(index, section.path, section.line, section.end_line)],
        "doc-read",
    )


def _from_docstring(index: RepoIndex, repo: str, module: ModuleInfo, cls: ClassInfo) -> Plan:
    first = grep_code(["-rnE", f"^\\s*class {cls.name}\\b", search_root(index)])
    second = block_at_code(module.path, cls.line, header_only=True)
    doc = cls.docstring or ""

    def answer(records: list[ExecutionRecord]) -> str | None:
        found, read = out(records, 0), out(records, 1)
        sentence = first_sentence(doc, 400)
        if found is None or read is None or f"{module.path}:{cls.line}:" not in found:
            return None
        if sentence.rstrip("…")[:60] not in " ".join(read.split()):
            return None
        return (
            f"`{cls.name}` ({module.path}, line {cls.line}): {sentence} "
            f"This source of {repo} ships no documentation for it; this is its docstring."
        )

    return Plan(
        "concepts",
        pick(
            f"docstring {cls.name}",
            [f"What is `{cls.name}` for in {repo}?", f"what does `{cls.name}` do?"],
        ),
        [first, second],
        answer,
        [span(index, module.path, cls.line, cls.line)],
        "docstring",
    )


def concept_plans(index: RepoIndex, repo: str) -> list[Plan]:
    plans: list[Plan] = []
    usable = [s for s in index.docs if _usable(s)]
    for i, section in enumerate(usable):
        readable = (
            section.path.endswith((".md", ".markdown"))
            and section.heading_line
            and section.end_line - section.line < MAX_READ_LINES
            and len(section.answer_text() or "") <= 1000
        )
        plans.append(
            _from_doc(index, repo, section)
            if readable and i % 3 == 2
            else _direct(index, repo, section)
        )
    if not index.docs or len(plans) < 5:
        for module in index.code:
            for cls in module.classes:
                if cls.docstring and len(cls.docstring) >= 40 and not cls.name.startswith("_"):
                    plans.append(_from_docstring(index, repo, module, cls))
    return plans
