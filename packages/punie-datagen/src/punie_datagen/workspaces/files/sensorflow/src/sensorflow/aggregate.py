"""Per-sensor statistics over a set of readings."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date

from sensorflow.readings import Reading
from sensorflow.steps import by_sensor, drop_missing


@dataclass(frozen=True)
class SensorStats:
    sensor: str
    count: int
    low: float
    high: float
    mean: float
    unit: str


def sensor_stats(readings: list[Reading]) -> list[SensorStats]:
    """Count, range and mean of each sensor's known values, by sensor id."""
    stats = []
    for sensor, group in by_sensor(drop_missing(readings)).items():
        values = [r.value for r in group if r.value is not None]
        stats.append(
            SensorStats(
                sensor,
                len(values),
                min(values),
                max(values),
                round(statistics.fmean(values), 2),
                group[-1].unit,
            )
        )
    return stats


def daily_means(readings: list[Reading], sensor: str) -> dict[date, float]:
    """The mean value of one sensor per calendar day."""
    days: dict[date, list[float]] = {}
    for r in readings:
        if r.sensor == sensor and r.value is not None:
            days.setdefault(r.at.date(), []).append(r.value)
    return {day: round(statistics.fmean(v), 2) for day, v in sorted(days.items())}


def format_stats(stats: list[SensorStats]) -> str:
    """A fixed-width table of sensor statistics."""
    header = f"{'sensor':<12}{'n':>5}{'min':>9}{'max':>9}{'mean':>9}  unit"
    rows = [
        f"{s.sensor:<12}{s.count:>5}{s.low:>9.2f}{s.high:>9.2f}{s.mean:>9.2f}  {s.unit}"
        for s in stats
    ]
    return "\n".join([header, *rows])
