"""Resolve a mining source: a local directory, or `pypi:NAME[==VERSION]` fetched as an sdist."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ResolvedSource", "SourceError", "resolve_source"]

# What a repository usually holds that an sdist may lack; reported, never invented.
EXPECTED_PARTS = ("tests", "docs", "README")


class SourceError(Exception):
    """A source that cannot be found, fetched or read; the message says what to do."""


@dataclass(frozen=True)
class ResolvedSource:
    """A source tree on disk, ready to mine (never modified: mining works on a copy)."""

    spec: str
    root: Path
    origin: str  # "path" | "pypi"
    missing: list[str] = field(default_factory=list)


def _missing_parts(root: Path) -> list[str]:
    missing = []
    has_tests = any(root.rglob("test_*.py")) or any(root.rglob("*_test.py"))
    if not has_tests:
        missing.append("tests")
    if not (root / "docs").is_dir():
        missing.append("docs")
    if not any(root.glob("README*")):
        missing.append("README")
    return missing


def _check_tree(root: Path, spec: str) -> Path:
    if not root.exists():
        raise SourceError(f"source {spec!r}: no such directory {root}")
    if not root.is_dir():
        raise SourceError(f"source {spec!r}: {root} is not a directory")
    if not any(p.suffix == ".py" for p in root.rglob("*.py")):
        raise SourceError(f"source {spec!r}: {root} holds no Python files to mine")
    return root


def _fetch_sdist(requirement: str, cache: Path) -> Path:
    """Download the sdist with pip (no wheels: they lack tests and docs) and unpack it once."""
    key = hashlib.sha256(requirement.encode()).hexdigest()[:12]
    target = cache / f"sdist-{key}"
    done = target / ".punie-unpacked"
    if done.exists():
        return Path(done.read_text())
    download = target / "download"
    download.mkdir(parents=True, exist_ok=True)
    name = requirement.split("==")[0].strip()
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--no-binary",
        name,
        "--python-version",
        "3.14",
        "--disable-pip-version-check",
        "-q",
        "-d",
        str(download),
        requirement,
    ]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    archives = sorted(p for p in download.iterdir() if p.name.endswith((".tar.gz", ".zip")))
    if proc.returncode != 0 or not archives:
        reason = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no sdist downloaded"]
        raise SourceError(f"could not fetch the sdist of {requirement!r} from PyPI: {reason[0]}")
    unpack = target / "src"
    unpack.mkdir(exist_ok=True)
    archive = archives[0]
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(unpack)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(unpack, filter="data")
    roots = [p for p in unpack.iterdir() if p.is_dir()]
    root = roots[0] if len(roots) == 1 else unpack
    done.write_text(str(root))
    return root


def resolve_source(spec: str, cache: Path) -> ResolvedSource:
    """Turn `path` or `pypi:NAME[==VERSION]` into a directory on disk."""
    if spec.startswith("pypi:"):
        requirement = spec.removeprefix("pypi:").strip()
        if not requirement:
            raise SourceError("source 'pypi:' names no package (use pypi:NAME or pypi:NAME==1.2)")
        root = _check_tree(_fetch_sdist(requirement, cache), spec)
        return ResolvedSource(spec, root, "pypi", _missing_parts(root))
    root = _check_tree(Path(spec).expanduser().resolve(), spec)
    return ResolvedSource(spec, root, "path", _missing_parts(root))
