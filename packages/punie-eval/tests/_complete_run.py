"""The eval side of a complete run, for tests of the train sections of the phase documents.

`punie-eval docs` writes only from a complete run (manifest, both eval reports): these minimal
files make a run complete, so a test can vary only what punie-train wrote.
"""

from __future__ import annotations

import json
from pathlib import Path


def complete_eval_side(data: Path, run: Path) -> None:
    """Write a manifest (unless one exists) and minimal eval and held-out reports."""
    data.mkdir(parents=True, exist_ok=True)
    if not (data / "manifest.json").exists():
        (data / "manifest.json").write_text(json.dumps({"total": 10}))
    (run / "eval" / "heldout").mkdir(parents=True, exist_ok=True)
    overall = {"title": "Overall", "passed": 0, "total": 20, "threshold": 19, "met": False}
    query = {"id": "q01", "category": "single_tool", "request": "r", "passed": False}
    report = {"backend": f"mlx:{run}/quantized", "overall": overall, "queries": [query]}
    (run / "eval" / "report.json").write_text(json.dumps(report))
    heldout = {"total": 6, "tool_choice_accuracy": 0.0, "format_validity_rate": 0.0}
    (run / "eval" / "heldout" / "report.json").write_text(json.dumps(heldout))
