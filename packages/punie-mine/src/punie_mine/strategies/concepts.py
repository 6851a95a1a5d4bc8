"""Conceptual questions from the documentation (README, docs/), or docstrings where none ships."""

from __future__ import annotations

from punie_mine.docs import DocSection
from punie_mine.index import RepoIndex
from punie_mine.plan import Plan
from punie_mine.strategies._common import first_sentence, out, span, window_code
from punie_mine.syntax import ClassInfo, ModuleInfo
from punie_tools.models import ExecutionRecord

MAX_WINDOW = 40
SKIP_HEADINGS = {"contributing", "license", "installation", "changelog", "note well", "credits"}


def _request(section: DocSection, repo: str, variant: int) -> str:
    heading = section.heading
    templates = [
        f"How does {heading.lower()} work in {repo}?",
        f"What does the {repo} documentation say about {heading.lower()}?",
        f"Explain {heading.lower()} in {repo}.",
    ]
    if heading.lower() == repo.lower():
        return f"What is {repo}?"
    return templates[variant % len(templates)]


def _from_doc(index: RepoIndex, repo: str, section: DocSection, variant: int) -> Plan:
    end = min(section.end_line, section.line + MAX_WINDOW - 1)
    code = window_code(section.path, section.line, end)
    paragraph = section.first_paragraph

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or section.heading.split()[0] not in text:
            return None
        cite = f"({section.path}, “{section.heading}”, lines {section.line}–{section.end_line})"
        parts = [f"{paragraph} {cite}"]
        if section.has_code:
            parts.append("The section includes a code example showing it in use.")
        return " ".join(parts)

    return Plan(
        "concepts",
        _request(section, repo, variant),
        [code],
        answer,
        [span(index, section.path, section.line, end)],
        "doc-read",
    )


def _direct(index: RepoIndex, repo: str, section: DocSection) -> Plan:
    paragraph = section.first_paragraph
    cite = f"(from {repo}'s {section.path}, section “{section.heading}”)"
    start = section.line + 1
    return (
        Plan(
            "concepts",
            f"In {repo}, what is meant by “{section.heading}”?",
            [],
            lambda _records: f"{paragraph} {cite}",
            [span(index, section.path, section.line, section.end_line)],
            "doc-direct",
        )
        if start <= section.end_line
        else _from_doc(index, repo, section, 0)
    )


def _from_docstring(index: RepoIndex, repo: str, module: ModuleInfo, cls: ClassInfo) -> Plan:
    doc = cls.docstring or ""
    end = min(cls.end_line, cls.line + 15)
    code = window_code(module.path, cls.line, end)

    def answer(records: list[ExecutionRecord]) -> str | None:
        text = out(records)
        if text is None or f"class {cls.name}" not in text:
            return None
        return (
            f"`{cls.name}` ({module.path}, line {cls.line}): {first_sentence(doc, 400)} "
            f"{repo} ships no separate documentation for it; this is its docstring."
        )

    return Plan(
        "concepts",
        f"What is `{cls.name}` for in {repo}?",
        [code],
        answer,
        [span(index, module.path, cls.line, end)],
        "docstring",
    )


def concept_plans(index: RepoIndex, repo: str) -> list[Plan]:
    plans: list[Plan] = []
    usable = [
        s
        for s in index.docs
        if s.heading.lower() not in SKIP_HEADINGS and len(s.first_paragraph) >= 40
    ]
    for i, section in enumerate(usable):
        plans.append(
            _direct(index, repo, section) if i % 3 == 2 else _from_doc(index, repo, section, i)
        )
    for module in index.code:
        for cls in module.classes:
            if cls.docstring and len(cls.docstring) >= 40 and not cls.name.startswith("_"):
                plans.append(_from_docstring(index, repo, module, cls))
    return plans
