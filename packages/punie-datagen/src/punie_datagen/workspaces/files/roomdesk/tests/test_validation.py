from datetime import datetime

import pytest

from roomdesk.validation import ValidationError, parse_booking, parse_time

GOOD = {
    "room": "moss",
    "title": " retro ",
    "start": "2024-06-03T16:00",
    "end": "2024-06-03T17:15",
    "attendees": 2,
}


def test_parse_booking_accepts_a_good_request():
    wanted = parse_booking(GOOD)
    assert wanted.title == "retro"
    assert wanted.end == datetime(2024, 6, 3, 17, 15)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"end": "2024-06-03T15:00"}, "end"),
        ({"end": "2024-06-03T21:00"}, "end"),
        ({"start": "2024-06-03T06:00", "end": "2024-06-03T07:00"}, "start"),
        ({"end": "2024-06-03T20:15", "start": "2024-06-03T19:00"}, "start"),
        ({"attendees": 0}, "attendees"),
        ({"attendees": True}, "attendees"),
    ],
    ids=[
        "blank-title",
        "ends-first",
        "too-long",
        "too-early",
        "too-late",
        "nobody",
        "boolean",
    ],
)
def test_parse_booking_names_the_bad_field(change, field):
    with pytest.raises(ValidationError) as caught:
        parse_booking({**GOOD, **change})
    assert caught.value.field == field
    assert caught.value.status == 422


def test_times_must_be_on_a_quarter_hour():
    assert parse_time("2024-06-03T09:45", "start") == datetime(2024, 6, 3, 9, 45)
    with pytest.raises(ValidationError, match="quarter hour"):
        parse_time("2024-06-03T09:40", "start")
