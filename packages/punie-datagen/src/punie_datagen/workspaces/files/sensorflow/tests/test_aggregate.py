from datetime import date

from sensorflow.aggregate import daily_means, format_stats, sensor_stats
from sensorflow.steps import dedupe


def test_sensor_stats(readings):
    stats = sensor_stats(dedupe(readings))
    shed = stats[1]
    assert (shed.sensor, shed.count, shed.low, shed.high, shed.mean) == (
        "shed",
        2,
        12.0,
        13.5,
        12.75,
    )


def test_daily_means(readings):
    assert daily_means(readings, "shed") == {date(2024, 3, 1): 12.83}


def test_format_stats(readings):
    table = format_stats(sensor_stats(readings)).splitlines()
    assert table[0] == "sensor          n      min      max     mean  unit"
    assert table[2] == "shed            3    12.00    13.50    12.83  C"
