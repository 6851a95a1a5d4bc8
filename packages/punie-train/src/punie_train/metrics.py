"""Run records: ``metrics.jsonl`` (one line per report), ``loss.png`` and ``summary.json``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from punie_train._io import atomic_write_json
from punie_train.lengths import TokenLengths

METRICS_FILE = "metrics.jsonl"
LOSS_PLOT = "loss.png"
SUMMARY_FILE = "summary.json"


class MetricRecord(BaseModel):
    """One report: a training-loss window and/or a validation loss at ``iteration``."""

    model_config = ConfigDict(extra="forbid")

    iteration: int
    train_loss: float | None = None
    val_loss: float | None = None
    tokens_per_second: float | None = None
    trained_tokens: int | None = None
    peak_memory_bytes: int | None = None


class Summary(BaseModel):
    """The keys the docs generator reads from ``summary.json`` (exactly these)."""

    model_config = ConfigDict(extra="forbid")

    model: str
    profile: str
    backend: Literal["cpu", "metal", "cuda"]
    # Which BLAS MLX's CPU backend used (punie_train.blas), e.g. "mkl 2026.2.0 (/…/libmkl_rt.so.3)".
    blas: str | None = None
    iterations: int
    final_val_loss: float | None
    target_val_loss: float | None
    target_met: bool | None
    perplexity: float | None
    train_seconds: float
    tokens_per_second: float
    peak_memory_bytes: int
    adapter_bytes: int
    fused_bytes: int | None = None
    quantized_bytes: int | None = None
    quantize_bits: int | None = None
    # Which training run wrote this (new for every fresh `lora`); fused/quantized record it too.
    run_id: str | None = None
    # {"iteration", "val_loss", "file"}: the checkpoint with the lowest validation loss.
    best_by_loss: dict[str, Any] | None = None
    # {"file", "iteration", "score", "report"}: the best checkpoint on held-out behaviour.
    best_by_behaviour: dict[str, Any] | None = None
    # {"file", "iteration", "choice"}: the checkpoint `fuse` fused.
    fused_checkpoint: dict[str, Any] | None = None
    fused_dtype: str | None = None
    quantize_group_size: int | None = None
    # Peak MLX memory of each stage (bytes), as mx.get_peak_memory() reports it.
    fuse_peak_memory_bytes: int | None = None
    quantize_peak_memory_bytes: int | None = None
    # The post-fuse and post-quantize checks: end-of-sequence ids, patches, greedy stops.
    fused_check: dict[str, Any] | None = None
    quantized_check: dict[str, Any] | None = None
    # Token counts of the data with the model's tokenizer, and anything --allow-drop left out.
    lengths: TokenLengths | None = None
    # The training settings used (profile values after --iters, --learning-rate, ... flags):
    # iters, learning_rate, batch_size, num_layers, max_seq_length, overridden (flag names).
    training: dict[str, Any] | None = None

    def to_json_dict(self) -> dict[str, Any]:
        """Dump for ``summary.json``; the optional keys appear only once they are known."""
        data = self.model_dump()
        for key in OPTIONAL_KEYS:
            if data[key] is None:
                del data[key]
        return data


OPTIONAL_KEYS = (
    "fused_bytes",
    "lengths",
    "quantized_bytes",
    "quantize_bits",
    "run_id",
    "best_by_loss",
    "best_by_behaviour",
    "fused_checkpoint",
    "fused_dtype",
    "quantize_group_size",
    "fuse_peak_memory_bytes",
    "quantize_peak_memory_bytes",
    "fused_check",
    "quantized_check",
    "training",
)


def perplexity(loss: float | None) -> float | None:
    """Return ``exp(loss)`` (inf on overflow), or None without a loss."""
    if loss is None:
        return None
    try:
        return math.exp(loss)
    except OverflowError:
        return math.inf


class MetricsWriter:
    """Append-only ``metrics.jsonl`` writer; each line is flushed so a crash loses nothing."""

    def __init__(self, path: Path, *, truncate: bool) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if truncate:
            self.path.write_text("")

    def write(self, record: MetricRecord) -> None:
        """Append one record."""
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(record.model_dump_json(exclude_none=True) + "\n")


def read_metrics(path: Path) -> list[MetricRecord]:
    """Read ``metrics.jsonl``; a torn last line (crash mid-write) is ignored."""
    path = Path(path)
    if not path.exists():
        return []
    records = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            try:
                records.append(MetricRecord.model_validate_json(raw))
            except ValueError:
                continue
    return records


def truncate_metrics(path: Path, max_iteration: int) -> None:
    """Drop records past ``max_iteration`` (they belong to steps a resume will redo)."""
    kept = [r for r in read_metrics(path) if r.iteration <= max_iteration]
    Path(path).write_text("".join(r.model_dump_json(exclude_none=True) + "\n" for r in kept))


def plot_loss(records: list[MetricRecord], out: Path, *, title: str, target: float | None) -> Path:
    """Draw train and validation loss against iteration into ``out`` (PNG, Agg backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [(r.iteration, r.train_loss) for r in records if r.train_loss is not None]
    val = [(r.iteration, r.val_loss) for r in records if r.val_loss is not None]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    if train:
        ax.plot(*zip(*train, strict=True), label="train loss", color="tab:blue")
    if val:
        ax.plot(*zip(*val, strict=True), "o-", label="val loss", color="tab:orange")
    if target is not None:
        ax.axhline(target, linestyle="--", color="tab:green", label=f"target {target:g}")
    ax.set_xlabel("iteration")
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    tmp = Path(out).with_name(f".{Path(out).name}.tmp.png")
    fig.savefig(tmp)
    plt.close(fig)
    tmp.replace(out)
    return Path(out)


def write_summary(run_dir: Path, summary: Summary) -> Path:
    """Write ``summary.json`` atomically."""
    path = Path(run_dir) / SUMMARY_FILE
    atomic_write_json(path, summary.to_json_dict())
    return path


def read_summary(run_dir: Path) -> Summary:
    """Read ``summary.json`` of a run."""
    path = Path(run_dir) / SUMMARY_FILE
    return Summary.model_validate(json.loads(path.read_text(encoding="utf-8")))


def update_summary(run_dir: Path, **fields: Any) -> Summary:
    """Set ``fields`` in ``summary.json`` (read, merge, atomic write) and return the result."""
    summary = read_summary(run_dir).model_copy(update=fields)
    write_summary(run_dir, Summary.model_validate(summary.model_dump()))
    return summary
