"""Session fixtures: one small real build (every category and split) shared by many tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from shared_build import LIMIT, SCALE, SUITE

from punie_datagen.build import build


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    """(dataset directory, its warm cache, manifest): every example re-run by verify."""
    root = tmp_path_factory.mktemp("dataset")
    out, cache = root / "out", root / "cache"
    result = build(out, scale=SCALE, cache_dir=cache, verify_sample=1000, suite=SUITE,
                   max_seq_length=LIMIT)  # fmt: skip
    return out, cache, result.manifest
