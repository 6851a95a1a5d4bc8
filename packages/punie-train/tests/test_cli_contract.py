"""`punie-train` keeps the command-line contract (docs/cli-contract.md).

Every case runs the installed `punie-train` as a real subprocess on real files (NO_COLOR=1,
COLUMNS=80). A bad input must give exit 2, exactly one line `error: …` on stderr, no traceback,
nothing on stdout, and leave every file already at (and around) the output path as it was.
Each bad input is refused before any model is built, loaded or trained (about a second of
CPU each, most of it importing); the calls run side by side, each in its own working
directory, and the tests then judge what each left. One smoke model is built by the command,
once, for the cases that need a model on disk, and one more run of it shows what --force does.
"""

from __future__ import annotations

import json
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from _dataset import write_dataset

from punie_tools.cli_support import MANIFEST
from punie_tools.cli_testing import (
    Outcome,
    Snapshot,
    assert_help_readable,
    assert_user_error,
    run_tool,
)
from punie_train import __version__


def train(*args: str, cwd: Path | None = None) -> Outcome:
    return run_tool("punie-train", *args, cwd=cwd, env={"HF_HUB_OFFLINE": "1"})


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real dataset and a smoke model built by the command itself (under umask 027), once."""
    base = tmp_path_factory.mktemp("made")
    data = write_dataset(base / "data")
    model = base / "model"
    previous = os.umask(0o027)
    try:
        built = train("make-smoke-model", str(model), "--data", str(data))
    finally:
        os.umask(previous)
    assert built.code == 0, built
    return {"data": data, "model": model, "outcome": built}


def make_area(work: Path, made: dict[str, Any]) -> Path:
    """A working directory holding things a careless tool could destroy."""
    work.mkdir(parents=True)
    (work / "notes.txt").write_text("my notes\n")
    (work / "owned").mkdir()
    (work / "owned" / "mine.txt").write_text("not punie-train's\n")
    shutil.copytree(made["data"], work / "data")
    shutil.copytree(made["model"], work / "model")  # with its manifest: punie-train's own
    (work / "run").mkdir()
    (work / "run" / "notes.md").write_text("a run directory with my notes\n")
    (work / "profiles-bad.toml").write_text("[phase24]\niters = -3\n")
    return work


COMMON = ["--data", "{w}/data", "--run", "{w}/run"]
MODEL = ["--model", "{w}/model"]
# (arguments, a fragment of the error line); `{w}` is the working directory.
BAD_INPUTS = {
    # make-smoke-model never writes into (or wipes) a directory it did not fill
    "smoke: dir holds others' files": (["make-smoke-model", "{w}/owned"], "did not write (mine.txt)"),
    "smoke: dir is a file": (["make-smoke-model", "{w}/notes.txt"], "is not a directory"),
    "smoke: dir in /proc": (["make-smoke-model", "/proc/punie-model"], "cannot write"),
    "smoke: --base-bits 7": (["make-smoke-model", "{w}/m", "--base-bits", "7"], "--base-bits must be one of 2, 3, 4, 5, 6, 8"),
    # lora: a mistyped model path is an error, never a new random model
    "lora: smoke, mistyped --model": (["lora", *COMMON, "--model", "{w}/modle"], "no model there"),
    "lora: phase24, no --model": (["lora", *COMMON, "--profile", "phase24"], "never downloads"),
    "lora: phase24, mistyped --model": (["lora", *COMMON, "--profile", "phase24", "--model", "{w}/modle"], "is not a local directory"),
    "lora: --build-model, real profile": (["lora", *COMMON, "--profile", "phase24", "--model", "{w}/m", "--build-model"], "does not build its model"),
    "lora: --model is not a model": (["lora", *COMMON, "--model", "{w}/owned"], "no config.json"),
    # lora: the training flags are range-checked
    "lora: --iters 0": (["lora", *COMMON, *MODEL, "--iters", "0"], "'--iters'"),
    "lora: --learning-rate -1": (["lora", *COMMON, *MODEL, "--learning-rate", "-1"], "--learning-rate must be a number > 0"),
    "lora: --batch-size 0": (["lora", *COMMON, *MODEL, "--batch-size", "0"], "'--batch-size'"),
    "lora: --num-layers 0": (["lora", *COMMON, *MODEL, "--num-layers", "0"], "--num-layers must be ≥ 1, or -1"),
    "lora: --max-seq-length 1": (["lora", *COMMON, *MODEL, "--max-seq-length", "1"], "'--max-seq-length'"),
    # lora: output and input paths are checked before any work
    "lora: --run is a file": (["lora", "--data", "{w}/data", "--run", "{w}/notes.txt", *MODEL], "is not a directory"),
    "lora: --run in /proc": (["lora", "--data", "{w}/data", "--run", "/proc/punie-run", *MODEL], "cannot write"),
    "lora: --profiles invalid": (["lora", *COMMON, "--profile", "phase24", "--profiles", "{w}/profiles-bad.toml"], "profile 'phase24' is invalid"),
    # quantize, learn-check
    "quantize: --bits 7": (["quantize", "--run", "{w}/run", "--bits", "7"], "--bits must be one of 2, 3, 4, 5, 6, 8 (got 7)"),
    "quantize: --group-size 48": (["quantize", "--run", "{w}/run", "--group-size", "48"], "--group-size must be one of 32, 64, 128"),
    "learn-check: --force over others' dirs": (["learn-check", "--data", "{w}/data", "--out", "{w}", "--force"], "already holds data, model"),
    "learn-check: --out is a file": (["learn-check", "--data", "{w}/data", "--out", "{w}/notes.txt"], "is not a directory"),
}  # fmt: skip
HELP = [[], ["lora"], ["make-smoke-model"]]
FORCE = ["make-smoke-model", "{w}/model", "--seed", "1", "--force", "--json"]


@pytest.fixture(scope="module")
def ran(
    tmp_path_factory: pytest.TempPathFactory, made: dict[str, Any]
) -> dict[str, tuple[Outcome, Snapshot, Path]]:
    """Every call of this file, side by side: name -> (outcome, snapshot before, its area)."""
    base = tmp_path_factory.mktemp("areas")
    calls = {name: args for name, (args, _) in BAD_INPUTS.items()}
    calls |= {"help " + " ".join(c): [*c, "--help"] for c in HELP}
    calls |= {"version": ["--version"], "bare": [], "force": FORCE}
    calls["debug"] = ["quantize", "--run", "{w}/run", "--bits", "7", "--debug"]
    prepared = {}
    for index, (name, args) in enumerate(calls.items()):
        area = make_area(base / f"a{index}", made)
        if name == "force":
            (area / "model" / "notes.txt").write_text("my notes about this model\n")
        prepared[name] = ([a.format(w=area) for a in args], Snapshot.take(area), area)

    def call(name: str) -> tuple[Outcome, Snapshot, Path]:
        argv, before, area = prepared[name]
        return train(*argv, cwd=area), before, area

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(zip(prepared, pool.map(call, prepared), strict=True))


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(
    case: str, ran: dict[str, tuple[Outcome, Snapshot, Path]]
) -> None:
    outcome, before, _ = ran[case]
    assert_user_error(outcome, before, contains=BAD_INPUTS[case][1])


def test_make_smoke_model_marks_its_directory_and_reports_on_stdout(
    made: dict[str, Any],
) -> None:
    built: Outcome = made["outcome"]
    model: Path = made["model"]
    assert built.stdout.startswith(f"smoke model (qwen3) → {model} (verified: generates ")
    assert built.stdout.count("\n") == 1 and built.stderr == ""
    assert "\x1b[" not in built.stdout
    manifest = json.loads((model / MANIFEST).read_text())["files"]
    assert {e["tool"] for e in manifest.values()} == {"punie-train"}
    assert sorted(manifest) == sorted(p.name for p in model.iterdir() if p.name != MANIFEST)
    assert "config.json" in manifest and "model.safetensors" in manifest
    # Built under umask 027: files and the directory like their siblings, not mkdtemp's 0700.
    assert model.stat().st_mode & 0o777 == 0o750
    assert (model / "config.json").stat().st_mode & 0o777 == 0o640


def test_force_writes_beside_foreign_files_and_keeps_them(
    ran: dict[str, tuple[Outcome, Snapshot, Path]], made: dict[str, Any]
) -> None:
    forced, _, area = ran["force"]
    model = area / "model"
    assert forced.code == 0, forced
    assert json.loads(forced.stdout)["model"] == str(model)
    assert (model / "notes.txt").read_text() == "my notes about this model\n"
    weights = (made["model"] / "model.safetensors").read_bytes()
    assert (model / "model.safetensors").read_bytes() != weights  # its own files replaced
    manifest = json.loads((model / MANIFEST).read_text())["files"]
    assert "notes.txt" not in manifest and "model.safetensors" in manifest
    assert (area / "owned" / "mine.txt").read_text() == "not punie-train's\n"


def test_version(ran: dict[str, tuple[Outcome, Snapshot, Path]]) -> None:
    outcome = ran["version"][0]
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, f"punie-train {__version__}\n", "")


@pytest.mark.parametrize("command", HELP)
def test_help_is_readable_at_80_columns(
    command: list[str], ran: dict[str, tuple[Outcome, Snapshot, Path]]
) -> None:
    outcome = ran["help " + " ".join(command)][0]
    assert_help_readable(outcome, defaults=bool(command))
    if command == ["lora"]:
        for flag in ("--iters", "--learning-rate", "--batch-size", "--num-layers"):
            assert flag in outcome.stdout
        assert "--max-seq-length" in outcome.stdout and "--build-model" in outcome.stdout


def test_bare_command_prints_help_on_stderr_exit_2(
    ran: dict[str, tuple[Outcome, Snapshot, Path]],
) -> None:
    outcome = ran["bare"][0]
    assert outcome.code == 2 and outcome.stdout == ""
    assert "Usage: punie-train" in outcome.stderr and "Traceback" not in outcome.stderr


def test_debug_shows_the_traceback(ran: dict[str, tuple[Outcome, Snapshot, Path]]) -> None:
    outcome = ran["debug"][0]
    assert outcome.code == 2
    assert "Traceback" in outcome.stderr
    assert outcome.stderr_lines[-1].startswith("error: --bits must be one of")
