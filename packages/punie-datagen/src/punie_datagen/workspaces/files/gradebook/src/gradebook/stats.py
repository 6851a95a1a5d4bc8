"""Weighted percentages, letter grades and class statistics."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from gradebook.model import Gradebook, Student

CUTOFFS = [(90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D")]
LETTERS = ["A", "B", "C", "D", "F"]


def weighted_percent(book: Gradebook, student: Student) -> float | None:
    """The student's weighted percentage, rounded to one decimal.

    Missing scores count as zero; excused assessments are left out and the other
    weights scaled up. None when every assessment is excused.
    """
    earned = 0.0
    weight_total = 0.0
    for assessment in book.assessments:
        if (student.id, assessment.name) in book.excused:
            continue
        points = book.score(student.id, assessment.name) or 0.0
        earned += assessment.weight * points / assessment.max_points
        weight_total += assessment.weight
    if weight_total == 0:
        return None
    return round(100 * earned / weight_total, 1)


def letter(percent: float | None) -> str:
    """The letter grade for a percentage; `-` when there is none."""
    if percent is None:
        return "-"
    for cutoff, grade in CUTOFFS:
        if percent >= cutoff:
            return grade
    return "F"


@dataclass(frozen=True)
class ClassStats:
    count: int
    mean: float
    median: float
    spread: float
    letters: dict[str, int]


def class_stats(book: Gradebook) -> ClassStats:
    """Mean, median and standard deviation of the percentages, and letters given."""
    percents = [p for s in book.students if (p := weighted_percent(book, s)) is not None]
    if not percents:
        return ClassStats(0, 0.0, 0.0, 0.0, dict.fromkeys(LETTERS, 0))
    counts = Counter(letter(p) for p in percents)
    return ClassStats(
        len(percents),
        round(statistics.fmean(percents), 1),
        round(statistics.median(percents), 1),
        round(statistics.pstdev(percents), 1),
        {grade: counts.get(grade, 0) for grade in LETTERS},
    )


def ranking(book: Gradebook) -> list[tuple[int, Student, float]]:
    """Students with a percentage, best first; equal percentages share a rank."""
    scored = [(p, s) for s in book.students if (p := weighted_percent(book, s)) is not None]
    scored.sort(key=lambda item: (-item[0], item[1].name))
    ranked = []
    previous: float | None = None
    rank = 0
    for position, (percent, student) in enumerate(scored, start=1):
        if percent != previous:
            rank = position
            previous = percent
        ranked.append((rank, student, percent))
    return ranked


def group_means(book: Gradebook) -> dict[str, float]:
    """The mean percentage of each group, by group name."""
    means = {}
    for group in book.groups():
        members = [s for s in book.students if s.group == group]
        percents = [p for s in members if (p := weighted_percent(book, s)) is not None]
        if percents:
            means[group] = round(statistics.fmean(percents), 1)
    return means
