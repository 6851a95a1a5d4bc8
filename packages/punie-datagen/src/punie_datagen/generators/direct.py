"""Direct answers: no tool call; the text comes from the reviewed knowledge file."""

from __future__ import annotations

from punie_datagen.generators.base import Spec
from punie_datagen.knowledge import load_knowledge

VERSION = "direct/1"


def generate(seed: int) -> list[Spec]:
    specs = []
    for entry in load_knowledge():
        for question in entry.questions:
            specs.append(
                Spec(
                    entry.group,
                    "direct",
                    question,
                    lambda _records, a=entry.answer: a,
                    None,
                    [],
                    VERSION,
                )
            )
    return specs
