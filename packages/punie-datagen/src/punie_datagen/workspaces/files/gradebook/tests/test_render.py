from datetime import date

import pytest

from gradebook.render.report import class_report, missing_notes, student_rows
from gradebook.render.table import Column, bar, render_table


def test_render_table_aligns_and_clips():
    table = render_table(
        [Column("Name", width=6), Column("Score", ">")],
        [["Alexandra", "9"], ["Bo", "10"]],
    )
    assert table.splitlines() == [
        "Name    Score",
        "------  -----",
        "Alexa…      9",
        "Bo         10",
    ]


def test_render_table_checks_row_length():
    with pytest.raises(ValueError):
        render_table([Column("a")], [["1", "2"]])


def test_bar_scales():
    assert bar(1, 4, width=8) == "##"
    assert bar(3, 0) == ""


def test_student_rows_by_rank(book):
    rows = student_rows(book, "rank")
    assert [row[0] for row in rows] == [
        "Ada Byron",
        "Chen Li",
        "Eve Moss",
        "Ben Okri",
        "Dee Walsh",
    ]
    assert rows[1][2:] == ["EX", "41", "88", "85.3", "B"]
    assert rows[4][3] == "—"


def test_unknown_order(book):
    with pytest.raises(ValueError, match="cannot sort by 'age'"):
        student_rows(book, "age")


def test_missing_notes(book):
    assert missing_notes(book) == ["Dee Walsh: missing essay (counted as 0)"]


def test_class_report(book):
    text = class_report(book, "Physics 2B", date(2024, 6, 14))
    lines = text.splitlines()
    assert lines[0] == "Physics 2B — 14 June 2024"
    assert lines[2].startswith("Student     Group  quiz1 (10%)  essay (40%)")
    assert "Class mean" in text and "74.4" in text
    assert "  B    2  ########" in lines
    assert "  * Dee Walsh: missing essay (counted as 0)" in lines
    assert "  red         57.0" in lines
