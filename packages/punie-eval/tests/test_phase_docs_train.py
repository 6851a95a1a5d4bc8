"""The train side of the phase documents: gates, checkpoint choice, checks, memory per stage."""

from __future__ import annotations

import json
from pathlib import Path

from _complete_run import complete_eval_side

from punie_eval.phase_docs import ARCHITECTURES, memory_estimates, write_docs


def _run(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    data.mkdir()
    (data / "manifest.json").write_text(json.dumps({"total": 10}))
    run = tmp_path / "runs" / "phase24"
    run.mkdir(parents=True)
    check = {
        "end_of_turn": "<|im_end|>",
        "end_of_turn_id": 2,
        "eos": {"config": [2, 0], "generation_config": [2, 0]},
        "patched": ["config.json: eos_token_id 0 -> [2, 0]"],
        "stop_policy": "require",
        "stop_tokens": 512,
        "generate": "done",
        "stopped": "3/3",
        "peak_memory_bytes": 7 * 2**20,
    }
    summary = {
        "model": "standin",
        "profile": "phase24",
        "backend": "cpu",
        "iterations": 2,
        "final_val_loss": 7.5,
        "peak_memory_bytes": 40 * 2**20,
        "best_by_loss": {"iteration": 2, "val_loss": 7.4375, "file": "adapters.safetensors"},
        "best_by_behaviour": {
            "file": "0000001_adapters.safetensors",
            "iteration": 1,
            "score": 0.625,
            "report": "runs/phase24/eval/checkpoints/checkpoints.json",
        },
        "fused_checkpoint": {
            "file": "0000001_adapters.safetensors",
            "iteration": 1,
            "choice": "best-behaviour",
        },
        "fused_dtype": "bfloat16",
        "fused_bytes": 3 * 2**20,
        "fuse_peak_memory_bytes": 26 * 2**20,
        "quantize_peak_memory_bytes": 12 * 2**20,
        "fused_check": check,
        "quantized_check": {**check, "patched": [], "stopped": "2/3", "stop_policy": "report"},
    }
    (run / "summary.json").write_text(json.dumps(summary))
    gate = {
        "passed": True,
        "examples": 10,
        "assistant_turns": 25,
        "delimiters": [
            {
                "role": "tool_call_open",
                "text": "<tool_call>",
                "ids": [5],
                "pieces": ["<tool_call>"],
            },
            {
                "role": "tool_response_open",
                "text": "<tool_response>",
                "ids": [1, 2, 3, 4, 5],
                "pieces": ["<", "tool", "_", "response", ">"],
            },
        ],
        "checks": [
            {"name": "rendered turns parse back", "ok": True, "severity": "fail", "detail": "25"},
            {
                "name": "tool-response delimiters are tokens",
                "ok": False,
                "severity": "warn",
                "detail": "'<tool_response>' is 5 pieces",
            },
        ],
    }
    (run / "gate.json").write_text(json.dumps(gate))
    complete_eval_side(data, run)
    return data, run


def test_progress_shows_gate_both_checkpoints_and_checks(tmp_path: Path) -> None:
    data, run = _run(tmp_path)
    write_docs(data=data, run=run, profile="phase24", out=tmp_path / "docs")
    progress = (tmp_path / "docs" / "phase24-progress.md").read_text()
    assert "Gate (`" in progress and "**passed**" in progress
    assert (
        "| tool_response_open | `<tool_response>` | 5 | `<` `tool` `_` `response` `>` |" in progress
    )
    assert "| tool-response delimiters are tokens | warn | '<tool_response>' is 5 pieces |" in (
        progress
    )
    assert "| best by validation loss | `adapters.safetensors` | 2 | validation loss 7.438 |" in (
        progress
    )
    assert "| best by held-out behaviour | `0000001_adapters.safetensors` | 1 | score 0.625" in (
        progress
    )
    assert "| fused | `0000001_adapters.safetensors` | 1 | best-behaviour |" in progress
    assert "patched config.json: eos_token_id 0 -> [2, 0]" in progress
    assert "stopped on 3/3 training prompts within 512 tokens (stop check: require)" in progress
    assert "stopped on 2/3 training prompts within 512 tokens (stop check: report)" in progress
    assert "fused model size (bfloat16)" in progress


def test_plan_puts_the_gates_first_and_states_memory_per_stage(tmp_path: Path) -> None:
    data, run = _run(tmp_path)
    write_docs(data=data, run=run, profile="phase24", out=tmp_path / "docs")
    plan = (tmp_path / "docs" / "phase25-plan.md").read_text()
    gates = plan.index("## First steps: the gates")
    assert gates < plan.index("## The experiment")
    for prevents in (
        "Qwen3's XML tool-call format while Qwen2.5 expects JSON",
        "one token in Qwen3 but about five pieces in Qwen2.5",
        "every reply ran to the token limit (19 s per query)",
        "0.083 / 0.111 / 0.176 against 18.5 / 38.9 / 22.2 %",
        "a port collision silently evaluating the wrong model",
    ):
        assert prevents in plan
    assert "punie-train gate --model PATH/TO/Qwen2.5-Coder-7B-Instruct-4bit" in plan
    memory = plan[plan.index("## Memory each stage needs") :]
    big, small = (
        memory_estimates(ARCHITECTURES["phase24"]),
        memory_estimates(ARCHITECTURES["phase25-7b"]),
    )
    row = next(line for line in memory.splitlines() if line.startswith("| fuse (layer by layer)"))
    assert f"{big['fuse'] / 2**30:,.1f} GiB" in row and f"{small['fuse'] / 2**30:,.1f} GiB" in row
    assert row.endswith("| 26.0 MiB |")  # measured on this run
    for stage in ("train (QLoRA", "quantize (layer by layer)", "check of the quantized model"):
        assert stage in memory


def test_memory_estimates_follow_the_published_architectures() -> None:
    big = memory_estimates(ARCHITECTURES["phase24"])
    small = memory_estimates(ARCHITECTURES["phase25-7b"])
    assert round(big["parameters"] / 1e9, 1) == 30.5  # Qwen3-Coder-30B-A3B
    assert round(small["parameters"] / 1e9, 1) == 7.6  # Qwen2.5-Coder-7B
    for estimate in (big, small):
        # Layer by layer needs a fraction of what the whole-model fuse holds.
        assert estimate["fuse"] < estimate["fuse_mlx_lm"] / 4
        assert estimate["quantize"] < estimate["quantized"]
    assert 15 * 2**30 < big["train"] < 30 * 2**30  # the 4-bit base alone is ~16 GiB
