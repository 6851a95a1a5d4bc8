"""Shared fixtures: the real suite under data/eval (queries, oracle, fixture workspace)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from punie_eval.suite import Suite, load_suite

REPO = Path(__file__).resolve().parents[3]
SUITE_DIR = REPO / "data" / "eval"

# The pytest runs the tools start inherit this environment; hypothesis's plugin (a test extra of
# this package only) would add seconds to each of them without changing any result.
os.environ.setdefault("PYTEST_ADDOPTS", "-p no:hypothesispytest")


@pytest.fixture(scope="session")
def suite() -> Suite:
    return load_suite(SUITE_DIR)
