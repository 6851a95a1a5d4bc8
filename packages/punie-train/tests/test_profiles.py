"""Profiles: embedded values, user TOML overrides, CLI listing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from punie_train.cli import app
from punie_train.profiles import ProfileError, get_profile, load_profiles

runner = CliRunner()


def test_phase24_is_the_seed_recipe() -> None:
    p = get_profile("phase24")
    assert (p.iters, p.batch_size, p.learning_rate) == (600, 1, 1e-4)
    assert (p.num_layers, p.lora_rank, p.lora_scale, p.lora_dropout) == (8, 8, 20.0, 0.0)
    assert (p.max_seq_length, p.mask_prompt, p.grad_checkpoint) == (3072, True, True)
    assert p.target_val_loss == 0.8
    assert p.fuse_dequantize and p.quantize_bits == 5
    assert p.model == ""  # supplied with --model


def test_all_three_profiles_exist() -> None:
    profiles = load_profiles()
    assert {"phase24", "smoke", "phase25-7b"} <= set(profiles)
    assert profiles["smoke"].smoke_model
    assert "Qwen2.5-Coder-7B" in profiles["phase25-7b"].description


def test_user_toml_overrides_single_keys_and_adds_profiles(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[phase24]\nmodel = "/models/q3"\niters = 300\n\n[tiny]\niters = 5\nbatch_size = 2\n'
    )
    p = get_profile("phase24", user)
    assert (p.model, p.iters, p.lora_rank) == ("/models/q3", 300, 8)
    tiny = get_profile("tiny", user)
    assert (tiny.iters, tiny.batch_size, tiny.learning_rate) == (5, 2, 1e-4)


def test_cli_overrides_ignore_none() -> None:
    assert get_profile("smoke", overrides={"iters": 7, "model": None}).iters == 7
    assert get_profile("smoke", overrides={"model": None}).model == "data/models/smoke"


@pytest.mark.parametrize(
    "text",
    ["[phase24]\nlearning_rte = 1e-4\n", "[phase24]\niters = -1\n", "not toml ==", "x = 1\n"],
)
def test_invalid_profiles_are_reported(tmp_path: Path, text: str) -> None:
    user = tmp_path / "bad.toml"
    user.write_text(text)
    with pytest.raises(ProfileError):
        load_profiles(user)


def test_unknown_profile() -> None:
    with pytest.raises(ProfileError, match="known: phase24, phase25-7b, smoke"):
        get_profile("phase99")


def test_cli_lists_profiles_and_help() -> None:
    result = runner.invoke(app, ["profiles"])
    assert result.exit_code == 0
    for name in ("phase24", "smoke", "phase25-7b"):
        assert name in result.output
    help_result = runner.invoke(app, ["--help"])
    assert help_result.exit_code == 0
    for command in ("lora", "fuse", "quantize", "make-smoke-model", "profiles"):
        assert command in help_result.output
