"""The token bucket: bursts up to `capacity`, refilled at `rate` per second."""

from __future__ import annotations

from throttle.clock import Clock, monotonic


class TokenBucket:
    """Allows short bursts while holding the average to `rate` per second."""

    def __init__(
        self, capacity: float, rate: float, clock: Clock = monotonic
    ) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("capacity and rate must be positive")
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self._tokens = capacity
        self._updated = clock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    @property
    def tokens(self) -> float:
        """Tokens available right now."""
        self._refill()
        return self._tokens

    def try_acquire(self, amount: float = 1) -> bool:
        """Take `amount` tokens if they are all there; never blocks."""
        if amount > self.capacity:
            raise ValueError(
                f"cannot take {amount} from a bucket of {self.capacity}"
            )
        self._refill()
        if self._tokens >= amount:
            self._tokens -= amount
            return True
        return False

    def wait_time(self, amount: float = 1) -> float:
        """Seconds until `amount` tokens will be available (0.0 if now)."""
        self._refill()
        missing = amount - self._tokens
        if missing <= 0:
            return 0.0
        return missing / self.rate

    def reset(self) -> None:
        """Fill the bucket again."""
        self._tokens = self.capacity
        self._updated = self.clock()
