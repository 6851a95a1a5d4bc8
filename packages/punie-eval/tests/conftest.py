"""Shared fixtures: the real suite under data/eval (queries, oracle, fixture workspace)."""

from __future__ import annotations

from pathlib import Path

import pytest

from punie_eval.suite import Suite, load_suite

REPO = Path(__file__).resolve().parents[3]
SUITE_DIR = REPO / "data" / "eval"


@pytest.fixture(scope="session")
def suite() -> Suite:
    return load_suite(SUITE_DIR)
