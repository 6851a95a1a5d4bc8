"""Rate-limit policies: rates such as `100/minute`, and a limiter per client.

A client may be held to several rates at once (say `5/second` and `1000/hour`);
a request is allowed only when every one of them has room, and then it counts
against all of them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from throttle.bucket import TokenBucket
from throttle.clock import Clock, monotonic

UNITS = {"second": 1.0, "minute": 60.0, "hour": 3600.0, "day": 86400.0}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(second|minute|hour|day)s?\s*$")


class RateSyntaxError(ValueError):
    """A rate that cannot be read."""


@dataclass(frozen=True)
class Rate:
    limit: int
    period: float

    @property
    def per_second(self) -> float:
        return self.limit / self.period

    def __str__(self) -> str:
        for name, seconds in UNITS.items():
            if self.period == seconds:
                return f"{self.limit}/{name}"
        return f"{self.limit}/{self.period:g}s"


def parse_rate(text: str) -> Rate:
    """Read `"100/minute"`, `"5 / second"` or `"1000/2 hours"`."""
    match = RATE.match(text.lower())
    if match is None:
        raise RateSyntaxError(f"not a rate: {text!r}")
    count, multiple, unit = match.groups()
    if int(count) == 0:
        raise RateSyntaxError("a rate must allow at least one request")
    period = UNITS[unit] * (int(multiple) if multiple else 1)
    return Rate(int(count), period)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float
    limit: Rate

    def headers(self) -> dict[str, str]:
        """The usual rate-limit response headers for this decision."""
        headers = {
            "X-RateLimit-Limit": str(self.limit.limit),
            "X-RateLimit-Remaining": str(self.remaining),
        }
        if not self.allowed:
            headers["Retry-After"] = str(math.ceil(self.retry_after))
        return headers


@dataclass
class Limiter:
    """Each client gets one bucket per rate; a request needs all of them."""

    rates: list[Rate]
    clock: Clock = monotonic
    exempt: frozenset[str] = frozenset()
    _buckets: dict[tuple[str, Rate], TokenBucket] = field(default_factory=dict)

    def _bucket(self, client: str, rate: Rate) -> TokenBucket:
        key = (client, rate)
        if key not in self._buckets:
            bucket = TokenBucket(rate.limit, rate.per_second, self.clock)
            self._buckets[key] = bucket
        return self._buckets[key]

    def check(self, client: str, cost: int = 1) -> Decision:
        """Take `cost` from every bucket of `client`, or from none of them."""
        if not self.rates:
            raise ValueError("a limiter needs at least one rate")
        tightest = min(self.rates, key=lambda rate: rate.per_second)
        if cost > min(rate.limit for rate in self.rates):
            raise ValueError(f"a request cannot cost more than {tightest}")
        if client in self.exempt:
            return Decision(True, tightest.limit, 0.0, tightest)
        buckets = [(rate, self._bucket(client, rate)) for rate in self.rates]
        waits = [(bucket.wait_time(cost), rate) for rate, bucket in buckets]
        longest_wait, blocking = max(waits, key=lambda wait: wait[0])
        if longest_wait > 0:
            remaining = min(int(bucket.tokens) for _, bucket in buckets)
            return Decision(False, remaining, longest_wait, blocking)
        for _, bucket in buckets:
            bucket.try_acquire(cost)
        remaining = min(int(bucket.tokens) for _, bucket in buckets)
        return Decision(True, remaining, 0.0, tightest)

    def reset(self, client: str) -> None:
        """Forget what `client` has used so far."""
        for (owner, _), bucket in self._buckets.items():
            if owner == client:
                bucket.reset()

    def clients(self) -> list[str]:
        """Every client seen so far, sorted."""
        return sorted({client for client, _ in self._buckets})
