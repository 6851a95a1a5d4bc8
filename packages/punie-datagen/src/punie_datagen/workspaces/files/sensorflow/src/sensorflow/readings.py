"""Readings, and reading them from CSV or JSON Lines exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, order=True)
class Reading:
    at: datetime
    sensor: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class RowError:
    """A row that could not be read, and why; rows are numbered from 1."""

    row: int
    reason: str


def _parse(row: dict[str, str], number: int) -> Reading | RowError:
    try:
        at = datetime.fromisoformat(row["time"])
    except (KeyError, ValueError):
        return RowError(number, f"bad time {row.get('time')!r}")
    sensor = (row.get("sensor") or "").strip()
    if not sensor:
        return RowError(number, "no sensor id")
    text = (row.get("value") or "").strip()
    if text in ("", "NA", "null"):
        value = None
    else:
        try:
            value = float(text)
        except ValueError:
            return RowError(number, f"bad value {text!r}")
    return Reading(at, sensor, value, (row.get("unit") or "").strip())


def read_csv(text: str) -> tuple[list[Reading], list[RowError]]:
    """Readings from CSV with a `time,sensor,value,unit` header, and the bad rows."""
    readings: list[Reading] = []
    errors: list[RowError] = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=1):
        parsed = _parse(row, number)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            readings.append(parsed)
    return readings, errors


def read_jsonl(lines: Iterable[str]) -> tuple[list[Reading], list[RowError]]:
    """Readings from one JSON object per line (blank lines are skipped)."""
    readings: list[Reading] = []
    errors: list[RowError] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError:
            errors.append(RowError(number, "not JSON"))
            continue
        row = {key: "" if v is None else str(v) for key, v in data.items()}
        parsed = _parse(row, number)
        if isinstance(parsed, RowError):
            errors.append(parsed)
        else:
            readings.append(parsed)
    return readings, errors
