"""The workspace projects under `punie_datagen/workspaces/files/`, checked with the real tools.

This test does not use the engine's loader: it reads each `punie.toml` with tomllib, writes the
project's files into a temporary directory and runs the installed ruff, ty and pytest on it as
subprocesses, with the command lines punie-tools' runners use and the project's own settings.

A variant's findings are ruff codes (`F401`), ty rule names as ty prints them
(`invalid-argument-type`) and pytest node ids of failing tests or of test files that fail to
import (`tests/test_money.py::test_add`, `tests/test_money.py`). The clean project has none, so
every finding is new. `expect` is exactly what the `reveals` tool reports (empty for `none`);
the optional `also` lists what the other tools report besides, so `expect` + `also` is the
complete set of findings the planted problem causes and nothing else may show up.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import tomllib
from dataclasses import dataclass
from functools import cache
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

import punie_datagen

FILES = Path(punie_datagen.__file__).parent / "workspaces" / "files"
PROJECTS = (
    sorted(p.name for p in FILES.iterdir() if (p / "punie.toml").is_file())
    if FILES.is_dir()
    else []
)

KINDS = {
    "unused_import", "long_line", "undefined_name", "wrong_return", "bad_argument",
    "legacy_typing", "logic_bug", "broken_test_import", "untyped",
    "unused_variable", "mutable_default", "bare_except", "missing_attribute",
}  # fmt: skip
REQUIRED_KINDS = {
    "unused_import", "long_line", "undefined_name", "wrong_return", "bad_argument",
    "legacy_typing", "logic_bug", "broken_test_import", "untyped",
}  # fmt: skip
PROJECT_KINDS = {"library", "cli", "web", "components", "services", "data", "app"}
REFACTOR_KINDS = {"extract_function", "simplify_conditionals", "rename", "dedupe"}
REVEALS = {"ruff", "ty", "pytest", "none"}
SKIP_NAMES = {"punie.toml", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv"}
RUFF_CODE = re.compile(r"^[A-Z]+[0-9]+$")
TY_RULE = re.compile(r"^[a-z]+(-[a-z]+)*$")


# --------------------------------------------------------------------------- loading


@cache
def spec(project: str) -> dict[str, Any]:
    return tomllib.loads((FILES / project / "punie.toml").read_text(encoding="utf-8"))


@cache
def clean_files(project: str) -> dict[str, str]:
    root = FILES / project
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not SKIP_NAMES & set(rel.parts):
            found[rel.as_posix()] = path.read_text(encoding="utf-8")
    return found


def apply_edits(files: dict[str, str], file: str, edits: list[dict[str, str]]) -> dict[str, str]:
    """The files with each edit applied in order; every `old` must occur exactly once.

    An edit applies to `file` unless it names its own (`[[variants.edits]] file = ...`).
    """
    result = dict(files)
    for edit in edits:
        target = edit.get("file", file)
        text = result[target]
        count = text.count(edit["old"])
        assert count == 1, f"{target}: edit matches {count} times: {edit['old']!r}"
        result[target] = text.replace(edit["old"], edit["new"], 1)
    return result


def materialise(files: dict[str, str], root: Path) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


# --------------------------------------------------------------------------- the real tools


def _tool(name: str) -> str:
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which(name)
    assert found, f"{name} is not installed (punie-tools depends on it)"
    return found


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # Plugins installed beside punie (hypothesis takes seconds to import) change no outcome here;
    # only the JSON report is loaded, which makes each run several times faster.
    env.update(PYTHONHASHSEED="0", PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    if sys.prefix != sys.base_prefix:  # ty resolves `import pytest` in this environment
        env["VIRTUAL_ENV"] = sys.prefix
    return env


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=180)


@dataclass
class Findings:
    ruff: set[str]
    ty: set[str]
    failing: set[str]  # pytest node ids of failed tests and of test files that did not import
    passed: int
    detail: str  # what the tools said, for assertion messages

    @property
    def all(self) -> set[str]:
        return self.ruff | self.ty | self.failing

    def of(self, tool: str) -> set[str]:
        return {"ruff": self.ruff, "ty": self.ty, "pytest": self.failing}.get(tool, set())


def ruff_codes(root: Path) -> tuple[set[str], str]:
    argv = [_tool("ruff"), "check", "--output-format", "json", "--no-fix", "--no-cache", "."]
    done = _run(argv, root)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    lines = [f"{v['filename']}:{v['location']['row']}: {v['code']} {v['message']}" for v in found]
    return {v["code"] for v in found}, "\n".join(lines)


def ty_rules(root: Path) -> tuple[set[str], str]:
    argv = [_tool("ty"), "check", "--output-format", "gitlab", "--no-progress", "--color", "never"]
    argv.append(".")
    done = _run(argv, root)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout or "[]")
    lines = [f"{d['location']['path']}: {d['description']}" for d in found]
    return {d["check_name"] for d in found}, "\n".join(lines)


def pytest_outcome(root: Path, target: str = ".") -> tuple[set[str], int, str]:
    report = root.parent / f"{root.name}-report.json"
    argv = [sys.executable, "-m", "pytest", target, f"--rootdir={root}", "-q", "--color=no"]
    argv += ["-p", "no:cacheprovider", "-p", "pytest_jsonreport.plugin"]
    argv += ["--continue-on-collection-errors", "--json-report", f"--json-report-file={report}"]
    done = _run(argv, root)
    assert done.returncode in (0, 1, 2), done.stdout + done.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    failing = {t["nodeid"] for t in data.get("tests", []) if t["outcome"] in ("failed", "error")}
    failing |= {c["nodeid"] for c in data.get("collectors", []) if c["outcome"] == "failed"}
    passed = sum(1 for t in data.get("tests", []) if t["outcome"] == "passed")
    outcomes = ("passed", "failed", "error")
    odd = [t["nodeid"] for t in data.get("tests", []) if t["outcome"] not in outcomes]
    assert not odd, f"tests neither passed nor failed: {odd}"
    return failing - {""}, passed, done.stdout[-3000:]


def findings(root: Path) -> Findings:
    ruff, ruff_text = ruff_codes(root)
    ty, ty_text = ty_rules(root)
    failing, passed, pytest_text = pytest_outcome(root)
    detail = f"ruff:\n{ruff_text}\nty:\n{ty_text}\npytest:\n{pytest_text}"
    detail = detail.replace(f"{root}/", "")
    return Findings(ruff, ty, failing, passed, detail)


@cache
def clean_passed(project: str) -> int:
    """How many tests the clean project passes (run once per project, in a fresh folder)."""
    with tempfile.TemporaryDirectory(prefix="ws-clean-") as tmp:
        _, passed, _ = pytest_outcome(materialise(clean_files(project), Path(tmp) / "w"))
    return passed


# --------------------------------------------------------------------------- static checks


def _tool_of(item: str) -> str:
    """Which tool reports a finding, by its shape."""
    if RUFF_CODE.match(item):
        return "ruff"
    if ".py" in item:
        return "pytest"
    assert TY_RULE.match(item), f"not a ruff code, ty rule or test id: {item!r}"
    return "ty"


def _own_modules(files: dict[str, str]) -> set[str]:
    """Top-level import names the project itself provides (its packages and modules)."""
    own = set()
    for rel in files:
        if rel.endswith(".py"):
            parts = rel.split("/")
            parts = parts[1:] if parts[0] == "src" else parts
            own.add(parts[0].removesuffix(".py"))
    return own


def _is_test_file(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def test_there_are_enough_projects() -> None:
    assert len(PROJECTS) >= 10, PROJECTS


@pytest.mark.parametrize("project", PROJECTS)
def test_project_is_well_formed(project: str) -> None:
    meta, files = spec(project), clean_files(project)
    info = meta["project"]
    assert info["name"] == project
    assert info["kind"] in PROJECT_KINDS
    assert info["summary"].strip()
    for root in [*info["source_roots"], *info["test_roots"]]:
        assert any(rel.startswith(root.rstrip("/") + "/") for rel in files), root
    pyproject = tomllib.loads(files["pyproject.toml"])
    tool = pyproject["tool"]
    assert tool["ruff"]["target-version"] == "py311"
    assert "select" in tool["ruff"]["lint"]
    assert tool["ty"]["environment"]["python-version"] == "3.11"
    assert "ini_options" in tool["pytest"]
    # Only the standard library (and pytest, in tests) is imported: workspaces run with no installs.
    own = _own_modules(files)
    for rel, text in files.items():
        if not rel.endswith(".py"):
            continue
        allowed = own | set(sys.stdlib_module_names) | ({"pytest"} if _is_test_file(rel) else set())
        for node in ast.walk(ast.parse(text, rel)):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] in allowed, f"{rel} imports {name}"
    names = [v["name"] for v in meta.get("variants", [])]
    assert len(names) == len(set(names)), "variant names repeat"
    assert meta.get("features"), "at least one feature"
    assert meta.get("refactors"), "at least one refactor"


@pytest.mark.parametrize("project", PROJECTS)
def test_variants_are_well_formed_and_combine(project: str) -> None:
    meta, files = spec(project), clean_files(project)
    variants = meta.get("variants", [])
    assert len(variants) >= 6, "aim for 6-12 variants"
    for variant in variants:
        assert variant["kind"] in KINDS, variant["name"]
        assert variant["reveals"] in REVEALS, variant["name"]
        assert variant["file"] in files, variant["name"]
        reveals, expect, also = variant["reveals"], variant["expect"], variant.get("also", [])
        assert bool(expect) == (reveals != "none"), f"{variant['name']}: `expect` vs `reveals`"
        assert all(_tool_of(i) == reveals for i in expect), f"{variant['name']}: `expect`"
        assert all(_tool_of(i) != reveals for i in also), f"{variant['name']}: `also`"
        apply_edits(files, variant["file"], variant["edits"])
    # Any two variants can be planted together (the second's edits still match exactly once).
    for first, second in combinations(variants, 2):
        both = apply_edits(files, first["file"], first["edits"])
        apply_edits(both, second["file"], second["edits"])


# --------------------------------------------------------------------------- real tool runs


@pytest.mark.parametrize("project", PROJECTS)
def test_clean_project_is_clean(tmp_path: Path, project: str) -> None:
    found = findings(materialise(clean_files(project), tmp_path / "w"))
    assert not found.all, found.detail
    assert found.passed >= 3, found.detail


VARIANTS = [(p, v["name"]) for p in PROJECTS for v in spec(p).get("variants", [])]


@pytest.mark.parametrize(("project", "variant"), VARIANTS)
def test_variant_shows_exactly_what_it_expects(tmp_path: Path, project: str, variant: str) -> None:
    entry = next(v for v in spec(project)["variants"] if v["name"] == variant)
    files = apply_edits(clean_files(project), entry["file"], entry["edits"])
    found = findings(materialise(files, tmp_path / "w"))
    message = f"found {sorted(found.all)}\n{found.detail}"
    assert found.of(entry["reveals"]) == set(entry["expect"]), message
    assert found.all == {*entry["expect"], *entry.get("also", [])}, message


FEATURES = [(p, f["name"]) for p in PROJECTS for f in spec(p).get("features", [])]


@pytest.mark.parametrize(("project", "feature"), FEATURES)
def test_feature_test_fails_before_and_passes_after(
    tmp_path: Path, project: str, feature: str
) -> None:
    entry = next(f for f in spec(project)["features"] if f["name"] == feature)
    files = dict(clean_files(project))
    assert entry["file"] in files and entry["test_file"] not in files
    assert entry["spec"].strip()
    files[entry["test_file"]] = entry["test"]
    before = materialise(files, tmp_path / "before")
    failing, _, text = pytest_outcome(before, entry["test_file"])
    assert failing and all(f.startswith(entry["test_file"]) for f in failing), text
    files[entry["file"]] += entry["implementation"]
    found = findings(materialise(files, tmp_path / "after"))
    assert not found.all, found.detail
    assert found.passed > clean_passed(project), found.detail


REFACTORS = [(p, r["name"]) for p in PROJECTS for r in spec(p).get("refactors", [])]


@pytest.mark.parametrize(("project", "refactor"), REFACTORS)
def test_refactor_keeps_everything_green(tmp_path: Path, project: str, refactor: str) -> None:
    entry = next(r for r in spec(project)["refactors"] if r["name"] == refactor)
    assert entry["kind"] in REFACTOR_KINDS
    files = clean_files(project)
    assert re.search(rf"\b{re.escape(entry['target'])}\b", files[entry["file"]]), entry["target"]
    changed = apply_edits(files, entry["file"], entry["edits"])
    assert changed != files
    found = findings(materialise(changed, tmp_path / "w"))
    assert not found.all, found.detail
    assert found.passed == clean_passed(project), found.detail


# --------------------------------------------------------------------------- coverage


def test_every_kind_is_planted_in_three_projects() -> None:
    projects_of: dict[str, set[str]] = {}
    for project in PROJECTS:
        for variant in spec(project).get("variants", []):
            projects_of.setdefault(variant["kind"], set()).add(project)
    thin = {
        k: sorted(projects_of.get(k, ())) for k in REQUIRED_KINDS if len(projects_of.get(k, ())) < 3
    }
    assert not thin, thin
