"""Pipeline steps, each taking readings and returning new readings, and the trend
helpers built on them (alerts, daily extremes, stale sensors).

Steps never change their input list. They keep the input order unless they say
otherwise, and they treat each sensor separately.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sensorflow.readings import Reading

Step = Callable[[list[Reading]], list[Reading]]

CONVERSIONS: dict[tuple[str, str], Callable[[float], float]] = {
    ("F", "C"): lambda f: (f - 32) * 5 / 9,
    ("C", "F"): lambda c: c * 9 / 5 + 32,
    ("kPa", "hPa"): lambda k: k * 10,
    ("hPa", "kPa"): lambda h: h / 10,
}


def by_sensor(readings: list[Reading]) -> dict[str, list[Reading]]:
    """Readings grouped by sensor, each group in time order."""
    groups: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        groups[reading.sensor].append(reading)
    return {sensor: sorted(group) for sensor, group in sorted(groups.items())}


def drop_missing(readings: list[Reading]) -> list[Reading]:
    """Only the readings that have a value."""
    return [r for r in readings if r.value is not None]


def clip(low: float, high: float) -> Step:
    """A step that limits values to [low, high]; missing values stay missing."""
    if low > high:
        raise ValueError(f"low {low} is above high {high}")

    def step(readings: list[Reading]) -> list[Reading]:
        clipped = []
        for r in readings:
            if r.value is None:
                clipped.append(r)
            else:
                clipped.append(replace(r, value=min(high, max(low, r.value))))
        return clipped

    return step


def convert(source: str, target: str) -> Step:
    """A step that converts readings in unit `source` to `target`."""
    try:
        function = CONVERSIONS[(source, target)]
    except KeyError:
        raise ValueError(f"cannot convert {source} to {target}") from None

    def step(readings: list[Reading]) -> list[Reading]:
        converted = []
        for r in readings:
            if r.unit == source and r.value is not None:
                r = replace(r, value=round(function(r.value), 3), unit=target)
            elif r.unit == source:
                r = replace(r, unit=target)
            converted.append(r)
        return converted

    return step


def dedupe(readings: list[Reading]) -> list[Reading]:
    """One reading per sensor and time: the last one seen wins."""
    latest: dict[tuple[str, datetime], Reading] = {}
    for reading in readings:
        latest[(reading.sensor, reading.at)] = reading
    return sorted(latest.values())


def remove_spikes(threshold: float) -> Step:
    """Drop readings that differ by more than `threshold` from the median of
    themselves and their two neighbours. A sensor's first and last readings
    are always kept."""

    def step(readings: list[Reading]) -> list[Reading]:
        kept: list[Reading] = []
        for group in by_sensor(drop_missing(readings)).values():
            for index, reading in enumerate(group):
                if index == 0 or index == len(group) - 1:
                    kept.append(reading)
                    continue
                window = [r.value for r in group[index - 1 : index + 2]]
                middle = statistics.median(v for v in window if v is not None)
                assert reading.value is not None
                if abs(reading.value - middle) <= threshold:
                    kept.append(reading)
        return sorted(kept)

    return step


def _bucket(at: datetime, minutes: int) -> datetime:
    start_of_day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    offset = (at - start_of_day) // timedelta(minutes=minutes)
    return start_of_day + offset * timedelta(minutes=minutes)


def resample(minutes: int) -> Step:
    """Average each sensor's values over fixed intervals of `minutes`.

    The result has one reading per sensor and interval, stamped with the start
    of the interval; intervals without values are left out.
    """
    if minutes <= 0 or 1440 % minutes:
        raise ValueError("the interval must divide a day into whole parts")

    def step(readings: list[Reading]) -> list[Reading]:
        sums: dict[tuple[str, datetime], list[float]] = defaultdict(list)
        units: dict[str, str] = {}
        for r in drop_missing(readings):
            assert r.value is not None
            sums[(r.sensor, _bucket(r.at, minutes))].append(r.value)
            units[r.sensor] = r.unit
        return sorted(
            Reading(at, sensor, round(statistics.fmean(values), 3), units[sensor])
            for (sensor, at), values in sums.items()
        )

    return step


def fill_gaps(readings: list[Reading]) -> list[Reading]:
    """Fill missing values by straight-line interpolation between known ones.

    Missing values before the first or after the last known value stay missing.
    """
    filled: list[Reading] = []
    for group in by_sensor(readings).values():
        known = [(i, r) for i, r in enumerate(group) if r.value is not None]
        values: list[float | None] = [r.value for r in group]
        for (i, left), (j, right) in zip(known, known[1:], strict=False):
            assert left.value is not None and right.value is not None
            span = (right.at - left.at).total_seconds()
            for k in range(i + 1, j):
                share = (group[k].at - left.at).total_seconds() / span
                values[k] = round(left.value + share * (right.value - left.value), 3)
        filled.extend(
            replace(r, value=v) for r, v in zip(group, values, strict=True)
        )
    return sorted(filled)


def rolling_mean(window: int) -> Step:
    """Replace each value by the mean of itself and the `window - 1` before it."""
    if window < 1:
        raise ValueError("window must be at least 1")

    def step(readings: list[Reading]) -> list[Reading]:
        smoothed: list[Reading] = []
        for group in by_sensor(drop_missing(readings)).values():
            recent: list[float] = []
            for r in group:
                assert r.value is not None
                recent.append(r.value)
                if len(recent) > window:
                    recent.pop(0)
                smoothed.append(replace(r, value=round(statistics.fmean(recent), 3)))
        return sorted(smoothed)

    return step


def normalise(readings: list[Reading]) -> list[Reading]:
    """Scale each sensor's values to 0..1 between its own lowest and highest.

    A sensor whose values are all equal gets 0.0 everywhere; units become "".
    """
    scaled: list[Reading] = []
    for group in by_sensor(drop_missing(readings)).values():
        values = [r.value for r in group if r.value is not None]
        low, high = min(values), max(values)
        span = high - low
        for r in group:
            assert r.value is not None
            share = 0.0 if span == 0 else (r.value - low) / span
            scaled.append(replace(r, value=round(share, 3), unit=""))
    return sorted(scaled)


def differences(readings: list[Reading]) -> list[Reading]:
    """Each value minus the one before it; every sensor's first reading is dropped."""
    changes: list[Reading] = []
    for group in by_sensor(drop_missing(readings)).values():
        for before, after in zip(group, group[1:], strict=False):
            assert before.value is not None and after.value is not None
            changes.append(replace(after, value=round(after.value - before.value, 3)))
    return sorted(changes)


def rate_of_change(per_minutes: int) -> Step:
    """A step giving each sensor's change per `per_minutes` since its last reading."""
    if per_minutes <= 0:
        raise ValueError("per_minutes must be positive")

    def step(readings: list[Reading]) -> list[Reading]:
        rates: list[Reading] = []
        for group in by_sensor(drop_missing(readings)).values():
            for before, after in zip(group, group[1:], strict=False):
                assert before.value is not None and after.value is not None
                minutes = (after.at - before.at) / timedelta(minutes=1)
                if minutes == 0:
                    continue
                change = (after.value - before.value) * per_minutes / minutes
                rates.append(replace(after, value=round(change, 3)))
        return sorted(rates)

    return step


@dataclass(frozen=True)
class Alert:
    """A period in which a sensor stayed above its limit."""

    sensor: str
    start: datetime
    end: datetime | None
    peak: float


def alerts(readings: list[Reading], limit: float, clear: float) -> list[Alert]:
    """Periods above `limit`, each ending when a value falls to `clear` or below.

    `clear` below `limit` keeps a value hovering at the limit from raising an alert on
    every reading. An alert still open at the last reading has no end.
    """
    if clear > limit:
        raise ValueError("clear must not be above limit")
    found: list[Alert] = []
    for sensor, group in by_sensor(drop_missing(readings)).items():
        start: datetime | None = None
        peak = 0.0
        for r in group:
            assert r.value is not None
            if start is None and r.value > limit:
                start, peak = r.at, r.value
            elif start is not None and r.value <= clear:
                found.append(Alert(sensor, start, r.at, peak))
                start = None
            elif start is not None:
                peak = max(peak, r.value)
        if start is not None:
            found.append(Alert(sensor, start, None, peak))
    return sorted(found, key=lambda alert: (alert.start, alert.sensor))


def daily_extremes(
    readings: list[Reading],
) -> dict[tuple[str, date], tuple[float, float]]:
    """The lowest and highest value of each sensor on each day."""
    extremes: dict[tuple[str, date], tuple[float, float]] = {}
    for r in drop_missing(readings):
        assert r.value is not None
        key = (r.sensor, r.at.date())
        low, high = extremes.get(key, (r.value, r.value))
        extremes[key] = (min(low, r.value), max(high, r.value))
    return dict(sorted(extremes.items()))


def stale_sensors(
    readings: list[Reading], now: datetime, max_age: timedelta
) -> list[str]:
    """Sensors whose latest value is older than `max_age` at `now`, by id."""
    latest: dict[str, datetime] = {}
    for r in drop_missing(readings):
        if r.sensor not in latest or r.at > latest[r.sensor]:
            latest[r.sensor] = r.at
    return sorted(sensor for sensor, at in latest.items() if now - at > max_age)
