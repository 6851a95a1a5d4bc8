"""The pristine fixture: a private read-only snapshot, fresh copies of it, and tamper checks.

The suite's `workspace/` is copied once per run into a temporary snapshot whose files are made
read-only; every query's workspace and every scorer copy is made from the snapshot, never from
the repository, and the tools never run with their working directory in it. After each query
the snapshot's and the repository fixture's digests are compared with the ones taken at the
start, so a model that manages to write into either is caught (and cannot poison later queries).
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

__all__ = [
    "LazyCopy",
    "Snapshot",
    "all_names",
    "copy_tree",
    "digest_tree",
    "discard",
    "fresh_copy",
    "iter_files",
    "remove_tree",
    "signature",
    "wait_for_cleanup",
]

_SKIP_DIRS = frozenset({"__pycache__", ".ruff_cache", ".pytest_cache", ".mypy_cache"})


def _entries(root: Path) -> list[tuple[str, os.DirEntry[str]]]:
    """(relative posix name, entry) of every regular file under `root`, sorted; caches left out.

    Iterative (a model can nest folders thousands deep) and never through a symlink, `root`
    included: a workspace whose folder was replaced by a link to `/` lists nothing.
    """
    found: list[tuple[str, os.DirEntry[str]]] = []
    if os.path.islink(root):
        return found
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        below: list[tuple[str, str]] = []
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIP_DIRS:
                    below.append((entry.path, prefix + entry.name + "/"))
            elif entry.is_file(follow_symlinks=False) and not entry.name.endswith(".pyc"):
                found.append((prefix + entry.name, entry))
        stack.extend(reversed(below))
    found.sort(key=lambda item: item[0].split("/"))
    return found


def all_names(root: Path) -> list[str]:
    """Relative names of every entry under `root` that is not a folder (files, symlinks,
    sockets...), caches included, iteratively and without following any symlink; [] when
    `root` is not a real folder."""
    if os.path.islink(root) or not os.path.isdir(root):
        return []
    found: list[str] = []
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        directory, prefix = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append((entry.path, prefix + entry.name + "/"))
            else:
                found.append(prefix + entry.name)
    return sorted(found)


def iter_files(root: Path) -> list[Path]:
    """Every regular file under `root` (relative paths, sorted), caches left out."""
    return [Path(name) for name, _ in _entries(root)]


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


def signature(root: Path) -> tuple[tuple[str, int, int, int], ...]:
    """(name, size, mtime_ns, inode) of every file: a cheap check that nothing was rewritten."""
    found = []
    for name, entry in _entries(root):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        found.append((name, st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(found)


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


def _walk_no_links(root: Path) -> Generator[tuple[str, bool]]:
    """(path, is a folder) of everything under `root`, parents first, iteratively, never
    through a symlink (a link is yielded as a file and not followed)."""
    stack = [str(root)]
    while stack:
        directory = stack.pop()
        yield directory, True
        with contextlib.suppress(OSError):
            os.chmod(directory, 0o755)  # open it before listing it (tests may chmod 000)
        try:
            with os.scandir(directory) as it:
                entries = list(it)
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            else:
                yield entry.path, False


def _make_writable(root: Path) -> None:
    """Make the tree under `root` removable. Symlinks are never followed: `os.chmod` on a link
    a model planted (`ws/x -> ~/.ssh/id_rsa`) would change the mode of the host file."""
    if os.path.islink(root):
        return
    for path, is_dir in _walk_no_links(root):
        if not is_dir and not os.path.islink(path):
            with contextlib.suppress(OSError):
                os.chmod(path, 0o644)


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
        self._signature = signature(self.path)
        self._source_signature = signature(self.source)

    def tampered(self, *, full: bool = False) -> list[str]:
        """What changed since the snapshot was made: the snapshot and/or the repository fixture.

        The quick check compares file names, sizes, modification times and inodes (run after
        every query); `full` compares the contents (run at the end of a run).
        """
        problems = []
        if signature(self.path) != self._signature or (
            full and digest_tree(self.path) != self.digest
        ):
            problems.append("the pristine snapshot was modified")
        if signature(self.source) != self._source_signature or (
            full and digest_tree(self.source) != self.source_digest
        ):
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


_cleaner: ThreadPoolExecutor | None = None
_pending: list[Future[None]] = []


def remove_tree(tmp: Path) -> None:
    """Remove a folder a model wrote into: no symlink followed, no depth limit, never raises."""
    if os.path.islink(tmp):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    folders: list[str] = []
    for path, is_dir in _walk_no_links(tmp):
        if is_dir:
            folders.append(path)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)
    for folder in reversed(folders):  # children before their parents
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def discard(tmp: Path) -> None:
    """Remove a temporary directory in the background (removal is slow on some disks)."""
    global _cleaner
    if _cleaner is None:
        _cleaner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="punie-eval-cleanup")
        atexit.register(wait_for_cleanup)
    _pending[:] = [f for f in _pending if not f.done()]
    _pending.append(_cleaner.submit(remove_tree, tmp))


def wait_for_cleanup() -> None:
    """Block until every discarded directory is gone."""
    for future in list(_pending):
        future.result()
    _pending.clear()


@contextlib.contextmanager
def fresh_copy(source: Path, prefix: str = "punie-eval-") -> Generator[Path]:
    """A writable private copy of `source`, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        target = tmp / "workspace"
        copy_tree(source, target)
        yield target
    finally:
        discard(tmp)


class LazyCopy:
    """A private copy of `source` made only when first asked for (`path()`); `close()` removes it.

    A query answered directly never needs one, so it never pays for the copy.
    """

    def __init__(self, source: Path, prefix: str = "punie-eval-") -> None:
        self.source = source
        self.prefix = prefix
        self._tmp: Path | None = None

    @property
    def made(self) -> bool:
        return self._tmp is not None

    def path(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix=self.prefix))
            copy_tree(self.source, self._tmp / "workspace")
        return self._tmp / "workspace"

    def close(self) -> None:
        if self._tmp is not None:
            discard(self._tmp)
            self._tmp = None

    def __enter__(self) -> LazyCopy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
