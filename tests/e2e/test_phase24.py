"""Every stage of the phase pipeline, in order, on the reduced configuration.

Runs the real `nox -s phase24 -- --reduced --force` (mine → data → learn-check → train → select
→ fuse → quantize → eval → docs) and checks each stage's artefacts, so the noxfile's wiring is
tested too: learn-check on the real built data, the gate before training, the checks after fuse
and quantize, the checkpoint choice by behaviour, and docs refusing artefacts from different runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / ".punie-cache" / "reduced"
RUN = BASE / "runs" / "smoke"
LEARN = BASE / "runs" / "learn-check"  # one per dataset, shared by every run


def test_phase24_runs_every_stage_in_order() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            "phase24",
            "--",
            "--reduced",
            "--force",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log[-6000:]
    stages = ["mine", "data", "learn-check", "train", "select", "fuse", "quantize", "eval", "docs"]
    positions = [log.index(f"[{stage}] done") for stage in stages]
    assert positions == sorted(positions), "stages did not run in order"

    # mine: the local fixture repository was mined; the missing source was skipped
    mined = (BASE / "data" / "mined" / "minirepo.jsonl").read_text().splitlines()
    assert len(mined) == 9
    assert "skipping absent" in log

    # data: a split dataset with a manifest that counts the mined examples
    manifest = json.loads((BASE / "data" / "phase24" / "manifest.json").read_text())
    assert manifest["total"] == sum(manifest["splits"].values())
    assert manifest["by_group_category"]["mined"]
    for split in ("train", "valid", "test"):
        assert (BASE / "data" / "phase24" / f"{split}.jsonl").stat().st_size > 0

    # learn-check: the smoke model fits a slice of the real data, through fuse and 5 bits
    learn = json.loads((LEARN / "learn-check.json").read_text())
    assert learn["model_stage"] == "quantized" and learn["quantize_bits"] == 5
    assert learn["examples"] >= 16
    assert set(learn["groups"]) == set(manifest["by_group_category"])
    assert learn["tool_choice_accuracy"] >= 0.9
    assert learn["final_loss"] <= 0.25 * learn["initial_loss"]
    # ... and scores exactly what punie-eval would score (train may not import eval)
    agree = subprocess.run(
        [
            str(ROOT / ".nox" / "_pipeline" / "bin" / "python"),
            str(Path(__file__).with_name("_learn_check_agrees.py")),
            str(BASE / "data" / "phase24"),
            str(LEARN),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    agreement = json.loads(agree.stdout.strip().splitlines()[-1])
    assert agreement["examples_checked"] == manifest["total"]
    assert agreement["expected_mismatches"] == []
    assert agreement["prompt_equal"] is True
    assert agreement["eval_predicted"] == agreement["learn_check_predicted"]

    # train ran the gate first, every example measured and none dropped; fuse and quantize
    # checked and recorded their models
    summary = json.loads((RUN / "summary.json").read_text())
    assert summary["iterations"] == 4
    lengths = summary["lengths"]
    assert lengths["train"]["dropped_sequences"] == lengths["valid"]["dropped_sequences"] == 0
    assert lengths["train"]["max"] <= lengths["max_seq_length"]
    assert summary["fused_bytes"] > 0 and summary["quantized_bytes"] > 0
    assert (RUN / "quantized" / "config.json").is_file()
    gate = json.loads((RUN / "gate.json").read_text())
    assert gate["passed"] is True and gate["assistant_turns"] > gate["examples"]
    assert "gate: passed" in log
    for key in ("fused_check", "quantized_check"):
        check = summary[key]
        assert check["end_of_turn"] == "<|im_end|>" and check["generate"] == "done"
        assert len(check["stops"]) == 3 and check["stop_policy"] == "report"
    assert summary["quantize_bits"] == 5 and summary["quantize_group_size"] == 64  # the profile's
    # the checkpoint choice: best by loss always, best by behaviour once select has run
    assert summary["best_by_loss"]["file"] in {
        "0000003_adapters.safetensors",
        "adapters.safetensors",
    }
    chosen = summary["best_by_behaviour"]["file"]
    assert (RUN / "eval" / "checkpoints" / "checkpoints.json").is_file()
    assert summary["fused_checkpoint"]["file"] == chosen
    assert summary["fused_checkpoint"]["choice"] == "best-behaviour"
    provenance = json.loads((RUN / "quantized" / "punie-model.json").read_text())
    assert provenance["run_id"] == summary["run_id"]

    # eval: all 20 queries scored (the smoke model is expected to fail them)
    report = json.loads((RUN / "eval" / "report.json").read_text())
    assert len(report["queries"]) == 20
    assert (RUN / "eval" / "heldout" / "report.json").is_file()

    # docs: written from the artefacts, naming the numbers they hold
    progress = (BASE / "docs" / "phase24-progress.md").read_text()
    assert f"**{manifest['total']:,}**" in progress
    assert f"Overall **{report['overall']['passed']}/20**" in progress
    assert "profile **smoke**" in progress
    assert "## Learn-check" in progress and "**passed**" in progress
    assert f"{learn['tool_choice_accuracy']:.1%}" in progress
    assert "sequences dropped for length | 0 " in progress
    assert "phase25-7b" in (BASE / "docs" / "phase25-plan.md").read_text()

    # a second run skips every stage whose inputs did not change
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            "phase24",
            "--",
            "--reduced",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert again.returncode == 0, (again.stdout + again.stderr)[-4000:]
    for stage in stages:
        assert f"[{stage}] up to date" in again.stdout + again.stderr

    # docs refuse models that name different training runs
    original = (RUN / "summary.json").read_text()
    try:
        (RUN / "summary.json").write_text(
            json.dumps({**summary, "run_id": "0123456789ab"}, indent=2)
        )
        mixed = _nox("docs", "--reduced")
        log = mixed.stdout + mixed.stderr
        assert mixed.returncode != 0
        assert "[docs] refuses artefacts from different runs: summary.json run_id 0123456789ab" in (
            log
        )
        assert "[docs] done" not in log
    finally:
        (RUN / "summary.json").write_text(original)


def _nox(session: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py"), "-s", session, "--", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
