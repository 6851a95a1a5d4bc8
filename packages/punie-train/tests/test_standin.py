"""The phase24 profile's path on the 4-bit Qwen3-MoE stand-in: QLoRA, fuse, quantize, choice.

Real mlx-lm throughout: the stand-in is built with mlx-lm's own quantization, trained with the
phase24 profile (8 of 10 layers, experts and router included), fused and quantized.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mlx.core as mx
import mlx_lm
import pytest
from typer.testing import CliRunner

from punie_train import fuse as fuse_module
from punie_train._verify import VerificationError
from punie_train.checkpoints import file_sha256
from punie_train.cli import app
from punie_train.fuse import fuse_run
from punie_train.lora import train_lora
from punie_train.profiles import get_profile
from punie_train.quantize import quantize_run

runner = CliRunner()
pytestmark = pytest.mark.slow


def _weights(model_dir: Path) -> dict[str, mx.array]:
    weights: dict[str, mx.array] = {}
    for shard in sorted(model_dir.glob("*.safetensors")):
        loaded = mx.load(str(shard))
        assert isinstance(loaded, dict)
        weights.update(loaded)
    return weights


def _logits(model_dir: Path, adapter_dir: Path | None = None) -> mx.array:
    adapter_path = str(adapter_dir) if adapter_dir is not None else None
    model, tokenizer = mlx_lm.load(str(model_dir), adapter_path=adapter_path)[:2]
    model.set_dtype(mx.float32)  # MLX's CPU MoE matmul runs in float32 only
    ids = tokenizer.encode("print(sorted([3, 1, 2]))")
    return model(mx.array([ids]))


def _set_profile(run: Path, **changes: object) -> None:
    """Change the profile recorded in run.json (what fuse and quantize read)."""
    info = json.loads((run / "run.json").read_text())
    info["profile"].update(changes)
    (run / "run.json").write_text(json.dumps(info))


@pytest.fixture(scope="module")
def standin_run(
    tmp_path_factory: pytest.TempPathFactory, dataset_dir: Path, standin_dir: Path
) -> Path:
    """2 QLoRA steps of the phase24 profile on the stand-in (checkpoint 1 and the final 2)."""
    profile = get_profile(
        "phase24",
        overrides={"iters": 2, "val_batches": 2, "stop_check": "report", "stop_tokens": 8},
    )
    run = tmp_path_factory.mktemp("runs") / "standin"
    train_lora(profile, dataset_dir, run, model=standin_dir, verify=False)
    return run


def test_standin_is_a_4bit_qwen3_moe_with_a_bfloat16_base(standin_dir: Path) -> None:
    config = json.loads((standin_dir / "config.json").read_text())
    assert config["model_type"] == "qwen3_moe" and config["num_hidden_layers"] == 10
    assert (config["num_experts"], config["num_experts_per_tok"]) == (8, 2)
    assert config["quantization"]["bits"] == 4 and config["torch_dtype"] == "bfloat16"
    assert config["quantization"]["model.layers.0.mlp.gate"]["bits"] == 8  # the router
    weights = _weights(standin_dir)
    assert weights["model.layers.9.mlp.switch_mlp.up_proj.weight"].dtype == mx.uint32
    assert weights["model.layers.9.mlp.switch_mlp.up_proj.scales"].dtype == mx.bfloat16
    generation = json.loads((standin_dir / "generation_config.json").read_text())
    assert len(generation["eos_token_id"]) == 2  # <|im_end|> and <|endoftext|>, as Qwen3-Coder


def test_qlora_trains_the_last_8_layers_and_keeps_checkpoints(standin_run: Path) -> None:
    adapters = standin_run / "adapters"
    names = mx.load(str(adapters / "adapters.safetensors"))
    assert isinstance(names, dict)
    layers = {int(k.split(".")[2]) for k in names}
    assert layers == set(range(2, 10))
    assert any("switch_mlp.up_proj.lora_a" in k for k in names)  # the 4-bit experts
    assert any("mlp.gate.lora_a" in k for k in names)  # the router
    assert (adapters / "0000001_adapters.safetensors").is_file()
    summary = json.loads((standin_run / "summary.json").read_text())
    metrics = [
        json.loads(line) for line in (standin_run / "metrics.jsonl").read_text().splitlines()
    ]
    val = {m["iteration"]: m["val_loss"] for m in metrics if "val_loss" in m}
    best = summary["best_by_loss"]
    assert best["val_loss"] == min(val[1], val[2])
    assert best["file"] == (
        "0000001_adapters.safetensors" if val[1] < val[2] else "adapters.safetensors"
    )


def test_fuse_keeps_bfloat16_reproduces_base_plus_adapter_and_records_checks(
    standin_run: Path, standin_dir: Path
) -> None:
    summary = fuse_run(standin_run)
    fused = standin_run / "fused"
    config = json.loads((fused / "config.json").read_text())
    assert "quantization" not in config and config["torch_dtype"] == "bfloat16"
    weights = _weights(fused)
    assert {w.dtype for w in weights.values()} == {mx.bfloat16}
    assert not any(n.endswith((".scales", ".biases")) or "lora" in n for n in weights)
    # One shard per decoder layer, then embeddings, final norm and head: written piece by piece.
    assert len(list(fused.glob("model-*.safetensors"))) == 13
    expected = _logits(standin_dir, standin_run / "adapters")
    actual = _logits(fused)
    # Equal up to bfloat16 rounding of the fused weights; a token whose router scores are
    # near a tie may switch one of its two experts, so compare per position.
    per_position = mx.max(mx.abs(actual - expected), axis=-1)[0]
    close = mx.sum(per_position < 0.05).item()
    assert close >= 0.8 * per_position.size, per_position
    assert mx.mean(mx.abs(actual - expected)).item() < 0.02
    check = summary.fused_check or {}
    assert check["generate"] == "done" and check["check_dtype"] == "float32"
    assert len(check["stops"]) == 3 and check["stop_policy"] == "report"
    assert 0 <= check["module_max_difference"] <= fuse_module.MODULE_TOLERANCE
    assert summary.fused_dtype == "bfloat16"
    assert summary.fuse_peak_memory_bytes and summary.fuse_peak_memory_bytes > 0
    provenance = json.loads((fused / "punie-model.json").read_text())
    assert (
        provenance["run_id"] == summary.run_id
        and provenance["adapter_file"] == "adapters.safetensors"
    )
    assert not list(standin_run.glob(".fused*")), "temporary directory left behind"


def test_quantize_uses_the_profiles_bits_and_group_size(standin_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "q"
    shutil.copytree(standin_run, run)
    if not (run / "fused").exists():
        fuse_run(run, verify=False)
    _set_profile(run, quantize_bits=6, quantize_group_size=32)
    summary = quantize_run(run)
    config = json.loads((run / "quantized" / "config.json").read_text())
    assert (config["quantization"]["bits"], config["quantization"]["group_size"]) == (6, 32)
    assert config["quantization"]["model.layers.0.mlp.gate"]["bits"] == 8  # router stays 8-bit
    assert (summary.quantize_bits, summary.quantize_group_size) == (6, 32)
    assert summary.quantized_check and summary.quantized_check["generate"] == "done"
    provenance = json.loads((run / "quantized" / "punie-model.json").read_text())
    assert provenance["run_id"] == summary.run_id and provenance["bits"] == 6


def test_a_failed_fuse_check_publishes_nothing(
    standin_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "f"
    shutil.copytree(standin_run, run, ignore=shutil.ignore_patterns("fused", "quantized"))
    _set_profile(run, stop_check="require")  # random weights never stop: the check fails
    summary = (run / "summary.json").read_text()
    with pytest.raises(VerificationError, match="ran to the 8-token limit on 3 of 3"):
        fuse_run(run)
    assert not (run / "fused").exists()
    assert not list(run.glob(".fused*"))
    assert (run / "summary.json").read_text() == summary  # nothing recorded

    # A fused model from an earlier fuse survives a failed one untouched.
    _set_profile(run, stop_check="report")
    fuse_run(run)
    before = {p.name: p.read_bytes() for p in (run / "fused").iterdir()}
    monkeypatch.setattr(fuse_module, "MODULE_TOLERANCE", -1.0)
    with pytest.raises(fuse_module.FuseCheckError, match=r"fused model\.layers\.2\.\S+ differs"):
        fuse_run(run, checkpoint="best-loss")
    assert {p.name: p.read_bytes() for p in (run / "fused").iterdir()} == before


def test_select_records_best_by_behaviour_and_fuse_uses_it(
    standin_run: Path, tmp_path: Path
) -> None:
    run = tmp_path / "s"
    shutil.copytree(standin_run, run, ignore=shutil.ignore_patterns("fused", "quantized"))
    report = run / "eval" / "checkpoints" / "checkpoints.json"
    report.parent.mkdir(parents=True)
    # The report punie-eval's `heldout --checkpoints` writes (docs/architecture.md).
    report.write_text(
        json.dumps(
            {
                "base_model": "standin",
                "data": "test.jsonl",
                "examples": 3,
                "checkpoints": [
                    {"file": "0000001_adapters.safetensors", "iteration": 1, "score": 0.5},
                    {"file": "adapters.safetensors", "iteration": 2, "score": 0.25},
                ],
                "best": {"file": "0000001_adapters.safetensors", "iteration": 1, "score": 0.5},
            }
        )
    )
    result = runner.invoke(app, ["select", "--run", str(run), "--json"])
    assert result.exit_code == 0, result.output
    choice = json.loads(result.stdout)
    assert choice["best_by_behaviour"]["file"] == "0000001_adapters.safetensors"
    assert choice["best_by_loss"] == json.loads((run / "summary.json").read_text())["best_by_loss"]

    result = runner.invoke(
        app, ["fuse", "--run", str(run), "--checkpoint", "best-behaviour", "--check", "eos"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads((run / "summary.json").read_text())
    assert summary["fused_checkpoint"] == {
        "file": "0000001_adapters.safetensors",
        "iteration": 1,
        "choice": "best-behaviour",
    }
    provenance = json.loads((run / "fused" / "punie-model.json").read_text())
    assert provenance["adapter_sha256"] == file_sha256(
        run / "adapters" / "0000001_adapters.safetensors"
    )

    # A report naming a file this run does not have is refused, in one line.
    report.write_text(json.dumps({"best": {"file": "0000099_adapters.safetensors"}}))
    result = runner.invoke(app, ["select", "--run", str(run)])
    assert result.exit_code == 2
    assert "not a checkpoint of" in result.stderr and len(result.stderr.strip().splitlines()) == 1
