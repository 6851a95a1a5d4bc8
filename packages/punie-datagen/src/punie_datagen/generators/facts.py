"""Facts about a project's files, read with `ast`: what a request may name and where things are.

Generators use these to *choose* targets (a function to show, a name to rename). What the code
may use is decided by what earlier tool outputs revealed, never by these facts alone.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from functools import cache

from punie_datagen.clairvoyance import parse
from punie_datagen.workspaces import Project

__all__ = ["Func", "Hunk", "enclosing", "functions", "hunks", "module_name"]


@dataclass(frozen=True)
class Func:
    file: str
    name: str  # short name
    qualname: str  # Class.method for methods
    owner: str | None  # class name for methods
    line: int
    end: int
    header: str  # the `def ...:` line, stripped
    doc: str  # first docstring line

    @property
    def size(self) -> int:
        return self.end - self.line + 1


@cache
def _parse(content: str) -> ast.Module | None:
    try:
        return parse(content)
    except SyntaxError:
        return None


def functions(path: str, content: str) -> list[Func]:
    """Top-level functions and methods of a module, in source order."""
    tree = _parse(content)
    if tree is None:
        return []
    lines = content.splitlines()
    found: list[Func] = []

    def add(node: ast.FunctionDef | ast.AsyncFunctionDef, owner: str | None) -> None:
        header = lines[node.lineno - 1].strip()
        found.append(
            Func(
                path, node.name, f"{owner}.{node.name}" if owner else node.name, owner,
                node.lineno, node.end_lineno or node.lineno, header,
                (ast.get_docstring(node) or "").split("\n")[0],
            )
        )  # fmt: skip

    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            add(node, None)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    add(item, node.name)
    return found


def classes(content: str) -> list[tuple[str, int, int]]:
    tree = _parse(content)
    if tree is None:
        return []
    return [
        (n.name, n.lineno, n.end_lineno or n.lineno)
        for n in tree.body
        if isinstance(n, ast.ClassDef)
    ]


def enclosing(path: str, content: str, line: int) -> Func | None:
    """The innermost function whose lines hold `line`."""
    best = None
    for func in functions(path, content):
        if func.line <= line <= func.end and (best is None or func.size < best.size):
            best = func
    return best


@dataclass(frozen=True)
class Hunk:
    """Lines `start..start+len(planted)-1` of the planted file must become `clean`."""

    file: str
    start: int  # 1-based line in the planted file (the line before, for a pure insertion)
    planted: tuple[str, ...]
    clean: tuple[str, ...]


def hunks(clean: dict[str, str], planted: dict[str, str]) -> list[Hunk]:
    """What differs between the planted and the clean files, as line hunks (file order)."""
    found = []
    for path in sorted(set(clean) | set(planted)):
        a, b = planted.get(path, ""), clean.get(path, "")
        if a == b:
            continue
        pa, pb = a.split("\n"), b.split("\n")
        matcher = difflib.SequenceMatcher(None, pa, pb, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                continue
            # Widen with unchanged neighbours until the planted text is a unique, non-blank anchor
            # (a pure insertion has no planted text of its own): the following line first.
            while True:
                block = "\n".join(pa[i1:i2])
                if block.strip() and a.count(block + "\n") == 1:
                    break
                if i2 < len(pa) - 1 and (i2 - i1 < 2 or i1 == 0):
                    i2, j2 = i2 + 1, j2 + 1
                elif i1 > 0:
                    i1, j1 = i1 - 1, j1 - 1
                elif i2 < len(pa) - 1:
                    i2, j2 = i2 + 1, j2 + 1
                else:
                    break
            found.append(Hunk(path, i1 + 1, tuple(pa[i1:i2]), tuple(pb[j1:j2])))
    return found


def module_name(path: str, project: Project) -> str:
    """The import path of a source file (`src/` layouts drop the `src`)."""
    parts = path.removesuffix(".py").split("/")
    if parts[0] == "src":
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)
