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
    source: str = ""  # where the facts come from (a README or docs section, a tool's docs)
    reviewed: str = ""  # who checked the answer against the source, and when
    topic: str = ""  # the file's stem: tools, python, domain


def load_knowledge() -> list[Entry]:
    """Every entry of every ``*.toml`` file in this folder, in file-name order."""
    folder = files("punie_datagen.knowledge")
    entries: list[Entry] = []
    for name in sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml")):
        data = tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))
        entries.extend(
            Entry(
                e["id"], e["group"], tuple(e["questions"]), " ".join(e["answer"].split()),
                e.get("source", ""), e.get("reviewed", ""), name.removesuffix(".toml"),
            )
            for e in data["entry"]
        )  # fmt: skip
    return entries
