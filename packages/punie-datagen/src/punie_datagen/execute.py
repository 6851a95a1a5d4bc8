"""Run a spec's code turns in the real sandbox on a fresh copy of its workspace, with a cache.

The cache is content-addressed: the key hashes the workspace files, the code and the versions
of every tool involved, so a cached record is exactly what a fresh run would give.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from punie_tools.models import ExecutionRecord
from punie_tools.sandbox import run_code

__all__ = ["ExecutionCache", "materialize", "run_steps", "tool_versions"]


def tool_versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in ("punie-tools", "ruff", "ty", "pytest", "pydantic-monty"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "missing"
    return found


def materialize(files: dict[str, str], root: Path) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def run_steps(files: dict[str, str], steps: list[str]) -> list[dict[str, Any]]:
    """Materialise the workspace once and run each turn's code in order (state carries over)."""
    with tempfile.TemporaryDirectory(prefix="punie-datagen-") as tmp:
        root = Path(tmp)
        materialize(files, root)
        return [run_code(code, root).model_dump(mode="json") for code in steps]


class ExecutionCache:
    """Records by content key, one JSON file each, written atomically."""

    def __init__(self, directory: Path, versions: dict[str, str]) -> None:
        self.directory = directory
        self.versions = versions
        directory.mkdir(parents=True, exist_ok=True)

    def key(self, files: dict[str, str], steps: list[str]) -> str:
        blob = json.dumps(
            {"files": files, "steps": steps, "versions": self.versions}, sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def get(self, key: str) -> list[ExecutionRecord] | None:
        path = self.directory / key[:2] / f"{key}.json"
        try:
            return [ExecutionRecord.model_validate(r) for r in json.loads(path.read_text())]
        except (OSError, ValueError):
            return None

    def put(self, key: str, records: list[dict[str, Any]]) -> None:
        path = self.directory / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w") as handle:
            json.dump(records, handle)
        os.replace(tmp, path)
