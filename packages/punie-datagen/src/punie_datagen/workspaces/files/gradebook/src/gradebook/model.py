"""Students, assessments and scores, and reading them from a CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

EXCUSED = "EX"


class GradebookError(ValueError):
    """The export or the weights do not fit together."""


@dataclass(frozen=True)
class Student:
    id: str
    name: str
    group: str


@dataclass(frozen=True)
class Assessment:
    name: str
    weight: float
    max_points: float


@dataclass
class Gradebook:
    students: list[Student] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    # (student id, assessment name) -> points, None when missing; excused pairs are absent
    scores: dict[tuple[str, str], float | None] = field(default_factory=dict)
    excused: set[tuple[str, str]] = field(default_factory=set)

    def assessment(self, name: str) -> Assessment:
        for assessment in self.assessments:
            if assessment.name == name:
                return assessment
        raise KeyError(name)

    def score(self, student_id: str, assessment: str) -> float | None:
        return self.scores.get((student_id, assessment))

    def groups(self) -> list[str]:
        return sorted({student.group for student in self.students})


def parse_weights(text: str) -> list[Assessment]:
    """Lines of `name weight max_points`; weights must add up to 100."""
    assessments = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise GradebookError(f"weights line {number}: expected name, weight and points")
        name, weight, points = parts
        assessments.append(Assessment(name, float(weight), float(points)))
    total = sum(a.weight for a in assessments)
    if abs(total - 100) > 1e-9:
        raise GradebookError(f"weights add up to {total:g}, not 100")
    return assessments


def load(csv_text: str, weights_text: str) -> Gradebook:
    """A gradebook from an export with `id,name,group` and one column per assessment."""
    book = Gradebook(assessments=parse_weights(weights_text))
    reader = csv.DictReader(io.StringIO(csv_text))
    columns = set(reader.fieldnames or [])
    unknown = [a.name for a in book.assessments if a.name not in columns]
    if unknown:
        raise GradebookError(f"no column for {', '.join(unknown)}")
    for row in reader:
        student = Student(row["id"].strip(), row["name"].strip(), row["group"].strip())
        book.students.append(student)
        for assessment in book.assessments:
            cell = (row.get(assessment.name) or "").strip()
            key = (student.id, assessment.name)
            if cell.upper() == EXCUSED:
                book.excused.add(key)
            elif cell == "":
                book.scores[key] = None
            else:
                points = float(cell)
                if not 0 <= points <= assessment.max_points:
                    where = f"{student.id} {assessment.name}"
                    limit = f"0-{assessment.max_points:g}"
                    raise GradebookError(f"{where}: {cell} is outside {limit}")
                book.scores[key] = points
    return book
