"""Write a (lazily loaded) model one decoder layer at a time, so no full copy is ever in memory.

``fuse`` and ``quantize`` load their input with ``lazy=True``: weights stay on disk until an
array is evaluated. ``save_by_layer`` transforms one decoder layer (fuse its LoRA modules,
de-quantize, cast, or quantize), evaluates only that layer, writes it as a safetensors shard and
drops it before the next, then does the same for what is left (embeddings, final norm, head).
What is left (embeddings, final norm, output head) is written one module a shard the same way.
Peak memory is about one layer's input and output, not the whole model (61 GB in bfloat16 for
Qwen3-Coder-30B-A3B). The result is what mlx-lm's ``save_model`` writes: shards plus
``model.safetensors.index.json``, loadable with ``mlx_lm.load``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

LayerFn = Callable[[str, Any], None]


def _module_paths(model: Any) -> dict[int, str]:
    return {id(module): name for name, module in model.named_modules()}


def save_by_layer(
    model: Any,
    out_dir: Path,
    *,
    transform: LayerFn | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Save ``model``'s weights into ``out_dir`` layer by layer; return the index written.

    ``transform(path, module)`` is called on each decoder layer (path such as
    ``model.layers.3``) and finally on the whole model (path ``""``) with the layers already
    emptied; it changes the module in place (e.g. ``update_modules``).
    """
    import mlx.core as mx
    from mlx.utils import tree_flatten, tree_map

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    layers = list(model.layers)
    paths = _module_paths(model)
    prefixes = [paths[id(layer)] for layer in layers]
    flat: list[Any] = list(tree_flatten(model.parameters()))
    # What is not in a decoder layer (embeddings, final norm, output head), one module a shard:
    # a 152k-token embedding in bfloat16 is the largest single piece of a 7B model.
    rest = sorted(
        {k.rsplit(".", 1)[0] for k, _ in flat if not any(k.startswith(p + ".") for p in prefixes)}
    )
    del flat
    total = len(layers) + len(rest)
    name = "model-{:05d}-of-{:05d}.safetensors"
    weight_map: dict[str, str] = {}
    total_size = 0

    def write(index: int, weights: dict[str, Any]) -> None:
        nonlocal total_size
        for value in weights.values():  # one at a time: only one tensor's intermediates live
            mx.eval(value)
        shard = name.format(index, total)
        mx.save_safetensors(str(out_dir / shard), weights, metadata={"format": "mlx"})
        for key, value in weights.items():
            weight_map[key] = shard
            total_size += value.nbytes

    def empty(module: Any) -> None:
        module.update(tree_map(lambda _: mx.array([]), module.parameters()))

    for i, (prefix, layer) in enumerate(zip(prefixes, layers, strict=True)):
        if transform is not None:
            transform(prefix, layer)
        weights = {f"{prefix}.{k}": v for k, v in tree_flatten(layer.parameters())}
        write(i + 1, weights)
        del weights
        empty(layer)
        if on_progress is not None:
            on_progress(i + 1, total)
    if transform is not None:
        transform("", model)
    modules = dict(model.named_modules())  # after the transform: it may replace modules
    for j, prefix in enumerate(rest, start=len(layers) + 1):
        module = modules[prefix]
        own = [k for k, v in module.items() if isinstance(v, mx.array) and v.size]
        if own:
            write(j, {f"{prefix}.{k}": module[k] for k in own})
            for k in own:  # drop the model's reference, so the written arrays are freed
                module[k] = mx.array([])
        if on_progress is not None:
            on_progress(j, total)
    index = {
        "metadata": {"total_size": total_size},
        "weight_map": dict(sorted(weight_map.items())),
    }
    (out_dir / "model.safetensors.index.json").write_text(json.dumps(index, indent=4))
    return index
