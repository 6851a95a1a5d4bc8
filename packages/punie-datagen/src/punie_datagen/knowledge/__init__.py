"""The reviewed knowledge file that direct-answer examples take their text from."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files

__all__ = ["Entry", "load_knowledge"]


@dataclass(frozen=True)
class Entry:
    id: str
    group: str  # ruff_check | pytest_run | typecheck | base
    questions: tuple[str, ...]
    answer: str


def load_knowledge() -> list[Entry]:
    text = files("punie_datagen.knowledge").joinpath("knowledge.toml").read_text(encoding="utf-8")
    return [
        Entry(e["id"], e["group"], tuple(e["questions"]), " ".join(e["answer"].split()))
        for e in tomllib.loads(text)["entry"]
    ]
