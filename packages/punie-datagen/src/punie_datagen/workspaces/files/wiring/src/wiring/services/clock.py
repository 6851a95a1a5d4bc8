"""Time as a service, so tests can fix it."""

from __future__ import annotations

from datetime import UTC, datetime


class Clock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock(Clock):
    """A clock stuck at one moment (for tests and replays)."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment
