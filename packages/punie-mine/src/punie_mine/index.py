"""Index a source tree: which files are code, tests and docs, and what they define."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from punie_mine.docs import DocSection, split_sections
from punie_mine.syntax import ModuleInfo, parse_module

__all__ = ["RepoIndex", "build_index", "is_test_file"]

SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
}
MAX_FILE_BYTES = 400_000


def is_test_file(rel: Path) -> bool:
    name = rel.name
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or "tests" in rel.parts[:-1]
        or "test" in rel.parts[:-1]
    )


@dataclass
class RepoIndex:
    root: Path
    code: list[ModuleInfo] = field(default_factory=list)
    tests: list[ModuleInfo] = field(default_factory=list)
    docs: list[DocSection] = field(default_factory=list)
    lines: dict[str, list[str]] = field(default_factory=dict)  # rel path -> file lines
    unparsable: list[str] = field(default_factory=list)

    def span(self, path: str, start: int, end: int) -> str:
        """Lines start..end (1-based, inclusive) of a file, exactly as on disk."""
        return "\n".join(self.lines[path][start - 1 : end])


def _walk(root: Path):
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_FILE_BYTES:
            yield path, rel


# Folders of notes for the maintainers (plans, research, agent specs), not user documentation.
INTERNAL_DOC_DIRS = {"research", "superpowers", "specs", "specifications", "plans", "adr", "_build"}
DOC_SUFFIXES = {".md", ".markdown", ".rst"}


def _is_user_doc(rel: Path) -> bool:
    if rel.name.upper().startswith("README") and len(rel.parts) == 1:
        return True
    return (
        rel.parts[0] in {"docs", "doc"}
        and not INTERNAL_DOC_DIRS & set(rel.parts[:-1])
        and rel.stem.lower() not in {"license", "changelog", "changes"}
    )


def _doc_files(root: Path) -> list[tuple[Path, Path]]:
    docs = [(p, r) for p, r in _walk(root) if r.suffix.lower() in DOC_SUFFIXES]
    readme_like = [d for d in docs if _is_user_doc(d[1])]
    if readme_like:
        return readme_like
    pkg_info = root / "PKG-INFO"  # an sdist without a README still carries it as the description
    return [(pkg_info, Path("PKG-INFO"))] if pkg_info.is_file() else []


NON_CODE_DIRS = {"docs", "doc", "examples", "example", "scripts", "benchmarks", "tools", ".github"}


def _is_code(root: Path, rel: Path) -> bool:
    """`src/` when the repository has one; else its top-level packages, never docs or examples."""
    if (root / "src").is_dir():
        return rel.parts[0] == "src"
    return len(rel.parts) == 1 or (
        rel.parts[0] not in NON_CODE_DIRS and (root / rel.parts[0] / "__init__.py").is_file()
    )


def build_index(root: Path) -> RepoIndex:
    index = RepoIndex(root)
    for path, rel in _walk(root):
        if rel.suffix != ".py" or not (is_test_file(rel) or _is_code(root, rel)):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        index.lines[str(rel)] = text.splitlines()
        module = parse_module(str(rel), text)
        if module.has_errors:
            index.unparsable.append(str(rel))
            continue
        (index.tests if is_test_file(rel) else index.code).append(module)
    for path, rel in _doc_files(root):
        text = path.read_text(encoding="utf-8", errors="replace")
        index.lines[str(rel)] = text.splitlines()
        index.docs.extend(s for s in split_sections(str(rel), text) if s.first_paragraph)
    return index
