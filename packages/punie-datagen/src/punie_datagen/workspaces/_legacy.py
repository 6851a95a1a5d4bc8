"""The six original projects seen through the old one-module API (used by the old generators
until they are rewritten on top of `Project`)."""

from __future__ import annotations

from dataclasses import dataclass

from punie_datagen.workspaces import load_projects, project

LEGACY = ("inventory", "textstats", "webhooks", "csvrecords", "container", "htmlkit")


@dataclass(frozen=True)
class OldEdit:
    file: str  # "module" | "tests"
    old: str
    new: str


def paths(name: str) -> tuple[str, str]:
    p = project(name)
    return p.source_files[-1], p.test_files[0]


PROJECTS = {n: load_projects()[n] for n in LEGACY}
DESCRIPTIONS = {n: PROJECTS[n].summary for n in LEGACY}
VARIANTS = {
    n: {
        v.name: [
            OldEdit("module" if e.file == paths(n)[0] else "tests", e.old, e.new) for e in v.edits
        ]
        for v in PROJECTS[n].variants.values()
    }
    for n in LEGACY
}
FEATURES = {n: PROJECTS[n].features[0] for n in LEGACY}
