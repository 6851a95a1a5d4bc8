"""Token lengths: measured with the model's tokenizer, never dropped or cut silently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import tiny_profile
from hypothesis import given
from hypothesis import strategies as st

from punie_train.errors import DatasetError
from punie_train.lengths import (
    estimate_training_memory,
    fitting_max_seq_length,
    percentile,
    split_lengths,
)
from punie_train.lora import load_chat_datasets, train_lora


@given(st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=200))
def test_percentiles_are_values_of_the_data_in_order(values: list[int]) -> None:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    assert p50 in values and p95 in values
    assert min(values) <= p50 <= p95 <= max(values)
    # nearest rank: at least 95 % of the values are at or below p95
    assert sum(v <= p95 for v in values) >= 0.95 * len(values)


def test_split_lengths_counts_examples_by_their_longest_sequence() -> None:
    # three examples (lines 1, 2, 5); line 2 has two sequences (two assistant turns)
    stats = split_lengths([100, 300, 900, 50], [1, 2, 2, 5], max_seq_length=512, dropped=[2])
    assert (stats.examples, stats.sequences, stats.max) == (3, 4, 900)
    assert stats.over_limit == 1 and stats.longest_line == 2
    assert (stats.dropped_examples, stats.dropped_sequences) == (1, 1)
    assert stats.mean == pytest.approx((100 + 900 + 50) / 3, abs=0.1)


def test_fitting_limit_rounds_up_to_a_multiple() -> None:
    assert fitting_max_seq_length(2831) == 3072
    assert fitting_max_seq_length(2048) == 2048
    assert fitting_max_seq_length(1) == 256


def test_memory_estimate_grows_with_the_limit() -> None:
    config = {
        "hidden_size": 2048,
        "num_hidden_layers": 48,
        "vocab_size": 151936,
        "num_attention_heads": 32,
    }
    args = {"weight_bytes": 17 * 2**30, "batch_size": 1, "lora_layers": 8, "lora_rank": 8}
    short = estimate_training_memory(config, max_seq_length=2048, grad_checkpoint=True, **args)
    long = estimate_training_memory(config, max_seq_length=4096, grad_checkpoint=True, **args)
    assert short["weights"] == long["weights"] == 17 * 2**30
    assert long["total"] > short["total"] and long["logits"] == 2 * short["logits"]
    assert short["total"] == sum(v for k, v in short.items() if k != "total")


def _longest(dataset_dir: Path, tokenizer: object) -> int:
    _, _, stats = load_chat_datasets(
        dataset_dir, tokenizer, mask_prompt=True, max_seq_length=1 << 20, every_turn=True
    )
    return max(stats["lengths"].train.max, stats["lengths"].valid.max)


def test_lengths_are_the_tokenizers_counts(dataset_dir: Path, smoke_model_dir: Path) -> None:
    from mlx_lm import load

    tokenizer = load(str(smoke_model_dir))[1]
    _, _, stats = load_chat_datasets(
        dataset_dir, tokenizer, mask_prompt=True, max_seq_length=4096, every_turn=True
    )
    examples = [json.loads(line) for line in (dataset_dir / "train.jsonl").read_text().splitlines()]
    # the full conversation of each example, rendered and tokenized directly
    full = [
        len(tokenizer.apply_chat_template(e["messages"], tools=e["tools"], return_dict=False))
        for e in examples
    ]
    lengths = stats["lengths"]
    assert lengths.train.max == max(full) and lengths.train.examples == len(examples)
    assert lengths.train.sequences == 2 * len(examples)  # two assistant turns each
    assert lengths.train.dropped_sequences == lengths.valid.dropped_sequences == 0


def test_a_limit_that_would_cut_an_example_is_an_error(
    dataset_dir: Path, smoke_model_dir: Path
) -> None:
    from mlx_lm import load

    tokenizer = load(str(smoke_model_dir))[1]
    longest = _longest(dataset_dir, tokenizer)
    with pytest.raises(DatasetError, match="longer than max_seq_length") as caught:
        load_chat_datasets(
            dataset_dir,
            tokenizer,
            mask_prompt=True,
            max_seq_length=longest - 1,
            every_turn=True,
        )
    assert "--allow-drop" in str(caught.value)
    assert f"has {longest}" in str(caught.value) or "valid.jsonl" in str(caught.value)


def test_allow_drop_leaves_out_and_counts(dataset_dir: Path, smoke_model_dir: Path) -> None:
    from mlx_lm import load

    tokenizer = load(str(smoke_model_dir))[1]
    _, _, everything = load_chat_datasets(
        dataset_dir, tokenizer, mask_prompt=True, max_seq_length=1 << 20, every_turn=True
    )
    train_all = everything["train_examples"]
    limit = everything["lengths"].train.p50
    train, _, stats = load_chat_datasets(
        dataset_dir,
        tokenizer,
        mask_prompt=True,
        max_seq_length=limit,
        every_turn=True,
        allow_drop=True,
    )
    lengths = stats["lengths"]
    assert lengths.allow_drop and lengths.train.dropped_sequences > 0
    assert len(train) == train_all - lengths.train.dropped_sequences
    assert all(len(train[i][0]) <= limit for i in range(len(train)))


@pytest.mark.slow
def test_summary_records_lengths_and_drops(
    tmp_path: Path, dataset_dir: Path, smoke_model_dir: Path
) -> None:
    from mlx_lm import load

    longest = _longest(dataset_dir, load(str(smoke_model_dir))[1])
    profile = tiny_profile(iters=2, max_seq_length=longest - 1)
    with pytest.raises(DatasetError):
        train_lora(profile, dataset_dir, tmp_path / "strict", model=smoke_model_dir, verify=False)
    assert not (tmp_path / "strict" / "summary.json").exists()

    run = tmp_path / "lenient"
    train_lora(profile, dataset_dir, run, model=smoke_model_dir, verify=False, allow_drop=True)
    lengths = json.loads((run / "summary.json").read_text())["lengths"]
    assert lengths["max_seq_length"] == longest - 1 and lengths["allow_drop"] is True
    assert lengths["train"]["max"] == longest or lengths["valid"]["max"] == longest
    dropped = lengths["train"]["dropped_sequences"] + lengths["valid"]["dropped_sequences"]
    assert dropped >= 1
