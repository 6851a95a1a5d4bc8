"""Sources: local paths, git repositories (local bare ones, via file://) and PyPI specs."""

import shutil
import subprocess
from pathlib import Path

import pytest

from punie_mine.sources import GitUnreachableError, SourceError, parse_git_spec, resolve_source


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


# --------------------------------------------------------------------------- git sources


def test_git_spec_parsing() -> None:
    assert parse_git_spec("git:https://example.org/a/b@1234abc") == (
        "https://example.org/a/b",
        "1234abc",
    )
    assert parse_git_spec("git:https://example.org/a/b") == ("https://example.org/a/b", None)
    assert parse_git_spec("git:git@example.org:a/b.git") == ("git@example.org:a/b.git", None)
    assert parse_git_spec("git:git@example.org:a/b.git@v1.0") == ("git@example.org:a/b.git", "v1.0")
    with pytest.raises(SourceError, match="names no repository"):
        parse_git_spec("git:")


def test_git_source_is_cloned_at_the_pinned_revision(bare_repo, tmp_path: Path) -> None:
    bare, (first, second) = bare_repo
    cache = tmp_path / "cache"
    old = resolve_source(f"git:file://{bare}@{first}", cache)
    assert old.origin == "git" and old.commit == first
    assert not (old.root / "src" / "minirepo" / "extra.py").exists()  # added in the second commit
    assert (old.root / "src" / "minirepo" / "nodes.py").is_file()
    shallow = subprocess.run(
        ["git", "rev-parse", "--is-shallow-repository"],
        cwd=old.root,
        capture_output=True,
        text=True,
    )
    assert shallow.stdout.strip() == "true"
    new = resolve_source(f"git:file://{bare}@{second}", cache)
    assert new.commit == second and (new.root / "src" / "minirepo" / "extra.py").is_file()
    assert new.root != old.root  # cached per URL and revision
    head = resolve_source(f"git:file://{bare}", cache)
    assert head.commit == second


def test_git_source_reruns_offline_from_the_cache(bare_repo, tmp_path: Path) -> None:
    bare, (first, _) = bare_repo
    cache = tmp_path / "cache"
    spec = f"git:file://{bare}@{first}"
    before = resolve_source(spec, cache)
    shutil.rmtree(bare)  # the host is gone: the cache must do
    after = resolve_source(spec, cache)
    assert (after.root, after.commit) == (before.root, first)


def test_unreachable_git_host_is_a_one_line_error(tmp_path: Path) -> None:
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused at once.
    with pytest.raises(
        GitUnreachableError, match=r"^cannot reach http://127\.0\.0\.1:9/x\.git: "
    ) as info:
        resolve_source("git:http://127.0.0.1:9/x.git@0123abcd", tmp_path / "cache")
    assert "\n" not in str(info.value)
    assert not any((tmp_path / "cache").glob("git-*"))  # nothing half-done is left to be reused


def test_unknown_revision_is_a_clear_error_not_unreachable(bare_repo, tmp_path: Path) -> None:
    bare, _ = bare_repo
    with pytest.raises(SourceError, match="is not in") as info:
        resolve_source(f"git:file://{bare}@{'0' * 40}", tmp_path / "cache")
    assert not isinstance(info.value, GitUnreachableError)
