"""Load the workspace projects: real files in `files/<project>/` plus their `punie.toml`.

The format is described in FORMAT.md beside this module. Every project folder is found by
listing `files/`, so a new folder is used by every generator without code changes. Loading
checks the format and raises `WorkspaceFormatError` naming the file and the problem; it never
returns a half-read project.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files as resource_files
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "KINDS",
    "PROJECT_KINDS",
    "REFACTOR_KINDS",
    "REVEALS",
    "Edit",
    "Feature",
    "Project",
    "Refactor",
    "Variant",
    "WorkspaceFormatError",
    "load_project",
    "load_projects",
    "projects_root",
]

METADATA = "punie.toml"
# Never part of a workspace even if a developer's run left them in the folder.
SKIPPED_PARTS = frozenset({"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", ".venv"})

PROJECT_KINDS = frozenset({"library", "cli", "web", "components", "services", "data", "app"})
REVEALS = frozenset({"ruff", "ty", "pytest", "none"})
REFACTOR_KINDS = frozenset({"extract_function", "simplify_conditionals", "rename", "dedupe"})
# kind -> what the tools show (the tests check every variant against real runs).
KINDS: Mapping[str, str] = MappingProxyType(
    {
        "unused_import": "ruff F401",
        "long_line": "ruff E501",
        "undefined_name": "ruff F821 and ty unresolved-reference",
        "wrong_return": "ty invalid-return-type / invalid-explicit-return / invalid-implicit-return",
        "bad_argument": "ty invalid-argument-type",
        "legacy_typing": "ruff UP006/UP035",
        "logic_bug": "at least one failing test",
        "broken_test_import": "a test file that fails to import (collection error)",
        "untyped": "missing annotations (no tool complaint)",
        "unused_variable": "ruff F841",
        "mutable_default": "ruff B006",
        "bare_except": "ruff E722",
        "missing_attribute": "ty unresolved-attribute",
    }
)


class WorkspaceFormatError(ValueError):
    """A project folder or its punie.toml does not follow FORMAT.md."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which occurs exactly once) with `new` in `file`."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Variant:
    """One planted problem: edits on the clean files; undoing them is the fix."""

    name: str
    kind: str
    file: str
    reveals: str
    expect: tuple[str, ...]
    edits: tuple[Edit, ...]
    also: tuple[str, ...] = ()  # what the other tools report besides (optional)


@dataclass(frozen=True)
class Feature:
    """A function to add test-first: a NEW test file, then the implementation appended to `file`."""

    name: str
    file: str
    test_file: str
    spec: str
    test: str
    implementation: str


@dataclass(frozen=True)
class Refactor:
    """A behaviour-keeping change of `target` in `file`; applying the edits is the refactor."""

    name: str
    kind: str
    file: str
    target: str
    edits: tuple[Edit, ...]
    new_name: str = ""  # kind "rename": the new name (optional)


@dataclass(frozen=True)
class Project:
    name: str
    kind: str
    summary: str
    source_roots: tuple[str, ...]
    test_roots: tuple[str, ...]
    files: Mapping[str, str]
    variants: Mapping[str, Variant]
    features: tuple[Feature, ...] = ()
    refactors: tuple[Refactor, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)  # unknown [project] keys, kept

    def _under(self, roots: tuple[str, ...], path: str) -> bool:
        return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)

    @property
    def source_files(self) -> list[str]:
        """Python files under the source roots that are not tests, sorted."""
        return sorted(
            p
            for p in self.files
            if p.endswith(".py") and self._under(self.source_roots, p) and not self.is_test(p)
        )

    @property
    def test_files(self) -> list[str]:
        """Python test modules (`test_*.py` / `*_test.py`) under the test roots, sorted."""
        return sorted(p for p in self.files if self.is_test(p))

    def is_test(self, path: str) -> bool:
        name = path.rsplit("/", 1)[-1]
        return (
            path.endswith(".py")
            and self._under(self.test_roots, path)
            and (name.startswith("test_") or name.endswith("_test.py"))
        )

    def with_variants(self, names: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
        """The files with the named variants planted, in order."""
        result = dict(self.files)
        for name in names:
            if name not in self.variants:
                raise KeyError(f"{self.name}: no variant named {name!r}")
            result = apply_edits(result, self.variants[name].edits, f"{self.name}/{name}")
        return result


def apply_edits(files: Mapping[str, str], edits: tuple[Edit, ...], label: str) -> dict[str, str]:
    """`files` with each edit applied once; an edit whose `old` is not there exactly once fails."""
    result = dict(files)
    for edit in edits:
        if edit.file not in result:
            raise ValueError(f"{label}: edit names {edit.file}, which the project does not hold")
        count = result[edit.file].count(edit.old)
        if count != 1:
            raise ValueError(
                f"{label}: edit must match exactly once in {edit.file} "
                f"(found {count}): {edit.old[:60]!r}"
            )
        result[edit.file] = result[edit.file].replace(edit.old, edit.new, 1)
    return result


def projects_root() -> Traversable:
    return resource_files("punie_datagen.workspaces") / "files"


def _read_tree(folder: Traversable, prefix: str = "") -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name in SKIPPED_PARTS or entry.name.endswith((".pyc", ".pyo")):
            continue
        rel = f"{prefix}{entry.name}"
        if entry.is_dir():
            found.update(_read_tree(entry, rel + "/"))
        elif rel != METADATA:
            try:
                found[rel] = entry.read_text(encoding="utf-8")
            except UnicodeDecodeError as exc:
                raise WorkspaceFormatError(rel, f"not UTF-8 text ({exc})") from exc
    return found


def _str(table: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise WorkspaceFormatError(where, f"`{key}` must be a non-empty string")
    return value


def _strs(table: Mapping[str, Any], key: str, where: str, default: list[str]) -> tuple[str, ...]:
    value = table.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorkspaceFormatError(where, f"`{key}` must be a list of strings")
    return tuple(value)


def _edits(raw: Any, default_file: str, where: str, files: Mapping[str, str]) -> tuple[Edit, ...]:
    if not isinstance(raw, list) or not raw:
        raise WorkspaceFormatError(where, "needs at least one [[...edits]] table")
    edits = []
    for k, item in enumerate(raw):
        here = f"{where}.edits[{k}]"
        if not isinstance(item, dict):
            raise WorkspaceFormatError(here, "must be a table with `old` and `new`")
        target = item.get("file", default_file)  # optional per-edit file (FORMAT.md extension)
        if target not in files:
            raise WorkspaceFormatError(here, f"file {target!r} is not in the project")
        old, new = item.get("old"), item.get("new")
        if not isinstance(old, str) or not old or not isinstance(new, str):
            raise WorkspaceFormatError(here, "`old` must be non-empty text and `new` text")
        edits.append(Edit(target, old, new))
    return tuple(edits)


def _parse(name: str, meta: Mapping[str, Any], files: dict[str, str]) -> Project:
    where = f"{name}/{METADATA}"
    head = meta.get("project")
    if not isinstance(head, dict):
        raise WorkspaceFormatError(where, "missing the [project] table")
    if head.get("name") != name:
        raise WorkspaceFormatError(where, f"[project] name must equal the folder name {name!r}")
    kind = _str(head, "kind", where)
    if kind not in PROJECT_KINDS:
        raise WorkspaceFormatError(where, f"kind {kind!r} is not one of {sorted(PROJECT_KINDS)}")
    source_roots = _strs(head, "source_roots", where, [])
    test_roots = _strs(head, "test_roots", where, ["tests"])
    if not source_roots:
        raise WorkspaceFormatError(where, "`source_roots` must name at least one folder")
    for root in (*source_roots, *test_roots):
        if not any(p == root or p.startswith(root.rstrip("/") + "/") for p in files):
            raise WorkspaceFormatError(where, f"root {root!r} holds no file")
    known = {"name", "kind", "summary", "source_roots", "test_roots"}
    variants: dict[str, Variant] = {}
    for k, raw in enumerate(meta.get("variants", [])):
        here = f"{where} variants[{k}]"
        vname = _str(raw, "name", here)
        here = f"{where} variant {vname!r}"
        if vname in variants:
            raise WorkspaceFormatError(here, "variant names must be unique within a project")
        vkind = _str(raw, "kind", here)
        if vkind not in KINDS:
            raise WorkspaceFormatError(here, f"kind {vkind!r} is not one of {sorted(KINDS)}")
        vfile = _str(raw, "file", here)
        if vfile not in files:
            raise WorkspaceFormatError(here, f"file {vfile!r} is not in the project")
        reveals = _str(raw, "reveals", here)
        if reveals not in REVEALS:
            raise WorkspaceFormatError(here, f"reveals {reveals!r} is not one of {sorted(REVEALS)}")
        variant = Variant(
            vname, vkind, vfile, reveals, _strs(raw, "expect", here, []),
            _edits(raw.get("edits"), vfile, here, files), _strs(raw, "also", here, []),
        )  # fmt: skip
        try:
            apply_edits(files, variant.edits, here)
        except ValueError as exc:
            raise WorkspaceFormatError(here, str(exc)) from exc
        variants[vname] = variant
    features = []
    for k, raw in enumerate(meta.get("features", [])):
        here = f"{where} features[{k}]"
        feature = Feature(
            _str(raw, "name", here), _str(raw, "file", here), _str(raw, "test_file", here),
            _str(raw, "spec", here), _str(raw, "test", here), _str(raw, "implementation", here),
        )  # fmt: skip
        if feature.file not in files:
            raise WorkspaceFormatError(here, f"file {feature.file!r} is not in the project")
        if feature.test_file in files:
            raise WorkspaceFormatError(here, f"test_file {feature.test_file!r} must be NEW")
        features.append(feature)
    refactors = []
    for k, raw in enumerate(meta.get("refactors", [])):
        here = f"{where} refactors[{k}]"
        rkind = _str(raw, "kind", here)
        if rkind not in REFACTOR_KINDS:
            raise WorkspaceFormatError(
                here, f"kind {rkind!r} is not one of {sorted(REFACTOR_KINDS)}"
            )
        rfile = _str(raw, "file", here)
        if rfile not in files:
            raise WorkspaceFormatError(here, f"file {rfile!r} is not in the project")
        refactor = Refactor(
            _str(raw, "name", here), rkind, rfile, _str(raw, "target", here),
            _edits(raw.get("edits"), rfile, here, files), str(raw.get("new_name", "")),
        )  # fmt: skip
        try:
            apply_edits(files, refactor.edits, here)
        except ValueError as exc:
            raise WorkspaceFormatError(here, str(exc)) from exc
        refactors.append(refactor)
    return Project(
        name=name,
        kind=kind,
        summary=str(head.get("summary", "")),
        source_roots=source_roots,
        test_roots=test_roots,
        files=MappingProxyType(files),
        variants=MappingProxyType(variants),
        features=tuple(features),
        refactors=tuple(refactors),
        extra=MappingProxyType({k: v for k, v in head.items() if k not in known}),
    )


def load_project(folder: Traversable | Path) -> Project:
    """One project folder (real files + punie.toml)."""
    name = folder.name
    meta_file = folder / METADATA
    if not meta_file.is_file():
        raise WorkspaceFormatError(name, f"has no {METADATA}")
    try:
        meta = tomllib.loads(meta_file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorkspaceFormatError(f"{name}/{METADATA}", f"not valid TOML: {exc}") from exc
    return _parse(name, meta, _read_tree(folder))


@cache
def load_projects() -> Mapping[str, Project]:
    """Every project under `files/`, by name (sorted)."""
    root = projects_root()
    found = {}
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_dir() and not entry.name.startswith((".", "_")):
            found[entry.name] = load_project(entry)
    if not found:
        raise WorkspaceFormatError(str(root), "holds no project folder")
    return MappingProxyType(found)
