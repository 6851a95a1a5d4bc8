import pytest

from gradebook.stats import class_stats, group_means, letter, ranking, weighted_percent


def percent_of(book, student_id):
    student = next(s for s in book.students if s.id == student_id)
    return weighted_percent(book, student)


def test_weighted_percent(book):
    assert percent_of(book, "s1") == 91.5
    assert percent_of(book, "s4") == 38.0


def test_excused_work_scales_the_other_weights(book):
    assert percent_of(book, "s3") == 85.3


@pytest.mark.parametrize(
    ("percent", "grade"),
    [(95, "A"), (90, "A"), (89.9, "B"), (70, "C"), (60, "D"), (12, "F"), (None, "-")],
)
def test_letter(percent, grade):
    assert letter(percent) == grade


def test_class_stats(book):
    stats = class_stats(book)
    assert (stats.count, stats.mean, stats.median) == (5, 74.4, 81.5)
    assert stats.letters == {"A": 1, "B": 2, "C": 1, "D": 0, "F": 1}


def test_ranking_shares_ranks_on_ties(book):
    book.scores[("s5", "final")] = 88
    book.scores[("s5", "essay")] = 41
    book.excused.add(("s5", "quiz1"))
    ranks = [(rank, student.id) for rank, student, _ in ranking(book)]
    assert ranks == [(1, "s1"), (2, "s3"), (2, "s5"), (4, "s2"), (5, "s4")]


def test_group_means(book):
    assert group_means(book) == {"blue": 86.1, "red": 57.0}
