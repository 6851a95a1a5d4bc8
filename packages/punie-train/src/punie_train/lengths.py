"""Token lengths of a dataset, measured with the model's own tokenizer, and what they cost.

``punie-train lora`` counts every training sequence before it trains: a ``max_seq_length`` that
would cut or drop any of them is an error unless ``--allow-drop`` is given, and the distribution
(and anything dropped) is recorded in ``summary.json``. mlx-lm itself would silently truncate a
long sequence to ``max_seq_length`` (cutting off the answer the example exists to teach).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = [
    "SplitLengths",
    "TokenLengths",
    "estimate_training_memory",
    "fitting_max_seq_length",
    "percentile",
    "split_lengths",
]


def percentile(values: Sequence[int], fraction: float) -> int:
    """Nearest-rank percentile (the smallest value with ``fraction`` of the data at or below)."""
    if not values:
        return 0
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


class SplitLengths(BaseModel):
    """Token counts of one split, per example (its longest training sequence) and per sequence.

    With ``every_turn`` an example becomes one sequence per assistant turn; the last one holds the
    whole conversation, so an example's length is the length of its full conversation.
    """

    model_config = ConfigDict(extra="forbid")

    examples: int
    sequences: int
    max: int
    p95: int
    p50: int
    mean: float
    over_limit: int  # examples with a sequence longer than max_seq_length
    dropped_examples: int = 0  # examples that lost at least one sequence (--allow-drop only)
    dropped_sequences: int = 0  # sequences dropped (--allow-drop only)
    longest_line: int | None = None  # 1-based line of the longest example


class TokenLengths(BaseModel):
    """What ``summary.json`` records under ``lengths``."""

    model_config = ConfigDict(extra="forbid")

    max_seq_length: int
    allow_drop: bool
    train: SplitLengths
    valid: SplitLengths

    @property
    def dropped(self) -> int:
        """Sequences dropped across both splits."""
        return self.train.dropped_sequences + self.valid.dropped_sequences


def split_lengths(
    sequence_lengths: Sequence[int],
    sequence_lines: Sequence[int],
    max_seq_length: int,
    dropped: Sequence[int] = (),
) -> SplitLengths:
    """Summarise one split from each sequence's token count and its example's line number.

    ``dropped`` holds the indices (into ``sequence_lengths``) of the sequences left out.
    """
    per_example: dict[int, int] = {}
    for length, line in zip(sequence_lengths, sequence_lines, strict=True):
        per_example[line] = max(per_example.get(line, 0), length)
    values = list(per_example.values())
    over = {line for line, length in per_example.items() if length > max_seq_length}
    longest = max(per_example, key=lambda line: per_example[line]) if per_example else None
    return SplitLengths(
        examples=len(per_example),
        sequences=len(sequence_lengths),
        max=max(values, default=0),
        p95=percentile(values, 0.95),
        p50=percentile(values, 0.50),
        mean=round(sum(values) / len(values), 1) if values else 0.0,
        over_limit=len(over),
        dropped_examples=len({sequence_lines[i] for i in dropped}),
        dropped_sequences=len(dropped),
        longest_line=longest,
    )


def fitting_max_seq_length(longest: int, multiple: int = 256) -> int:
    """The smallest multiple of ``multiple`` that holds a sequence of ``longest`` tokens."""
    return max(multiple, multiple * math.ceil(longest / multiple))


def estimate_training_memory(
    config: dict[str, Any],
    *,
    weight_bytes: int,
    max_seq_length: int,
    batch_size: int,
    lora_layers: int,
    lora_rank: int,
    grad_checkpoint: bool,
    activation_bytes: int = 2,
) -> dict[str, int]:
    """A rough peak-memory estimate for LoRA training of ``config`` at ``max_seq_length``.

    Parts, in bytes: the weights as stored; the LoRA parameters with their gradients and Adam's
    two moments (float32); the activations kept for the backward pass through the trained layers
    (per layer, the residual stream when checkpointing, else about 12 hidden-sized tensors plus
    the attention scores); one layer's recomputed attention scores; and the output logits in float32
    with their gradient and softmax (three vocab-sized tensors per token), which dominate long
    sequences on models with a large vocabulary. It is an estimate: MLX frees and fuses buffers
    its own way, so compare it with the measured ``peak_memory_bytes`` of a run.
    """
    hidden = int(config["hidden_size"])
    layers = int(config["num_hidden_layers"])
    vocab = int(config["vocab_size"])
    heads = int(config["num_attention_heads"])
    trained = layers if lora_layers < 0 else min(lora_layers, layers)
    tokens = batch_size * max_seq_length
    # q, k, v, o and the MLP projections: about 7 adapted matrices of hidden-sized sides per layer.
    lora_params = trained * 7 * 2 * hidden * lora_rank
    lora = lora_params * 4 * 4  # weights, gradients, Adam m and v, float32
    scores = batch_size * heads * max_seq_length * max_seq_length * 4
    per_layer = tokens * hidden * activation_bytes * (1 if grad_checkpoint else 12)
    activations = trained * (per_layer + (0 if grad_checkpoint else scores)) + scores
    logits = 3 * tokens * vocab * 4
    total = weight_bytes + lora + activations + logits
    return {
        "weights": weight_bytes,
        "lora_and_optimizer": lora,
        "activations": activations,
        "logits": logits,
        "total": total,
    }
