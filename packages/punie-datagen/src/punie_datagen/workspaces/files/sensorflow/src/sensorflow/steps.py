"""Pipeline steps: each takes readings and returns new readings.

Steps never change their input list. They keep the input order unless they say
otherwise, and they treat each sensor separately.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

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
