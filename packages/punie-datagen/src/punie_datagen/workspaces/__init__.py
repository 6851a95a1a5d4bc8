"""The workspace library: projects as real files in `files/<project>/` with a `punie.toml`
describing them and the problems, features and refactors planted in them (see FORMAT.md).

Generators discover every folder under `files/`; adding a project needs no code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from punie_datagen.workspaces.loader import (
    KINDS,
    PROJECT_KINDS,
    REFACTOR_KINDS,
    Edit,
    Feature,
    Project,
    Refactor,
    Variant,
    WorkspaceFormatError,
    apply_edits,
    load_project,
    load_projects,
)

__all__ = [
    "KINDS",
    "PROJECT_KINDS",
    "REFACTOR_KINDS",
    "Edit",
    "Feature",
    "Project",
    "Refactor",
    "Variant",
    "WorkspaceFormatError",
    "apply_edits",
    "load_project",
    "load_projects",
    "project",
    "project_files",
    "variant_files",
    "workspace_files",
]


def project(name: str) -> Project:
    projects = load_projects()
    if name not in projects:
        raise KeyError(f"no workspace project named {name!r} (known: {', '.join(projects)})")
    return projects[name]


def project_files(name: str) -> dict[str, str]:
    """The clean files of a project, path -> content."""
    return dict(project(name).files)


def variant_files(name: str, variants: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """A project's files with the named variants planted (in order)."""
    return project(name).with_variants(tuple(variants))


def workspace_files(spec: Mapping[str, Any]) -> dict[str, str]:
    """Re-materialise a workspace from an example's `meta.workspace` ({project, variants, extra}).

    `extra` maps paths to content written over the planted files (a file set up by the request).
    """
    files = variant_files(spec["project"], tuple(spec.get("variants", ())))
    files.update(spec.get("extra", {}))
    return files
