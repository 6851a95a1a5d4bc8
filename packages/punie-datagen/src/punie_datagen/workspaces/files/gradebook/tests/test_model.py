import pytest

from gradebook.model import GradebookError, load, parse_weights


def test_parse_weights_skips_comments():
    assessments = parse_weights("# x\nquiz 40 10\n\nexam 60 100\n")
    assert [(a.name, a.weight, a.max_points) for a in assessments] == [
        ("quiz", 40.0, 10.0),
        ("exam", 60.0, 100.0),
    ]


@pytest.mark.parametrize(
    "text",
    ["quiz 40 10\nexam 50 100", "quiz 40\nexam 60 100"],
    ids=["not-100", "short-line"],
)
def test_parse_weights_rejects(text):
    with pytest.raises(GradebookError):
        parse_weights(text)


def test_load_reads_scores_missing_and_excused(book):
    assert len(book.students) == 5
    assert book.score("s1", "essay") == 45
    assert book.score("s4", "essay") is None
    assert ("s3", "quiz1") in book.excused
    assert book.groups() == ["blue", "red"]


def test_load_rejects_out_of_range_points():
    with pytest.raises(GradebookError, match="s1 quiz: 30 is outside 0-20"):
        load("id,name,group,quiz\ns1,A,x,30\n", "quiz 100 20")


def test_load_needs_a_column_per_assessment():
    with pytest.raises(GradebookError, match="no column for exam"):
        load("id,name,group,quiz\n", "quiz 50 20\nexam 50 100")
