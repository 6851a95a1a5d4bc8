"""Every workspace project against the real tools, through the loader (FORMAT.md): the clean
state is clean; each variant makes the tool it names report exactly `expect`, and the other
tools exactly `also` when given; each feature's new test fails before and passes after; each
refactor keeps the tests green and ruff/ty clean. Also: the loader's format errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_datagen.execute import materialize
from punie_datagen.workspaces import (
    KINDS,
    WorkspaceFormatError,
    apply_edits,
    load_project,
    load_projects,
    workspace_files,
)
from punie_tools.runners import pytest_run, ruff_check, typecheck

PROJECTS = load_projects()


def _root(tmp_path: Path, files: dict[str, str]) -> Path:
    materialize(files, tmp_path)
    return tmp_path


def _ruff(root: Path) -> set[str]:
    result = ruff_check(".", cwd=root)
    assert result.tool_error is None, result.tool_error
    return {v.code for v in result.violations}


def _ty(root: Path) -> set[str]:
    result = typecheck(".", cwd=root)
    assert result.tool_error is None, result.tool_error
    return {e.code for e in result.errors}


def _failing(root: Path) -> tuple[set[str], int]:
    result = pytest_run(".", cwd=root)
    assert result.tool_error is None, result.tool_error
    return {f.test_id for f in result.failures}, result.passed


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_clean_project_passes_every_tool(tmp_path: Path, name: str) -> None:
    project = PROJECTS[name]
    root = _root(tmp_path, dict(project.files))
    assert _ruff(root) == set()
    assert _ty(root) == set()
    failing, passed = _failing(root)
    assert failing == set() and passed >= 3
    assert project.source_files and project.test_files


VARIANTS = sorted((p, v) for p in PROJECTS for v in PROJECTS[p].variants)


@pytest.mark.parametrize(("name", "variant"), VARIANTS)
def test_variant_plants_what_it_claims(tmp_path: Path, name: str, variant: str) -> None:
    planted = PROJECTS[name].variants[variant]
    root = _root(tmp_path, PROJECTS[name].with_variants((variant,)))
    found = {"ruff": _ruff(root), "ty": _ty(root), "pytest": _failing(root)[0]}
    if planted.reveals == "none":  # a problem no tool reports (missing annotations)
        assert found == {"ruff": set(), "ty": set(), "pytest": set()}
        return
    assert planted.expect and found[planted.reveals] == set(planted.expect)
    if planted.also:  # expect + also is everything the planted problem causes
        others = set().union(*(v for k, v in found.items() if k != planted.reveals))
        assert others == set(planted.also)


def test_every_kind_of_problem_is_planted_somewhere() -> None:
    kinds = {v.kind for p in PROJECTS.values() for v in p.variants.values()}
    required = set(KINDS) - {
        "unused_variable",
        "mutable_default",
        "bare_except",
        "missing_attribute",
    }
    assert required <= kinds


FEATURES = sorted((p, f.name) for p in PROJECTS for f in PROJECTS[p].features)


@pytest.mark.parametrize(("name", "feature"), FEATURES)
def test_feature_test_fails_before_and_passes_after(
    tmp_path: Path, name: str, feature: str
) -> None:
    project = PROJECTS[name]
    spec = next(f for f in project.features if f.name == feature)
    files = {**project.files, spec.test_file: spec.test}
    before = _root(tmp_path / "before", files)
    failing, _ = _failing(before)
    assert any(t.startswith(spec.test_file) for t in failing), failing
    files[spec.file] += spec.implementation
    after = _root(tmp_path / "after", files)
    assert _failing(after)[0] == set()
    assert _ruff(after) == set() and _ty(after) == set()


REFACTORS = sorted((p, r.name) for p in PROJECTS for r in PROJECTS[p].refactors)


@pytest.mark.parametrize(("name", "refactor"), REFACTORS)
def test_refactor_keeps_behaviour_and_checks(tmp_path: Path, name: str, refactor: str) -> None:
    project = PROJECTS[name]
    spec = next(r for r in project.refactors if r.name == refactor)
    files = apply_edits(project.files, spec.edits, refactor)
    assert files != dict(project.files)
    root = _root(tmp_path, files)
    failing, passed = _failing(root)
    assert failing == set() and passed >= 1
    assert _ruff(root) == set() and _ty(root) == set()


def test_workspace_files_rebuilds_a_planted_workspace() -> None:
    name, variant = VARIANTS[0]
    files = workspace_files({"project": name, "variants": [variant], "extra": {"notes.txt": "x"}})
    assert files["notes.txt"] == "x"
    assert files == {**PROJECTS[name].with_variants((variant,)), "notes.txt": "x"}
    with pytest.raises(KeyError):
        workspace_files({"project": name, "variants": ["no-such-variant"]})


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
        (HEAD + '[[features]]\nname = "f"\nfile = "src/demo/core.py"\ntest_file = "tests/test_core.py"\n'
         'spec = "s"\ntest = "t"\nimplementation = "i"\n', "must be NEW"),
        (HEAD + "[[variants]\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_format_errors_name_the_problem(tmp_path: Path, toml: str, problem: str) -> None:
    with pytest.raises(WorkspaceFormatError, match=problem):
        load_project(_project_dir(tmp_path, toml))


def test_a_valid_folder_loads_with_its_files_but_not_its_metadata(tmp_path: Path) -> None:
    folder = _project_dir(tmp_path, HEAD + 'summary = "s"\nowner = "kept"\n')
    (folder / "src" / "demo" / "__pycache__").mkdir()
    (folder / "src" / "demo" / "__pycache__" / "core.cpython-311.pyc").write_bytes(b"\0")
    project = load_project(folder)
    assert sorted(project.files) == ["src/demo/core.py", "tests/test_core.py"]
    assert project.source_files == ["src/demo/core.py"]
    assert project.test_files == ["tests/test_core.py"]
    assert project.extra == {"owner": "kept"}
