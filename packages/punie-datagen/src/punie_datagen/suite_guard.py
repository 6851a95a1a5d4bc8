"""Keep the validation suite's queries (data/eval/suite.toml) out of the training requests.

A request is a leak when it equals a suite query or paraphrases it closely. Paths and code spans
are dropped first (a query's wording with another path is still that query); then, after
lower-casing, dropping stop words and crude stemming, the two share most of their content words (Jaccard
≥ `WORDS`), or their normalised texts are nearly the same string (ratio ≥ `TEXT`). The build
fails on any leak; the thresholds are strict on purpose (a short request such as "any unused
imports?" counts as a paraphrase of "Check for unused imports").
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

__all__ = ["DEFAULT_SUITE", "Leak", "find_leaks", "load_queries"]

DEFAULT_SUITE = Path("data/eval/suite.toml")
WORDS = 0.5
TEXT = 0.8
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "in",
        "on",
        "of",
        "to",
        "for",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "me",
        "my",
        "i",
        "we",
        "our",
        "you",
        "your",
        "with",
        "from",
        "by",
        "at",
        "as",
        "do",
        "does",
        "did",
        "can",
        "could",
        "would",
        "should",
        "please",
        "pls",
        "so",
        "some",
        "any",
        "all",
        "what",
        "whats",
        "what's",
        "which",
        "how",
        "why",
        "where",
        "show",
        "tell",
        "give",
        "let",
        "lets",
        "there",
        "here",
        "just",
        "now",
    ]
)


@dataclass(frozen=True)
class Leak:
    request: str
    query: str
    words: float
    text: float


def load_queries(path: Path) -> list[str]:
    """The `request` of every `[[queries]]` table."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return [str(q["request"]) for q in data.get("queries", []) if "request" in q]


def _stem(word: str) -> str:
    for suffix in (
        "ionship",
        "ions",
        "ion",
        "ently",
        "ences",
        "ence",
        "ent",
        "ing",
        "ly",
        "ed",
        "es",
        "s",
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


_CODE_LIKE = re.compile(r"`[^`]*`|\S+/\S*|\S*\.\w+\S*")


def _strip_paths(text: str) -> str:
    """The wording without its paths and code spans (`Lint x.py` and `Lint src/` read the same)."""
    return _CODE_LIKE.sub(" ", text)


def _content(text: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9_]+", _strip_paths(text).lower())
    return frozenset(_stem(w) for w in words if w not in STOP and len(w) > 1)


def _flat(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9_]+", _strip_paths(text).lower()))


def find_leaks(requests: list[str], queries: list[str]) -> list[Leak]:
    """Every request that equals or closely paraphrases a suite query."""
    prepared = [(q, _content(q), _flat(q)) for q in queries]
    leaks = []
    for request in requests:
        words, flat = _content(request), _flat(request)
        for query, q_words, q_flat in prepared:
            jaccard = 0.0
            if words and q_words:
                jaccard = len(words & q_words) / len(words | q_words)
            matcher = SequenceMatcher(None, flat, q_flat)
            ratio = 0.0
            if matcher.real_quick_ratio() >= TEXT and matcher.quick_ratio() >= TEXT:
                ratio = matcher.ratio()
            if jaccard > WORDS or ratio >= TEXT:
                leaks.append(Leak(request, query, round(jaccard, 2), round(ratio, 2)))
    return leaks
