"""The workspace library against the real tools: clean projects are clean; each variant plants
exactly the kind of problem it claims to."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_datagen.execute import materialize
from punie_datagen.workspaces import PROJECTS, VARIANTS, paths, variant_files
from punie_tools.runners import pytest_run, ruff_check, typecheck

EXPECTED = {  # variant -> (ruff codes, ty rule names, tests must fail?)
    "unused_import": ({"F401"}, set(), False),
    "long_line": ({"E501"}, set(), False),
    "undefined_name": ({"F821"}, {"unresolved-reference"}, None),
    "wrong_return": (set(), {"invalid-explicit-return"}, None),
    "bad_argument": (set(), {"invalid-argument-type"}, None),
    "legacy_typing": ({"UP035", "UP006"}, set(), False),
    "logic_bug": (set(), set(), True),
    "broken_test_import": (None, None, True),  # ruff may also see the bad import; not checked
}


def _workspace(tmp_path: Path, project: str, variants: tuple[str, ...] = ()) -> Path:
    materialize(variant_files(project, variants), tmp_path)
    return tmp_path


@pytest.mark.parametrize("project", sorted(PROJECTS))
def test_clean_project_passes_every_tool(tmp_path: Path, project: str) -> None:
    root = _workspace(tmp_path, project)
    ruff = ruff_check(".", cwd=root)
    assert ruff.tool_error is None and ruff.success, ruff.violations
    ty = typecheck(".", cwd=root)
    assert ty.tool_error is None and ty.success, ty.errors
    tests = pytest_run("tests", cwd=root)
    assert tests.tool_error is None and tests.success and tests.passed >= 3, tests.failures


CASES = sorted((p, v) for p in PROJECTS for v in VARIANTS[p] if v in EXPECTED)


@pytest.mark.parametrize(("project", "variant"), CASES)
def test_variant_plants_what_it_claims(tmp_path: Path, project: str, variant: str) -> None:
    root = _workspace(tmp_path, project, (variant,))
    module, _ = paths(project)
    ruff_codes, ty_rules, tests_fail = EXPECTED[variant]
    if ruff_codes is not None:
        ruff = ruff_check(".", cwd=root)
        assert ruff.tool_error is None
        found = {v.code for v in ruff.violations}
        if ruff_codes:  # the planted codes are there (a typo may also leave e.g. an F841 behind)
            assert ruff_codes <= found, found
        else:  # a type-only or test-only problem leaves ruff clean
            assert not found, found
    if ty_rules is not None:
        ty = typecheck(module, cwd=root)
        assert ty.tool_error is None
        assert {e.code for e in ty.errors} == ty_rules
    if tests_fail is not None:
        result = pytest_run("tests", cwd=root)
        assert result.tool_error is None
        assert result.success is (not tests_fail), result.failures
