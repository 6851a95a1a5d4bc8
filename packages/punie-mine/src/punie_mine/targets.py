"""Per-category example counts (`--targets code=15,testing=15,...`): light, for the CLI."""

from __future__ import annotations

__all__ = ["DEFAULT_TARGETS", "TargetsError", "parse_targets"]

DEFAULT_TARGETS = {"code": 15, "testing": 15, "concepts": 15, "tools": 10}


class TargetsError(ValueError):
    """`--targets` is not of the form code=15,testing=15,..."""


def parse_targets(text: str) -> dict[str, int]:
    targets: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in DEFAULT_TARGETS or not value.isdigit():
            raise TargetsError(
                f"bad target {part!r}: use CATEGORY=N with CATEGORY one of {', '.join(DEFAULT_TARGETS)}"
            )
        targets[key] = int(value)
    return targets
