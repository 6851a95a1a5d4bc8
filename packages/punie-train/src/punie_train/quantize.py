"""``punie-train quantize``: quantize a run's fused model (``mlx_lm.convert -q`` style), lean.

Bits and group size come from the run's profile (``quantize_bits``, ``quantize_group_size``)
unless given. The fused model is loaded lazily, quantized with mlx-lm's ``quantize_model`` (the
model's own predicate: a MoE router stays 8-bit) and written one decoder layer at a time, so
memory holds about one layer. The result is written beside ``RUN/quantized``, passes the checks
of ``punie_train.checks`` (end-of-sequence ids, greedy stop), and only then replaces it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import tempfile
from pathlib import Path

from rich.console import Console

from punie_train._io import dir_bytes
from punie_train._stream import save_by_layer
from punie_train._verify import force_offline
from punie_train.checks import CheckMode
from punie_train.errors import RunError
from punie_train.fuse import FUSED_DIR, PROVENANCE_FILE, finish_model
from punie_train.lora import read_run_info
from punie_train.metrics import Summary, update_summary

QUANTIZED_DIR = "quantized"
BITS = (2, 3, 4, 5, 6, 8)


def quantize_run(
    run_dir: Path,
    *,
    bits: int | None = None,
    group_size: int | None = None,
    console: Console | None = None,
    verify: bool = True,
    check: CheckMode = "auto",
    stop_check: str | None = None,
    stop_tokens: int | None = None,
) -> Summary:
    """Write ``run_dir/quantized`` from ``run_dir/fused``; record size, bits and the checks."""
    import mlx.core as mx
    from mlx_lm.utils import load, quantize_model

    force_offline()
    console = console or Console(stderr=True)
    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    fused = run_dir / FUSED_DIR
    if not (fused / "config.json").is_file():
        raise RunError(f"{fused} does not exist; run `punie-train fuse --run {run_dir}` first.")
    bits = info.profile.quantize_bits if bits is None else bits
    group_size = info.profile.quantize_group_size if group_size is None else group_size
    if bits not in BITS:
        raise RunError(f"--bits must be one of {', '.join(map(str, BITS))}, got {bits}")
    if group_size not in (32, 64, 128):
        raise RunError(f"--group-size must be 32, 64 or 128, got {group_size}")
    provenance_path = fused / PROVENANCE_FILE
    source = json.loads(provenance_path.read_text()) if provenance_path.is_file() else {}

    mx.reset_peak_memory()
    console.print(f"[bold]quantize[/bold] {fused} to {bits} bits (group size {group_size})")
    loaded = load(str(fused), return_config=True, lazy=True)
    model, tokenizer, config = loaded[0], loaded[1], loaded[2]  # ty: ignore[index-out-of-bounds]
    with contextlib.redirect_stdout(sys.stderr):  # mlx-lm prints the bits per weight
        model, config = quantize_model(model, config, group_size, bits)

    out = run_dir / QUANTIZED_DIR
    tmp = Path(tempfile.mkdtemp(prefix=f".{QUANTIZED_DIR}.", dir=run_dir))
    try:
        save_by_layer(model, tmp)
        del model
        peak, result = finish_model(
            tmp,
            out,
            source=fused,
            tokenizer=tokenizer,
            config=config,
            checks=(
                {
                    "data_dir": Path(info.data),
                    "profile": info.profile,
                    "mode": check,
                    "stop_check": stop_check,
                    "stop_tokens": stop_tokens,
                }
                if verify
                else None
            ),
            label="quantized",
            console=console,
            provenance={
                "stage": "quantize",
                "run_id": source.get("run_id", info.run_id),
                "bits": bits,
                "group_size": group_size,
                "fused": {
                    k: source.get(k) for k in ("adapter_file", "adapter_sha256", "iteration")
                },
            },
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    console.print(f"  quantized → {out} ({bits} bits; peak memory {peak / 2**20:,.1f} MiB)")
    return update_summary(
        run_dir,
        quantized_bytes=dir_bytes(out),
        quantize_bits=bits,
        quantize_group_size=group_size,
        quantize_peak_memory_bytes=peak,
        quantized_check=result,
    )
