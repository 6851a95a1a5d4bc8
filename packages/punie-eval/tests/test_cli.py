"""The punie-eval command line: run, compare, heldout; exit codes follow the thresholds."""

from __future__ import annotations

import json
from pathlib import Path

from heldout_data import write_heldout_file
from typer.testing import CliRunner

from punie_eval.cli import app
from punie_eval.suite import Suite

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("run", "compare", "heldout"):
        assert command in result.output


def test_run_writes_reports_and_exit_code_follows_thresholds(suite: Suite, tmp_path: Path) -> None:
    out = tmp_path / "oracle"
    args = ["run", "--backend", "oracle", "--suite", str(suite.root), "--out", str(out)]
    ok = runner.invoke(app, [*args, "--only", "single-lint", "--only", "single-protocol"])
    assert ok.exit_code == 0, ok.output
    report = json.loads((out / "report.json").read_text())
    assert report["schema"] == "punie-eval/report/v1"
    assert [q["id"] for q in report["queries"]] == ["single-lint", "single-protocol"]
    assert "| Lint src/punie/agent/ | single_tool | pass |" in (out / "report.md").read_text()

    bad_out = tmp_path / "bad"
    replies = tmp_path / "replies.jsonl"
    replies.write_text(
        json.dumps({"request": "Lint src/punie/agent/", "outputs": [{"text": "It looks fine."}]})
        + "\n"
    )
    bad_args = [
        "run",
        "--backend",
        f"replay:{replies}",
        "--suite",
        str(suite.root),
        "--out",
        str(bad_out),
        "--only",
        "single-lint",
    ]
    failed = runner.invoke(app, bad_args)
    assert failed.exit_code == 1
    assert runner.invoke(app, [*bad_args, "--no-fail"]).exit_code == 0

    compared = runner.invoke(app, ["compare", str(out), str(bad_out)])
    assert compared.exit_code == 0
    assert (
        "single-lint" in compared.output and "pass" in compared.output and "fail" in compared.output
    )


def test_bad_backend_spec_exits_2(suite: Suite, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["run", "--backend", "nonsense:x", "--suite", str(suite.root), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2 and "unknown backend" in result.output


def test_heldout_command(tmp_path: Path) -> None:
    data = write_heldout_file(tmp_path / "test.jsonl")
    replies = tmp_path / "r.jsonl"
    replies.write_text(
        json.dumps({"request": "What does E501 mean?", "outputs": [{"text": "Line too long."}]})
        + "\n"
    )
    result = runner.invoke(
        app,
        [
            "heldout",
            "--backend",
            f"replay:{replies}",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "h"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "h" / "report.json").read_text())
    assert report["total"] == 3 and report["tool_choice_accuracy"] == 1 / 3
    missing = runner.invoke(
        app, ["heldout", "--backend", "oracle", "--data", str(tmp_path / "none.jsonl")]
    )
    assert missing.exit_code == 2
