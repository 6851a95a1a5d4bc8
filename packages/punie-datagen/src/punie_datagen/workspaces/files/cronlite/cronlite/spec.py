"""Cron expressions: five fields (minute, hour, day, month, weekday), each a set of values.

Supported syntax per field: `*`, a number, a range `1-5`, a list `1,15,30`, a step `*/10`
or `8-18/2`, and the names `jan`..`dec` and `sun`..`sat`. Weekday 0 and 7 are both
Sunday. As in classic cron, when both day and weekday are restricted a moment matches
if either one does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day", 1, 31),
    ("month", 1, 12),
    ("weekday", 0, 7),
)
MONTH_NAMES = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
DAY_NAMES = {
    name: number for number, name in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])
}
ALIASES = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
}
WEEKDAYS = frozenset(range(1, 6))


class CronSyntaxError(ValueError):
    """An expression that cannot be parsed, with the reason."""

    def __init__(self, expression: str, reason: str) -> None:
        super().__init__(f"{expression!r}: {reason}")
        self.expression = expression
        self.reason = reason


def _value(text: str, names: dict[str, int], low: int, high: int) -> int:
    key = text.lower()
    if key in names:
        return names[key]
    if not text.isdigit():
        raise ValueError(f"not a number: {text!r}")
    number = int(text)
    if number < low or number > high:
        raise ValueError(f"{number} is outside {low}-{high}")
    return number


def parse_field(
    text: str, low: int, high: int, names: dict[str, int] | None = None
) -> frozenset[int]:
    """The set of values one field allows."""
    names = names or {}
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ValueError(f"bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, stop = low, high
        elif "-" in part:
            first, last = part.split("-", 1)
            start, stop = _value(first, names, low, high), _value(last, names, low, high)
            if start > stop:
                raise ValueError(f"range {part} runs backwards")
        else:
            start = _value(part, names, low, high)
            stop = high if step > 1 else start
        values.update(range(start, stop + 1, step))
    return frozenset(values)


def _first_of_next_month(moment: datetime) -> datetime:
    if moment.month == 12:
        return moment.replace(year=moment.year + 1, month=1, day=1, hour=0, minute=0)
    return moment.replace(month=moment.month + 1, day=1, hour=0, minute=0)


@dataclass(frozen=True)
class CronSpec:
    """A parsed expression. Build one with `parse`."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_restricted: bool = False
    weekday_restricted: bool = False

    def _day_matches(self, moment: datetime) -> bool:
        day_ok = moment.day in self.days
        weekday_ok = (moment.weekday() + 1) % 7 in self.weekdays
        if self.day_restricted and self.weekday_restricted:
            return day_ok or weekday_ok
        return day_ok and weekday_ok

    def matches(self, moment: datetime) -> bool:
        """Whether the schedule fires in the minute of `moment`."""
        if moment.minute not in self.minutes or moment.hour not in self.hours:
            return False
        if moment.month not in self.months:
            return False
        return self._day_matches(moment)

    def next_after(self, moment: datetime, limit_days: int = 366 * 4) -> datetime:
        """The first minute strictly after `moment` at which the schedule fires."""
        candidate = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        end = candidate + timedelta(days=limit_days)
        while candidate < end:
            if candidate.month not in self.months:
                candidate = _first_of_next_month(candidate)
            elif not self._day_matches(candidate):
                candidate = (candidate + timedelta(days=1)).replace(hour=0, minute=0)
            elif candidate.hour not in self.hours:
                candidate = (candidate + timedelta(hours=1)).replace(minute=0)
            elif candidate.minute not in self.minutes:
                candidate += timedelta(minutes=1)
            else:
                return candidate
        raise ValueError(f"{self.expression!r} does not fire within {limit_days} days")

    def upcoming(self, moment: datetime, count: int) -> list[datetime]:
        """The next `count` firing times after `moment`."""
        times = []
        for _ in range(count):
            moment = self.next_after(moment)
            times.append(moment)
        return times


def parse(expression: str) -> CronSpec:
    """Parse a five-field expression or an alias such as `@daily`."""
    text = ALIASES.get(expression.strip().lower(), expression.strip())
    fields = text.split()
    if len(fields) != 5:
        raise CronSyntaxError(expression, f"expected 5 fields, got {len(fields)}")
    parsed = []
    for (name, low, high), field_text in zip(FIELDS, fields, strict=True):
        names = MONTH_NAMES if name == "month" else DAY_NAMES if name == "weekday" else {}
        try:
            parsed.append(parse_field(field_text, low, high, names))
        except ValueError as exc:
            raise CronSyntaxError(expression, f"{name}: {exc}") from None
    minutes, hours, days, months, weekdays = parsed
    weekdays = frozenset(0 if day == 7 else day for day in weekdays)
    return CronSpec(
        expression,
        minutes,
        hours,
        days,
        months,
        weekdays,
        day_restricted=fields[2] != "*",
        weekday_restricted=fields[4] != "*",
    )


def describe(spec: CronSpec) -> str:
    """A short English reading of the schedule, e.g. `at 09:30 on weekdays`."""
    if len(spec.minutes) == 60 and len(spec.hours) == 24:
        when = "every minute"
    elif len(spec.minutes) == 1 and len(spec.hours) == 24:
        when = f"at minute {min(spec.minutes)} of every hour"
    elif len(spec.minutes) == 1 and len(spec.hours) == 1:
        when = f"at {min(spec.hours):02d}:{min(spec.minutes):02d}"
    else:
        minutes = ",".join(str(m) for m in sorted(spec.minutes))
        hours = ",".join(str(h) for h in sorted(spec.hours))
        when = f"at minutes {minutes} of hours {hours}"
    if spec.weekday_restricted and spec.weekdays == WEEKDAYS:
        return f"{when} on weekdays"
    if spec.weekday_restricted:
        names = [name for name, number in DAY_NAMES.items() if number in spec.weekdays]
        return f"{when} on {', '.join(names)}"
    if spec.day_restricted:
        days = ",".join(str(d) for d in sorted(spec.days))
        return f"{when} on day {days} of the month"
    return when
