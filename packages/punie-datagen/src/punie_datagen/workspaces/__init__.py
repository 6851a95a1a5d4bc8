"""The workspace library: small realistic projects and the problems planted in them."""

from punie_datagen.workspaces.projects import DESCRIPTIONS, PROJECTS, project_files
from punie_datagen.workspaces.variants import (
    FEATURES,
    KINDS,
    VARIANTS,
    Edit,
    Feature,
    paths,
    variant_files,
)

__all__ = [
    "DESCRIPTIONS",
    "FEATURES",
    "KINDS",
    "PROJECTS",
    "VARIANTS",
    "Edit",
    "Feature",
    "paths",
    "project_files",
    "variant_files",
    "workspace_files",
]


def workspace_files(spec: dict) -> dict[str, str]:
    """Re-materialise a workspace from an example's `meta.workspace` ({project, variants, extra})."""
    files = variant_files(spec["project"], tuple(spec.get("variants", ())))
    files.update(spec.get("extra", {}))
    return files
