"""The class report: every student's scores, the class statistics, and notes."""

from __future__ import annotations

from datetime import date

from gradebook.model import Gradebook, Student
from gradebook.render.table import Column, bar, render_table
from gradebook.stats import class_stats, group_means, letter, ranking, weighted_percent


def _points(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def score_cell(book: Gradebook, student: Student, assessment: str) -> str:
    """A score as shown in the report: points, `EX` for excused, `—` for missing."""
    if (student.id, assessment) in book.excused:
        return "EX"
    return _points(book.score(student.id, assessment))


def student_rows(book: Gradebook, order: str = "name") -> list[list[str]]:
    """One row per student, sorted by name, group or rank."""
    if order == "rank":
        students = [student for _, student, _ in ranking(book)]
        students += [s for s in book.students if s not in students]
    elif order == "group":
        students = sorted(book.students, key=lambda s: (s.group, s.name))
    elif order == "name":
        students = sorted(book.students, key=lambda s: s.name)
    else:
        raise ValueError(f"cannot sort by {order!r}; use name, group or rank")
    rows = []
    for student in students:
        percent = weighted_percent(book, student)
        cells = [student.name, student.group]
        cells += [score_cell(book, student, a.name) for a in book.assessments]
        cells += ["—" if percent is None else f"{percent:.1f}", letter(percent)]
        rows.append(cells)
    return rows


def missing_notes(book: Gradebook) -> list[str]:
    """One note per student with missing work, naming the assessments."""
    notes = []
    for student in sorted(book.students, key=lambda s: s.name):
        gaps = [
            a.name
            for a in book.assessments
            if (student.id, a.name) not in book.excused
            and book.score(student.id, a.name) is None
        ]
        if gaps:
            notes.append(f"{student.name}: missing {', '.join(gaps)} (counted as 0)")
    return notes


def class_report(book: Gradebook, title: str, on: date, order: str = "name") -> str:
    """The whole report as text."""
    columns = [Column("Student"), Column("Group")]
    columns += [Column(f"{a.name} ({a.weight:g}%)", ">") for a in book.assessments]
    columns += [Column("%", ">"), Column("Grade", "^")]
    stats = class_stats(book)
    footer = ["Class mean", ""] + [""] * len(book.assessments) + [f"{stats.mean:.1f}", ""]
    sections = [
        f"{title} — {on:%d %B %Y}",
        "",
        render_table(columns, student_rows(book, order), footer if stats.count else None),
        "",
        f"Students: {stats.count}   median {stats.median:.1f}   spread {stats.spread:.1f}",
        "",
        "Grades",
    ]
    for grade, count in stats.letters.items():
        sections.append(f"  {grade}  {count:>3}  {bar(count, stats.count)}")
    means = group_means(book)
    if len(means) > 1:
        sections.append("")
        sections.append("Groups")
        sections.extend(f"  {group:<10} {mean:5.1f}" for group, mean in means.items())
    notes = missing_notes(book)
    if notes:
        sections.append("")
        sections.append("Notes")
        sections.extend(f"  * {note}" for note in notes)
    return "\n".join(sections)
