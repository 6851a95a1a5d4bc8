"""Judge a direct answer by meaning: a rubric of required facts and contradicted claims.

A rubric item is a list of alternatives; each is a regular expression, optionally bound to a
subject (`ruff: \\bfast`): it then counts only where the nearest subject named before it in the
sentence (or, failing that, the last one of an earlier sentence, or the first one after it) is
that subject. Matching is negation-aware: a match preceded in its clause, within a few words, by
a negation ("not", "never", "without", "instead of", "rather than", ...) is negated.

- `require`: each item needs an un-negated match; a negated one ("does not use t-strings")
  denies a true fact and fails the answer.
- `true`: not required, but denying one fails the answer.
- `wrong`: an un-negated match is a false claim and fails the answer.

`judge_rubric` returns the verdict with every reason, so report.md shows why an answer failed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from punie_eval.suite import Rubric, RubricItem

__all__ = ["RubricVerdict", "judge_rubric", "negated", "split_clauses"]

_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+|(?<=:)\s+(?=[A-Z])")
_CLAUSE = re.compile(r"(?<=[.!?;])\s+|(?<=:)\s+(?!\d)|\n+|\s+[—–]\s+|\s+-\s+")
_CONTRAST = re.compile(
    r",?\s+\b(?:but|whereas|while|although|though|however|yet)\b\s*,?\s*", re.IGNORECASE
)
_NEGATION = re.compile(
    r"\b(?:not|no|never|neither|nor|without|none|nothing|cannot|lacks?|lacking|"
    r"isn't|aren't|wasn't|weren't|doesn't|don't|didn't|won't|can't|shouldn't|needn't|"
    r"instead of|rather than|no longer|far from|fails? to|free of)\b|\w+n't\b",
    re.IGNORECASE,
)
# Phrases with a negation word that negate nothing: "no matter what, pylint is faster" claims it.
_NOT_NEGATION = re.compile(
    r"\bnot only\b|\bno doubt\b|\bnot just\b|\bno matter\b|\bnot to mention\b|"
    r"\bno wonder\b|\bno question\b|\bnot least\b|\bnothing but\b|\bno less than\b|"
    r"\bnot surprisingly\b|\bwithout (?:a |any )?doubt\b|\bnone other than\b",
    re.IGNORECASE,
)
_RELATIVE = re.compile(r"\s*,?\s*(?:which|who|that)\b", re.IGNORECASE)
# A subject named only as the other side of a comparison ("pylint, like ruff, is ...", "unlike
# pylint, ruff is ...", "faster than pylint") is not what the clause says something about.
_COMPARED = re.compile(
    r"\b(?:unlike|like|than|versus|vs\.?|compared\s+(?:to|with)|as\s+with|as)\s*$", re.IGNORECASE
)
_INTERJECTION = re.compile(r"\b(?:no|nope)\s*[:,.!—–-]", re.IGNORECASE)  # "No: 1 failed"
_WINDOW_WORDS = 5


def split_clauses(text: str) -> list[str]:
    """Sentences, then contrastive clauses ('X is slow, but Y is fast' → two clauses)."""
    clauses: list[str] = []
    for sentence in _CLAUSE.split(text):
        clauses += [c for c in _CONTRAST.split(sentence) if c.strip()]
    return clauses


def negated(clause: str, position: int) -> bool:
    """Whether the text at `position` of `clause` is negated by a cue a few words before it."""
    before = _INTERJECTION.sub(" ", clause[:position])
    words = re.findall(r"[\w'’-]+", before)
    window = " ".join(words[-_WINDOW_WORDS:]).replace("’", "'")
    window = _NOT_NEGATION.sub(" ", window)
    return bool(_NEGATION.search(window))


@dataclass(frozen=True)
class _Alt:
    subject: str | None
    pattern: re.Pattern[str]


def _alternatives(item: RubricItem, subjects: list[str]) -> list[_Alt]:
    alts = []
    for raw in item.any:
        subject, sep, rest = raw.partition(": ")
        if sep and subject in subjects:
            alts.append(_Alt(subject, re.compile(rest, re.IGNORECASE)))
        else:
            alts.append(_Alt(None, re.compile(raw, re.IGNORECASE)))
    return alts


def _subject_pattern(subjects: list[str]) -> re.Pattern[str] | None:
    if not subjects:
        return None
    names = sorted(subjects, key=len, reverse=True)
    joined = "|".join(re.escape(s) for s in names)
    return re.compile(rf"(?<![\w-])(?:{joined})(?![\w-])", re.IGNORECASE)


class _Text:
    """The answer split into sentences and clauses, with subject mentions located."""

    def __init__(self, text: str, subjects: list[str]) -> None:
        self.subjects = {s.lower(): s for s in subjects}
        self.finder = _subject_pattern(subjects)
        self.sentences = [s for s in _SENTENCE.split(text) if s.strip()]

    def mentions(self, sentence: str, at: int | None = None) -> list[tuple[int, str]]:
        """(position, subject) of each subject the sentence says something about. A subject
        named only as the other side of a comparison is left out, unless a relative clause
        about it ("than pylint, which is ...") holds position `at`."""
        if self.finder is None:
            return []
        found = []
        for m in self.finder.finditer(sentence):
            if _COMPARED.search(sentence[: m.start()]):
                between = sentence[m.end() : at] if at is not None and at > m.end() else ""
                if not _RELATIVE.match(between):
                    continue
            found.append((m.start(), self.subjects[m.group(0).lower()]))
        return found

    def matches(self, alt: _Alt) -> list[tuple[str, bool]]:
        """(matched text, negated) for every match of the alternative with the right subject."""
        found: list[tuple[str, bool]] = []
        previous: str | None = None
        for sentence in self.sentences:
            mentions = self.mentions(sentence)
            for m in alt.pattern.finditer(sentence):
                if alt.subject is not None:
                    near = self.mentions(sentence, m.start())
                    before = [s for pos, s in near if pos < m.start()]
                    after = [s for pos, s in mentions if pos >= m.end()]
                    subject = before[-1] if before else previous or (after[0] if after else None)
                    if subject != alt.subject:
                        continue
                clause_start = 0
                for c in _CONTRAST.finditer(sentence[: m.start()]):
                    clause_start = c.end()
                clause = sentence[clause_start:]
                found.append((m.group(0), negated(clause, m.start() - clause_start)))
            if mentions:
                previous = mentions[-1][1]
        return found


@dataclass
class RubricVerdict:
    """Whether the answer passes its rubric, which facts it stated and every reason it failed."""

    passed: bool
    stated: list[str]
    reasons: list[str]


def judge_rubric(answer: str, rubric: Rubric) -> RubricVerdict:
    """Apply the rubric to `answer` (see the module docstring)."""
    text = _Text(answer, rubric.subjects)
    reasons: list[str] = []
    stated: list[str] = []
    for item in rubric.require:
        hits = [hit for alt in _alternatives(item, rubric.subjects) for hit in text.matches(alt)]
        positive = [h for h, neg in hits if not neg]
        denied = [h for h, neg in hits if neg]
        if positive:
            stated.append(item.name)
        else:
            reasons.append(f"does not state that {item.name}")
        if denied and not positive:
            reasons.append(f"denies that {item.name} ('{denied[0]}' is negated)")
    for item in rubric.true:
        hits = [hit for alt in _alternatives(item, rubric.subjects) for hit in text.matches(alt)]
        denied = [h for h, neg in hits if neg]
        if denied and not any(not neg for _, neg in hits):
            reasons.append(f"denies that {item.name} ('{denied[0]}' is negated)")
    for item in rubric.wrong:
        hits = [hit for alt in _alternatives(item, rubric.subjects) for hit in text.matches(alt)]
        claimed = [h for h, neg in hits if not neg]
        if claimed:
            reasons.append(f"claims that {item.name} ('{claimed[0]}')")
    return RubricVerdict(passed=not reasons, stated=stated, reasons=reasons)
