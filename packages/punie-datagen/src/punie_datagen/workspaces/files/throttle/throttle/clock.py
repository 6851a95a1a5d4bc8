"""Clocks are zero-argument callables returning seconds as a float."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
monotonic: Clock = time.monotonic


class ManualClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("time does not run backwards")
        self.now += seconds
