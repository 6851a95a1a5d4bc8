"""Real mlx-lm LoRA on the smoke model: adapters, records, resume, fuse and quantize."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import mlx.core as mx
import mlx_lm
import pytest
from conftest import tiny_profile

from punie_train.fuse import fuse_run
from punie_train.lora import train_lora
from punie_train.metrics import read_metrics
from punie_train.quantize import quantize_run

SUMMARY_KEYS = {
    "model",
    "profile",
    "backend",
    "blas",
    "iterations",
    "final_val_loss",
    "target_val_loss",
    "target_met",
    "perplexity",
    "train_seconds",
    "tokens_per_second",
    "peak_memory_bytes",
    "adapter_bytes",
    "run_id",
    "best_by_loss",
    "lengths",
    "training",
}
AFTER_QUANTIZE_KEYS = {
    "fused_bytes",
    "fused_dtype",
    "fused_checkpoint",
    "fused_check",
    "fuse_peak_memory_bytes",
    "quantized_bytes",
    "quantize_bits",
    "quantize_group_size",
    "quantized_check",
    "quantize_peak_memory_bytes",
}


def _weights(model_dir: Path) -> dict[str, mx.array]:
    """Every tensor of a model directory (fuse and quantize write one shard per layer)."""
    weights: dict[str, mx.array] = {}
    for shard in sorted(model_dir.glob("*.safetensors")):
        loaded = mx.load(str(shard))
        assert isinstance(loaded, dict)
        weights.update(loaded)
    return weights


@pytest.fixture(scope="module")
def trained_run(
    tmp_path_factory: pytest.TempPathFactory, dataset_dir: Path, smoke_model_dir: Path
) -> Path:
    """One run of 6 LoRA iterations, shared by the record and fuse/quantize tests."""
    run = tmp_path_factory.mktemp("runs") / "tiny"
    train_lora(tiny_profile(), dataset_dir, run, model=smoke_model_dir)
    return run


def _logits(model_dir: Path, adapter_dir: Path | None = None) -> mx.array:
    adapter_path = str(adapter_dir) if adapter_dir is not None else None
    model, tokenizer = mlx_lm.load(str(model_dir), adapter_path=adapter_path)[:2]
    ids = tokenizer.encode("print(sorted([3, 1, 2]))")
    return model(mx.array([ids])).astype(mx.float32)


@pytest.mark.slow
def test_lora_writes_adapters_and_records(trained_run: Path, smoke_model_dir: Path) -> None:
    adapters = trained_run / "adapters"
    assert (adapters / "adapters.safetensors").stat().st_size > 0
    config = json.loads((adapters / "adapter_config.json").read_text())
    assert config["fine_tune_type"] == "lora"
    assert config["lora_parameters"]["rank"] == 16

    records = read_metrics(trained_run / "metrics.jsonl")
    train = [r for r in records if r.train_loss is not None]
    val = [r for r in records if r.val_loss is not None]
    assert [r.iteration for r in train] == [2, 4, 6]
    assert all(r.tokens_per_second and r.tokens_per_second > 0 for r in train)
    assert all(r.peak_memory_bytes and r.peak_memory_bytes > 0 for r in train)
    assert val[0].iteration == 0 and val[-1].iteration == 6
    first_val, last_val = val[0].val_loss, val[-1].val_loss
    assert first_val is not None and last_val is not None
    assert last_val < first_val  # lr 2e-3 on a random model learns fast

    summary = json.loads((trained_run / "summary.json").read_text())
    assert set(summary) == SUMMARY_KEYS
    assert summary["iterations"] == 6
    # the settings training used: tiny_profile's values over the smoke profile's
    assert summary["training"] == {
        "iters": 6,
        "learning_rate": 2e-3,
        "batch_size": 2,
        "num_layers": -1,
        "max_seq_length": 512,
        "overridden": [],
    }
    assert summary["backend"] == "cpu"
    assert summary["profile"] == "smoke"
    assert summary["final_val_loss"] == pytest.approx(val[-1].val_loss)
    assert summary["perplexity"] == pytest.approx(math.exp(summary["final_val_loss"]))
    assert summary["target_met"] == (summary["final_val_loss"] < summary["target_val_loss"])
    assert summary["adapter_bytes"] == (adapters / "adapters.safetensors").stat().st_size
    assert summary["train_seconds"] > 0 and summary["tokens_per_second"] > 0
    assert (trained_run / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # A checkpoint at every validation after step 0, holding the weights that loss measured
    # (mlx-lm validates before step it, so the weights after it - 1 steps), plus the final.
    assert sorted(p.name for p in adapters.glob("0*_adapters.safetensors")) == [
        "0000002_adapters.safetensors",
        "0000005_adapters.safetensors",
    ]
    val_at = {r.iteration: r.val_loss for r in val}
    best = summary["best_by_loss"]
    candidates = {2: "0000002_adapters.safetensors", 5: "0000005_adapters.safetensors"}
    candidates[6] = "adapters.safetensors"
    lowest = min(candidates, key=lambda i: (val_at[i], -i))
    assert best == {"iteration": lowest, "val_loss": val_at[lowest], "file": candidates[lowest]}
    assert len(summary["run_id"]) == 12
    # The adapters change the model's output.
    assert not mx.allclose(_logits(smoke_model_dir), _logits(smoke_model_dir, adapters)).item()


@pytest.mark.slow
def test_resume_continues_from_saved_step(
    tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path
) -> None:
    run = tmp_path / "resumable"
    stale = run / "adapters" / "0000099_adapters.safetensors"  # from an earlier run
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    train_lora(tiny_profile(iters=4), dataset_dir, run, model=smoke_model_dir, verify=False)
    assert not stale.exists()
    run_id = json.loads((run / "run.json").read_text())["run_id"]
    first = read_metrics(run / "metrics.jsonl")
    final_val_first = [r for r in first if r.val_loss is not None][-1]
    assert final_val_first.iteration == 4
    assert json.loads((run / "state.json").read_text())["iteration"] == 4

    summary = train_lora(
        tiny_profile(iters=8), dataset_dir, run, model=smoke_model_dir, resume=True
    )
    records = read_metrics(run / "metrics.jsonl")
    assert records[: len(first)] == first  # history kept
    resumed = records[len(first) :]
    # The resumed run starts at step 4 with the saved adapters: its first validation equals
    # the final validation of the first run (not the base model's loss at step 0).
    assert resumed[0].iteration == 4
    assert resumed[0].val_loss == pytest.approx(final_val_first.val_loss, rel=1e-4)
    assert [r.iteration for r in resumed if r.train_loss is not None] == [6, 8]
    assert summary.iterations == 8
    assert json.loads((run / "state.json").read_text())["iteration"] == 8
    assert summary.run_id == run_id  # a resumed run is the same run
    assert (run / "adapters" / "0000002_adapters.safetensors").is_file()  # kept from before


@pytest.mark.slow
def test_resume_when_already_done_trains_nothing(
    trained_run: Path, dataset_dir: Path, smoke_model_dir: Path, tmp_path: Path
) -> None:
    run = tmp_path / "copy"
    shutil.copytree(trained_run, run)
    before = (run / "adapters" / "adapters.safetensors").read_bytes()
    summary = train_lora(
        tiny_profile(), dataset_dir, run, model=smoke_model_dir, resume=True, verify=False
    )
    assert summary.iterations == 6
    assert (run / "adapters" / "adapters.safetensors").read_bytes() == before
    assert read_metrics(run / "metrics.jsonl") == read_metrics(trained_run / "metrics.jsonl")


@pytest.mark.slow
def test_fuse_then_quantize(trained_run: Path, smoke_model_dir: Path) -> None:
    summary = fuse_run(trained_run)
    fused = trained_run / "fused"
    config = json.loads((fused / "config.json").read_text())
    assert "quantization" not in config
    weights = _weights(fused)
    assert {w.dtype for w in weights.values()} == {mx.float32}  # the smoke base's dtype, kept
    assert config["torch_dtype"] == "float32"
    assert not any("lora" in name for name in weights)
    index = json.loads((fused / "model.safetensors.index.json").read_text())
    assert set(index["weight_map"]) == set(weights)
    # Fused weights reproduce base + adapters.
    expected = _logits(smoke_model_dir, trained_run / "adapters")
    assert mx.allclose(_logits(fused), expected, atol=0.05, rtol=0.02).item()
    assert summary.fused_bytes and summary.fused_bytes > 0

    summary = quantize_run(trained_run, bits=5)
    quantized = trained_run / "quantized"
    qconfig = json.loads((quantized / "config.json").read_text())
    assert qconfig["quantization"]["bits"] == 5
    model, tokenizer = mlx_lm.load(str(quantized))[:2]
    assert mlx_lm.generate(model, tokenizer, "print", max_tokens=4) is not None
    data = json.loads((trained_run / "summary.json").read_text())
    assert set(data) == SUMMARY_KEYS | AFTER_QUANTIZE_KEYS
    assert data["quantize_bits"] == 5
    assert 0 < data["quantized_bytes"] < data["fused_bytes"]
    assert summary.quantized_bytes == data["quantized_bytes"]


@pytest.mark.slow
def test_fuse_dequantizes_a_quantized_base(
    tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path
) -> None:
    """The phase-24 path: a 4-bit base, LoRA on it, fused into a de-quantized model."""
    from mlx_lm.utils import load, quantize_model, save

    loaded = load(str(smoke_model_dir), return_config=True)
    model, tokenizer, config = loaded[0], loaded[1], loaded[2]  # ty: ignore[index-out-of-bounds]
    model, config = quantize_model(model, config, 64, 4)
    base = tmp_path / "base-4bit"
    save(base, str(smoke_model_dir), model, tokenizer, config)

    run = tmp_path / "q"
    train_lora(tiny_profile(iters=2), dataset_dir, run, model=base, verify=False)
    fuse_run(run)
    fused_config = json.loads((run / "fused" / "config.json").read_text())
    assert "quantization" not in fused_config
    weights = _weights(run / "fused")
    assert not any(name.endswith(".scales") for name in weights)


def test_validation_sees_the_same_examples_every_time(
    dataset_dir: Path, smoke_model_dir: Path
) -> None:
    """mlx-lm draws val_batches in a fresh random order; the fixed view makes losses comparable."""
    import numpy as np
    from mlx_lm.tuner.trainer import evaluate

    from punie_train.checkpoints import FixedValidation, fixed_validation
    from punie_train.lora import load_chat_datasets

    model, tokenizer = mlx_lm.load(str(smoke_model_dir))[:2]
    _, valid, _ = load_chat_datasets(dataset_dir, tokenizer, mask_prompt=True, every_turn=True)
    subset, batches = fixed_validation(valid, 2, 2)
    assert isinstance(subset, FixedValidation) and (len(subset), batches) == (4, 2)
    assert subset.indices == [0, 5, 10, 15]  # evenly spaced through the 16 validation turns
    losses, raw = set(), set()
    for seed in range(5):
        np.random.seed(seed)
        losses.add(round(evaluate(model, subset, 2, batches, 512), 6))
        np.random.seed(seed)
        raw.add(round(evaluate(model, valid, 2, 2, 512), 6))
    assert len(losses) == 1
    assert len(raw) > 1  # what mlx-lm alone would compare checkpoints on
    assert fixed_validation(valid, -1, 2) == (valid, -1)
    assert fixed_validation(valid, 8, 2) == (valid, -1)  # the whole split already


@pytest.mark.slow
def test_fuse_of_a_full_fine_tune_keeps_the_trained_weights(
    tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path
) -> None:
    """learn-check trains every weight: fuse must publish those, not the base's (a regression:
    LoRA layers were put in and the full weights silently matched none of their names)."""
    run = tmp_path / "full"
    profile = tiny_profile(fine_tune_type="full", iters=2, steps_per_eval=2, save_every=2)
    train_lora(profile, dataset_dir, run, model=smoke_model_dir, gate=False, verify=False)
    fuse_run(run, verify=False)
    trained = mx.load(str(run / "adapters" / "adapters.safetensors"))
    assert isinstance(trained, dict)
    fused, base = _weights(run / "fused"), _weights(smoke_model_dir)
    name = next(k for k in trained if k.endswith("self_attn.q_proj.weight"))
    assert mx.array_equal(fused[name], trained[name].astype(fused[name].dtype)).item()
    assert not mx.array_equal(fused[name], base[name]).item()
