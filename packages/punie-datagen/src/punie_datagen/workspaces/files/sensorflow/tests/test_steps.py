from datetime import datetime

import pytest

from sensorflow.readings import Reading
from sensorflow.steps import (
    by_sensor,
    clip,
    convert,
    dedupe,
    drop_missing,
    fill_gaps,
    remove_spikes,
    resample,
    rolling_mean,
)


def values(readings, sensor):
    return [r.value for r in readings if r.sensor == sensor]


def test_drop_missing(readings):
    assert len(drop_missing(readings)) == 7


def test_clip_keeps_missing_values(readings):
    clipped = clip(60, 100)(readings)
    assert values(clipped, "greenhouse") == [68.0, None, 71.6, 100, 72.5]
    assert values(clipped, "shed") == [60, 60, 60, None]


def test_convert_fahrenheit(readings):
    converted = convert("F", "C")(readings)
    assert values(converted, "greenhouse") == [20.0, None, 22.0, 65.556, 22.5]
    assert {r.unit for r in converted} == {"C"}


def test_convert_unknown_units():
    with pytest.raises(ValueError):
        convert("C", "K")


def test_dedupe_keeps_the_last_reading(readings):
    assert values(dedupe(readings), "shed") == [12.0, 13.5, None]


def test_remove_spikes(readings):
    kept = remove_spikes(10)(readings)
    assert values(kept, "greenhouse") == [68.0, 71.6, 72.5]


def test_resample_to_half_hours(readings):
    sampled = resample(30)(readings)
    assert [(r.sensor, r.at.minute, r.value) for r in sampled] == [
        ("greenhouse", 0, 69.8),
        ("shed", 0, 12.833),
        ("greenhouse", 30, 111.25),
    ]


def test_resample_needs_a_divisor_of_a_day():
    with pytest.raises(ValueError):
        resample(7)


def test_fill_gaps_interpolates_by_time():
    at = [datetime(2024, 3, 1, 0, m) for m in (0, 10, 30, 40)]
    readings = [
        Reading(at[0], "s", 10.0, "C"),
        Reading(at[1], "s", None, "C"),
        Reading(at[2], "s", 16.0, "C"),
        Reading(at[3], "s", None, "C"),
    ]
    assert values(fill_gaps(readings), "s") == [10.0, 12.0, 16.0, None]


def test_rolling_mean(readings):
    smoothed = rolling_mean(2)(dedupe(readings))
    assert values(smoothed, "shed") == [12.0, 12.75]


def test_by_sensor_sorts_each_group(readings):
    groups = by_sensor(list(reversed(readings)))
    assert list(groups) == ["greenhouse", "shed"]
    assert groups["shed"][0].at == datetime(2024, 3, 1, 0, 0)
