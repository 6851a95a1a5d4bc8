"""Every workspace project (`punie_datagen/workspaces/files/`, FORMAT.md) against the real tools.

The projects are read through the engine's loader, so every folder also proves the loader reads
it. Each workspace *state* — a clean project, each planted variant, each feature before (its new
test alone) and after, each refactor — is materialised once and checked once with the installed
ruff, ty and pytest (run as subprocesses with the command lines punie-tools' runners use and the
project's own settings); the runs happen together in a session fixture, two at a time, and the
tests below assert on them in many ways. Findings are ruff codes (`F401`), ty rule names
(`invalid-argument-type`) and pytest node ids of failing tests or of test files that fail to
import. `expect` is exactly what the `reveals` tool reports (empty for `none`); `also` is what
the other tools report besides, so `expect` + `also` is every finding the planted problem
causes and nothing else may show up. Also: the loader's format errors, without tools.
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
import threading
import tomllib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import pytest

from punie_datagen.execute import materialize
from punie_datagen.workspaces import (
    KINDS,
    PROJECT_KINDS,
    REFACTOR_KINDS,
    WorkspaceFormatError,
    apply_edits,
    load_project,
    load_projects,
    workspace_files,
)

PROJECTS = load_projects()
REQUIRED_KINDS = set(KINDS) - {
    "unused_variable",
    "mutable_default",
    "bare_except",
    "missing_attribute",
}
RUFF_CODE = re.compile(r"^[A-Z]+[0-9]+$")
TY_RULE = re.compile(r"^[a-z]+(-[a-z]+)*$")

VARIANTS = sorted((p, v) for p in PROJECTS for v in PROJECTS[p].variants)
FEATURES = sorted((p, f.name) for p in PROJECTS for f in PROJECTS[p].features)
REFACTORS = sorted((p, r.name) for p in PROJECTS for r in PROJECTS[p].refactors)


# --------------------------------------------------------------------------- workspace states


@dataclass(frozen=True)
class State:
    """One workspace state and what to run on it (`only` = pytest on that path alone)."""

    files: tuple[tuple[str, str], ...]
    only: str = ""


def _feature(project: str, name: str):
    return next(f for f in PROJECTS[project].features if f.name == name)


def _refactor(project: str, name: str):
    return next(r for r in PROJECTS[project].refactors if r.name == name)


def state(key: tuple[str, ...]) -> State:
    """The state a key names: (project, "clean"), (project, "variant", name),
    (project, "before"|"after", feature), (project, "refactor", name)."""
    project = PROJECTS[key[0]]
    files = dict(project.files)
    kind = key[1]
    if kind == "variant":
        files = project.with_variants((key[2],))
    elif kind in ("before", "after"):
        feature = _feature(key[0], key[2])
        files[feature.test_file] = feature.test
        if kind == "after":
            files[feature.file] += feature.implementation
        else:
            return State(tuple(sorted(files.items())), only=feature.test_file)
    elif kind == "refactor":
        files = apply_edits(files, _refactor(key[0], key[2]).edits, key[2])
    return State(tuple(sorted(files.items())))


def keys_of(test: str, params: dict[str, str]) -> list[tuple[str, ...]]:
    """The states a test (by its function name and parameters) asserts on."""
    project = params.get("name", "")
    if test == "test_clean_project_passes_every_tool":
        return [(project, "clean")]
    if test == "test_variant_shows_exactly_what_it_expects":
        return [(project, "variant", params["variant"])]
    if test == "test_feature_test_fails_before_and_passes_after":
        return [(project, "clean"), (project, "before", params["feature"]),
                (project, "after", params["feature"])]  # fmt: skip
    if test == "test_refactor_keeps_behaviour_and_checks":
        return [(project, "clean"), (project, "refactor", params["refactor"])]
    return []


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
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    # Plugins installed beside punie (hypothesis takes seconds to import) change no outcome here;
    # only the JSON report is loaded, which makes each run several times faster. Bytecode may be
    # written: pytest's own modules then compile once, not once per run.
    env.update(PYTHONHASHSEED="0", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
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


def _ruff(root: Path) -> tuple[set[str], str]:
    argv = [_tool("ruff"), "check", "--output-format", "json", "--no-fix", "--no-cache", "."]
    done = _run(argv, root)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout)
    lines = [f"{v['filename']}:{v['location']['row']}: {v['code']} {v['message']}" for v in found]
    return {v["code"] for v in found}, "\n".join(lines)


def _ty(root: Path) -> tuple[set[str], str]:
    argv = [_tool("ty"), "check", "--output-format", "gitlab", "--no-progress", "--color", "never"]
    done = _run([*argv, "."], root)
    assert done.returncode in (0, 1), done.stderr
    found = json.loads(done.stdout or "[]")
    lines = [f"{d['location']['path']}: {d['description']}" for d in found]
    return {d["check_name"] for d in found}, "\n".join(lines)


class PytestServer:
    """One `pytest_server.py` process: pytest imported once, each run a forked child."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("pytest_server.py"))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_env(), text=True,
        )  # fmt: skip

    def run(self, root: Path, args: list[str], out: Path) -> int:
        assert self.process.stdin and self.process.stdout
        request = {"root": str(root), "args": args, "out": str(out)}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())["rc"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


_SERVERS = threading.local()


def _server() -> PytestServer:
    if not hasattr(_SERVERS, "server"):
        _SERVERS.server = PytestServer()
        _ALL_SERVERS.append(_SERVERS.server)
    return _SERVERS.server


_ALL_SERVERS: list[PytestServer] = []


def _pytest(root: Path, target: str = ".") -> tuple[set[str], int, str]:
    """pytest as `python -m pytest` runs it (command line of punie-tools' runner), in a fork."""
    report = root.parent / f"{root.name}-report.json"
    output = root.parent / f"{root.name}-pytest.txt"
    argv = [target, f"--rootdir={root}", "-q", "--color=no"]
    argv += ["-p", "no:cacheprovider", "-p", "pytest_jsonreport.plugin"]
    argv += ["--continue-on-collection-errors", "--json-report", f"--json-report-file={report}"]
    code = _server().run(root, argv, output)
    text = output.read_text(encoding="utf-8", errors="replace")
    assert code in (0, 1, 2), text
    data = json.loads(report.read_text(encoding="utf-8"))
    failing = {t["nodeid"] for t in data.get("tests", []) if t["outcome"] in ("failed", "error")}
    failing |= {c["nodeid"] for c in data.get("collectors", []) if c["outcome"] == "failed"}
    passed = sum(1 for t in data.get("tests", []) if t["outcome"] == "passed")
    odd = [
        t["nodeid"]
        for t in data.get("tests", [])
        if t["outcome"] not in ("passed", "failed", "error")
    ]
    assert not odd, f"tests neither passed nor failed: {odd}"
    return failing - {""}, passed, text[-3000:]


def run_state(work: Path, the_state: State) -> Findings:
    """The state written to a fresh folder under `work`, checked once by each tool it needs."""
    root = Path(tempfile.mkdtemp(dir=work)) / "w"
    materialize(dict(the_state.files), root)
    if the_state.only:
        failing, passed, text = _pytest(root, the_state.only)
        return Findings(set(), set(), failing, passed, text)
    ruff, ruff_text = _ruff(root)
    ty, ty_text = _ty(root)
    failing, passed, pytest_text = _pytest(root)
    detail = f"ruff:\n{ruff_text}\nty:\n{ty_text}\npytest:\n{pytest_text}"
    return Findings(ruff, ty, failing, passed, detail.replace(f"{root}/", ""))


@pytest.fixture(scope="session")
def found(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """Findings of every state the selected tests need, each state run once, two at a time."""
    wanted: set[tuple[str, ...]] = set()
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        wanted.update(keys_of(getattr(item, "originalname", item.name), params))
    work = tmp_path_factory.mktemp("states")
    keys = sorted(wanted)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            runs = pool.map(lambda k: run_state(work, state(k)), keys)
            results = dict(zip(keys, runs, strict=True))

        def lookup(*key: str) -> Findings:
            return results[key] if key in results else run_state(work, state(key))

        yield lookup
    finally:
        while _ALL_SERVERS:
            _ALL_SERVERS.pop().close()


# --------------------------------------------------------------------------- real tool runs


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_clean_project_passes_every_tool(found, name: str) -> None:
    clean = found(name, "clean")
    assert not clean.all, clean.detail
    assert clean.passed >= 3, clean.detail


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_variant_shows_exactly_what_it_expects(found, name: str, variant: str) -> None:
    planted = PROJECTS[name].variants[variant]
    seen = found(name, "variant", variant)
    message = f"found {sorted(seen.all)}\n{seen.detail}"
    assert seen.of(planted.reveals) == set(planted.expect), message
    assert seen.all == {*planted.expect, *planted.also}, message


@pytest.mark.parametrize(("name", "feature"), FEATURES)
def test_feature_test_fails_before_and_passes_after(found, name: str, feature: str) -> None:
    spec = _feature(name, feature)
    before = found(name, "before", feature)
    assert before.failing, before.detail
    assert all(f.startswith(spec.test_file) for f in before.failing), before.detail
    after = found(name, "after", feature)
    assert not after.all, after.detail
    assert after.passed > found(name, "clean").passed, after.detail


@pytest.mark.parametrize(("name", "refactor"), REFACTORS)
def test_refactor_keeps_behaviour_and_checks(found, name: str, refactor: str) -> None:
    spec = _refactor(name, refactor)
    assert re.search(rf"\b{re.escape(spec.target)}\b", PROJECTS[name].files[spec.file])
    assert apply_edits(PROJECTS[name].files, spec.edits, refactor) != dict(PROJECTS[name].files)
    after = found(name, "refactor", refactor)
    assert not after.all, after.detail
    assert after.passed == found(name, "clean").passed, after.detail


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


def _imports(tree: ast.AST) -> Iterator[str]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_there_are_enough_projects() -> None:
    assert len(PROJECTS) >= 15, sorted(PROJECTS)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_project_is_well_formed(name: str) -> None:
    project = PROJECTS[name]
    files = dict(project.files)
    assert project.kind in PROJECT_KINDS and project.summary.strip()
    assert project.source_files and project.test_files
    for root in [*project.source_roots, *project.test_roots]:
        assert any(rel.startswith(root.rstrip("/") + "/") for rel in files), root
    tool = tomllib.loads(files["pyproject.toml"])["tool"]
    assert tool["ruff"]["target-version"] == "py311"
    assert "select" in tool["ruff"]["lint"]
    assert tool["ty"]["environment"]["python-version"] == "3.11"
    assert "ini_options" in tool["pytest"]
    # Only the standard library (and pytest, in tests) is imported: workspaces run with no installs.
    own = _own_modules(files)
    for rel, text in files.items():
        if rel.endswith(".py"):
            base = rel.rsplit("/", 1)[-1]
            testing = base.startswith("test_") or base.endswith("_test.py") or base == "conftest.py"
            allowed = own | set(sys.stdlib_module_names) | ({"pytest"} if testing else set())
            for module in _imports(ast.parse(text, rel)):
                assert module.split(".")[0] in allowed, f"{rel} imports {module}"
    assert project.features, "at least one feature"
    assert all(r.kind in REFACTOR_KINDS for r in project.refactors)


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_variants_are_well_formed_and_combine(name: str) -> None:
    project = PROJECTS[name]
    assert len(project.variants) >= 6, "aim for 6-12 variants"
    for variant in project.variants.values():
        assert bool(variant.expect) == (variant.reveals != "none"), variant.name
        assert all(_tool_of(i) == variant.reveals for i in variant.expect), variant.name
        assert all(_tool_of(i) != variant.reveals for i in variant.also), variant.name
    # Any two variants can be planted together (the second's edits still match exactly once).
    for first, second in combinations(sorted(project.variants), 2):
        project.with_variants((first, second))


def test_there_are_refactors_of_every_kind() -> None:
    kinds = [r.kind for p in PROJECTS.values() for r in p.refactors]
    assert set(kinds) == set(REFACTOR_KINDS) and len(kinds) >= 20, kinds


def test_every_kind_is_planted_in_three_projects() -> None:
    projects_of: dict[str, set[str]] = {}
    for project in PROJECTS.values():
        for variant in project.variants.values():
            projects_of.setdefault(variant.kind, set()).add(project.name)
    thin = {k: sorted(projects_of.get(k, ())) for k in REQUIRED_KINDS if len(projects_of.get(k, ())) < 3}  # fmt: skip
    assert not thin, thin


def test_workspace_files_rebuilds_a_planted_workspace() -> None:
    name, variant = VARIANTS[0]
    files = workspace_files({"project": name, "variants": [variant], "extra": {"notes.txt": "x"}})
    assert files["notes.txt"] == "x"
    assert files == {**PROJECTS[name].with_variants((variant,)), "notes.txt": "x"}
    with pytest.raises(KeyError):
        workspace_files({"project": name, "variants": ["no-such-variant"]})


# --------------------------------------------------------------------------- the loader's errors


def _project_dir(tmp_path: Path, toml: str) -> Path:
    folder = tmp_path / "demo"
    materialize(
        {"src/demo/core.py": "X = 1\n", "tests/test_core.py": "def test_x():\n    pass\n"}, folder
    )
    (folder / "punie.toml").write_text(toml)
    return folder


HEAD = '[project]\nname = "demo"\nkind = "library"\nsource_roots = ["src/demo"]\n'


@pytest.mark.parametrize(
    ("toml", "problem"),
    [
        ('[project]\nname = "other"\nkind = "library"\nsource_roots = ["src/demo"]\n', "folder name"),
        ('[project]\nname = "demo"\nkind = "toy"\nsource_roots = ["src/demo"]\n', "kind 'toy'"),
        ('[project]\nname = "demo"\nkind = "library"\nsource_roots = ["lib"]\n', "holds no file"),
        (HEAD + '[[variants]]\nname = "v"\nkind = "typo"\nfile = "src/demo/core.py"\nreveals = "ruff"\n'
         '[[variants.edits]]\nold = "X"\nnew = "Y"\n', "kind 'typo'"),
        (HEAD + '[[variants]]\nname = "v"\nkind = "long_line"\nfile = "src/demo/core.py"\nreveals = "ruff"\n'
         '[[variants.edits]]\nold = "nowhere"\nnew = "Y"\n', "exactly once"),
        (HEAD + '[[variants]]\nname = "v"\nkind = "long_line"\nfile = "src/demo/core.py"\nreveals = "ruff"\n'
         'also = "F401"\n[[variants.edits]]\nold = "X"\nnew = "Y"\n', "also"),
        (HEAD + '[[features]]\nname = "f"\nfile = "src/demo/core.py"\ntest_file = "tests/test_core.py"\n'
         'spec = "s"\ntest = "t"\nimplementation = "i"\n', "must be NEW"),
        (HEAD + "[[variants]\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_format_errors_name_the_problem(tmp_path: Path, toml: str, problem: str) -> None:
    with pytest.raises(WorkspaceFormatError, match=problem):
        load_project(_project_dir(tmp_path, toml))


def test_a_valid_folder_loads_with_its_files_but_not_its_metadata(tmp_path: Path) -> None:
    folder = _project_dir(
        tmp_path,
        HEAD + 'summary = "s"\nowner = "kept"\n[[variants]]\nname = "v"\nkind = "long_line"\n'
        'file = "src/demo/core.py"\nreveals = "ruff"\nexpect = ["E501"]\nalso = ["tests/test_core.py"]\n'
        '[[variants.edits]]\nold = "X"\nnew = "Y"\n',
    )  # fmt: skip
    (folder / "src" / "demo" / "__pycache__").mkdir()
    (folder / "src" / "demo" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
    project = load_project(folder)
    assert sorted(project.files) == ["src/demo/core.py", "tests/test_core.py"]
    assert project.source_files == ["src/demo/core.py"]
    assert project.test_files == ["tests/test_core.py"]
    assert project.extra == {"owner": "kept"}
    assert project.variants["v"].also == ("tests/test_core.py",)
