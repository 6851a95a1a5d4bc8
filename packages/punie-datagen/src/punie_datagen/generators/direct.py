"""Direct answers: no tool call; the text comes from the reviewed knowledge files.

All questions of one knowledge entry land in the same split (the entry is the group), so a
test question's answer is never seen in training.
"""

from __future__ import annotations

from punie_datagen.generators.base import Spec
from punie_datagen.generators.plan import Plan
from punie_datagen.knowledge import load_knowledge

VERSION = "direct/2"


def generate(plan: Plan) -> list[Spec]:
    entries = load_knowledge()
    splits = [""] * len(entries)
    for group in sorted(
        {e.group for e in entries}
    ):  # every group's direct answers reach every split
        index = [i for i, e in enumerate(entries) if e.group == group]
        for i, split in zip(
            index, plan.splits(f"direct.{group}", [None] * len(index)), strict=True
        ):
            splits[i] = split
    specs = []
    for entry, split in zip(entries, splits, strict=True):
        for question in entry.questions:
            specs.append(
                Spec(
                    entry.group, "direct", question, lambda _records, a=entry.answer: a,
                    None, [], VERSION, "", f"direct/{entry.id}", split, None, entry.id,
                    f"knowledge/{entry.topic}", entry.id,
                )
            )  # fmt: skip
    return specs
