"""`punie-mine git:file://…@SHA` and `punie-mine all` with git entries and explicit fallbacks."""

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from punie_mine import sources
from punie_mine.cli import app

UNREACHABLE = "http://127.0.0.1:9/nothing.git"  # loopback port 9: refused at once, no network


def test_mine_a_git_source_then_verify_it(bare_repo, tmp_path: Path) -> None:
    bare, (first, _) = bare_repo
    out = tmp_path / "mini.jsonl"
    cache = tmp_path / "cache"
    spec = f"git:file://{bare}@{first}"
    args = ["mine", spec, "--name", "mini", "--out", str(out), "--cache", str(cache)]
    result = CliRunner().invoke(app, [*args, "--targets", "code=3,concepts=2", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["counts"] == {"code": 3, "concepts": 2}
    assert summary["source"].startswith(f"git file://{bare} @ {first[:12]}")
    examples = [json.loads(line) for line in out.read_text().splitlines()]
    assert {e["meta"]["workspace"]["commit"] for e in examples} == {first}
    report = json.loads(out.with_suffix(".report.json").read_text())
    assert (report["origin"], report["commit"]) == ("git", first)
    shutil.rmtree(bare)  # verify reads the cached clone: no host needed
    checked = CliRunner().invoke(app, ["verify", str(out), "--cache", str(cache), "--json"])
    assert checked.exit_code == 0, checked.output
    assert json.loads(checked.stdout) | {"problem_lines": []} == {
        "examples": 5,
        "spans": json.loads(checked.stdout)["spans"],
        "clairvoyant": 0,
        "problems": 0,
        "problem_lines": [],
    }


def test_unreachable_host_is_one_line_on_stderr_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["mine", f"git:{UNREACHABLE}@abc1234", "--name", "x", "--out", str(tmp_path / "x.jsonl"),
              "--cache", str(tmp_path / "c")],
    )  # fmt: skip
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot reach {UNREACHABLE}")


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(body)
    return path


@pytest.fixture
def fake_pypi(minirepo: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """PyPI is not reachable from tests: the sdist download returns the fixture tree instead.

    The real download is exercised by `nox -s phase24` (PyPI is reachable there); this fake only
    stands in for the network, so the fallback decision itself runs for real.
    """
    asked: list[str] = []

    def fetch(requirement: str, cache: Path) -> Path:
        asked.append(requirement)
        return minirepo

    monkeypatch.setattr(sources, "_fetch_sdist", fetch)
    return asked


def test_unreachable_git_falls_back_to_pypi_only_where_the_entry_says_so(
    tmp_path: Path, fake_pypi: list[str]
) -> None:
    config = _config(
        tmp_path,
        f'[sources.withfallback]\ngit = "{UNREACHABLE}"\nrev = "abc1234"\npypi = "mini==1.0"\n'
        'fallback = "pypi"\ntargets = "code=2"\n\n'
        f'[sources.nofallback]\ngit = "{UNREACHABLE}"\nrev = "abc1234"\npypi = "mini==1.0"\n'
        'targets = "code=2"\n',
    )
    out = tmp_path / "mined"
    result = CliRunner().invoke(
        app,
        [
            "all",
            "--sources",
            str(config),
            "--out",
            str(out),
            "--cache",
            str(tmp_path / "c"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert fake_pypi == ["mini==1.0"]  # asked once: for the entry with the fallback only
    rows = {r["name"]: r for r in json.loads(result.stdout.strip().splitlines()[-1])["sources"]}
    assert rows["withfallback"]["source"] == "pypi:mini==1.0"
    assert rows["withfallback"]["note"].startswith("fallback: git host unreachable")
    assert rows["withfallback"]["counts"] == {"code": 2}
    assert rows["nofallback"]["source"] is None
    assert rows["nofallback"]["note"] == "skipped: git host unreachable, no fallback"
    assert not (out / "nofallback.jsonl").exists()
    assert json.loads((out / "sources.json").read_text())["sources"][0]["name"] == "withfallback"


def test_a_bad_revision_does_not_fall_back(bare_repo, tmp_path: Path, fake_pypi: list[str]) -> None:
    bare, _ = bare_repo
    config = _config(
        tmp_path,
        f'[sources.mini]\ngit = "file://{bare}"\nrev = "{"0" * 40}"\npypi = "mini"\n'
        'fallback = "pypi"\ntargets = "code=1"\n',
    )
    result = CliRunner().invoke(
        app,
        [
            "all",
            "--sources",
            str(config),
            "--out",
            str(tmp_path / "o"),
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 2  # nothing could be mined
    assert fake_pypi == []
    assert "is not in" in result.output


def test_table_says_where_each_repository_came_from(bare_repo, tmp_path: Path) -> None:
    bare, (first, _) = bare_repo
    config = _config(
        tmp_path,
        f'[sources.mini]\ngit = "file://{bare}"\nrev = "{first}"\ntargets = "code=1,tools=1"\n',
    )
    result = CliRunner().invoke(
        app,
        [
            "all",
            "--sources",
            str(config),
            "--out",
            str(tmp_path / "o"),
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "git file://" in result.stdout and first[:12] in result.stdout
    assert "counts are reduced" not in result.stdout
