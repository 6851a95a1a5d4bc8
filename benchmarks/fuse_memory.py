"""Fuse memory: punie-train's layer-by-layer fuse against mlx-lm's whole-model fuse, same run.

Builds a Qwen3-MoE stand-in large enough for the weights to dominate memory (a bfloat16 base
quantized to 4 bits with mlx-lm's own quantization, 12 layers, 16 experts), gives it LoRA
adapters on the last 8 layers (the phase24 profile's layout, random non-zero weights), then
fuses it twice, each in a fresh process:

- **mlx-lm**: what ``mlx_lm.fuse --dequantize`` does (load, fuse, de-quantize, save), then
  loading the result again to check it, as the old ``punie-train fuse`` did;
- **punie-train**: ``fuse_run`` (lazy load, one layer at a time, ``--check eos``: no whole-model
  load).

It prints each one's peak MLX memory (``mx.get_peak_memory``) and the ratio to the model's
bfloat16 size. Usage: ``python benchmarks/fuse_memory.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

SPEC = {
    "hidden_size": 256,
    "num_hidden_layers": 12,
    "moe_intermediate_size": 256,
    "intermediate_size": 512,
    "num_experts": 16,
    "num_experts_per_tok": 2,
    "num_attention_heads": 4,
    "num_key_value_heads": 2,
    "head_dim": 64,
}

MLX_LM = """
import json, sys, mlx.core as mx
from mlx.utils import tree_unflatten
from mlx_lm.utils import dequantize_model, load, save
base, adapters, out = sys.argv[1:4]
mx.reset_peak_memory()
model, tokenizer, config = load(base, adapter_path=adapters, return_config=True)
fused = [(n, m.fuse(dequantize=True)) for n, m in model.named_modules() if hasattr(m, "fuse")]
model.update_modules(tree_unflatten(fused))
model = dequantize_model(model)
config.pop("quantization", None); config.pop("quantization_config", None)
save(out, base, model, tokenizer, config, donate_model=False)
del model
check = load(out)[0]
print(json.dumps({"peak": mx.get_peak_memory()}))
"""

PUNIE = """
import json, sys, mlx.core as mx
from punie_train.fuse import fuse_run
summary = fuse_run(sys.argv[1], check="eos")
print(json.dumps({"peak": summary.fuse_peak_memory_bytes}))
"""


def _build(root: Path) -> tuple[Path, Path, Path]:
    """The stand-in, a run directory pointing at it, and LoRA adapters with random weights."""
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    from punie_train.profiles import get_profile
    from punie_train.smoke import MoeStandInSpec, make_smoke_model

    spec = MoeStandInSpec()
    for key, value in SPEC.items():
        setattr(spec, key, value)
    base = make_smoke_model(root / "base", spec=spec, base_bits=4)
    run = root / "run"
    adapters = run / "adapters"
    adapters.mkdir(parents=True)
    model = load(str(base))[0]
    lora = {"rank": 8, "scale": 20.0, "dropout": 0.0}
    model.freeze()
    linear_to_lora_layers(model, 8, lora)
    mx.random.seed(1)
    weights = {
        k: mx.random.normal(v.shape) * 0.01 for k, v in tree_flatten(model.trainable_parameters())
    }
    mx.save_safetensors(str(adapters / "adapters.safetensors"), weights)
    config = {"fine_tune_type": "lora", "num_layers": 8, "lora_parameters": lora}
    (adapters / "adapter_config.json").write_text(json.dumps(config))
    profile = get_profile("phase24", overrides={"stop_check": "report", "stop_tokens": 4})
    info = {"model": str(base), "data": str(root), "profile": profile.model_dump(), "run_id": "b"}
    (run / "run.json").write_text(json.dumps(info))
    summary = {
        "model": str(base),
        "profile": "phase24",
        "backend": "cpu",
        "iterations": 1,
        "final_val_loss": None,
        "target_val_loss": None,
        "target_met": None,
        "perplexity": None,
        "train_seconds": 0.0,
        "tokens_per_second": 0.0,
        "peak_memory_bytes": 0,
        "adapter_bytes": 0,
    }
    (run / "summary.json").write_text(json.dumps(summary))
    return base, run, adapters


def _peak(script: str, *args: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return int(json.loads(proc.stdout.strip().splitlines()[-1])["peak"])


def main() -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        base, run, adapters = _build(root)
        config = json.loads((base / "config.json").read_text())
        mlx_lm_peak = _peak(MLX_LM, str(base), str(adapters), str(root / "mlx-lm-fused"))
        punie_peak = _peak(PUNIE, str(run))
        fused_bytes = sum(p.stat().st_size for p in (run / "fused").glob("*.safetensors"))
    table = Table(title=f"fuse peak memory, {config['num_hidden_layers']}-layer MoE stand-in")
    table.add_column("fuse")
    table.add_column("peak MiB", justify="right")
    table.add_column("× bfloat16 model", justify="right")
    for label, peak in (
        ("mlx-lm (whole model, reload to check)", mlx_lm_peak),
        ("punie-train (layer by layer)", punie_peak),
    ):
        table.add_row(label, f"{peak / 2**20:,.1f}", f"{peak / fused_bytes:.2f}")
    console.print(table)
    console.print(
        f"bfloat16 fused model: {fused_bytes / 2**20:,.1f} MiB; "
        f"punie-train / mlx-lm peak: {punie_peak / mlx_lm_peak:.2f}"
    )


if __name__ == "__main__":
    main()
