"""Merge, deduplicate and split.

Generated examples carry their split from the plan (`meta.split`: whole projects, request
templates and code forms held out, see `generators/plan.py`); mined examples are split
80/10/10, stratified by (group, category), by a seeded hash of their request.

Dedup drops repeated conversations: a generated example repeats another when both ask the same
request (normalised) of the same workspace; a mined example is also dropped when its request is
a near duplicate (Jaccard similarity ≥ 0.8 over word 3-grams) of one already kept. The same
vague request ("any unused imports?") asked of two different projects is two examples: the
answer depends on the project.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence

from punie_tools.wire import Example

__all__ = ["NEAR_THRESHOLD", "dedup", "jaccard", "normalize", "shingles", "split"]

NEAR_THRESHOLD = 0.8
SPLITS = ("train", "valid", "test")


def normalize(request: str) -> str:
    """Lower-case words only: punctuation and spacing never make two requests different."""
    return " ".join(re.findall(r"[a-z0-9_]+", request.lower()))


def shingles(text: str, n: int = 3) -> frozenset[tuple[str, ...]]:
    words = normalize(text).split()
    if len(words) < n:
        return frozenset({tuple(words)})
    return frozenset(tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def _key(example: Example) -> str:
    workspace = json.dumps(example.meta.workspace, sort_keys=True)
    return f"{normalize(example.meta.request)}\0{workspace}"


def dedup(
    examples: Sequence[Example], threshold: float = NEAR_THRESHOLD
) -> tuple[list[Example], int]:
    """Keep the first of every repeated conversation (see the module doc); (kept, dropped)."""
    kept: list[Example] = []
    seen_exact: set[str] = set()
    index: dict[tuple[str, ...], list[int]] = defaultdict(list)  # shingle -> kept positions
    kept_shingles: list[frozenset] = []
    dropped = 0
    for example in examples:
        key = _key(example)
        if key in seen_exact:
            dropped += 1
            continue
        sh = shingles(example.meta.request)
        if example.meta.group == "mined":
            candidates = {i for s in sh for i in index.get(s, ())}
            if any(jaccard(sh, kept_shingles[i]) >= threshold for i in candidates):
                dropped += 1
                continue
        seen_exact.add(key)
        position = len(kept)
        kept.append(example)
        kept_shingles.append(sh)
        for s in sh:
            index[s].append(position)
    return kept, dropped


def _order(seed: int, example: Example) -> str:
    return hashlib.sha256(f"{seed}:{normalize(example.meta.request)}".encode()).hexdigest()


def split(
    examples: Sequence[Example], seed: int, ratios: tuple[float, float, float] = (0.8, 0.1, 0.1)
) -> dict[str, list[Example]]:
    """Planned examples go to their `meta.split`; the rest are cut per (group, category)."""
    result: dict[str, list[Example]] = {name: [] for name in SPLITS}
    strata: dict[tuple[str, str], list[Example]] = defaultdict(list)
    for example in examples:
        planned = (example.meta.model_extra or {}).get("split")
        if planned in result:
            result[planned].append(example)
        else:
            strata[(example.meta.group, example.meta.category)].append(example)
    for key in sorted(strata):
        items = sorted(strata[key], key=lambda e: _order(seed, e))
        n = len(items)
        n_valid = round(n * ratios[1])
        n_test = round(n * ratios[2])
        if n >= 3:  # every stratum that can be represented everywhere is
            n_valid, n_test = max(n_valid, 1), max(n_test, 1)
        result["valid"] += items[:n_valid]
        result["test"] += items[n_valid : n_valid + n_test]
        result["train"] += items[n_valid + n_test :]
    return result
