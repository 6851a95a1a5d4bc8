"""verify.py's fast tier (what `nox -s mutation` judges verify by): hand-made examples on the
smallest workspace project (textstats), whose tool messages come from real sandbox runs of
`read_file` (no tool subprocess, tens of milliseconds); the build-scale checks are in
test_build.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from punie_datagen import verify as verify_module
from punie_datagen.execute import run_steps
from punie_datagen.memo import Memo
from punie_datagen.verify import (
    SPLITS,
    VerifyReport,
    _static_problems,
    code_blocks,
    load_examples,
    summary_json,
    verify_examples,
    verify_remembered,
)
from punie_datagen.workspaces import workspace_files
from punie_tools import wire
from punie_tools.models import ExecutionRecord

WORKSPACE = {"project": "textstats", "variants": ["unused_import"]}
READ = (
    'text = read_file("textstats/cli.py")\nprint("import argparse" in text)\nprint(len(text) > 0)\n'
)
TYPE_ERROR = "x: int = read_file(1)\nprint(x)\n"  # rejected by the sandbox's type check
# Mutants that cannot change what verify reports (see tests/mutation/): name -> (line, why).
EQUIVALENT_MUTANTS = {
    "punie_datagen.verify.x__differences__mutmut_11": (
        "for step, ((_, stored), record) in enumerate(zip(blocks, records, strict=None)):",
        "run_steps returns one record per step, so the zip never meets unequal lengths",
    ),
    "punie_datagen.verify.x__differences__mutmut_14": (
        "for step, ((_, stored), record) in enumerate(zip(blocks, records, )):",
        "run_steps returns one record per step, so the zip never meets unequal lengths",
    ),
    "punie_datagen.verify.x__differences__mutmut_15": (
        "for step, ((_, stored), record) in enumerate(zip(blocks, records, strict=False)):",
        "run_steps returns one record per step, so the zip never meets unequal lengths",
    ),
    "punie_datagen.verify.x__check__mutmut_4": (
        'report.per_category[f"{example.meta.group}/{example.meta.category}"] = 1',
        "_check makes a fresh report per example: its one count goes from 0 to 1 either way",
    ),
    "punie_datagen.verify.x__check__mutmut_40": (
        "report.mismatches = again",
        "_check's fresh report holds no mismatch before this line: = and += give the same list",
    ),
    "punie_datagen.verify.x__check__mutmut_42": (
        'report.flaky = [f"{d} (matched on a second run)" for d in differences]',
        "_check's fresh report holds no flaky entry before this line: = and += give the same",
    ),
    "punie_datagen.verify.x_verify_examples__mutmut_17": (
        "with ThreadPoolExecutor(max_workers=None) as pool:",
        "the worker count changes only how many examples run at once; pool.map keeps input order",
    ),
    "punie_datagen.verify.x_verify_examples__mutmut_22": (
        "with ThreadPoolExecutor(max_workers=max(2, workers)) as pool:",
        "the worker count changes only how many examples run at once; pool.map keeps input order",
    ),
    "punie_datagen.verify.x_verify_examples__mutmut_2": (
        "examples: list[wire.Example], sample: int | None = None, seed: int = 0, workers: int = 3",
        "the worker count changes only how many examples run at once; pool.map keeps input order",
    ),
}


def _message(record: dict) -> str:
    return wire.format_tool_output(ExecutionRecord.model_validate(record))


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    """The real tool messages of READ and TYPE_ERROR on the workspace (one sandbox run each)."""
    files = workspace_files(WORKSPACE)
    read, typed = run_steps(files, [READ, TYPE_ERROR])
    return {READ: _message(read), TYPE_ERROR: _message(typed)}


def _example(
    turns: list[tuple[str, str]],
    *,
    request: str = "what does the cli start with?",
    group: str = "base",
    category: str = "read",
    workspace: dict | None = None,
) -> wire.Example:
    messages: list[dict] = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": request},
    ]
    for n, (code, output) in enumerate(turns):
        call = {"id": f"call_{n}", "type": "function",
                "function": {"name": "execute_code", "arguments": {"code": code}}}  # fmt: skip
        messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"call_{n}", "content": output})
    messages.append({"role": "assistant", "content": "done"})
    meta = wire.ExampleMeta(
        group=group,  # type: ignore[arg-type]
        category=category,
        source="test",
        request=request,
        workspace=WORKSPACE if workspace is None else workspace,
    )
    return wire.Example(messages=messages, meta=meta)


def test_the_real_run_gives_the_file_s_first_line(fresh: dict[str, str]) -> None:
    assert fresh[READ] == "True\nTrue"
    assert fresh[TYPE_ERROR].startswith("Error (type")


def test_an_example_that_matches_a_fresh_run_passes(fresh: dict[str, str]) -> None:
    report = verify_examples([_example([(READ, fresh[READ])])])
    assert report.ok and report.checked == 1
    assert (report.mismatches, report.problems, report.flaky) == ([], [], [])
    assert report.per_category == {"base/read": 1}


def test_a_tampered_message_is_a_mismatch_naming_the_first_differing_line(
    fresh: dict[str, str],
) -> None:
    tampered = fresh[READ].replace("True", "False")
    report = verify_examples([_example([(READ, fresh[READ]), (READ, tampered)], request="q")])
    assert not report.ok and report.problems == [] and report.flaky == []
    assert report.mismatches == [
        "'q': turn 1 tool message differs from a fresh run: stored 'False' / fresh 'True'"
    ]
    # an extra stored line: the fresh side has none there
    report = verify_examples([_example([(READ, fresh[READ] + "\nmore")], request="q")])
    assert report.mismatches == [
        "'q': turn 0 tool message differs from a fresh run: stored 'more' / fresh None"
    ]


def test_a_difference_in_trailing_text_only_still_counts(fresh: dict[str, str]) -> None:
    # every line equal (zip_longest sees no pair differ), the texts still differ
    report = verify_examples([_example([(READ, fresh[READ] + "\n")], request="q")])
    assert report.mismatches == ["'q': turn 0 tool message differs from a fresh run: "]


def test_a_turn_that_does_not_type_check_is_a_problem_reported_once(
    fresh: dict[str, str],
) -> None:
    report = verify_examples([_example([(TYPE_ERROR, fresh[TYPE_ERROR])], request="q")])
    assert report.mismatches == [] and not report.ok
    assert len(report.problems) == 1
    assert report.problems[0].startswith("'q': turn 0 does not type-check: ")
    # differing too: the second (confirming) run does not report the type error again
    report = verify_examples([_example([(TYPE_ERROR, "(no output)")], request="q")])
    assert len(report.problems) == 1 and len(report.mismatches) == 1


def test_a_difference_that_does_not_repeat_is_flaky(
    fresh: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    runs: list[str] = []

    def first_run_differs(files: dict[str, str], steps: list[str]) -> list[dict]:
        """The real run, whose first run of each example's code printed something else."""
        records = run_steps(files, steps)
        if steps[0] not in runs:
            records[0]["stdout"] = "timed out\n"
        runs.append(steps[0])
        return records

    monkeypatch.setattr(verify_module, "run_steps", first_run_differs)
    report = verify_examples([_example([(READ, fresh[READ])], request="q")])
    assert report.ok and len(runs) == 2 and report.mismatches == []
    assert report.flaky == [
        "'q': turn 0 tool message differs from a fresh run: stored 'True' / "
        "fresh 'timed out' (matched on a second run)"
    ]
    # two flaky examples: both are listed
    other = READ + "print(1)\n"
    examples = [_example([(READ, fresh[READ])], request="a"),
                _example([(other, fresh[READ] + "\n1")], request="b")]  # fmt: skip
    runs.clear()
    report = verify_examples(examples, workers=1)
    assert report.ok and [f.split(":")[0] for f in report.flaky] == ["'a'", "'b'"]


def test_static_problems_of_every_turn_are_kept(fresh: dict[str, str]) -> None:
    report = verify_examples(
        [_example([("delete_all()\n", "x"), (READ, fresh[READ])], request="q")]
    )
    assert "'q': calls unknown function delete_all()" in report.problems


def test_a_workspace_that_cannot_be_rebuilt_is_a_problem() -> None:
    for workspace, reason in (
        ({"project": "no-such-project"}, "no workspace project named 'no-such-project'"),
        ({"project": "textstats", "variants": ["nope"]}, "textstats: no variant named 'nope'"),
    ):
        report = verify_examples([_example([(READ, "x")], request="q", workspace=workspace)])
        assert report.checked == 1 and report.mismatches == []
        assert len(report.problems) == 1
        assert report.problems[0].startswith("'q': workspace cannot be rebuilt (")
        assert reason in report.problems[0]


def test_an_example_without_code_is_counted_and_not_run() -> None:
    # its workspace could not even be rebuilt: nothing is looked at past the blocks
    example = _example([], category="direct", workspace={"project": "no-such-project"})
    report = verify_examples([example])
    assert report.ok and report.checked == 1 and report.per_category == {"base/direct": 1}


def test_mined_examples_are_skipped_and_sampling_is_seeded(fresh: dict[str, str]) -> None:
    mined = _example([(READ, "wrong")], group="mined")
    assert verify_examples([mined]).checked == 0
    examples = [
        _example([(READ, "x")], request=f"r{n}", category=f"c{n}", workspace={"project": "none"})
        for n in range(6)
    ]
    everything = verify_examples(examples, sample=6)
    assert everything.checked == 6 and len(everything.per_category) == 6
    # a sample as large as the pool is the pool itself, in input order
    assert [p.split(":")[0] for p in everything.problems] == [f"'r{n}'" for n in range(6)]
    assert verify_examples(examples, sample=2).problems == verify_examples(examples, 2, 0).problems
    assert verify_examples(examples, sample=None).checked == 6
    one = verify_examples(examples, sample=2, seed=1)
    assert one.checked == 2 and one.per_category == verify_examples(examples, 2, 1).per_category
    seeds = {tuple(sorted(verify_examples(examples, 2, s).per_category)) for s in range(8)}
    assert len(seeds) > 1  # the seed chooses the sample
    assert verify_examples([mined, *examples], sample=6).checked == 6  # mined not in the pool


def test_reports_of_several_examples_are_merged_in_input_order(fresh: dict[str, str]) -> None:
    examples = [
        _example([(READ, fresh[READ])], request="good"),
        _example([(READ, "wrong")], request="bad"),
        _example([(READ, "x")], request="lost", workspace={"project": "none"}),
        _example([(TYPE_ERROR, fresh[TYPE_ERROR])], request="typed", category="other"),
    ]
    for workers in (0, 1, 3):
        report = verify_examples(examples, workers=workers)
        assert report.checked == 4
        assert report.per_category == {"base/read": 3, "base/other": 1}
        assert [m.split(":")[0] for m in report.mismatches] == ["'bad'"]
        assert [p.split(":")[0] for p in report.problems] == ["'lost'", "'typed'"]


def test_only_clean_passes_are_remembered_and_remembered_ones_are_not_run_again(
    fresh: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = Memo(None, "verify", "v", lambda v: v is True)
    good = _example([(READ, fresh[READ])], request="good")
    bad = _example([(READ, "wrong")], request="bad")
    mined = _example([(READ, "wrong")], request="mined", group="mined")
    first = verify_remembered([good, bad, mined], memo)
    assert (first.checked, first.remembered) == (2, 0)
    assert [m.split(":")[0] for m in first.mismatches] == ["'bad'"]
    runs: list[str] = []
    real = verify_module._check
    monkeypatch.setattr(verify_module, "_check", lambda e: runs.append(e.meta.request) or real(e))
    second = verify_remembered([good, bad], memo, workers=1)
    assert runs == ["bad"]  # the pass is remembered; the mismatch runs again
    assert (second.checked, second.remembered) == (2, 1)
    assert second.per_category == {"base/read": 2}
    assert [m.split(":")[0] for m in second.mismatches] == ["'bad'"]
    # another content is another key: an edited example runs again
    edited = _example([(READ, fresh[READ])], request="good, edited")
    assert verify_remembered([edited], memo).remembered == 0 and runs[-1] == "good, edited"
    # the sample is verify_examples' sample
    pool = [good, bad, edited]
    assert verify_remembered(pool, memo, sample=1, seed=3).per_category == (
        verify_examples(pool, sample=1, seed=3).per_category
    )


def test_static_check_flags_unknown_calls_and_missing_paths() -> None:
    files = {"pkg/mod.py": "", "README.md": ""}
    assert _static_problems("print(read_file('pkg/mod.py'))\n", files, set()) == []
    assert _static_problems("print(read_file('pkg'))\n", files, set()) == []  # a folder
    assert _static_problems("delete_all()\n", files, set()) == [
        "calls unknown function delete_all()"
    ]
    # builtins, tools and names the code assigns are known
    code = "f = len\nprint(f(str(abs(-1))))\nruff_check('pkg')\n"
    assert _static_problems(code, files, set()) == []
    assert _static_problems("print(read_file('pkg/gone.py'))\n", files, set()) == [
        "mentions pkg/gone.py, which is not in the workspace"
    ]
    for suffix in (".py", ".toml", ".md", ".txt", ".cfg"):
        assert _static_problems(f"x = 'a/b{suffix}'\n", files, set()) == [
            f"mentions a/b{suffix}, which is not in the workspace"
        ]
    # not paths: other suffixes, text with spaces or newlines, flags, globs, command arguments
    for literal in ("a/b.json", "see a.py", "a\\nb.py", "-x.py", "*.py"):
        assert _static_problems(f"x = '{literal}'\n", files, set()) == [], literal
    command = "print(run_command('grep', ['-n', 'x', 'gone.py']))\n"
    assert _static_problems(command, files, set()) == []
    # a flag does not end the scan: a later missing path is still found
    assert _static_problems("x = '-v'\ny = 'gone.py'\n", files, set()) == [
        "mentions gone.py, which is not in the workspace"
    ]
    # a file's bare name is not its path
    assert _static_problems("x = 'mod.py'\n", files, set()) == [
        "mentions mod.py, which is not in the workspace"
    ]


def test_static_check_knows_functions_the_script_defines_and_their_parameters() -> None:
    files = {"pkg/mod.py": ""}
    code = (
        "def count(text, *rest, sep=None, **more):\n"
        "    return len(text.split(sep))\n"
        "def apply(fn, value, /, *, twice=False):\n"
        "    return fn(value)\n"
        "async def later(cb):\n"
        "    return cb()\n"
        "twice = lambda g: g(g)\n"
        "from os.path import join as joined\n"
        "print(apply(count, read_file('pkg/mod.py')), joined('a', 'b'))\n"
    )
    assert _static_problems(code, files, set()) == []
    # a function the script does not define is still unknown, even beside ones it does
    assert _static_problems("def helper():\n    return 1\nhelpr()\n", files, set()) == [
        "calls unknown function helpr()"
    ]


def test_static_check_knows_every_folder_of_the_workspace() -> None:
    # folders named like files are rare, but a folder the workspace holds is never "missing"
    files = {"a/b.cfg/c.txt": "", "top.md": ""}
    for literal in ("a/b.cfg", "a/b.cfg/c.txt", "top.md"):
        assert _static_problems(f"x = '{literal}'\n", files, set()) == [], literal
    assert _static_problems("x = 'a.cfg'\n", files, set()) != []


def test_static_check_remembers_files_written_by_earlier_code() -> None:
    files = {"pkg/mod.py": ""}
    written: set[str] = set()
    assert _static_problems("write_file('new.py', 'x = 1')\n", files, written) == []
    assert written == {"new.py"}
    name = "target = 'other.py'\nwrite_file(target, 'x = 2')\n"
    assert _static_problems(name, files, written) == []
    assert written == {"new.py", "other.py"}
    assert _static_problems("print(read_file('other.py'))\n", files, written) == []
    # a name that holds no literal adds nothing that matters
    _static_problems("write_file(path, 'x')\n", files, written)
    assert written - {""} == {"new.py", "other.py"}
    # read_file's argument is not a write, nor is a name passed to any other call
    _static_problems("print(read_file('pkg/mod.py'))\n", files, written)
    assert "pkg/mod.py" not in written
    assert _static_problems("gone = 'gone.py'\nprint(gone)\n", files, written) == [
        "mentions gone.py, which is not in the workspace"
    ]


def test_verify_reads_back_the_written_examples_across_the_splits(
    fresh: dict[str, str], tmp_path: Path
) -> None:
    examples = {name: _example([(READ, name)], request=name) for name in SPLITS}
    (tmp_path / "train.jsonl").write_text(examples["train"].model_dump_json() + "\n\n")
    (tmp_path / "test.jsonl").write_text(examples["test"].model_dump_json() + "\n")
    loaded = load_examples(tmp_path)  # no valid.jsonl: nothing from it
    assert [e.meta.request for e in loaded] == ["train", "test"]
    assert loaded[0] == examples["train"]
    assert code_blocks(loaded[1]) == [(READ, "test")]
    assert load_examples(tmp_path / "missing") == []


def test_code_blocks_pair_each_call_with_its_tool_message() -> None:
    example = _example([("a()", "A"), ("b()", "B")])
    # two calls answered in one assistant turn, answers in reverse order
    example.messages.insert(-1, {"role": "assistant", "content": "", "tool_calls": [
        {"id": "x", "function": {"arguments": {"code": "x()"}}},
        {"id": "y", "function": {"arguments": {"code": "y()"}}},
    ]})  # fmt: skip
    example.messages.insert(-1, {"role": "tool", "tool_call_id": "y", "content": "Y"})
    example.messages.insert(-1, {"role": "tool", "tool_call_id": "x", "content": "X"})
    assert code_blocks(example) == [("a()", "A"), ("b()", "B"), ("y()", "Y"), ("x()", "X")]


def test_report_ok_and_summary() -> None:
    assert VerifyReport().ok
    assert not VerifyReport(mismatches=["m"]).ok and not VerifyReport(problems=["p"]).ok
    assert VerifyReport(flaky=["f"]).ok
    report = VerifyReport(checked=5, mismatches=["m"], problems=["p", "q"], flaky=["f"] * 3)
    assert json.loads(summary_json(report)) == {
        "checked": 5,
        "mismatches": 1,
        "problems": 2,
        "flaky": 3,
    }
