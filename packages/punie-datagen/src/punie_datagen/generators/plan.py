"""The split plan, decided before any example is written.

Splits are grouped, not sampled: whole projects, request templates and code forms are held out.

- A few projects (`HELD_PROJECTS` each for valid and test, by a seeded draw) appear only in
  their split; other jobs of a behaviour are topped up to about 10 % valid and 10 % test.
- Every list of alternatives — a behaviour's request templates, each code fragment's forms, each
  answer's phrasings — is partitioned per split: one alternative only for test, one only for
  valid, the rest for train (a list of three holds one out for test only; shorter lists are
  shared). An example planned for test
  therefore uses templates, forms and phrasings train never sees, and its code shapes differ
  from every train example's.

The plan is deterministic in the seed; the manifest reports the resulting overlap.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["SPLITS", "Plan"]

SPLITS = ("train", "valid", "test")
SHARE = {"valid": 0.1, "test": 0.1}
T = TypeVar("T")


def _hash(*parts: object) -> int:
    return int(hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:12], 16)


@dataclass
class Plan:
    seed: int
    projects: Sequence[str]
    held: dict[str, str] = field(default_factory=dict)  # project -> "valid" | "test"

    def __post_init__(self) -> None:
        if not self.held and len(self.projects) >= 4:
            order = sorted(self.projects, key=lambda p: _hash(self.seed, "held", p))
            count = max(1, round(len(self.projects) * 0.06))
            for p in order[:count]:
                self.held[p] = "test"
            for p in order[count : 2 * count]:
                self.held[p] = "valid"

    def pool(self, key: str, n: int, split: str) -> list[int]:
        """Indices of the alternatives of list `key` (n long) that `split` may use."""
        if n < 3:
            return list(range(n))
        order = sorted(range(n), key=lambda i: _hash(self.seed, "pool", key, i))
        if split == "test":
            return [order[0]]
        if n == 3:  # too few to hold one out for valid as well: valid shares train's
            return order[1:]
        if split == "valid":
            return [order[1]]
        return order[2:]

    def choose(self, r: random.Random, key: str, options: Sequence[T], split: str) -> tuple[int, T]:
        index = r.choice(self.pool(key, len(options), split))
        return index, options[index]

    def splits(
        self, behaviour: str, projects: Sequence[str | None], share: float = 0.0
    ) -> list[str]:
        """A split for each job of `behaviour` (jobs named by their project, or None); `share`
        raises the valid and test share above 10 % for behaviours that lose many jobs to the
        length budget or to ungroundable turns."""
        result = [self.held.get(p, "train") if p else "train" for p in projects]
        n = len(result)
        if n < 3:
            return result
        free = sorted(
            (i for i, s in enumerate(result) if s == "train"),
            key=lambda i: _hash(self.seed, "split", behaviour, i),
        )
        for name in ("test", "valid"):
            want = max(1, round(n * max(share, SHARE[name])))
            have = result.count(name)
            while have < want and len(free) > 1:
                result[free.pop()] = name
                have += 1
        return result
