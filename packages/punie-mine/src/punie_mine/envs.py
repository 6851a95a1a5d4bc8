"""An isolated, cached environment with a mined repository's declared dependencies.

ty resolves imports from the environment it finds. Without the repository's dependencies every
`import svcs` is an `import-not-found` error, which is a fact about the machine, not about the
repository. So before the tools run, the declared runtime dependencies (pinned to the versions
in the repository's `uv.lock` when it has one) are installed with uv for the Python version the
repository requires, into the cache, and copied into the mining workspace as `.venv/`, where ty
finds them. Nothing is installed into any interpreter: `uv pip install --target` only writes files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DepsEnv", "declared_dependencies", "prepare_deps_env", "python_version"]

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_MIN_VERSION = re.compile(r">=?\s*(3)\.(\d+)")


@dataclass(frozen=True)
class DepsEnv:
    """What was installed for the tools: `status` is `installed`, `none declared` or why not."""

    status: str
    python: str
    requirements: list[str]

    @property
    def ok(self) -> bool:
        return self.status.startswith("installed") or self.status == "none declared"


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def python_version(pyproject: dict) -> str:
    """The lowest Python version `requires-python` admits (3.11 when it says nothing)."""
    spec = str(pyproject.get("project", {}).get("requires-python", ""))
    match = _MIN_VERSION.search(spec)
    return f"{match.group(1)}.{match.group(2)}" if match else "3.11"


def declared_dependencies(root: Path) -> tuple[list[str], str]:
    """Runtime requirements from pyproject.toml, pinned with uv.lock where it pins them."""
    try:
        pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return [], "3.11"
    version = python_version(pyproject)
    declared = [str(d) for d in pyproject.get("project", {}).get("dependencies", [])]
    pins: dict[str, str] = {}
    try:
        lock = tomllib.loads((root / "uv.lock").read_text(encoding="utf-8"))
        for package in lock.get("package", []):
            source = package.get("source", {})
            if "registry" in source and "version" in package:
                pins[_normal(package["name"])] = package["version"]
    except (OSError, tomllib.TOMLDecodeError):
        pass
    local = {_normal(str(pyproject.get("project", {}).get("name", "")))}
    requirements = []
    for requirement in declared:
        match = _NAME.match(requirement)
        if not match or _normal(match.group(1)) in local:
            continue
        name = match.group(1)
        rest = requirement[match.end() :]
        marker = rest[rest.index(";") :] if ";" in rest else ""
        pin = pins.get(_normal(name))
        requirements.append(f"{name}=={pin}{marker}" if pin else requirement)
    return requirements, version


def _uv() -> str | None:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def _install(requirements: list[str], version: str, target: Path) -> str | None:
    """Install into `target`; None on success, else the last line of the installer's error."""
    uv = _uv()
    if uv is not None:
        command = [uv, "pip", "install", "--quiet", "--target", str(target)]
        command += ["--python-version", version, *requirements]
    else:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        command += ["--target", str(target), "--python-version", version]
        command += ["--only-binary", ":all:", *requirements]
    env = {**os.environ, "UV_NO_CONFIG": "1"}  # run from the cache: no project file applies
    try:
        proc = subprocess.run(
            command,
            cwd=target.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if proc.returncode == 0:
        return None
    lines = [line for line in (proc.stderr or proc.stdout).splitlines() if line.strip()]
    return lines[-1].strip() if lines else f"exit status {proc.returncode}"


_NOT_ON_INDEX = re.compile(r"Because ([A-Za-z0-9._-]+) was not found in the package registry")


def _install_available(
    requirements: list[str], version: str, target: Path
) -> tuple[str | None, list[str]]:
    """Install what the index has; a requirement it does not know (a workspace member) is left out."""
    left_out: list[str] = []
    wanted = list(requirements)
    while wanted:
        problem = _install(wanted, version, target)
        missing = _NOT_ON_INDEX.search(problem or "")
        if problem is None or missing is None:
            return problem, left_out
        name = _normal(missing.group(1))
        kept = [r for r in wanted if _normal((_NAME.match(r) or missing).group(1)) != name]
        if len(kept) == len(wanted):
            return problem, left_out
        left_out.append(missing.group(1))
        wanted = kept
    return None, left_out


def prepare_deps_env(root: Path, workspace: Path, cache: Path) -> DepsEnv:
    """Give `workspace` a `.venv` holding the repository's dependencies (cached by content)."""
    requirements, version = declared_dependencies(root)
    if not requirements:
        return DepsEnv("none declared", version, [])
    key = hashlib.sha256(json.dumps([version, sorted(requirements)]).encode()).hexdigest()[:16]
    entry = cache.resolve() / f"deps-{key}"
    site = entry / "site-packages"
    done = entry / ".punie-installed"
    if not done.exists():
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir(parents=True)
        problem, left_out = _install_available(requirements, version, site)
        if problem is not None:
            shutil.rmtree(entry, ignore_errors=True)
            return DepsEnv(f"not installed: {problem}", version, requirements)
        done.write_text(json.dumps({"requirements": requirements, "left_out": left_out}) + "\n")
    record = json.loads(done.read_text())
    left_out = record.get("left_out", []) if isinstance(record, dict) else []
    venv = workspace / ".venv"
    shutil.copytree(site, venv / "lib" / f"python{version}" / "site-packages", symlinks=True)
    (venv / "pyvenv.cfg").write_text(
        f"home = {Path(sys.executable).parent}\nversion_info = {version}.0\n"
        "include-system-site-packages = false\n"
    )
    if left_out:
        return DepsEnv(
            f"installed, except {', '.join(left_out)} (not on the index)", version, requirements
        )
    return DepsEnv("installed", version, requirements)
