"""Adapter checkpoints of a run, and which one to fuse: best by loss, best by behaviour, final.

``lora`` writes ``RUN/adapters/NNNNNNN_adapters.safetensors`` each time mlx-lm measures the
validation loss (the weights that loss was measured on, after NNNNNNN steps) and the final
``adapters.safetensors``. Validation loss did not predict behaviour in the upstream project's
runs, so ``punie-eval heldout --checkpoints`` scores every checkpoint on held-out examples and
``select`` records the best by behaviour next to the best by loss in ``summary.json``.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

from punie_train.errors import RunError

ADAPTERS_DIR = "adapters"
ADAPTER_FILE = "adapters.safetensors"
CHECKPOINTS_REPORT = Path("eval") / "checkpoints" / "checkpoints.json"
_NUMBERED = re.compile(r"^(\d{7})_adapters\.safetensors$")

Choice = Literal["final", "best-loss", "best-behaviour"]
CHOICES: tuple[str, ...] = ("final", "best-loss", "best-behaviour")


def checkpoint_name(iteration: int) -> str:
    """The file name of the checkpoint after ``iteration`` steps."""
    return f"{iteration:07d}_adapters.safetensors"


def numbered_checkpoints(adapter_dir: Path) -> list[tuple[int, Path]]:
    """``(iteration, path)`` of every numbered checkpoint, in iteration order."""
    adapter_dir = Path(adapter_dir)
    if not adapter_dir.is_dir():
        return []
    found = []
    for path in adapter_dir.iterdir():
        match = _NUMBERED.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def remove_numbered_checkpoints(adapter_dir: Path) -> None:
    """Delete the numbered checkpoints a previous run wrote (a fresh run starts over)."""
    for _, path in numbered_checkpoints(adapter_dir):
        path.unlink(missing_ok=True)


def best_by_loss(
    val_losses: dict[int, float], adapter_dir: Path, final_iteration: int
) -> dict[str, Any] | None:
    """The checkpoint with the lowest validation loss measured on exactly its weights.

    ``val_losses`` maps iteration → loss. Ties go to the later checkpoint. The final
    ``adapters.safetensors`` counts as ``final_iteration``.
    """
    candidates = [
        (iteration, path.name)
        for iteration, path in numbered_checkpoints(adapter_dir)
        if iteration in val_losses and iteration != final_iteration
    ]
    if final_iteration in val_losses and (Path(adapter_dir) / ADAPTER_FILE).is_file():
        candidates.append((final_iteration, ADAPTER_FILE))
    if not candidates:
        return None
    iteration, name = min(candidates, key=lambda c: (val_losses[c[0]], -c[0]))
    return {"iteration": iteration, "val_loss": val_losses[iteration], "file": name}


def read_checkpoints_report(path: Path, adapter_dir: Path) -> dict[str, Any]:
    """Read punie-eval's ``checkpoints.json`` and return its ``best``, checked against the run.

    The report's ``best.file`` must be one of this run's checkpoint files (a report written for
    another run is refused).
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RunError(f"cannot read the checkpoints report {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise RunError(f"{path}: invalid JSON ({exc})") from exc
    best = data.get("best") if isinstance(data, dict) else None
    if not isinstance(best, dict) or not isinstance(best.get("file"), str):
        raise RunError(f"{path} has no 'best' checkpoint (expected best.file, best.score)")
    file = Path(adapter_dir) / best["file"]
    if Path(best["file"]).name != best["file"] or not file.is_file():
        raise RunError(
            f"{path} names {best['file']!r}, which is not a checkpoint of {adapter_dir} "
            "(a report from another run?)"
        )
    listed = {c.get("file") for c in data.get("checkpoints", []) if isinstance(c, dict)}
    chosen: dict[str, Any] = {
        "file": best["file"],
        "iteration": best.get("iteration"),
        "score": best.get("score"),
        "report": str(path),
        "checkpoints_scored": len(listed),
    }
    return chosen


def resolve_adapter(
    adapter_dir: Path,
    summary: dict[str, Any],
    *,
    checkpoint: Choice = "final",
    adapter_file: Path | None = None,
) -> tuple[Path, str]:
    """The adapter file to fuse and a label saying why (``final``, ``best-behaviour`` ...)."""
    adapter_dir = Path(adapter_dir)
    if adapter_file is not None:
        path = Path(adapter_file)
        if not path.is_file():
            raise RunError(f"--adapter-file {path} does not exist")
        return path, f"file {path.name}"
    if checkpoint == "final":
        path = adapter_dir / ADAPTER_FILE
        if not path.is_file():
            raise RunError(f"{adapter_dir} has no {ADAPTER_FILE}; run `punie-train lora` first.")
        return path, "final"
    key = "best_by_loss" if checkpoint == "best-loss" else "best_by_behaviour"
    best = summary.get(key)
    if not isinstance(best, dict) or not best.get("file"):
        hint = (
            "run `punie-eval heldout --checkpoints` and `punie-train select` first"
            if checkpoint == "best-behaviour"
            else "the run recorded no validation loss for a checkpoint"
        )
        raise RunError(f"summary.json has no {key} ({hint}), or fuse with --checkpoint final")
    path = adapter_dir / str(best["file"])
    if not path.is_file():
        raise RunError(f"{key} names {best['file']}, which is missing from {adapter_dir}")
    return path, checkpoint


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class FixedValidation:
    """The same ``batches × batch_size`` validation examples at every validation.

    mlx-lm validates on ``val_batches`` batches drawn in a fresh random order each time, so two
    validations with fewer batches than the split measure different examples and their losses
    cannot rank checkpoints. This view holds examples evenly spaced through the split (so every
    length is represented); validating on all of it gives the same examples every time.
    """

    def __init__(self, dataset: Any, count: int) -> None:
        self.dataset = dataset
        last = len(dataset) - 1
        self.indices = sorted({round(k * last / max(count - 1, 1)) for k in range(count)})

    def __getitem__(self, index: int) -> Any:
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def fixed_validation(dataset: Any, batches: int, batch_size: int) -> tuple[Any, int]:
    """``(dataset, val_batches)`` for mlx-lm such that every validation sees the same examples."""
    count = batches * batch_size
    if batches < 0 or count >= len(dataset):
        return dataset, -1
    subset = FixedValidation(dataset, count)
    return subset, len(subset) // batch_size
