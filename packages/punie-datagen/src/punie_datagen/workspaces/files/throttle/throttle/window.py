"""Window limiters: at most `limit` events per `period` seconds, per key."""

from __future__ import annotations

from collections import deque

from throttle.clock import Clock, monotonic


class SlidingWindowLog:
    """Remembers each event's time; exact, at the cost of memory per event."""

    def __init__(
        self, limit: int, period: float, clock: Clock = monotonic
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be at least 1 and period positive")
        self.limit = limit
        self.period = period
        self.clock = clock
        self._events: dict[str, deque[float]] = {}

    def _prune(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.period:
            events.popleft()
        return events

    def allow(self, key: str) -> bool:
        """Record an event for `key` if it is under the limit."""
        now = self.clock()
        events = self._prune(key, now)
        if len(events) >= self.limit:
            return False
        events.append(now)
        return True

    def remaining(self, key: str) -> int:
        return self.limit - len(self._prune(key, self.clock()))

    def retry_after(self, key: str) -> float:
        """Seconds until `key` may send again (0.0 if it may now)."""
        now = self.clock()
        events = self._prune(key, now)
        if len(events) < self.limit:
            return 0.0
        return events[0] + self.period - now

    def forget_idle(self) -> int:
        """Drop keys with no events in the current window; return how many."""
        now = self.clock()
        idle = [key for key in self._events if not self._prune(key, now)]
        for key in idle:
            del self._events[key]
        return len(idle)


class FixedWindow:
    """Counts events per aligned window; cheap, but allows bursts at edges."""

    def __init__(
        self, limit: int, period: float, clock: Clock = monotonic
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be at least 1 and period positive")
        self.limit = limit
        self.period = period
        self.clock = clock
        self._counts: dict[str, tuple[int, int]] = {}

    def _window(self, now: float) -> int:
        return int(now // self.period)

    def allow(self, key: str) -> bool:
        window = self._window(self.clock())
        current, count = self._counts.get(key, (window, 0))
        if current != window:
            count = 0
        if count >= self.limit:
            return False
        self._counts[key] = (window, count + 1)
        return True

    def retry_after(self, key: str) -> float:
        now = self.clock()
        current, count = self._counts.get(key, (self._window(now), 0))
        if current != self._window(now) or count < self.limit:
            return 0.0
        return (current + 1) * self.period - now
