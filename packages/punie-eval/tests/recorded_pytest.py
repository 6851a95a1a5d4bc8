"""Real pytest runs of the scorer, recorded once and replayed (tests/fixtures/recorded/).

The scorer's pytest checks (`pytest_pass`, `hidden_test`, `mutants`) cost a real, confined pytest
run each: seconds under load, paid again by every mutant mutation testing makes of scoring.py.
`RecordedPytest` stands in for `punie_tools.runners.pytest_run` in tests/test_scoring_mutants.py:
it reads every file of the folder the scorer runs pytest in (with the scorer's random canary
nonce written as `{nonce}`, the folder as `{root}`) and returns what the real pytest_run returned
on exactly those files and arguments. A run it has no recording of raises `LookupError`: the
scorer ran pytest on something the recorded runs never saw, which fails the test.

`test_recorded_pytest_runs_match_the_real_pytest` (marker `real_tools`) rebuilds every recorded
folder, runs the real pytest_run on it and compares; to refresh the recordings run the tests of
tests/test_scoring_mutants.py with PUNIE_RECORD=1 (each real run is then recorded).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from punie_tools.models import TestResult
from punie_tools.runners import pytest_run

RECORDINGS = Path(__file__).parent / "fixtures" / "recorded" / "scoring_pytest.json"
ROOT = "{root}"
NONCE = "{nonce}"
NONCE8 = "{nonce8}"
_NONCE_RE = re.compile(r"assert False, '([0-9a-f]{16,})'")
_SKIP = {"__pycache__", ".pytest_cache", ".ruff_cache"}


def snapshot(root: Path) -> tuple[dict[str, str], str | None]:
    """The text of every file under `root` (caches left out) with the canary's nonce written
    as a placeholder, and the nonce."""
    texts: dict[str, str] = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP)
        for name in files:
            path = Path(directory) / name
            texts[path.relative_to(root).as_posix()] = path.read_text(encoding="utf-8")
    nonces = {m.group(1) for text in texts.values() for m in _NONCE_RE.finditer(text)}
    nonce = nonces.pop() if len(nonces) == 1 else None
    if nonce is not None:
        texts = {rel: _hide(text, nonce) for rel, text in texts.items()}
    return texts, nonce


def _hide(text: str, nonce: str | None, root: Path | None = None) -> str:
    if root is not None:
        text = text.replace(str(root), ROOT)
    if nonce is not None:
        text = text.replace(nonce, NONCE).replace(nonce[:8], NONCE8)
    return text


def _show(text: str, nonce: str | None, root: Path) -> str:
    text = text.replace(ROOT, str(root))
    if nonce is not None:
        text = text.replace(NONCE, nonce).replace(NONCE8, nonce[:8])
    return text


def normalised(result: TestResult, root: Path, nonce: str | None) -> dict[str, Any]:
    """`result` as JSON with the folder and the nonce as placeholders and no duration."""
    data = result.model_copy(update={"duration": 0.0}).model_dump(mode="json")
    return json.loads(_hide(json.dumps(data), nonce, root))


def load() -> list[dict[str, Any]]:
    return json.loads(RECORDINGS.read_text(encoding="utf-8")) if RECORDINGS.exists() else []


class RecordedPytest:
    """`pytest_run(path, cwd=...)` answered from the recordings (see the module's docstring)."""

    def __init__(self) -> None:
        self.recording = os.environ.get("PUNIE_RECORD") == "1"
        self.runs = load()
        self.calls: list[tuple[str, dict[str, str]]] = []  # (path, files) of every call

    def __call__(self, path: str, *, cwd: Path, **options: Any) -> TestResult:
        root = Path(cwd)
        files, nonce = snapshot(root)
        self.calls.append((str(path), dict(files)))  # a copy: tests may take it apart
        key = {"path": str(path), "options": options, "files": files}
        for run in self.runs:
            if {k: run[k] for k in key} == key:
                return TestResult.model_validate_json(_show(json.dumps(run["result"]), nonce, root))
        if not self.recording:
            raise LookupError(
                f"no recorded pytest run of {path!r} on these files; "
                "rerun tests/test_scoring_mutants.py with PUNIE_RECORD=1"
            )
        result = pytest_run(path, cwd=root, **options)
        self.runs.append(key | {"result": normalised(result, root, nonce)})
        RECORDINGS.parent.mkdir(parents=True, exist_ok=True)
        RECORDINGS.write_text(json.dumps(self.runs, indent=1, sort_keys=True) + "\n", "utf-8")
        return result


def replay_live(run: dict[str, Any], root: Path, nonce: str) -> tuple[dict, dict]:
    """(recorded, live) result of one recording: its files rebuilt under `root` with `nonce`,
    and the real pytest_run on them."""
    for rel, text in run["files"].items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_show(text, nonce, root), encoding="utf-8")
    live = pytest_run(run["path"], cwd=root, **run["options"])
    return run["result"], normalised(live, root, nonce)
