"""The progress document shows punie-train's learn-check and token-length figures from files."""

from __future__ import annotations

import json
from pathlib import Path

from _complete_run import complete_eval_side

from punie_eval.phase_docs import write_docs


def _run(tmp_path: Path, *, passed: bool, dropped: int, allow_drop: bool) -> Path:
    run = tmp_path / "runs" / "smoke"
    (run / "learn-check").mkdir(parents=True)
    split = {"examples": 842, "sequences": 1683, "max": 2831, "p95": 1801, "p50": 1392}
    summary = {
        "iterations": 40,
        "final_val_loss": 7.5,
        "lengths": {
            "max_seq_length": 4096,
            "allow_drop": allow_drop,
            "train": {**split, "dropped_sequences": dropped},
            "valid": {**split, "max": 2890, "dropped_sequences": 0},
        },
    }
    (run / "summary.json").write_text(json.dumps(summary))
    report = {
        "examples": 16,
        "tool_choice_accuracy": 0.9375 if passed else 0.25,
        "initial_loss": 8.101,
        "final_loss": 0.027,
        "loss_ratio": 0.0034,
        "model_stage": "quantized",
        "quantize_bits": 5,
        "seconds": 251.0,
        "cpu_seconds": 402.0,
        "load_average": [0.4, 1.9],
        "cpu_count": 2,
        "targets": {"tool_choice_accuracy": 0.9, "loss_ratio": 0.25, "seconds": 300},
        "met": {"tool_choice_accuracy": passed, "loss_ratio": True, "seconds": True},
        "passed": passed,
        "groups": {
            "base": {"examples": 4, "correct": 3},
            "workflow": {"examples": 3, "correct": 3},
        },
    }
    (run / "learn-check" / "learn-check.json").write_text(json.dumps(report))
    complete_eval_side(tmp_path / "data", run)
    return run


def test_learn_check_and_lengths_are_shown(tmp_path: Path) -> None:
    run = _run(tmp_path, passed=True, dropped=0, allow_drop=False)
    progress, _ = write_docs(data=tmp_path / "data", run=run, profile="smoke", out=tmp_path / "d")
    text = progress.read_text()
    assert "## Learn-check" in text and "**passed**" in text
    assert "93.8%" in text and "8.101 → 0.027" in text
    assert "251 s / 402 s (load 0.4 on 2 CPUs)" in text
    assert "| base | 3/4 |" in text
    assert "| max_seq_length | 4,096 |" in text
    assert "2,831 / 1,801 / 1,392" in text and "2,890 /" in text
    assert "| sequences dropped for length | 0 (an error without --allow-drop) |" in text


def test_a_failed_learn_check_and_allowed_drops_are_visible(tmp_path: Path) -> None:
    run = _run(tmp_path, passed=False, dropped=14, allow_drop=True)
    progress, _ = write_docs(data=tmp_path / "data", run=run, profile="smoke", out=tmp_path / "d")
    text = progress.read_text()
    assert "**failed**" in text and "25.0%" in text
    assert "| sequences dropped for length | 14 (allowed by --allow-drop) |" in text


def test_missing_learn_check_says_which_stage_to_run(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "x"
    complete_eval_side(tmp_path / "data", run)
    (run / "summary.json").write_text(json.dumps({"iterations": 4, "final_val_loss": 7.5}))
    progress, _ = write_docs(
        data=tmp_path / "data", run=tmp_path / "runs" / "x", profile="smoke", out=tmp_path / "d"
    )
    assert "(`nox -s learn-check` writes one)" in progress.read_text()


def test_learn_check_beside_the_runs_is_read_when_named(tmp_path: Path) -> None:
    """The pipeline keeps one learn-check per dataset (runs/learn-check) and names it."""
    run = _run(tmp_path, passed=True, dropped=0, allow_drop=False)
    shared = tmp_path / "runs" / "learn-check"
    (run / "learn-check").rename(shared)
    unnamed, _ = write_docs(data=tmp_path / "data", run=run, profile="smoke", out=tmp_path / "a")
    assert "(`nox -s learn-check` writes one)" in unnamed.read_text()
    named, _ = write_docs(
        data=tmp_path / "data",
        run=run,
        profile="smoke",
        out=tmp_path / "b",
        learn_check=shared / "learn-check.json",
    )
    assert "## Learn-check" in named.read_text() and "93.8%" in named.read_text()
