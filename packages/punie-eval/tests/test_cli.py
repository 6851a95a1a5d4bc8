"""The punie-eval command line: run, compare, heldout; exit codes 0 met / 1 missed / 2 error."""

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
    assert "--checkpoints" in runner.invoke(app, ["heldout", "--help"]).output


def test_run_writes_reports_and_exit_code_follows_thresholds(suite: Suite, tmp_path: Path) -> None:
    out = tmp_path / "oracle"
    args = ["run", "--backend", "oracle", "--suite", str(suite.root), "--out", str(out)]
    ok = runner.invoke(app, [*args, "--only", "single-lint", "--only", "single-protocol"])
    assert ok.exit_code == 0, ok.output
    report = json.loads((out / "report.json").read_text())
    assert report["schema"] == "punie-eval/report/v2" and report["partial"] is True
    assert [q["id"] for q in report["queries"]] == ["single-lint", "single-protocol"]
    assert (report["temperature"], report["seed"], report["max_tokens"]) == (0.0, 0, 1024)
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
    assert "FAIL single-lint" in failed.output
    assert runner.invoke(app, [*bad_args, "--no-fail"]).exit_code == 0
    md = (bad_out / "report.md").read_text()
    assert "Answer:" in md and "> It looks fine." in md and "Why it failed:" in md

    compared = runner.invoke(app, ["compare", str(out), str(bad_out)])
    assert compared.exit_code == 0
    assert "single-lint" in compared.output and "pass" in compared.output


def test_usage_and_infrastructure_errors_exit_2(suite: Suite, tmp_path: Path) -> None:
    base = ["run", "--suite", str(suite.root), "--out", str(tmp_path / "o")]
    result = runner.invoke(app, [*base, "--backend", "nonsense:x"])
    assert result.exit_code == 2 and "unknown backend" in result.output
    assert not (tmp_path / "o").exists()  # caught before any work: nothing written
    result = runner.invoke(app, [*base, "--backend", "oracle", "--only", "no-such-query"])
    assert result.exit_code == 2 and "unknown query id no-such-query" in result.output
    result = runner.invoke(app, [*base, "--backend", "openai:http://127.0.0.1:9/v1"])
    assert result.exit_code == 2 and "cannot reach" in result.output
    missing = runner.invoke(
        app, ["run", "--backend", "oracle", "--suite", str(tmp_path), "--out", str(tmp_path / "m")]
    )
    assert missing.exit_code == 2 and "no suite" in missing.output


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
    assert "baseline" in result.output or "always answer directly" in result.output
    missing = runner.invoke(
        app, ["heldout", "--backend", "oracle", "--data", str(tmp_path / "none.jsonl")]
    )
    assert missing.exit_code == 2
    no_run = runner.invoke(
        app,
        [
            "heldout",
            "--backend",
            "mlx:x",
            "--checkpoints",
            str(tmp_path / "nope"),
            "--data",
            str(data),
            "--out",
            str(tmp_path / "c"),
        ],
    )
    assert no_run.exit_code == 2 and "no adapters directory" in no_run.output
