"""Stage stamps: a stage rerun upstream makes the stages that read its outputs stale.

train rewrites `RUN/summary.json` and select records its choice there: when train ran again
and wrote byte-identical adapters, select used to stay "up to date", and fuse then found no
choice in the new summary. These tests drive noxfile's own stamp functions on stages over a
temporary folder (no stage command runs).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def noxfile() -> ModuleType:
    spec = importlib.util.spec_from_file_location("punie_noxfile", ROOT / "noxfile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def chain(noxfile: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(noxfile, "CACHE", tmp_path / "cache")
    data, run = tmp_path / "data", tmp_path / "run"
    data.mkdir()
    (data / "train.jsonl").write_text("{}\n")
    Stage = noxfile.Stage
    stages = [
        Stage("data", [], [str(data)], {}, [], None),
        Stage("learn-check", [str(data)], [str(tmp_path / "lc.json")], {}, [], "data"),
        Stage("train", [str(data)], [str(run / "adapters")], {}, [], "learn-check"),
        Stage("select", [str(run / "adapters")], [str(run / "chosen.json")], {}, [], "train"),
    ]
    return {s.name: s for s in stages}


def finish(noxfile: ModuleType, stages: dict, name: str) -> None:
    """What `_run_stage` records when stage `name` succeeds (its outputs written first)."""
    stage = stages[name]
    for out in map(Path, stage.outputs):
        if out.suffix:
            out.write_text(name)
        else:
            out.mkdir(parents=True, exist_ok=True)
            (out / "weights").write_text("same bytes every run")
    noxfile._record_success(stage, noxfile._key(stage, stages), 1.0, 1.0)


def test_a_rerun_of_the_stage_a_reader_reads_makes_it_stale(noxfile, chain) -> None:
    for name in chain:
        finish(noxfile, chain, name)
    assert noxfile._state(chain["select"], chain) == (True, "up to date")
    finish(noxfile, chain, "train")  # identical adapters, a new run
    ok, why = noxfile._state(chain["select"], chain)
    assert not ok and "ran again" in why
    finish(noxfile, chain, "select")
    assert noxfile._state(chain["select"], chain)[0]


def test_a_rerun_of_a_stage_it_does_not_read_leaves_it_up_to_date(noxfile, chain) -> None:
    for name in chain:
        finish(noxfile, chain, name)
    finish(noxfile, chain, "learn-check")  # train follows it but does not read its report
    assert noxfile._state(chain["train"], chain)[0]
    assert noxfile._state(chain["select"], chain)[0]
    finish(noxfile, chain, "data")  # everything downstream reads the data, directly or not
    assert not noxfile._state(chain["learn-check"], chain)[0]
    assert not noxfile._state(chain["train"], chain)[0]


def test_the_producers_are_found_from_paths(noxfile, chain) -> None:
    names = {n: [p.name for p in noxfile._producers(s, chain)] for n, s in chain.items()}
    assert names == {"data": [], "learn-check": ["data"], "train": ["data"], "select": ["train"]}
