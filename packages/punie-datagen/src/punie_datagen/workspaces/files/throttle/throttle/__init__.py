"""Rate limiting: token buckets, sliding windows and per-client policies."""

from throttle.bucket import TokenBucket
from throttle.clock import ManualClock
from throttle.policy import Decision, Limiter, Rate, parse_rate
from throttle.window import FixedWindow, SlidingWindowLog

__all__ = [
    "Decision",
    "FixedWindow",
    "Limiter",
    "ManualClock",
    "Rate",
    "SlidingWindowLog",
    "TokenBucket",
    "parse_rate",
]
