"""Derived results remembered between builds: what a warm build does not compute again.

The sandbox caches (`execute.py`) make a rebuild skip the tool runs; everything the build then
derives from the examples (token counts, code shapes, the no-clairvoyance check, verify's
re-runs, the generated examples themselves) is remembered here, each result under a content
hash of exactly what it depends on:

- the input it is computed from (an example's rendered text, its messages and workspace, one
  code turn, ...);
- the *code version* of the function that computes it: a digest of the source files of the
  modules involved (`code_version`), so editing a checker invalidates its results and nothing
  else's;
- any other identity it depends on (the tokenizer's serialised form and library version, the
  tool versions, the workspace projects' files).

A table is one JSON file per kind under `<cache>/derived/`, written atomically (temporary file,
then `os.replace`) after merging with what another build may have written meanwhile. Nothing is
trusted blindly: a file that does not parse, or an entry whose value fails the kind's shape
check, is ignored and computed again (and overwritten on save).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = ["Derived", "Memo", "code_version", "digest", "tree_version"]

FORMAT = 1
MAX_ENTRIES = 200_000  # per kind: the oldest entries go first beyond this
KEEP_GENERATED = 4  # generated sets kept (the newest): a full build, a scaled one, ...


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_version(*modules: ModuleType | str) -> str:
    """A digest of the source of the given modules (objects or dotted names)."""
    return _code_version(tuple(m if isinstance(m, str) else m.__name__ for m in modules))


@cache
def _code_version(names: tuple[str, ...]) -> str:
    parts: list[bytes] = []
    for name in names:
        module = sys.modules.get(name) or __import__(name, fromlist=["_"])
        source = getattr(module, "__file__", None)
        parts += [name.encode(), Path(source).read_bytes() if source else b"?"]
    return digest(*parts)


@cache
def tree_version(root: Path, suffixes: tuple[str, ...] = ()) -> str:
    """A digest of every file under `root` (paths and bytes), optionally only these suffixes."""
    parts: list[bytes] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if "__pycache__" in path.parts or (suffixes and path.suffix not in suffixes):
            continue
        parts += [str(path.relative_to(root)).encode(), path.read_bytes()]
    return digest(*parts)


class Memo:
    """One kind of derived result: key -> JSON value, loaded once, saved atomically.

    `valid(value)` says whether a stored value has the kind's shape; anything else is treated as
    absent. With `directory=None` it remembers within the process only.
    """

    def __init__(
        self,
        directory: Path | None,
        kind: str,
        version: str,
        valid: Callable[[Any], bool],
    ) -> None:
        self.path = directory / "derived" / f"{kind}.json" if directory is not None else None
        self.kind = kind
        self.version = version
        self.valid = valid
        self.entries = self._read()
        self.new: dict[str, Any] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if (
            not isinstance(raw, dict)
            or raw.get("format") != FORMAT
            or raw.get("kind") != self.kind
            or not isinstance(raw.get("entries"), dict)
        ):
            return {}
        return raw["entries"]

    def key(self, *parts: str | bytes) -> str:
        return digest(self.kind, self.version, *parts)

    def get(self, key: str) -> Any | None:
        value = self.new.get(key, self.entries.get(key))
        if value is None or not self.valid(value):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        self.new[key] = value

    def compute(self, key: str, make: Callable[[], Any]) -> Any:
        found = self.get(key)
        if found is not None:
            return found
        value = make()
        self.put(key, value)
        return value

    def save(self) -> None:
        """Merge the new entries into what is on disk now and replace the file atomically."""
        if self.path is None or not self.new:
            return
        merged = {**self._read(), **self.new}
        if len(merged) > MAX_ENTRIES:
            merged = dict(list(merged.items())[-MAX_ENTRIES:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.kind}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"format": FORMAT, "kind": self.kind, "entries": merged}, handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.entries, self.new = merged, {}

    def stats(self) -> dict[str, int]:
        return {"hits": self.hits, "computed": self.misses}


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def all_valid(values: Iterable[Any], check: Callable[[Any], bool]) -> bool:
    return all(check(v) for v in values)


class Derived:
    """The derived tables of one build (see the module doc), and the generated examples."""

    def __init__(self, directory: Path | None) -> None:
        from punie_datagen import clairvoyance, length, shapes, suite_guard, verify, workspaces

        self.directory = directory
        ws = tree_version(Path(workspaces.__file__).parent)  # the projects' files and loader
        self.tokens = Memo(directory, "tokens", code_version(length), is_int)
        self.shapes = Memo(directory, "shapes", code_version(shapes), _is_shape)
        self.clairvoyance = Memo(
            directory, "clairvoyance", digest(code_version(clairvoyance), ws), is_str_list
        )
        self.verify = Memo(
            directory, "verify", digest(code_version(verify, "punie_datagen.execute"), ws), _is_pass
        )
        self.suite = Memo(directory, "suite", code_version(suite_guard), lambda v: v == 0)

    @property
    def tables(self) -> dict[str, Memo]:
        return {
            "tokens": self.tokens,
            "shapes": self.shapes,
            "clairvoyance": self.clairvoyance,
            "verify": self.verify,
            "suite": self.suite,
        }

    def save(self) -> None:
        for memo in self.tables.values():
            memo.save()

    def stats(self) -> dict[str, dict[str, int]]:
        return {name: memo.stats() for name, memo in self.tables.items()}

    def _generated_paths(self, key: str) -> tuple[Path, Path] | None:
        if self.directory is None:
            return None
        folder = self.directory / "derived" / "generated"
        return folder / f"{key}.jsonl", folder / f"{key}.json"

    def load_generated(self, key: str) -> tuple[list[Any], list[str], list[str]] | None:
        """(examples, dropped, requests) a build with the same inputs generated, or None when
        absent, unreadable, or not exactly the bytes that build wrote (digest checked)."""
        from punie_tools import wire

        paths = self._generated_paths(key)
        if paths is None:
            return None
        try:
            data = paths[0].read_bytes()
            meta = json.loads(paths[1].read_text(encoding="utf-8"))
            if meta.get("sha256") != hashlib.sha256(data).hexdigest():
                return None
            examples = [wire.Example.model_validate_json(line) for line in data.splitlines()]
            dropped, requests = meta["dropped"], meta["requests"]
        except (OSError, ValueError, KeyError, AttributeError):
            return None
        if not (is_str_list(dropped) and is_str_list(requests)) or len(examples) != meta.get(
            "count"
        ):
            return None
        return examples, dropped, requests

    def save_generated(
        self, key: str, examples: list[Any], dropped: list[str], requests: list[str]
    ) -> None:
        paths = self._generated_paths(key)
        if paths is None:
            return
        data = "".join(e.model_dump_json() + "\n" for e in examples).encode()
        meta = {
            "sha256": hashlib.sha256(data).hexdigest(),
            "count": len(examples),
            "dropped": dropped,
            "requests": requests,
        }
        _atomic_write(paths[0], data)  # the examples first: meta names their digest
        _atomic_write(paths[1], json.dumps(meta).encode())
        older = sorted(
            paths[0].parent.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True
        )
        for stale in older[KEEP_GENERATED:]:  # other builds' inputs (other scales, older code)
            stale.unlink(missing_ok=True)
            stale.with_suffix(".jsonl").unlink(missing_ok=True)


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _is_shape(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 12


def _is_pass(value: Any) -> bool:
    return value is True
