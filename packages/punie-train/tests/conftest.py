"""Session fixtures: one tiny dataset and one smoke model, built once and shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _dataset import write_dataset

from punie_train.profiles import Profile, get_profile
from punie_train.smoke import make_smoke_model

os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dataset in punie-datagen's shape: 24 train, 8 valid, 8 test examples."""
    return write_dataset(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="session")
def smoke_model_dir(tmp_path_factory: pytest.TempPathFactory, dataset_dir: Path) -> Path:
    """The smoke model, with its tokenizer trained on ``dataset_dir``."""
    return make_smoke_model(tmp_path_factory.mktemp("models") / "smoke", dataset_dir, seed=0)


@pytest.fixture(scope="session")
def standin_dir(tmp_path_factory: pytest.TempPathFactory, dataset_dir: Path) -> Path:
    """The tiny 4-bit Qwen3-MoE stand-in for Qwen3-Coder-30B-A3B (bfloat16 base)."""
    out = tmp_path_factory.mktemp("models") / "standin"
    return make_smoke_model(out, dataset_dir, seed=0, arch="qwen3_moe", base_bits=4)


def tiny_profile(**overrides: object) -> Profile:
    """The smoke profile shrunk to a few iterations for tests."""
    settings: dict[str, object] = {
        "iters": 6,
        "batch_size": 2,
        "steps_per_report": 2,
        "steps_per_eval": 3,
        "val_batches": -1,
        "save_every": 2,
        "max_seq_length": 512,
    }
    settings.update(overrides)
    return get_profile("smoke", overrides=settings)
