"""``punie-train fuse``: merge a run's LoRA adapters into the base model, as float16.

Follows ``mlx_lm.fuse``: load base + adapters, ``fuse`` every LoRA layer (de-quantizing when the
base is quantized), de-quantize the rest, cast to float16 and save with mlx-lm's ``save``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from rich.console import Console

from punie_train._io import dir_bytes
from punie_train._verify import force_offline, require_model_dir, verify_generates
from punie_train.errors import RunError
from punie_train.lora import ADAPTER_FILE, ADAPTERS_DIR, read_run_info
from punie_train.metrics import Summary, update_summary

FUSED_DIR = "fused"


def fuse_run(
    run_dir: Path,
    *,
    dequantize: bool | None = None,
    console: Console | None = None,
    verify: bool = True,
) -> Summary:
    """Write ``run_dir/fused`` (float16, de-quantized) and record ``fused_bytes``."""
    import mlx.core as mx
    from mlx.utils import tree_map_with_path, tree_unflatten
    from mlx_lm.utils import dequantize_model, load, save

    force_offline()
    console = console or Console()
    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    adapter_dir = run_dir / ADAPTERS_DIR
    if not (adapter_dir / ADAPTER_FILE).is_file():
        raise RunError(f"{adapter_dir} has no {ADAPTER_FILE}; run `punie-train lora` first.")
    model_dir = require_model_dir(info.model, info.profile.name)
    dequantize = info.profile.fuse_dequantize if dequantize is None else dequantize

    console.print(f"[bold]fuse[/bold] {model_dir} + {adapter_dir}")
    loaded = load(str(model_dir), adapter_path=str(adapter_dir), return_config=True)
    model, tokenizer, config = loaded[0], loaded[1], loaded[2]  # ty: ignore[index-out-of-bounds]
    fused = [
        (n, m.fuse(dequantize=dequantize)) for n, m in model.named_modules() if hasattr(m, "fuse")
    ]
    if fused:
        model.update_modules(tree_unflatten(fused))
    if dequantize:
        model = dequantize_model(model)
        config.pop("quantization", None)
        config.pop("quantization_config", None)

    def to_fp16(_path: str, value: mx.array) -> mx.array:
        return value.astype(mx.float16) if mx.issubdtype(value.dtype, mx.floating) else value

    model.update(tree_map_with_path(to_fp16, model.parameters()))
    config["torch_dtype"] = "float16"

    out = run_dir / FUSED_DIR
    tmp = run_dir / f".{FUSED_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    save(tmp, str(model_dir), model, tokenizer, config, donate_model=False)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    del model
    if verify:
        text = verify_generates(out)
        console.print(f"  verified: fused model generates {text!r}")
    return update_summary(run_dir, fused_bytes=dir_bytes(out))
