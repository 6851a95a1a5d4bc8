from datetime import datetime

from logslice.filters import (
    all_of,
    at_least,
    between,
    from_logger,
    last,
    matching,
    select,
)
from logslice.records import parse_lines


def messages(records):
    return [r.message.splitlines()[0] for r in records]


def test_at_least_warning(sample_lines):
    records, _ = parse_lines(sample_lines)
    chosen = select(records, at_least("warning"))
    assert messages(chosen) == [
        "slow query took 2.4s",
        "request failed",
        "connection lost",
    ]


def test_between_includes_start_and_excludes_end(sample_lines):
    records, _ = parse_lines(sample_lines)
    window = between(datetime(2024, 6, 3, 9, 5, 12, 4000), datetime(2024, 6, 3, 10, 30))
    assert messages(select(records, window)) == [
        "pool size 4",
        "slow query took 2.4s",
        "request failed",
    ]


def test_from_logger_matches_children_only(sample_lines):
    records, _ = parse_lines(sample_lines)
    assert len(list(select(records, from_logger("app")))) == 5
    assert len(list(select(records, from_logger("app.d")))) == 0


def test_all_of_combines(sample_lines):
    records, _ = parse_lines(sample_lines)
    both = all_of([from_logger("app.db"), matching("QUERY|lost", ignore_case=True)])
    assert messages(select(records, both)) == ["slow query took 2.4s", "connection lost"]


def test_last_keeps_the_tail(sample_lines):
    records, _ = parse_lines(sample_lines)
    assert messages(last(records, 2)) == ["job 17 done", "connection lost"]
    assert last(records, 0) == []
