"""The small real build the build, verify and CLI tests share (made once per session)."""

from __future__ import annotations

from pathlib import Path

SCALE = 0.02  # a spec or two of every (category, split)
# At 4096 tokens (the smoke profile's length) no spec of this small build is too long, so
# every category the plan spreads over the splits reaches each split.
LIMIT = 4096
SUITE = Path(__file__).resolve().parents[3] / "data" / "eval" / "suite.toml"
