"""`punie-datagen` keeps the command-line contract (docs/cli-contract.md).

Every case runs the installed `punie-datagen` as a real subprocess on real files (NO_COLOR=1,
COLUMNS=80). A bad input must give exit 2, exactly one line `error: …` on stderr, no traceback,
nothing on stdout, and leave every file already at (and around) the output path as it was.
The builds that succeed reuse the session's small build cache, so they run no tool.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from shared_build import LIMIT, SCALE

from punie_datagen import __version__
from punie_tools.cli_support import MANIFEST
from punie_tools.cli_testing import Snapshot, assert_help_readable, assert_user_error, run_tool

DATASET = ["manifest.json", "test.jsonl", "train.jsonl", "valid.jsonl"]


def datagen(*args: str, cwd: Path | None = None):
    return run_tool("punie-datagen", *args, cwd=cwd)


@pytest.fixture
def area(tmp_path: Path, built: tuple[Path, Path, dict]) -> Path:
    """A working directory holding things a careless tool could destroy."""
    out, _, _ = built
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("my notes\n")
    (work / "precious").mkdir()
    (work / "precious" / "keep.txt").write_text("do not touch\n")
    lines = (out / "train.jsonl").read_text().splitlines()
    (work / "truncated").mkdir()
    (work / "truncated" / "train.jsonl").write_text(
        lines[0] + "\n" + lines[1][: len(lines[1]) // 2]
    )
    (work / "shape").mkdir()
    (work / "shape" / "train.jsonl").write_text('{"messages": [{"role": "user"}]}\n')
    (work / "binary").mkdir()
    (work / "binary" / "train.jsonl").write_bytes(b"\xff\xfe\x00\x01 not text")
    (work / "empty").mkdir()
    (work / "empty" / "train.jsonl").write_text("\n\n")
    (work / "nomanifest").mkdir()
    (work / "badmanifest").mkdir()
    (work / "badmanifest" / "manifest.json").write_text("{not json")
    (work / "suite-bad.toml").write_text("[[queries]\nrequest = \n")
    return work


# (arguments, a fragment of the error line); `{w}` is the working directory.
BAD_INPUTS = {
    "out is a file": (["build", "--out", "{w}/notes.txt"], "is not a directory"),
    "out holds foreign files": (["build", "--out", "{w}/precious"], "--force"),
    "out under a file": (["build", "--out", "{w}/notes.txt/data"], "is not a directory"),
    "out in /proc": (["build", "--out", "/proc/punie-data"], "cannot write"),
    "scale above 1": (["build", "--out", "{w}/new", "--scale", "2"], "--scale"),
    "scale zero": (["build", "--out", "{w}/new", "--scale", "0"], "--scale"),
    "workers zero": (["build", "--out", "{w}/new", "--workers", "0"], "--workers"),
    "verify sample negative": (["build", "--out", "{w}/new", "--verify-sample", "-1"], "--verify-sample"),
    "mined missing": (["build", "--out", "{w}/new", "--mined", "{w}/absent"], "--mined"),
    "tokenizer missing": (["build", "--out", "{w}/new", "--tokenizer", "{w}/absent.json"], "no such file"),
    "suite missing": (["build", "--out", "{w}/new", "--suite", "{w}/absent.toml"], "no such file"),
    "suite not TOML": (["build", "--out", "{w}/new", "--suite", "{w}/suite-bad.toml", "--cache", "{w}/cache"], "suite"),
    "cache is a file": (["build", "--out", "{w}/new", "--cache", "{w}/notes.txt"], "--cache"),
    "verify: no directory": (["verify", "{w}/absent"], "no such directory"),
    "verify: no train.jsonl": (["verify", "{w}/precious"], "no train.jsonl"),
    "verify: truncated": (["verify", "{w}/truncated"], "train.jsonl:2: not valid JSON"),
    "verify: wrong shape": (["verify", "{w}/shape"], "train.jsonl:1:"),
    "verify: not UTF-8": (["verify", "{w}/binary"], "not UTF-8"),
    "verify: no examples": (["verify", "{w}/empty"], "no examples"),
    "verify: sample negative": (["verify", "{w}/truncated", "--sample", "-3"], "--sample"),
    "verify: sample zero": (["verify", "{w}/truncated", "--sample", "0"], "--sample"),
    "stats: no manifest": (["stats", "{w}/nomanifest"], "no manifest.json"),
    "stats: not JSON": (["stats", "{w}/badmanifest"], "not JSON"),
    "unknown option": (["build", "--colour"], "--colour"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(area: Path, case: str) -> None:
    args, fragment = BAD_INPUTS[case]
    before = Snapshot.take(area)
    outcome = datagen(*(a.replace("{w}", str(area)) for a in args), cwd=area)
    assert_user_error(outcome, before, contains=fragment)


def test_help_version_and_a_bare_command() -> None:
    assert_help_readable(datagen("--help"), defaults=False)
    for command in ("build", "verify", "stats"):
        assert_help_readable(datagen(command, "--help"), defaults=command != "stats")
    version = datagen("--version")
    assert version.code == 0 and version.stdout.strip() == f"punie-datagen {__version__}"
    bare = datagen()
    assert bare.code == 2 and "Usage" in bare.stderr and bare.stdout == ""


def _build(out: Path, cache: Path, *extra: str):
    return datagen("build", "--out", str(out), "--cache", str(cache), "--scale", str(SCALE),
                   "--max-seq-length", str(LIMIT), "--verify-sample", "0", "--json", *extra)  # fmt: skip


def test_build_writes_only_its_own_files_and_force_writes_beside_others(
    area: Path, built: tuple[Path, Path, dict]
) -> None:
    out, cache, manifest = built
    target = area / "precious"
    outcome = _build(target, cache, "--force")
    assert outcome.code == 0, outcome
    assert json.loads(outcome.stdout)["total"] == manifest["total"]
    assert (target / "keep.txt").read_text() == "do not touch\n"  # beside, never deleted
    owned = json.loads((target / MANIFEST).read_text())["files"]
    assert sorted(owned) == DATASET
    for name in DATASET[1:]:
        assert (target / name).read_bytes() == (out / name).read_bytes()
    # Still a foreign file there: without --force the directory is refused, untouched.
    before = Snapshot.take(area)
    assert_user_error(_build(target, cache), before, contains="keep.txt")


def test_an_earlier_dataset_is_recognised_and_then_owned(
    area: Path, built: tuple[Path, Path, dict]
) -> None:
    out, cache, _ = built
    earlier = area / "earlier"
    earlier.mkdir()
    for name in DATASET:  # written by a version before the ownership manifest
        shutil.copy(out / name, earlier / name)
    first = _build(earlier, cache)
    assert first.code == 0, first
    assert sorted(json.loads((earlier / MANIFEST).read_text())["files"]) == DATASET
    second = _build(earlier, cache)  # its own directory now: no --force needed
    assert second.code == 0, second
    (earlier / "train.jsonl").write_text("edited by hand\n")  # no longer the tool's
    before = Snapshot.take(area)
    assert_user_error(_build(earlier, cache), before, contains="train.jsonl")


def test_a_problem_found_is_exit_1_and_leaves_the_dataset(
    area: Path, built: tuple[Path, Path, dict]
) -> None:
    out, cache, _ = built
    request = json.loads((out / "train.jsonl").read_text().splitlines()[0])["meta"]["request"]
    suite = area / "suite.toml"
    suite.write_text(f"[[queries]]\nrequest = {json.dumps(request)}\n")
    target = area / "dataset"
    shutil.copytree(out, target)
    before = Snapshot.take(area)
    outcome = _build(target, cache, "--suite", str(suite))
    assert outcome.code == 1, outcome
    assert outcome.stderr.startswith("error: build failed") and outcome.stdout == ""
    before.assert_unchanged()
