"""The phase documents are written from artefacts: every number must come from a file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie_eval.phase_docs import IncompleteArtefacts, write_docs


def _artefacts(tmp_path: Path, *, val_loss: float, passed: int) -> tuple[Path, Path]:
    data = tmp_path / "data"
    run = tmp_path / "runs" / "smoke"
    (run / "eval" / "heldout").mkdir(parents=True)
    data.mkdir(exist_ok=True)
    manifest = {
        "total": 1234,
        "splits": {"train": 987, "valid": 123, "test": 124},
        "distinct_request_ratio": 0.987,
        "by_group_category": {"ruff_check": {"simple": 17, "direct": 11}, "mined": {"code": 15}},
        "verify": {"checked": 200, "mismatches": 0},
    }
    (data / "manifest.json").write_text(json.dumps(manifest))
    summary = {
        "model": "data/models/smoke",
        "backend": "cpu",
        "iterations": 300,
        "final_val_loss": val_loss,
        "target_val_loss": 0.8,
        "target_met": val_loss < 0.8,
        "perplexity": 4.56,
        "train_seconds": 181.5,
        "peak_memory_bytes": 512 * 2**20,
        "fused_bytes": 20 * 2**20,
        "quantized_bytes": 7 * 2**20,
    }
    (run / "summary.json").write_text(json.dumps(summary))
    metrics = [
        {"iteration": 10, "train_loss": 6.5},
        {"iteration": 0, "val_loss": 7.25},
        {"iteration": 300, "train_loss": 1.75, "val_loss": val_loss},
    ]
    (run / "metrics.jsonl").write_text("\n".join(json.dumps(m) for m in metrics) + "\nnot json\n")
    report = {
        "backend": "mlx:runs/smoke/quantized",
        "overall": {
            "title": "Overall",
            "passed": passed,
            "total": 20,
            "threshold": 19,
            "met": False,
        },
        "categories": {
            "single_tool": {
                "title": "Single-tool",
                "passed": passed,
                "total": 8,
                "threshold": 8,
                "met": passed >= 8,
            },
        },
        "queries": [
            {
                "id": "q01",
                "category": "single_tool",
                "request": "Check types in src/punie/agent/",
                "passed": False,
                "turns": 1,
                "latency_s": 0.5,
                "why": "no tool call | garbage",
            },
        ],
    }
    (run / "eval" / "report.json").write_text(json.dumps(report))
    heldout = {"total": 124, "tool_choice_accuracy": 0.125, "format_validity_rate": 0.5}
    (run / "eval" / "heldout" / "report.json").write_text(json.dumps(heldout))
    return data, run


def test_numbers_come_from_the_artefacts(tmp_path: Path) -> None:
    data, run = _artefacts(tmp_path, val_loss=2.345, passed=3)
    out = tmp_path / "docs"
    progress, plan = write_docs(data=data, run=run, profile="smoke", out=out)
    text = progress.read_text()
    assert "profile **smoke**" in text
    assert "**1,234**" in text  # total examples from the manifest
    assert "200 examples re-run in the sandbox, 0 mismatches" in text
    assert "2.345 (target < 0.8: not met)" in text
    assert "6.500 (it 10)" in text and "1.750 (it 300)" in text  # first / last train loss
    assert "512.0 MiB" in text and "7.0 MiB" in text
    assert "Overall **3/20**" in text
    assert "no tool call \\| garbage" in text  # table cells are escaped
    assert "tool-choice accuracy 12.5%" in text
    assert "This is the first recorded run." in text
    plan_text = plan.read_text()
    assert "--profile phase25-7b" in plan_text
    assert "2.345, above the < 0.8 target" in plan_text
    assert "Single-tool' passed 3/8" in plan_text
    assert "50.0% of held-out replies" in plan_text


def test_second_run_is_compared_with_the_first(tmp_path: Path) -> None:
    data, run = _artefacts(tmp_path, val_loss=2.5, passed=2)
    out = tmp_path / "docs"
    write_docs(data=data, run=run, profile="smoke", out=out)
    data, run = _artefacts(tmp_path / "second", val_loss=0.75, passed=8)
    progress, plan = write_docs(data=data, run=run, profile="smoke", out=out)
    text = progress.read_text()
    assert "| final_val_loss | 2.500 | 0.750 |" in text
    assert "| queries_passed | 2 | 8 |" in text
    assert "above the < 0.8 target" not in plan.read_text()


def test_missing_artefacts_say_which_stage_to_run_and_nothing_is_written(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "phase24-progress.md").write_text("# Phase 24 progress\n\nthe committed one\n")
    with pytest.raises(IncompleteArtefacts) as caught:
        write_docs(
            data=tmp_path / "nothing",
            run=tmp_path / "runs" / "none",
            profile="smoke",
            out=out,
        )
    message = str(caught.value)
    for stage in ("data", "train", "eval"):
        assert f"run `nox -s {stage}`" in message
    assert [p.name for p in out.iterdir()] == ["phase24-progress.md"]
    assert "the committed one" in (out / "phase24-progress.md").read_text()


def test_an_eval_report_with_an_error_is_not_an_artefact(tmp_path: Path) -> None:
    data, run = _artefacts(tmp_path, val_loss=2.0, passed=0)
    report = json.loads((run / "eval" / "report.json").read_text())
    (run / "eval" / "report.json").write_text(json.dumps({**report, "error": "cannot reach X"}))
    with pytest.raises(IncompleteArtefacts, match="records an infrastructure error"):
        write_docs(data=data, run=run, profile="smoke", out=tmp_path / "docs")
    assert not (tmp_path / "docs").exists()


def test_a_served_model_needs_no_training_summary(tmp_path: Path) -> None:
    data, run = _artefacts(tmp_path, val_loss=2.0, passed=1)
    (run / "summary.json").unlink()
    with pytest.raises(IncompleteArtefacts, match="no training summary"):
        write_docs(data=data, run=run, profile="smoke", out=tmp_path / "docs")
    report = json.loads((run / "eval" / "report.json").read_text())
    served = {**report, "backend": "openai:http://127.0.0.1:8080/v1"}
    (run / "eval" / "report.json").write_text(json.dumps(served))
    progress, _ = write_docs(data=data, run=run, profile="smoke", out=tmp_path / "docs")
    assert "Overall **1/20**" in progress.read_text()
