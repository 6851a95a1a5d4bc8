from datetime import datetime

import pytest

from cronlite.spec import CronSyntaxError, describe, parse, parse_field


def test_parse_field_handles_lists_ranges_and_steps():
    assert parse_field("1,15,30", 0, 59) == {1, 15, 30}
    assert parse_field("8-11", 0, 23) == {8, 9, 10, 11}
    assert parse_field("*/20", 0, 59) == {0, 20, 40}
    assert parse_field("10/25", 0, 59) == {10, 35}


def test_names_are_accepted_for_months_and_weekdays():
    spec = parse("0 6 * jan-mar mon,fri")
    assert spec.months == {1, 2, 3}
    assert spec.weekdays == {1, 5}


def test_sunday_can_be_seven():
    assert parse("0 0 * * 7").weekdays == {0}


@pytest.mark.parametrize(
    "expression",
    ["* * * *", "60 * * * *", "*/0 * * * *", "5-1 * * * *", "a b c d e"],
    ids=["four-fields", "minute-60", "step-0", "backwards", "words"],
)
def test_bad_expressions_are_refused(expression):
    with pytest.raises(CronSyntaxError):
        parse(expression)


def test_matches_weekday_mornings():
    spec = parse("30 9 * * 1-5")
    assert spec.matches(datetime(2024, 6, 3, 9, 30))  # a Monday
    assert not spec.matches(datetime(2024, 6, 2, 9, 30))  # a Sunday
    assert not spec.matches(datetime(2024, 6, 3, 9, 31))


def test_day_or_weekday_when_both_are_restricted():
    spec = parse("0 12 13 * fri")
    assert spec.matches(datetime(2024, 6, 13, 12, 0))  # the 13th, a Thursday
    assert spec.matches(datetime(2024, 6, 14, 12, 0))  # a Friday


def test_next_after_skips_to_the_next_match():
    spec = parse("15 */6 * * *")
    assert spec.next_after(datetime(2024, 6, 3, 6, 15)) == datetime(2024, 6, 3, 12, 15)


def test_next_after_crosses_the_year():
    assert parse("@yearly").next_after(datetime(2024, 3, 1)) == datetime(2025, 1, 1, 0, 0)


def test_upcoming_lists_in_order():
    times = parse("0 0 1 * *").upcoming(datetime(2024, 11, 15), 3)
    assert times == [datetime(2024, 12, 1), datetime(2025, 1, 1), datetime(2025, 2, 1)]


def test_february_thirtieth_never_comes():
    with pytest.raises(ValueError):
        parse("0 0 30 2 *").next_after(datetime(2024, 1, 1), limit_days=800)


@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("* * * * *", "every minute"),
        ("5 * * * *", "at minute 5 of every hour"),
        ("30 9 * * 1-5", "at 09:30 on weekdays"),
        ("0 7 * * sat,sun", "at 07:00 on sun, sat"),
        ("0 0 1,15 * *", "at 00:00 on day 1,15 of the month"),
    ],
    ids=["every-minute", "hourly", "weekdays", "weekend", "days-of-month"],
)
def test_describe(expression, text):
    assert describe(parse(expression)) == text
