"""Pick a training run's checkpoint by behaviour: score every saved adapter on the held-out split.

`punie-eval heldout --backend mlx:BASE --checkpoints RUN/adapters --data test.jsonl --out DIR`
orders the adapter files by iteration (`NNNNNNN_adapters.safetensors`; the final
`adapters.safetensors` counts as the last iteration), scores the same fixed sample with each
(see punie_eval.heldout: `score` is the mean of tool choice, arguments and code that runs) and
writes DIR/checkpoints.json atomically, plus each checkpoint's report under DIR/<stem>/.

The base model is loaded once with the first checkpoint, as a directory holding that file as
`adapters.safetensors` beside the run's adapter_config.json; each later checkpoint's LoRA
weights then replace the loaded ones in place (the same tensors mlx-lm's own loader would set).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from punie_eval.backends import BackendSpecError, parse_spec
from punie_eval.heldout import run_heldout, write_heldout
from punie_eval.report import save_text

if TYPE_CHECKING:
    from punie_tools.cli_support import OutputDir

__all__ = ["CheckpointError", "find_checkpoints", "pick_best", "score_checkpoints"]

_NUMBERED = re.compile(r"^(\d+)_adapters\.safetensors$")
FINAL = "adapters.safetensors"


class CheckpointError(ValueError):
    """The adapters directory holds no usable checkpoint."""


def find_checkpoints(adapters: Path) -> list[tuple[str, int]]:
    """(file name, iteration) of every checkpoint, by iteration; the final one last."""
    if not adapters.is_dir():
        raise CheckpointError(f"no adapters directory at {adapters}")
    if not (adapters / "adapter_config.json").is_file():
        raise CheckpointError(f"{adapters} has no adapter_config.json")
    numbered = sorted(
        (int(m.group(1)), p.name)
        for p in adapters.iterdir()
        if (m := _NUMBERED.match(p.name)) is not None
    )
    found = [(name, it) for it, name in numbered]
    if (adapters / FINAL).is_file():
        last = max([it for _, it in found], default=0)
        iters = _total_iterations(adapters)
        final_iteration = max(last, iters) if iters is not None else last + 1
        found.append((FINAL, final_iteration))
    if not found:
        raise CheckpointError(f"{adapters} holds no *_adapters.safetensors file")
    return found


def _total_iterations(adapters: Path) -> int | None:
    """How many iterations the run trained: adapter_config.json's `iters` (mlx-lm's lora), else
    the run's summary.json `iterations` (punie-train), else unknown."""
    for file, key in ((adapters / "adapter_config.json", "iters"),
                      (adapters.parent / "summary.json", "iterations")):  # fmt: skip
        try:
            value = json.loads(file.read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(value, int) and value > 0:
            return value
    return None


def pick_best(checkpoints: list[dict[str, Any]]) -> dict[str, Any]:
    """The highest score; ties go to the later iteration."""
    order = range(len(checkpoints))
    best = checkpoints[
        max(order, key=lambda i: (checkpoints[i]["score"], checkpoints[i]["iteration"], i))
    ]
    return {"file": best["file"], "iteration": best["iteration"], "score": best["score"]}


def score_checkpoints(
    spec: str,
    adapters: Path,
    data: Path,
    out: Path,
    *,
    limit: int | None = None,
    max_tokens: int = 1024,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    target: OutputDir | None = None,
) -> dict[str, Any]:
    """Score every checkpoint and write out/checkpoints.json (through `target`, the owned
    directory `out`, when given); returns its content."""
    kind, base, options = parse_spec(spec)
    if kind != "mlx" or not base:
        raise BackendSpecError("--checkpoints needs an mlx backend: --backend mlx:BASE_MODEL")
    if "adapter" in options:
        raise BackendSpecError("give the adapters with --checkpoints, not adapter=")
    tokens = int(options.get("max_tokens", max_tokens))
    found = find_checkpoints(adapters)
    from punie_eval.backends.mlx import MlxBackend

    rows: list[dict[str, Any]] = []
    examples = 0
    with tempfile.TemporaryDirectory(prefix="punie-eval-adapter-") as tmp:
        first = Path(tmp)
        shutil.copyfile(adapters / "adapter_config.json", first / "adapter_config.json")
        shutil.copyfile(adapters / found[0][0], first / FINAL)
        backend = MlxBackend(base, adapter=str(first), max_tokens=tokens, seed=seed)
        for number, (name, iteration) in enumerate(found):
            if number:
                backend.swap_adapter(adapters / name)
            backend.reset(seed)
            backend.name = f"mlx:{base},adapter={adapters / name}"
            backend.adapter = str(adapters / name)
            start = time.perf_counter()
            report = run_heldout(data, backend, limit=limit)
            seconds = time.perf_counter() - start
            write_heldout(report, out / Path(name).stem, target=target)
            examples = report.total
            row = {
                "file": name,
                "iteration": iteration,
                "score": round(report.score, 6),
                "tool_choice": round(report.tool_choice_accuracy, 6),
                "format_valid": round(report.format_validity_rate, 6),
                "seconds": round(seconds, 3),
            }
            rows.append(row)
            if progress is not None:
                progress(
                    f"{name} (iteration {iteration}): score {row['score']:.3f}, tool choice "
                    f"{row['tool_choice']:.3f}, valid {row['format_valid']:.3f}, {seconds:.1f} s"
                )
    if examples == 0:
        raise CheckpointError(f"{data} holds no usable example")
    summary = {
        "base_model": str(base),
        "data": str(data),
        "examples": examples,
        "checkpoints": rows,
        "best": pick_best(rows),
    }
    save_text(out, "checkpoints.json", json.dumps(summary, indent=2) + "\n", target)
    return summary
