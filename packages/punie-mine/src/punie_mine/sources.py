"""Resolve a mining source: a local directory, `git:URL[@REV]` or `pypi:NAME[==VERSION]`.

Git sources are cloned shallowly at the pinned revision into the cache, keyed by URL and
revision; a later run with the same spec uses the cache and needs no network.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "GitUnreachableError",
    "ResolvedSource",
    "SourceError",
    "parse_git_spec",
    "resolve_source",
]

# What a repository usually holds that an sdist may lack; reported, never invented.
EXPECTED_PARTS = ("tests", "docs", "README")


class SourceError(Exception):
    """A source that cannot be found, fetched or read; the message says what to do."""


class GitUnreachableError(SourceError):
    """The git host could not be reached (no network, unknown host, refused connection)."""


@dataclass(frozen=True)
class ResolvedSource:
    """A source tree on disk, ready to mine (never modified: mining works on a copy)."""

    spec: str
    root: Path
    origin: str  # "path" | "pypi" | "git"
    missing: list[str] = field(default_factory=list)
    commit: str | None = None  # the checked-out commit of a git source


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


# Messages git prints when it cannot reach the host at all (as opposed to a missing revision).
_UNREACHABLE = (
    "could not resolve host",
    "could not resolve hostname",
    "failed to connect",
    "connection refused",
    "connection timed out",
    "network is unreachable",
    "no route to host",
    "temporary failure in name resolution",
    "operation timed out",
    "ssh: connect to host",
)
GIT_TIMEOUT = float(os.environ.get("PUNIE_MINE_GIT_TIMEOUT", "300"))


def parse_git_spec(spec: str) -> tuple[str, str | None]:
    """`git:URL[@REV]` → (URL, REV); REV is a commit, tag or branch (without `/` or `:`)."""
    body = spec.removeprefix("git:").strip()
    url, sep, rev = body.rpartition("@")
    if not sep or not url or "/" in rev or ":" in rev:
        url, rev = body, ""
    if not url:
        raise SourceError("source 'git:' names no repository (use git:URL or git:URL@REV)")
    return url, rev or None


def _git(args: list[str], cwd: Path | None = None, timeout: float = GIT_TIMEOUT):
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password on a private or missing repo
        "GIT_ASKPASS": "true",
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    git = shutil.which("git")
    if git is None:
        raise SourceError("git is not installed (install git to mine git: sources)")
    try:
        return subprocess.run(
            [git, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitUnreachableError(
            f"git {args[0]} gave no answer within {timeout:.0f} s (check the network)"
        ) from exc


def _last_line(text: str) -> str:
    """git's own reason: its first `fatal:` line (the lines after it are generic advice)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    fatal = [line for line in lines if line.startswith(("fatal:", "error:", "ssh:"))]
    chosen = fatal[0] if fatal else (lines[-1] if lines else "no output")
    return chosen.removeprefix("fatal: ").removeprefix("error: ")


def _clone(url: str, rev: str | None, dest: Path) -> str:
    """Fetch only `rev` (depth 1) into a fresh repository at `dest`; return the commit."""
    _git(["init", "-q", str(dest)], timeout=60).check_returncode()
    fetched = _git(["fetch", "-q", "--depth", "1", url, rev or "HEAD"], cwd=dest)
    if fetched.returncode != 0:
        reason = _last_line(fetched.stderr)
        if any(marker in fetched.stderr.lower() for marker in _UNREACHABLE):
            raise GitUnreachableError(f"cannot reach {url}: {reason}")
        if rev is None:
            raise SourceError(f"could not fetch {url}: {reason}")
        # Some servers refuse a bare commit id in a shallow fetch: fetch everything, then pick it.
        full = _git(["fetch", "-q", url, "+refs/heads/*:refs/remotes/origin/*", "--tags"], cwd=dest)
        if full.returncode != 0:
            raise SourceError(f"could not fetch {url}: {_last_line(full.stderr)}")
        checkout = _git(["checkout", "-q", "--detach", rev], cwd=dest)
        if checkout.returncode != 0:
            raise SourceError(f"revision {rev!r} is not in {url}: {_last_line(checkout.stderr)}")
    else:
        checkout = _git(["checkout", "-q", "--detach", "FETCH_HEAD"], cwd=dest)
        if checkout.returncode != 0:
            raise SourceError(
                f"could not check out {rev or 'HEAD'} of {url}: {_last_line(checkout.stderr)}"
            )
    head = _git(["rev-parse", "HEAD"], cwd=dest)
    return head.stdout.strip()


def _fetch_git(url: str, rev: str | None, cache: Path) -> tuple[Path, str]:
    """Clone once per (URL, revision) into the cache; later runs read the cache offline."""
    key = hashlib.sha256(f"{url}@{rev or ''}".encode()).hexdigest()[:16]
    target = cache / f"git-{key}"
    done = target / ".punie-source.json"
    if done.exists():
        record = json.loads(done.read_text())
        return target / "tree", record["commit"]
    cache.mkdir(parents=True, exist_ok=True)
    scratch = cache / f".git-{key}.partial-{os.getpid()}"
    shutil.rmtree(scratch, ignore_errors=True)
    try:
        commit = _clone(url, rev, scratch / "tree")
        (scratch / ".punie-source.json").write_text(
            json.dumps({"url": url, "rev": rev, "commit": commit}) + "\n"
        )
        shutil.rmtree(target, ignore_errors=True)
        scratch.rename(target)  # complete or absent: an interrupted clone is never reused
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return target / "tree", commit


def resolve_source(spec: str, cache: Path) -> ResolvedSource:
    """Turn `path`, `git:URL[@REV]` or `pypi:NAME[==VERSION]` into a directory on disk."""
    if spec.startswith("git:"):
        url, rev = parse_git_spec(spec)
        root, commit = _fetch_git(url, rev, cache)
        root = _check_tree(root, spec)
        return ResolvedSource(spec, root, "git", _missing_parts(root), commit)
    if spec.startswith("pypi:"):
        requirement = spec.removeprefix("pypi:").strip()
        if not requirement:
            raise SourceError("source 'pypi:' names no package (use pypi:NAME or pypi:NAME==1.2)")
        root = _check_tree(_fetch_sdist(requirement, cache), spec)
        return ResolvedSource(spec, root, "pypi", _missing_parts(root))
    root = _check_tree(Path(spec).expanduser().resolve(), spec)
    return ResolvedSource(spec, root, "path", _missing_parts(root))
