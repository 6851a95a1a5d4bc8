"""Post-fuse/quantize checks on real model copies: end-of-sequence ids, patches, greedy stops."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _models import copy_model, edit_json, set_eos, token_id, zero_final_norm

from punie_train._verify import VerificationError
from punie_train.checks import check_model_dir
from punie_train.profiles import get_profile

REQUIRE = get_profile("smoke", overrides={"stop_check": "require", "stop_tokens": 8})


def test_patches_config_when_the_tokenizer_names_the_end_of_turn(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "m")
    set_eos(model, "<|endoftext|>")  # what the upstream 7B's fused config did
    eot, other = token_id(model, "<|im_end|>"), token_id(model, "<|endoftext|>")
    record = check_model_dir(model, data_dir=dataset_dir, profile=REQUIRE, mode="eos")
    assert record["patched"] == [
        f"config.json: eos_token_id {other} -> [{eot}, {other}]",
        f"generation_config.json: eos_token_id [{other}] -> [{eot}, {other}]",
    ]
    assert json.loads((model / "config.json").read_text())["eos_token_id"] == [eot, other]
    assert record["eos"]["config"] == [eot, other]
    # A second check finds nothing left to patch.
    again = check_model_dir(model, data_dir=dataset_dir, profile=REQUIRE, mode="eos")
    assert again["patched"] == []


def test_refuses_when_nothing_names_the_end_of_turn(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    model = copy_model(smoke_model_dir, tmp_path / "m")
    set_eos(model, "<|endoftext|>")
    edit_json(model / "tokenizer_config.json", eos_token="<|endoftext|>")
    before = (model / "config.json").read_text()
    with pytest.raises(VerificationError) as info:
        check_model_dir(model, data_dir=dataset_dir, profile=REQUIRE, mode="eos")
    message = str(info.value)
    assert "\n" not in message
    assert "do not include the template's end-of-turn '<|im_end|>'" in message
    assert "every reply would run to the token limit" in message
    assert (model / "config.json").read_text() == before  # nothing patched


def test_greedy_generation_must_stop_on_an_end_of_sequence_id(
    tmp_path: Path, smoke_model_dir: Path, dataset_dir: Path
) -> None:
    """A model that always emits <|endoftext|> stops only when the configs name that id."""
    model = copy_model(smoke_model_dir, tmp_path / "stopper")
    zero_final_norm(model)  # all logits 0: greedy picks id 0, <|endoftext|>
    assert token_id(model, "<|endoftext|>") == 0
    set_eos(model, "<|im_end|>", generation=["<|im_end|>", "<|endoftext|>"])
    record = check_model_dir(model, data_dir=dataset_dir, profile=REQUIRE, mode="model")
    assert record["stopped"] == "3/3"
    assert [s["generated"] for s in record["stops"]] == [1, 1, 1]
    assert record["check_dtype"] == "float32"  # on a CPU

    set_eos(model, "<|im_end|>")  # <|endoftext|> no longer ends a reply
    with pytest.raises(VerificationError, match="ran to the 8-token limit on 3 of 3"):
        check_model_dir(model, data_dir=dataset_dir, profile=REQUIRE, mode="model")
    report = get_profile("smoke", overrides={"stop_check": "report", "stop_tokens": 8})
    record = check_model_dir(model, data_dir=dataset_dir, profile=report, mode="model")
    assert record["stopped"] == "0/3"
    assert [s["generated"] for s in record["stops"]] == [8, 8, 8]
