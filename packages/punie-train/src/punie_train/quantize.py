"""``punie-train quantize``: quantize a run's fused float16 model (``mlx_lm.convert``-style)."""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from punie_train._io import dir_bytes
from punie_train._verify import force_offline, verify_generates
from punie_train.errors import RunError
from punie_train.fuse import FUSED_DIR
from punie_train.lora import read_run_info
from punie_train.metrics import Summary, update_summary

QUANTIZED_DIR = "quantized"


def quantize_run(
    run_dir: Path,
    *,
    bits: int | None = None,
    group_size: int | None = None,
    console: Console | None = None,
    verify: bool = True,
) -> Summary:
    """Write ``run_dir/quantized`` from ``run_dir/fused``; record ``quantized_bytes`` and bits."""
    from mlx_lm.utils import load, quantize_model, save

    force_offline()
    console = console or Console()
    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    fused = run_dir / FUSED_DIR
    if not (fused / "config.json").is_file():
        raise RunError(f"{fused} does not exist; run `punie-train fuse --run {run_dir}` first.")
    bits = info.profile.quantize_bits if bits is None else bits
    group_size = info.profile.quantize_group_size if group_size is None else group_size
    if not 2 <= bits <= 8:
        raise RunError(f"--bits must be between 2 and 8, got {bits}")

    console.print(f"[bold]quantize[/bold] {fused} to {bits} bits (group size {group_size})")
    loaded = load(str(fused), return_config=True, lazy=True)
    model, tokenizer, config = loaded[0], loaded[1], loaded[2]  # ty: ignore[index-out-of-bounds]
    model, config = quantize_model(model, config, group_size, bits)

    out = run_dir / QUANTIZED_DIR
    tmp = run_dir / f".{QUANTIZED_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    save(tmp, str(fused), model, tokenizer, config)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    del model
    if verify:
        text = verify_generates(out)
        console.print(f"  verified: {bits}-bit model generates {text!r}")
    return update_summary(run_dir, quantized_bytes=dir_bytes(out), quantize_bits=bits)
