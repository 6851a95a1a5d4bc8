"""``punie-train fuse``: merge a run's LoRA adapters into the base model, one layer at a time.

Follows ``mlx_lm.fuse`` (load base + adapters, ``fuse`` every LoRA layer, de-quantize the rest)
with four differences that matter for a 30B model on a Mac:

- **lean**: the base is loaded lazily and written one decoder layer at a time (``_stream``),
  so memory holds about one layer, never a whole float16 copy;
- **checked**: each fused module is compared with base + adapter on a probe input as it is
  written, then (when it fits in memory) the whole model is loaded afresh and must generate;
  the end-of-sequence check of ``punie_train.checks`` runs on it too;
- **published last**: everything is written to a temporary directory beside ``RUN/fused`` and
  renamed only after the checks pass, so a failed fuse leaves no finished-looking model;
- **dtype kept**: the fused weights keep the base's float type (bfloat16 for Qwen3-Coder)
  unless the profile's ``fuse_dtype`` says otherwise; mlx-lm casts to float16, which can
  overflow bfloat16 weights.

MLX's CPU backend runs MoE expert matmuls (GatherMM) in float32 only, so on a CPU every check
runs in float32 (an exact up-cast); on Metal it runs in the model's own dtype.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any, cast

from rich.console import Console

from punie_train._io import atomic_write_json, dir_bytes
from punie_train._stream import save_by_layer
from punie_train._verify import VerificationError, force_offline, require_model_dir
from punie_train.checkpoints import (
    ADAPTERS_DIR,
    Choice,
    file_sha256,
    numbered_checkpoints,
    resolve_adapter,
)
from punie_train.checks import CheckMode, check_model_dir
from punie_train.errors import RunError
from punie_train.lora import read_run_info
from punie_train.metrics import SUMMARY_FILE, Summary, update_summary

FUSED_DIR = "fused"
PROVENANCE_FILE = "punie-model.json"
#: Largest relative difference allowed between a fused module and base + adapter. Fused weights
#: are rounded once to the base's dtype (bfloat16 keeps 8 bits of mantissa: ~0.4 % per weight).
MODULE_TOLERANCE = 0.02
#: The same for a module fused back into its quantized form (``--no-dequantize``): the fused
#: weights are re-quantized at the base's bits, so only gross errors can be told apart.
REQUANTIZED_TOLERANCE = 0.25


class FuseCheckError(VerificationError):
    """A fused module does not reproduce base + adapter."""


def base_float_dtype(model: Any) -> Any:
    """The float dtype of the (possibly quantized) base: its first floating parameter's."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    values: list[Any] = [v for _, v in tree_flatten(model.parameters())]
    for value in values:
        if mx.issubdtype(value.dtype, mx.floating):
            return value.dtype
    return mx.float16


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def _module_difference(reference: Any, fused: Any, seed: int) -> float:
    """max |fused(x) - reference(x)| / max |reference(x)| on a fixed float32 probe input.

    ``reference`` is the LoRA module (base + adapter), ``fused`` its replacement. A float32
    input makes MLX compute in float32 (bfloat16 weights are promoted exactly), which the CPU
    backend needs for the MoE expert matmul. Switch (expert) modules get explicit expert
    indices, so the router plays no part.
    """
    import mlx.core as mx

    key = mx.random.key(seed)
    dims = reference.lora_a.shape[-1 if hasattr(reference, "num_experts") else 0]
    if hasattr(reference, "num_experts"):
        x = mx.random.normal((4, 1, 1, dims), key=key)
        indices = mx.random.randint(0, reference.num_experts, (4, 2), key=key)
        expected, actual = reference(x, indices), fused(x, indices)
    else:
        x = mx.random.normal((4, dims), key=key)
        expected, actual = reference(x), fused(x)
    scale = cast(float, mx.max(mx.abs(expected)).item())
    diff = cast(float, mx.max(mx.abs(actual.astype(mx.float32) - expected)).item())
    return diff / scale if scale > 0 else diff


def _load_with_adapter(model_dir: Path, adapter_file: Path, adapter_dir: Path) -> tuple:
    """Load the base lazily and apply the LoRA layers with the weights of ``adapter_file``.

    A full fine-tune's "adapter" file holds the trained weights themselves (mlx-lm's format):
    they replace the base's, and there is no LoRA layer to fuse.
    """
    import mlx.core as mx
    from mlx.utils import tree_flatten
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load

    loaded = load(str(model_dir), lazy=True, return_config=True)
    model, tokenizer, config = loaded[0], loaded[1], loaded[2]  # ty: ignore[index-out-of-bounds]
    dtype = base_float_dtype(model)
    adapter_config = json.loads((adapter_dir / "adapter_config.json").read_text())
    if adapter_config.get("fine_tune_type", "lora") == "full":
        # Every key must land on a parameter: a name that matches none would leave that
        # weight at the base's value without a word (strict=False hides it).
        weights = mx.load(str(adapter_file))
        assert isinstance(weights, dict)
        known = set(dict(tree_flatten(model.parameters())))
        unknown = sorted(set(weights) - known)
        if unknown:
            raise RunError(f"{adapter_file}: weights the model does not have: {unknown[:3]}")
        model.load_weights(list(weights.items()), strict=False)
    else:
        linear_to_lora_layers(
            model, adapter_config["num_layers"], adapter_config["lora_parameters"]
        )
        model.load_weights(str(adapter_file), strict=False)
    model.eval()
    return model, tokenizer, config, dtype


def fuse_run(
    run_dir: Path,
    *,
    dequantize: bool | None = None,
    console: Console | None = None,
    verify: bool = True,
    checkpoint: Choice = "final",
    adapter_file: Path | None = None,
    check: CheckMode = "auto",
    stop_check: str | None = None,
    stop_tokens: int | None = None,
) -> Summary:
    """Write ``run_dir/fused`` from the base and the chosen adapter checkpoint; record it.

    ``checkpoint`` picks ``final`` (``adapters.safetensors``), ``best-loss`` or
    ``best-behaviour`` (from ``summary.json``); ``adapter_file`` names one file instead.
    Raises VerificationError (nothing published) when a check fails.
    """
    import mlx.core as mx
    from mlx.utils import tree_map, tree_unflatten
    from mlx_lm.utils import dequantize_model

    force_offline()
    console = console or Console(stderr=True)
    run_dir = Path(run_dir)
    info = read_run_info(run_dir)
    adapter_dir = run_dir / ADAPTERS_DIR
    summary_data = json.loads((run_dir / SUMMARY_FILE).read_text(encoding="utf-8"))
    chosen, why = resolve_adapter(
        adapter_dir, summary_data, checkpoint=checkpoint, adapter_file=adapter_file
    )
    model_dir = require_model_dir(info.model, info.profile.name)
    profile = info.profile
    dequantize = profile.fuse_dequantize if dequantize is None else dequantize
    iteration = next(
        (i for i, p in numbered_checkpoints(adapter_dir) if p.name == chosen.name),
        summary_data.get("iterations") if chosen.name == "adapters.safetensors" else None,
    )

    mx.reset_peak_memory()
    console.print(f"[bold]fuse[/bold] {model_dir} + {chosen} ({why})")
    model, tokenizer, config, base_dtype = _load_with_adapter(model_dir, chosen, adapter_dir)
    dtype = base_dtype if profile.fuse_dtype == "base" else getattr(mx, profile.fuse_dtype)
    worst: list[float] = [0.0]
    seed = [0]

    def cast(module: Any) -> None:
        module.update(
            tree_map(
                lambda v: v.astype(dtype) if mx.issubdtype(v.dtype, mx.floating) else v,
                module.parameters(),
            )
        )

    def fuse_layer(path: str, module: Any) -> None:
        if path:  # one decoder layer: fuse its LoRA modules and check each against base + LoRA
            lora = [(n, m) for n, m in module.named_modules() if hasattr(m, "fuse")]
            fused = [(n, m.fuse(dequantize=dequantize)) for n, m in lora]
            for (name, ref), (_, new) in zip(lora, fused, strict=True):
                if dequantize:
                    cast(new)
                if not verify:
                    continue
                seed[0] += 1
                diff = _module_difference(ref, new, seed[0])
                worst[0] = max(worst[0], diff)
                limit = REQUANTIZED_TOLERANCE if "scales" in new else MODULE_TOLERANCE
                if not diff <= limit:
                    raise FuseCheckError(
                        f"fused {path}.{name} differs from base + adapter by {diff:.3g} "
                        f"(relative; limit {limit})"
                    )
            if fused:
                module.update_modules(tree_unflatten(fused))
        if dequantize:
            dequantize_model(module)
            cast(module)

    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / FUSED_DIR
    tmp = Path(tempfile.mkdtemp(prefix=f".{FUSED_DIR}.", dir=run_dir))
    try:
        save_by_layer(model, tmp, transform=fuse_layer)
        del model
        if dequantize:
            config.pop("quantization", None)
            config.pop("quantization_config", None)
        config["torch_dtype"] = _dtype_name(dtype) if dequantize else config.get("torch_dtype")
        peak, result = finish_model(
            tmp,
            out,
            source=model_dir,
            tokenizer=tokenizer,
            config=config,
            checks=(
                {
                    "data_dir": Path(info.data),
                    "profile": profile,
                    "mode": check,
                    "stop_check": stop_check,
                    "stop_tokens": stop_tokens,
                }
                if verify
                else None
            ),
            label="fused",
            console=console,
            found={"module_max_difference": worst[0]},
            provenance={
                "stage": "fuse",
                "run_id": info.run_id,
                "base_model": str(model_dir),
                "adapter_file": chosen.name,
                "adapter_sha256": file_sha256(chosen),
                "iteration": iteration,
                "choice": why,
                "dtype": config.get("torch_dtype"),
            },
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    console.print(
        f"  fused → {out} ({_dtype_name(dtype)}; peak memory {peak / 2**20:,.1f} MiB"
        + (f"; modules within {worst[0]:.2g} of base + adapter)" if verify else ")")
    )
    return update_summary(
        run_dir,
        fused_bytes=dir_bytes(out),
        fused_dtype=config.get("torch_dtype"),
        fused_checkpoint={"file": chosen.name, "iteration": iteration, "choice": why},
        fuse_peak_memory_bytes=peak,
        fused_check=result,
        # A new fused model makes any earlier quantized one stale.
        quantized_bytes=None,
        quantize_bits=None,
        quantize_group_size=None,
        quantize_peak_memory_bytes=None,
        quantized_check=None,
    )


def _write_config_and_tokenizer(
    out: Path, source: Path, tokenizer: Any, config: dict[str, Any]
) -> None:
    """config.json, the tokenizer files and the source's generation_config.json, as mlx-lm."""
    from mlx_lm.utils import save_config

    save_config(config, config_path=out / "config.json")
    tokenizer.save_pretrained(str(out))
    for extra in ("generation_config.json",):
        if (source / extra).is_file():
            shutil.copyfile(source / extra, out / extra)


def finish_model(
    tmp: Path,
    out: Path,
    *,
    source: Path,
    tokenizer: Any,
    config: dict[str, Any],
    checks: dict[str, Any] | None,
    label: str,
    console: Console,
    provenance: dict[str, Any],
    found: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any] | None]:
    """The shared tail of fuse and quantize, once the weights are in ``tmp``.

    Writes the config and tokenizer, runs ``check_model_dir`` on ``tmp`` (when ``checks`` holds
    its arguments; ``found`` adds what the caller measured while writing), records
    ``provenance`` with the check's result, and only then replaces ``out``. Returns the peak MLX
    memory of the writing (the check's own peak is in the result) and the result.
    """
    import mlx.core as mx

    _write_config_and_tokenizer(tmp, source, tokenizer, config)
    peak = int(mx.get_peak_memory())  # writing; the check is measured on its own
    mx.reset_peak_memory()
    result = None
    if checks is not None:
        result = check_model_dir(tmp, console=console, label=label, **checks)
        result["peak_memory_bytes"] = int(mx.get_peak_memory())
        result.update(found or {})
    atomic_write_json(tmp / PROVENANCE_FILE, {**provenance, "check": result})
    _publish(tmp, out)
    return peak, result


def _publish(tmp: Path, out: Path) -> None:
    """Replace ``out`` with the checked ``tmp`` (the old one is removed only now)."""
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    tmp.rename(out)
    shutil.rmtree(old, ignore_errors=True)
