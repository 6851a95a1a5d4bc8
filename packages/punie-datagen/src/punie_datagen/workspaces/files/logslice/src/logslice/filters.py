"""Predicates over log records, and a way to combine them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from logslice.records import LogRecord, level_number

Predicate = Callable[[LogRecord], bool]


def at_least(level: str) -> Predicate:
    """Records at `level` or more severe."""
    threshold = level_number(level)
    return lambda record: record.severity >= threshold


def between(start: datetime | None, end: datetime | None) -> Predicate:
    """Records from `start` (included) to `end` (excluded); None leaves a side open."""

    def check(record: LogRecord) -> bool:
        if start is not None and record.timestamp < start:
            return False
        return end is None or record.timestamp < end

    return check


def matching(pattern: str, ignore_case: bool = False) -> Predicate:
    """Records whose message contains a match for the regular expression."""
    compiled = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
    return lambda record: compiled.search(record.message) is not None


def from_logger(name: str) -> Predicate:
    """Records from logger `name` or any of its children (`app` matches `app.db`)."""
    return lambda record: record.logger == name or record.logger.startswith(name + ".")


def all_of(predicates: Iterable[Predicate]) -> Predicate:
    """A predicate that holds when every one of `predicates` does."""
    found = list(predicates)
    return lambda record: all(predicate(record) for predicate in found)


def select(records: Iterable[LogRecord], predicate: Predicate) -> Iterator[LogRecord]:
    """The records that satisfy `predicate`, in order."""
    return (record for record in records if predicate(record))


def last(records: Iterable[LogRecord], count: int) -> list[LogRecord]:
    """The final `count` records."""
    if count <= 0:
        return []
    kept = list(records)
    return kept[-count:]
