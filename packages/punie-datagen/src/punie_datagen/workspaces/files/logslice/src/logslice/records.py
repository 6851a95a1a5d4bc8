"""Log records parsed from lines in the default `logging` format.

A line looks like `2024-06-03 09:00:01,123 WARNING app.db: pool exhausted`.
Lines that do not match (tracebacks, blank lines) are continuation lines: they are
appended to the message of the record before them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LINE = re.compile(
    r"^(?P<stamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}),(?P<millis>\d{3}) "
    r"(?P<level>[A-Z]+) (?P<logger>[\w.]+): (?P<message>.*)$"
)


@dataclass(frozen=True)
class LogRecord:
    timestamp: datetime
    level: str
    logger: str
    message: str

    @property
    def severity(self) -> int:
        """The level's position in LEVELS; unknown levels sort below DEBUG."""
        return LEVELS.index(self.level) if self.level in LEVELS else -1


def parse_line(line: str) -> LogRecord | None:
    """The record a line starts, or None when it is a continuation line."""
    match = LINE.match(line.rstrip("\n"))
    if match is None:
        return None
    stamp = datetime.strptime(match["stamp"], "%Y-%m-%d %H:%M:%S")
    stamp = stamp.replace(microsecond=int(match["millis"]) * 1000)
    return LogRecord(stamp, match["level"], match["logger"], match["message"])


def parse_lines(lines: Iterable[str]) -> tuple[list[LogRecord], int]:
    """Records from `lines`, and how many leading lines belonged to no record."""
    records: list[LogRecord] = []
    orphans = 0
    for line in lines:
        record = parse_line(line)
        if record is not None:
            records.append(record)
        elif records:
            last = records[-1]
            records[-1] = replace(last, message=last.message + "\n" + line.rstrip("\n"))
        else:
            orphans += 1
    return records, orphans


def level_number(name: str) -> int:
    """The position of a level name (any case) in LEVELS; ValueError if unknown."""
    try:
        return LEVELS.index(name.upper())
    except ValueError:
        raise ValueError(f"unknown level {name!r}; use one of {', '.join(LEVELS)}") from None
