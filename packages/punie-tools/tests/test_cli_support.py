"""punie_tools.cli_support: the machinery behind every tool's command-line contract.

The tools' own contract tests run them as subprocesses; these tests check the pieces directly on
real files, and run a small typer app through `invoke` exactly as a console script would.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path
from typing import Annotated

import pytest
import typer
from pydantic import BaseModel

from punie_tools.cli_support import (
    MANIFEST,
    ForceOpt,
    OutputDir,
    UserError,
    check_choice,
    check_dir,
    check_in_file,
    check_out_file,
    check_range,
    invoke,
    make_app,
    open_atomic,
    read_jsonl,
    write_atomic,
)
from punie_tools.cli_testing import Snapshot

# --- a small app, run the way `run` runs it ---------------------------------------------------

app = make_app(name="punie-demo", help="A demo tool.", version="9.9", example="punie-demo go")


@app.command()
def go(
    out: Annotated[Path, typer.Option(metavar="DIR")] = Path("out"),
    limit: Annotated[int, typer.Option(min=1, metavar="N")] = 3,
    what: str = "ok",
    force: ForceOpt = False,
) -> None:
    """Do the demo thing.

    \b
    Example:
      punie-demo go --out out
    """
    target = OutputDir(out, tool="punie-demo", force=force)
    if what == "user":
        raise UserError("the input is wrong\n(fix it)")
    if what == "bug":
        raise ZeroDivisionError("boom")
    if what == "oserror":
        raise PermissionError(13, "Permission denied", "/somewhere")
    if what == "interrupt":
        target.write_text("first.txt", "1\n")
        os.kill(os.getpid(), signal.SIGINT)
        target.write_text("second.txt", "2\n")  # pragma: no cover - never reached
    if what == "findings":
        raise typer.Exit(1)
    target.write_text("result.txt", f"{limit}\n")
    print("done")


@app.command()
def other() -> None:
    """A second command (so the app is a group)."""


def demo(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, list[str]]:
    code = invoke(app, prog="punie-demo", argv=list(args))
    captured = capsys.readouterr()
    return code, captured.out, [line for line in captured.err.splitlines() if line.strip()]


def test_success_and_findings_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo(capsys, "go", "--out", str(tmp_path / "o")) == (0, "done\n", [])
    assert (tmp_path / "o" / "result.txt").read_text() == "3\n"
    assert demo(capsys, "go", "--out", str(tmp_path / "o"), "--what", "findings")[0] == 1


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["go", "--what", "user"], 2, "error: the input is wrong (fix it)"),
        (["go", "--limit", "0"], 2, "error: invalid value for '--limit'"),
        (["go", "--nope"], 2, "error: no such option: --nope"),
        (["gone"], 2, "error: no such command 'gone'"),
        (["go", "--what", "bug"], 2, "error: internal error: ZeroDivisionError: boom"),
        (["go", "--what", "oserror"], 2, "error: Permission denied: /somewhere"),
        (["go", "--what", "interrupt"], 130, "error: interrupted"),
    ],
)
def test_every_failure_is_one_line(
    args: list[str], code: int, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when started in the background
    got, out, err = demo(capsys, *args, "--out", str(tmp_path / "o"))
    assert (got, out) == (code, "")
    assert len(err) == 1 and err[0].startswith(fragment), err
    assert signal.getsignal(signal.SIGINT) is before  # restored


def test_interrupt_keeps_what_was_complete(tmp_path: Path, capsys) -> None:
    demo(capsys, "go", "--out", str(tmp_path / "o"), "--what", "interrupt")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [MANIFEST, "first.txt"]


def test_debug_anywhere_shows_the_traceback(tmp_path: Path, capsys) -> None:
    code, _, err = demo(capsys, "go", "--what", "bug", "--debug", "--out", str(tmp_path / "o"))
    assert code == 2
    assert err[0] == "Traceback (most recent call last):" and err[-1].startswith("error: ")


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo(capsys, "--version") == (0, "punie-demo 9.9\n", [])
    code, out, _ = demo(capsys, "go", "--help")
    assert code == 0
    assert "--force" in out and "[default: 3" in out and "Example:" in out
    assert "<bool>" not in out and max(map(len, out.splitlines())) <= 80
    code, out, _ = demo(capsys, "--help")
    assert code == 0 and "punie-demo go" in out
    code, _, err = demo(capsys)  # bare: the help, on stderr, exit 2
    assert code == 2 and any("Commands:" in line for line in err)


# --- output paths ------------------------------------------------------------------------------


def test_out_file_checks(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")
    (tmp_path / "d").mkdir()
    with pytest.raises(UserError, match="is a directory"):
        check_out_file(tmp_path / "d")
    with pytest.raises(UserError, match=r"notes\.txt is not a directory"):
        check_out_file(tmp_path / "notes.txt" / "x.json")
    with pytest.raises(UserError, match="cannot write in /proc"):
        check_out_file(Path("/proc/punie-x.json"))
    with pytest.raises(UserError, match="exists and is not"):
        check_out_file(tmp_path / "notes.txt")
    with pytest.raises(UserError, match="not a regular file"):
        check_out_file(Path("/dev/null"))
    assert check_out_file(tmp_path / "notes.txt", force=True)
    assert check_out_file(tmp_path / "notes.txt", recognize=lambda p: p.read_text() == "mine\n")
    assert check_out_file(tmp_path / "new" / "deeper" / "x.json")  # parents will be made
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "notes.txt"]  # probes removed


def test_a_file_recorded_in_the_manifest_may_be_replaced(tmp_path: Path) -> None:
    owned = OutputDir(tmp_path / "o", tool="punie-x")
    owned.write_text("a.json", "{}\n")
    assert check_out_file(tmp_path / "o" / "a.json")  # listed and unchanged
    write_atomic(tmp_path / "o" / "b.json", "{}\n", tool="punie-y")  # recorded beside
    assert json.loads((tmp_path / "o" / MANIFEST).read_text())["files"]["b.json"]["tool"] == (
        "punie-y"
    )
    (tmp_path / "o" / "a.json").write_text('{"edited": 1}\n')
    with pytest.raises(UserError, match="exists and is not"):
        check_out_file(tmp_path / "o" / "a.json")


def test_dir_and_input_checks(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match="is not a directory"):
        check_dir(tmp_path / "f", "--cache")
    with pytest.raises(UserError, match="cannot write in /proc"):
        check_dir(Path("/proc/punie-cache"), "--cache")
    assert check_dir(tmp_path / "a" / "b", "--cache") and not (tmp_path / "a").exists()
    with pytest.raises(UserError, match=r"--in .*: no such file"):
        check_in_file(tmp_path / "absent", "--in")
    with pytest.raises(UserError, match="is a directory"):
        check_in_file(tmp_path, "--in")
    assert check_in_file(tmp_path / "f") == tmp_path / "f"


def test_range_and_choice() -> None:
    assert check_range(3, "--limit", minimum=1) == 3
    with pytest.raises(UserError, match=r"--limit must be ≥ 1 \(got -3\)"):
        check_range(-3, "--limit", minimum=1)
    with pytest.raises(UserError, match=r"--ratio must be ≤ 1.0 \(got 1.5\)"):
        check_range(1.5, "--ratio", minimum=0.0, maximum=1.0)
    assert check_choice(4, "--bits", [2, 3, 4, 5, 6, 8]) == 4
    with pytest.raises(UserError, match="--bits must be one of 2, 3, 4, 5, 6, 8 \\(got 7\\)"):
        check_choice(7, "--bits", [2, 3, 4, 5, 6, 8])


def test_output_dir_refuses_foreign_files_and_never_deletes_them(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "theirs.txt").write_text("theirs\n")
    (out / "sub").mkdir()
    (out / "sub" / "deep.txt").write_text("deep\n")
    before = Snapshot.take(out)
    with pytest.raises(UserError, match=r"did not write \(sub/deep.txt, theirs.txt\).*--force"):
        OutputDir(out, tool="punie-x")
    before.assert_unchanged()
    forced = OutputDir(out, tool="punie-x", force=True)
    forced.write_text("ours.txt", "ours\n")
    assert forced.owned() == ["ours.txt"]
    assert forced.remove_own() == ["ours.txt"]  # only its own, unchanged files
    assert (out / "theirs.txt").read_text() == "theirs\n"
    assert (out / "sub" / "deep.txt").read_text() == "deep\n"


def test_output_dir_accepts_its_own_and_recognised_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = OutputDir(out, tool="punie-x")
    assert not out.exists()  # checked, not created, until something is written
    first.write_text("a.txt", "a\n")
    with first.open("sub/b.bin", binary=True) as handle:
        handle.write(b"\x00b")
    OutputDir(out, tool="punie-y")  # files written by punie's tools, unchanged: accepted
    (out / "legacy.out").write_text("from an older version\n")
    with pytest.raises(UserError, match=r"legacy\.out"):
        OutputDir(out, tool="punie-x")
    adopting = OutputDir(out, tool="punie-x", recognize=lambda p: p.suffix == ".out")
    assert "legacy.out" not in (out / MANIFEST).read_text()  # the check itself writes nothing
    adopting.write_text("c.txt", "c\n")  # adopted with the first write
    entries = json.loads((out / MANIFEST).read_text())["files"]
    assert sorted(entries) == ["a.txt", "c.txt", "legacy.out", "sub/b.bin"]
    os.utime(out / "a.txt", ns=(1, 1))  # same bytes, new mtime (a copy): still its own
    OutputDir(out, tool="punie-x")
    (out / "a.txt").write_text("A\n")  # same size, edited by hand: no longer its own
    with pytest.raises(UserError, match=r"a\.txt"):
        OutputDir(out, tool="punie-x")
    with pytest.raises(UserError, match="is not a directory"):
        OutputDir(out / "a.txt", tool="punie-x")
    with pytest.raises(ValueError, match="not a file name"):
        first.file("../escape")


def test_output_dir_accepts_owned_directories_nested_in_it(tmp_path: Path) -> None:
    """run/eval (one command) holds run/eval/heldout (another): each has its own manifest."""
    outer = tmp_path / "eval"
    OutputDir(outer, tool="punie-x").write_text("report.json", "{}\n")
    inner = OutputDir(outer / "heldout", tool="punie-y")
    inner.write_text("report.json", "{}\n")
    deeper = OutputDir(outer / "checkpoints", tool="punie-y")
    deeper.write_text("0001_adapters/report.json", "{}\n")  # recorded one level up
    OutputDir(outer, tool="punie-x")  # the nested directories' files are punie's: accepted
    (outer / "heldout" / "report.json").write_text("edited by hand\n")
    with pytest.raises(UserError, match=r"heldout/report\.json"):
        OutputDir(outer, tool="punie-x")
    (outer / "heldout" / "report.json").unlink()
    (outer / "heldout" / "notes.txt").write_text("someone's\n")  # not in any manifest
    with pytest.raises(UserError, match=r"heldout/notes\.txt"):
        OutputDir(outer, tool="punie-x")


def test_atomic_writes_keep_the_old_file_and_use_sibling_modes(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), open_atomic(path) as handle:
        handle.write("half")
        raise RuntimeError("failed midway")
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["data.txt"]  # no temporary left
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.txt", "new\n")
        path.chmod(0o640)
        write_atomic(path, "newer\n")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o644  # not mkstemp's 0600
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the replaced file's bits are kept
    assert path.read_text() == "newer\n"


class Row(BaseModel):
    name: str
    n: int


def test_read_jsonl_names_the_file_and_line(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"name": "a", "n": 1}\n\n{"name": "b", "n": 2}\n')
    assert [r.n for r in read_jsonl(good, Row.model_validate)] == [1, 2]
    cases = {
        '{"name": "a", "n": 1}\n{"name": "b", "n": "x"}\n': ":2: n: Input should be a valid integer",
        '{"name": "a", "n": 1}\n{"name": "b", "n"': r":2: not valid JSON \(.*truncated",
        '{"name": "a"}\n': ":1: n: Field required",
        "[1, 2]\n": ":1: Input should be a valid dictionary",
    }
    for text, pattern in cases.items():
        bad = tmp_path / "bad.jsonl"
        bad.write_text(text)
        with pytest.raises(UserError, match=r"bad\.jsonl" + pattern):
            read_jsonl(bad, Row.model_validate)
    bad.write_bytes(b'{"name": "a", "n": 1}\n\xff\xfe\n')
    with pytest.raises(UserError, match=r"bad\.jsonl:2: not UTF-8 text"):
        read_jsonl(bad)
    with pytest.raises(UserError, match="no such file"):
        read_jsonl(tmp_path / "absent.jsonl")


def test_snapshot_sees_every_kind_of_change(tmp_path: Path) -> None:
    """The contract tests rely on it: it must be able to fail."""
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    snap = Snapshot.take(tmp_path)
    snap.assert_unchanged()
    (tmp_path / "a").write_text("A")
    (tmp_path / "b").chmod(0o600)
    (tmp_path / "c").write_text("c")
    assert [c.split()[0] for c in snap.changes()] == ["added", "changed", "changed"]
    with pytest.raises(AssertionError, match="touched"):
        snap.assert_unchanged()


def test_root_is_refused_in_proc_too() -> None:
    """Tests run as root here: only a real write shows /proc is not writable."""
    with pytest.raises(UserError, match="cannot write"):
        OutputDir(Path("/proc/punie-out"), tool="punie-x")
