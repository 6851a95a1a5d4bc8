"""`punie-mine` keeps the command-line contract (docs/cli-contract.md).

Every case runs the installed `punie-mine` as a real subprocess on real files (NO_COLOR=1,
COLUMNS=80). A bad input must give exit 2, exactly one line `error: …` on stderr, no traceback,
nothing on stdout, and leave every file already at (and around) the output path as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from punie_mine import __version__
from punie_tools.cli_support import MANIFEST
from punie_tools.cli_testing import (
    Snapshot,
    assert_help_readable,
    assert_user_error,
    interrupt_when,
    run_tool,
)

FIXTURE = Path(__file__).parent / "fixtures" / "minirepo"
UNREACHABLE = "http://127.0.0.1:9/nothing.git"  # loopback port 9: refused at once, no network


def mine(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return run_tool("punie-mine", *args, cwd=cwd, env=env)


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real mined file (two code examples of the fixture repository), made once."""
    base = tmp_path_factory.mktemp("mined")
    out = base / "mini.jsonl"
    done = mine(
        str(FIXTURE), "--name", "mini", "--out", str(out), "--targets", "code=2",
        "--cache", str(base / "cache"),
    )  # fmt: skip
    assert done.code == 0, done
    return out


@pytest.fixture
def area(tmp_path: Path, mined: Path) -> Path:
    """A working directory holding things a careless tool could destroy."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("my notes\n")
    (work / "precious").mkdir()
    (work / "precious" / "keep.txt").write_text("do not touch\n")
    shutil.copy(mined, work / "earlier.jsonl")
    (work / "earlier.report.json").write_text("hand-written notes, not a report\n")
    (work / "owned").mkdir()
    (work / "owned" / "mine.txt").write_text("not punie-mine's\n")
    (work / "bad.jsonl").write_text('{"messages": [{"role": "user", "content": "x"}]}\n')
    first = mined.read_text().splitlines()[0]
    (work / "truncated.jsonl").write_text(first + "\n" + first[: len(first) // 2])
    (work / "empty.jsonl").write_text("\n\n")
    (work / "binary.jsonl").write_bytes(b"\xff\xfe\x00\x01 not text")
    (work / "sources-bad.toml").write_text("[sources\nname = \n")
    (work / "sources-int.toml").write_text("sources = 3\n")
    (work / "sources-none.toml").write_text("# nothing here\n")
    (work / "sources-key.toml").write_text(f'[sources.mini]\npath = "{FIXTURE}"\ngti = "x"\n')
    (work / "sources-targets.toml").write_text(
        f'[sources.mini]\npath = "{FIXTURE}"\ntargets = "code=ten"\n'
    )
    return work


# (arguments, a fragment of the error line); `{w}` is the working directory.
BAD_INPUTS = {
    "source missing": (["mine", "{w}/absent", "--name", "x"], "no such directory"),
    "out in /proc": (["mine", "{fx}", "--name", "x", "--out", "/proc/punie.jsonl"], "cannot write"),
    "out is a directory": (["mine", "{fx}", "--name", "x", "--out", "{w}/precious"], "is a directory"),
    "out under a file": (["mine", "{fx}", "--name", "x", "--out", "{w}/notes.txt/x.jsonl"], "is not a directory"),
    "out is someone's file": (["mine", "{fx}", "--name", "x", "--out", "{w}/notes.txt"], "not a punie-mine JSONL file"),
    "report beside out is someone's": (["mine", "{fx}", "--name", "x", "--out", "{w}/earlier.jsonl"], "not a mining report"),
    "name escapes": (["mine", "{fx}", "--name", "../x", "--out", "{w}/n.jsonl"], "not a usable name"),
    "targets malformed": (["mine", "{fx}", "--name", "x", "--out", "{w}/n.jsonl", "--targets", "code=ten"], "bad target"),
    "targets ask nothing": (["mine", "{fx}", "--name", "x", "--out", "{w}/n.jsonl", "--targets", "code=0"], "asks for no example"),
    "python missing": (["mine", "{fx}", "--name", "x", "--out", "{w}/n.jsonl", "--python", "{w}/nopython"], "no such interpreter"),
    "cache is a file": (["mine", "{fx}", "--name", "x", "--out", "{w}/n.jsonl", "--cache", "{w}/notes.txt"], "is not a directory"),
    "unknown option": (["mine", "{fx}", "--name", "x", "--outt", "{w}/n.jsonl"], "no such option"),
    "unknown command": (["verfy", "{w}/earlier.jsonl"], "no such command"),
    "git host unreachable": (["mine", f"git:{UNREACHABLE}@abc1234", "--name", "x", "--out", "{w}/n.jsonl", "--cache", "{c}"], "cannot reach"),
    "all: unknown key": (["all", "--sources", "{w}/sources-key.toml", "--out", "{w}/o"], "unknown key 'gti'"),
    "all: out is a file": (["all", "--sources", "{good}", "--out", "{w}/notes.txt"], "is not a directory"),
    "all: out holds others' files": (["all", "--sources", "{good}", "--out", "{w}/owned"], "did not write (mine.txt)"),
    "all: out is the working dir": (["all", "--sources", "{good}", "--out", "{w}"], "--force"),
    "all: sources missing": (["all", "--sources", "{w}/absent.toml", "--out", "{w}/o"], "no such file"),
    "all: sources not TOML": (["all", "--sources", "{w}/sources-bad.toml", "--out", "{w}/o"], "not valid TOML"),
    "all: sources not a table": (["all", "--sources", "{w}/sources-int.toml", "--out", "{w}/o"], "must be a table"),
    "all: no sources": (["all", "--sources", "{w}/sources-none.toml", "--out", "{w}/o"], "names no sources"),
    "all: bad targets": (["all", "--sources", "{w}/sources-targets.toml", "--out", "{w}/o"], "bad target"),
    "verify: missing": (["verify", "{w}/absent.jsonl"], "no such file"),
    "verify: directory": (["verify", "{w}/precious"], "is a directory"),
    "verify: truncated": (["verify", "{w}/truncated.jsonl"], "truncated.jsonl:2: not valid JSON"),
    "verify: wrong shape": (["verify", "{w}/bad.jsonl"], "bad.jsonl:1: meta: Field required"),
    "verify: empty": (["verify", "{w}/empty.jsonl"], "holds no mined example"),
    "verify: not text": (["verify", "{w}/binary.jsonl"], "not UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_one_line_exit_2_and_touches_nothing(
    case: str, area: Path, tmp_path: Path
) -> None:
    args, fragment = BAD_INPUTS[case]
    good = tmp_path / "sources.toml"
    good.write_text(f'[sources.mini]\npath = "{FIXTURE}"\ntargets = "code=1"\n')
    values = {"w": str(area), "fx": str(FIXTURE), "c": str(tmp_path / "cache"), "good": str(good)}
    argv = [a.format(**values) for a in args]
    before = Snapshot.take(area)
    outcome = mine(*argv, cwd=area)
    assert_user_error(outcome, before, contains=fragment)


def test_every_source_skipped_is_exit_2_and_writes_nothing(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(
        f'[sources.ghost]\npath = "{tmp_path / "ghost"}"\ntargets = "code=1"\n\n'
        f'[sources.far]\ngit = "{UNREACHABLE}"\nrev = "abc1234"\ntargets = "code=1"\n'
    )
    out = tmp_path / "mined"
    outcome = mine(
        "all", "--sources", str(sources), "--out", str(out), "--cache", str(tmp_path / "c"),
        "--json",
    )  # fmt: skip
    assert outcome.code == 2, outcome
    assert outcome.stderr_lines[-1].startswith("error: no source named in"), outcome
    assert "Traceback" not in outcome.stderr
    assert not out.exists()  # nothing was written, not even an empty table
    rows = json.loads(outcome.stdout)["sources"]  # the result still says why
    assert [r["note"].split(":")[0] for r in rows] == ["skipped", "skipped"]


def test_a_source_that_grounds_nothing_writes_nothing(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "x.py").write_text("X = 1\n")
    out = tmp_path / "x.jsonl"
    out.write_text("")  # an earlier (empty) output: kept as it was
    outcome = mine(str(tree), "--name", "x", "--out", str(out), "--targets", "testing=2",
                   "--cache", str(tmp_path / "c"))  # fmt: skip
    assert outcome.code == 2, outcome
    assert outcome.stderr_lines[-1].startswith("error: x: no example could be grounded")
    assert out.read_text() == "" and not out.with_suffix(".report.json").exists()


def test_results_on_stdout_progress_on_stderr_and_modes_like_siblings(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        out = tmp_path / "deep" / "mini.jsonl"
        outcome = mine(str(FIXTURE), "--name", "mini", "--out", str(out), "--targets", "code=2",
                       "--cache", str(tmp_path / "c"))  # fmt: skip
    finally:
        os.umask(previous)
    assert outcome.code == 0, outcome
    assert outcome.stdout == "mini: code 2/2\n"  # `punie-mine … > f` captures the result only
    assert "mini: mining path" in outcome.stderr and "2 examples →" in outcome.stderr
    assert "\x1b[" not in outcome.stdout + outcome.stderr  # NO_COLOR and no terminal
    for path in (out, out.with_suffix(".report.json")):
        assert path.stat().st_mode & 0o777 == 0o640  # 0666 less the umask, not mkstemp's 0600
    assert out.parent.stat().st_mode & 0o777 == 0o750


def test_json_on_every_command_that_reports(mined: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.jsonl"
    one = mine(str(FIXTURE), "--name", "m", "--out", str(out), "--targets", "code=1",
               "--cache", str(tmp_path / "c"), "--json")  # fmt: skip
    assert one.code == 0, one
    assert json.loads(one.stdout) == {
        "name": "m",
        "source": f"path {FIXTURE}",
        "counts": {"code": 1},
        "out": str(out),
    }
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.mini]\npath = "{FIXTURE}"\ntargets = "code=1"\n')
    every = mine("all", "--sources", str(sources), "--out", str(tmp_path / "all"),
                 "--cache", str(tmp_path / "c"), "--json")  # fmt: skip
    assert every.code == 0, every
    [row] = json.loads(every.stdout)["sources"]
    assert (row["name"], row["counts"], row["origin"]) == ("mini", {"code": 1}, "path")
    checked = mine("verify", str(mined), "--cache", str(tmp_path / "c"), "--json")
    assert checked.code == 0, checked
    report = json.loads(checked.stdout)
    assert (report["examples"], report["problems"], report["clairvoyant"]) == (2, 0, 0)


def test_version() -> None:
    outcome = mine("--version")
    assert (outcome.code, outcome.stdout, outcome.stderr) == (0, f"punie-mine {__version__}\n", "")


@pytest.mark.parametrize("command", [[], ["mine"], ["all"], ["verify"]])
def test_help_is_readable_at_80_columns(command: list[str]) -> None:
    outcome = mine(*command, "--help")
    assert_help_readable(outcome, defaults=bool(command))
    if command == ["mine"]:
        assert "[default: data/cache/mine]" in outcome.stdout
        assert "--force" in outcome.stdout and "--json" in outcome.stdout


def test_debug_shows_the_traceback(area: Path) -> None:
    outcome = mine("mine", str(FIXTURE), "--name", "x", "--out", str(area / "precious"), "--debug")
    assert outcome.code == 2
    assert "Traceback" in outcome.stderr
    assert outcome.stderr_lines[-1].startswith("error: --out ")


def test_an_earlier_output_is_replaced_and_recorded(area: Path, mined: Path) -> None:
    out = area / "again.jsonl"
    shutil.copy(mined, out)  # an earlier punie-mine output, recognised by its content
    (area / "again.report.json").write_text(mined.with_suffix(".report.json").read_text())
    outcome = mine(str(FIXTURE), "--name", "mini", "--out", str(out), "--targets", "code=1",
                   "--cache", str(area.parent / "c"))  # fmt: skip
    assert outcome.code == 0, outcome
    assert len(out.read_text().splitlines()) == 1
    assert (area / "notes.txt").read_text() == "my notes\n"


def test_all_owns_its_directory(area: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.mini]\npath = "{FIXTURE}"\ntargets = "code=1"\n')
    out = area / "owned"
    common = ["all", "--sources", str(sources), "--out", str(out), "--cache", str(tmp_path / "c")]
    forced = mine(*common, "--force")
    assert forced.code == 0, forced
    assert (out / "mine.txt").read_text() == "not punie-mine's\n"  # written beside, untouched
    manifest = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(manifest) == ["mini.jsonl", "mini.report.json", "sources.json"]
    assert {e["tool"] for e in manifest.values()} == {"punie-mine"}
    (out / "mine.txt").unlink()
    again = mine(*common)  # only its own files left: no --force needed
    assert again.code == 0, again
    (out / "mini.jsonl").write_text("edited by hand\n")  # no longer what punie-mine wrote
    before = Snapshot.take(out)
    refused = mine(*common)
    assert_user_error(refused, before, contains="did not write (mini.jsonl)")


def test_ctrl_c_is_exit_130_and_keeps_the_earlier_output(mined: Path, tmp_path: Path) -> None:
    out = tmp_path / "mini.jsonl"
    shutil.copy(mined, out)
    before = Snapshot.take(tmp_path)
    outcome = interrupt_when(
        "punie-mine", str(FIXTURE), "--name", "mini", "--out", str(out),
        "--python", sys.executable, "--cache", str(tmp_path / "cache"),
        ready="mini: mining",
    )  # fmt: skip
    assert outcome.code == 130, outcome
    assert outcome.stderr_lines[-1].startswith("error: interrupted"), outcome
    assert "Traceback" not in outcome.stderr and outcome.stdout == ""
    # The cache may have been started; everything that was there before is as it was.
    changes = [c for c in before.changes() if not c.startswith(f"added {tmp_path / 'cache'}")]
    assert not changes, changes


def test_all_adopts_outputs_of_an_earlier_version(mined: Path, tmp_path: Path) -> None:
    """A data/mined written before the manifest existed is punie-mine's by its content."""
    out = tmp_path / "mined"
    out.mkdir()
    shutil.copy(mined, out / "mini.jsonl")
    shutil.copy(mined.with_suffix(".report.json"), out / "mini.report.json")
    (out / "sources.json").write_text('{"sources": []}\n')
    sources = tmp_path / "sources.toml"
    sources.write_text(f'[sources.mini]\npath = "{FIXTURE}"\ntargets = "code=1"\n')
    common = ["all", "--sources", str(sources), "--out", str(out), "--cache", str(tmp_path / "c")]
    (out / "generated.jsonl").write_text('{"meta": {"group": "generated"}}\n')  # not mined
    before = Snapshot.take(out)
    assert_user_error(mine(*common), before, contains="did not write (generated.jsonl)")
    (out / "generated.jsonl").unlink()
    adopted = mine(*common)
    assert adopted.code == 0, adopted
    assert len((out / "mini.jsonl").read_text().splitlines()) == 1
    assert sorted(json.loads((out / MANIFEST).read_text())["files"]) == [
        "mini.jsonl",
        "mini.report.json",
        "sources.json",
    ]
