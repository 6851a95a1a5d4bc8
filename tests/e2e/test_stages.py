"""A failed stage stops the phase: fuse fails on purpose and nothing after it runs.

The reduced pipeline trains a run whose profile requires greedy generation to stop within 8
tokens, which the random-weight smoke model never does: fuse's check fails, so fuse publishes
no model, writes no stamp, and quantize, eval and docs do not run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / ".punie-cache" / "reduced" / "runs" / "fuse-fails"
STAGES = ROOT / ".punie-cache" / "stages"


def test_a_failed_fuse_stops_quantize_eval_and_docs(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles.toml"
    profiles.write_text('[smoke]\nstop_check = "require"\nstop_tokens = 8\n')
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nox",
            "-f",
            str(ROOT / "noxfile.py"),
            "-s",
            "phase24",
            "--",
            "--reduced",
            "--run",
            "fuse-fails",
            "--profiles",
            str(profiles),
            "--checkpoint",
            "final",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0, log[-4000:]
    # mine, data and learn-check are up to date from test_phase24 (no --force: nothing is
    # built or trained twice); this run's train has run now or in an earlier session.
    assert "[train] done" in log or "[train] up to date" in log, log[-4000:]
    assert "fused: greedy generation ran to the 8-token limit on 3 of 3 training prompts" in log
    assert "Session fuse failed" in log
    for later in ("quantize", "eval", "docs", "phase24"):
        assert f"Session {later} aborted: Prerequisite session" in log, later
        assert f"[{later}] done" not in log
    # Nothing published, nothing stamped after train.
    assert not (RUN / "fused").exists()
    assert not list(RUN.glob(".fused*"))
    assert not (RUN / "quantized").exists() and not (RUN / "eval").exists()
    stamps = [p.read_text() for p in STAGES.glob("*.json")]
    assert not any(str(RUN / "fused") in s or str(RUN / "quantized") in s for s in stamps)
