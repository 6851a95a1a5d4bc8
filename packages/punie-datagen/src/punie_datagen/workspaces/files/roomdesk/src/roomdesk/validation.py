"""Checking booking requests before they reach the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from roomdesk.http import HTTPError

OPENING_HOUR = 7
CLOSING_HOUR = 20
LONGEST = timedelta(hours=4)


class ValidationError(HTTPError):
    """A field of the request is missing or wrong (422)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class BookingRequest:
    room_id: str
    title: str
    start: datetime
    end: datetime
    attendees: int


def parse_time(value: object, field: str) -> datetime:
    """An ISO date-time on a quarter hour, e.g. `2024-06-03T09:15`."""
    if not isinstance(value, str):
        raise ValidationError(field, "expected a date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(field, f"not a date-time: {value!r}") from None
    if moment.minute % 15 or moment.second or moment.microsecond:
        raise ValidationError(field, "must be on a quarter hour")
    return moment


def _text(data: dict[str, Any], field: str, longest: int) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, "required")
    if len(value) > longest:
        raise ValidationError(field, f"at most {longest} characters")
    return value.strip()


def parse_booking(data: dict[str, Any]) -> BookingRequest:
    """A BookingRequest from a JSON body, or the first ValidationError found."""
    room_id = _text(data, "room", 20)
    title = _text(data, "title", 80)
    start = parse_time(data.get("start"), "start")
    end = parse_time(data.get("end"), "end")
    if end <= start:
        raise ValidationError("end", "must be after start")
    if end - start > LONGEST:
        raise ValidationError("end", "bookings last at most 4 hours")
    if start.date() != end.date():
        raise ValidationError("end", "must be on the same day as start")
    if start.hour < OPENING_HOUR or end.hour > CLOSING_HOUR or (
        end.hour == CLOSING_HOUR and end.minute > 0
    ):
        raise ValidationError("start", "outside office hours (07:00-20:00)")
    attendees = data.get("attendees", 1)
    if not isinstance(attendees, int) or isinstance(attendees, bool) or attendees < 1:
        raise ValidationError("attendees", "a positive whole number")
    return BookingRequest(room_id, title, start, end, attendees)
