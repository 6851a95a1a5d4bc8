from datetime import datetime

from sensorflow.readings import RowError, read_csv, read_jsonl

ROWS = """time,sensor,value,unit
2024-03-01T00:00,shed,12.0,C
yesterday,shed,1.0,C
2024-03-01T01:10,,3.0,C
2024-03-01T01:20,shed,warm,C
"""


def test_read_csv_keeps_good_rows_and_reports_bad_ones():
    readings, errors = read_csv(ROWS)
    assert len(readings) == 1
    assert errors == [
        RowError(2, "bad time 'yesterday'"),
        RowError(3, "no sensor id"),
        RowError(4, "bad value 'warm'"),
    ]


def test_the_export_has_nine_good_rows(readings):
    assert len(readings) == 9


def test_missing_values_are_none(readings):
    assert [r.value for r in readings if r.sensor == "greenhouse"][:2] == [68.0, None]
    assert readings[-1].value is None


def test_read_jsonl():
    lines = [
        '{"time": "2024-03-01T00:00", "sensor": "roof", "value": 2.5, "unit": "C"}',
        "",
        "{oops",
        '{"time": "2024-03-01T00:10", "sensor": "roof", "value": "hot", "unit": "C"}',
        '{"time": "2024-03-01T00:20", "sensor": "roof", "value": null, "unit": "C"}',
    ]
    readings, errors = read_jsonl(lines)
    assert [(r.at, r.value) for r in readings] == [
        (datetime(2024, 3, 1, 0, 0), 2.5),
        (datetime(2024, 3, 1, 0, 20), None),
    ]
    assert [(e.row, e.reason) for e in errors] == [
        (3, "not JSON"),
        (4, "bad value 'hot'"),
    ]
