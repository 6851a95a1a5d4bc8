"""Counts and tables that describe a slice of a log."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from logslice.records import LEVELS, LogRecord


@dataclass
class Summary:
    total: int = 0
    by_level: Counter[str] = field(default_factory=Counter)
    by_logger: Counter[str] = field(default_factory=Counter)
    errors_by_hour: Counter[datetime] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None


def summarise(records: list[LogRecord]) -> Summary:
    """Totals per level and logger, and ERROR-or-worse records per hour."""
    summary = Summary()
    error = LEVELS.index("ERROR")
    for record in records:
        summary.total += 1
        summary.by_level[record.level] += 1
        summary.by_logger[record.logger] += 1
        if record.severity >= error:
            hour = record.timestamp.replace(minute=0, second=0, microsecond=0)
            summary.errors_by_hour[hour] += 1
        if summary.first is None or record.timestamp < summary.first:
            summary.first = record.timestamp
        if summary.last is None or record.timestamp > summary.last:
            summary.last = record.timestamp
    return summary


def render(summary: Summary, top: int = 5) -> str:
    """A plain-text report: span, levels in severity order, busiest loggers."""
    if summary.total == 0:
        return "no records"
    lines = [f"{summary.total} records from {summary.first} to {summary.last}", ""]
    lines.append("level      count")
    for level in LEVELS:
        if summary.by_level[level]:
            lines.append(f"{level:<10} {summary.by_level[level]:>5}")
    lines.append("")
    lines.append("logger                          count")
    for logger, count in summary.by_logger.most_common(top):
        lines.append(f"{logger:<30} {count:>6}")
    if summary.errors_by_hour:
        lines.append("")
        lines.append("errors per hour")
        for hour in sorted(summary.errors_by_hour):
            count = summary.errors_by_hour[hour]
            lines.append(f"{hour:%Y-%m-%d %H:00}  {'#' * count} {count}")
    return "\n".join(lines)
