"""Greetings that depend on the time of day and the app's name."""

from __future__ import annotations

from dataclasses import dataclass

from wiring.injection import Inject
from wiring.services.clock import Clock
from wiring.services.settings import Settings


def part_of_day(hour: int) -> str:
    if 5 <= hour < 12:
        return "morning"
    if 12 <= hour < 18:
        return "afternoon"
    return "evening"


@dataclass
class Greeter:
    clock: Inject[Clock]
    settings: Inject[Settings]
    punctuation: str = "!"

    def greet(self, name: str) -> str:
        when = part_of_day(self.clock.now().hour)
        return f"Good {when}, {name}{self.punctuation} ({self.settings.app_name})"
