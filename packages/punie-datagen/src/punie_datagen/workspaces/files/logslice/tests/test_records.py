from datetime import datetime

import pytest

from logslice.records import level_number, parse_line, parse_lines


def test_parse_line_reads_every_part():
    record = parse_line("2024-06-03 09:17:40,310 WARNING app.db: slow query\n")
    assert record is not None
    assert record.timestamp == datetime(2024, 6, 3, 9, 17, 40, 310000)
    assert (record.level, record.logger, record.message) == (
        "WARNING",
        "app.db",
        "slow query",
    )


def test_continuation_lines_join_the_previous_message(sample_lines):
    records, orphans = parse_lines(sample_lines)
    assert orphans == 0
    assert len(records) == 6
    assert records[3].message.splitlines() == [
        "request failed",
        "Traceback (most recent call last):",
        "  ValueError: bad header",
    ]


def test_lines_before_the_first_record_are_counted():
    records, orphans = parse_lines(["noise\n", "", "2024-01-01 00:00:00,000 INFO a: b"])
    assert orphans == 2
    assert records[0].message == "b"


def test_severity_orders_levels(sample_lines):
    records, _ = parse_lines(sample_lines)
    assert [r.severity for r in records] == [1, 0, 2, 3, 1, 4]


def test_level_number_accepts_any_case():
    assert level_number("warning") == 2
    with pytest.raises(ValueError, match="unknown level 'LOUD'"):
        level_number("LOUD")
