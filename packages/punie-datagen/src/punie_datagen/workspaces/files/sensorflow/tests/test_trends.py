from datetime import datetime, timedelta

import pytest

from sensorflow.readings import Reading
from sensorflow.steps import (
    Alert,
    alerts,
    daily_extremes,
    differences,
    normalise,
    rate_of_change,
    stale_sensors,
)


def series(sensor, *values, minutes=10):
    start = datetime(2024, 3, 1, 23, 30)
    return [
        Reading(start + timedelta(minutes=minutes * i), sensor, v, "C")
        for i, v in enumerate(values)
    ]


def values(readings):
    return [r.value for r in readings]


def test_normalise_per_sensor():
    readings = series("a", 10.0, 15.0, 20.0) + series("b", 3.0, 3.0)
    scaled = normalise(readings)
    assert values([r for r in scaled if r.sensor == "a"]) == [0.0, 0.5, 1.0]
    assert values([r for r in scaled if r.sensor == "b"]) == [0.0, 0.0]
    assert {r.unit for r in scaled} == {""}


def test_differences_drop_the_first_reading():
    assert values(differences(series("a", 10.0, None, 12.5, 11.0))) == [2.5, -1.5]


def test_rate_of_change_per_hour():
    rates = rate_of_change(60)(series("a", 10.0, 12.0, 11.0, minutes=15))
    assert values(rates) == [8.0, -4.0]
    with pytest.raises(ValueError):
        rate_of_change(0)


def test_alerts_use_hysteresis():
    readings = series("oven", 20, 31, 29, 35, 27, 24, 33)
    found = alerts(readings, limit=30, clear=25)
    assert [(a.start.minute, a.end, a.peak) for a in found] == [
        (40, datetime(2024, 3, 2, 0, 20), 35),
        (30, None, 33),
    ]
    assert isinstance(found[0], Alert)


def test_alerts_need_clear_at_or_below_limit():
    with pytest.raises(ValueError):
        alerts([], limit=10, clear=11)


def test_daily_extremes_split_at_midnight():
    extremes = daily_extremes(series("a", 5.0, 1.0, 7.0, 3.0, None))
    assert list(extremes.values()) == [(1.0, 7.0), (3.0, 3.0)]


def test_stale_sensors():
    readings = series("a", 1.0, 2.0) + series("b", 1.0, None, None, None)
    now = datetime(2024, 3, 2, 0, 0)
    assert stale_sensors(readings, now, timedelta(minutes=25)) == ["b"]
