"""Sources: local paths and PyPI specs, with clear errors for missing or empty ones."""

from pathlib import Path

import pytest

from punie_mine.sources import SourceError, resolve_source


def test_local_path_resolves_and_reports_nothing_missing(minirepo: Path, tmp_path: Path) -> None:
    resolved = resolve_source(str(minirepo), tmp_path / "cache")
    assert resolved.root == minirepo.resolve()
    assert resolved.origin == "path"
    assert resolved.missing == []


def test_missing_parts_are_reported(minirepo: Path, tmp_path: Path) -> None:
    import shutil

    shutil.rmtree(minirepo / "docs")
    shutil.rmtree(minirepo / "tests")
    assert resolve_source(str(minirepo), tmp_path / "c").missing == ["tests", "docs"]


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such directory"):
        resolve_source(str(tmp_path / "nowhere"), tmp_path / "cache")


def test_empty_source_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no code here")
    with pytest.raises(SourceError, match="no Python files"):
        resolve_source(str(tmp_path / "empty"), tmp_path / "cache")


def test_pypi_spec_without_a_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="names no package"):
        resolve_source("pypi:", tmp_path / "cache")
