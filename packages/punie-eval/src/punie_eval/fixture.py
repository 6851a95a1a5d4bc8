"""The pristine fixture: a private read-only snapshot, fresh copies of it, and tamper checks.

The suite's `workspace/` is copied once per run into a temporary snapshot whose files are made
read-only; every query's workspace and every scorer copy is made from the snapshot, never from
the repository, and the tools never run with their working directory in it. After each query
the snapshot's and the repository fixture's digests are compared with the ones taken at the
start, so a model that manages to write into either is caught (and cannot poison later queries).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Generator, Iterable
from pathlib import Path

__all__ = ["Snapshot", "copy_tree", "digest_tree", "fresh_copy", "iter_files"]

_SKIP_DIRS = frozenset({"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache"})


def iter_files(root: Path) -> list[Path]:
    """Every regular file under `root` (relative paths, sorted), caches left out."""
    found: list[Path] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        base = Path(directory)
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            path = base / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root))
    return found


def digest_tree(root: Path, only: Iterable[str] | None = None) -> str:
    """sha256 over the names and bytes of the files under `root` (or of `only`, relative)."""
    h = hashlib.sha256()
    files = [Path(p) for p in only] if only is not None else iter_files(root)
    for rel in files:
        full = root / rel
        h.update(rel.as_posix().encode() + b"\0")
        try:
            h.update(full.read_bytes() if full.is_file() else b"<missing>")
        except OSError:
            h.update(b"<unreadable>")
    return h.hexdigest()


def copy_tree(source: Path, target: Path) -> None:
    """Copy the files of `source` into `target` as ordinary writable files (no metadata kept)."""
    for rel in iter_files(source):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)
    target.mkdir(parents=True, exist_ok=True)


def _make_read_only(root: Path) -> None:
    for directory, dirs, files in os.walk(root, topdown=False):
        for name in files:
            os.chmod(os.path.join(directory, name), stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        for name in dirs:
            os.chmod(os.path.join(directory, name), 0o555)
    os.chmod(root, 0o555)


def _make_writable(root: Path) -> None:
    for directory, dirs, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(directory, name), 0o644)
        del dirs  # walked top-down after each chmod


class Snapshot:
    """A read-only private copy of the fixture, made once; `close()` removes it."""

    def __init__(self, source: Path) -> None:
        self.source = source.resolve()
        self._tmp = Path(tempfile.mkdtemp(prefix="punie-eval-pristine-"))
        self.path = self._tmp / "workspace"
        copy_tree(self.source, self.path)
        self.files = [p.as_posix() for p in iter_files(self.path)]
        self.digest = digest_tree(self.path)
        self.source_digest = digest_tree(self.source)
        _make_read_only(self.path)

    def tampered(self) -> list[str]:
        """What changed since the snapshot was made: the snapshot and/or the repository fixture."""
        problems = []
        if digest_tree(self.path) != self.digest:
            problems.append("the pristine snapshot was modified")
        if digest_tree(self.source) != self.source_digest:
            problems.append(f"the suite's fixture {self.source} was modified")
        return problems

    def close(self) -> None:
        if self._tmp.exists():
            _make_writable(self._tmp)
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def fresh_copy(source: Path, prefix: str = "punie-eval-") -> Generator[Path]:
    """A writable private copy of `source`, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        target = tmp / "workspace"
        copy_tree(source, target)
        yield target
    finally:
        _make_writable(tmp)
        shutil.rmtree(tmp, ignore_errors=True)
