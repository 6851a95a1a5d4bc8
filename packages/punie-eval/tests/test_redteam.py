"""Attacks on the scorer: model-written conftest.py, writes into the pristine fixture through
/proc/<ppid>/cwd or its absolute path, and checks that would run in the fixture itself.

Confinement (punie-tools' bubblewrap layer) makes the writes fail outright; without it, the
harness must still never execute model conftest files in its re-checks, never let a later query
inherit a poisoned file, and report a tampered fixture as an infrastructure error.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from adversarial import TRUNCATE, xml
from scripted import OracleRun, Scripted, Transcript

from punie_eval.harness import evaluate_query, prepare, run_suite
from punie_eval.suite import Suite, load_suite


@pytest.fixture
def suite_copy(suite: Suite, tmp_path: Path) -> Suite:
    root = tmp_path / "eval"
    shutil.copytree(suite.root, root, ignore=shutil.ignore_patterns("reports", "__pycache__"))
    return load_suite(root)


def test_a_model_written_conftest_never_runs_in_the_scorer(suite: Suite, tmp_path: Path) -> None:
    marker = tmp_path / "conftest-ran"
    conftest = (
        "from pathlib import Path\n"
        f"Path({str(marker)!r}).write_text('the scorer imported a model conftest')\n"
    )
    code = (
        'write_file("src/punie/agent/toolset.py", read_file("src/punie/agent/toolset.py"))\n'
        f"write_file('tests/conftest.py', {conftest!r})\n"
        "print('written')"
    )
    result, _ = evaluate_query(
        suite.query("multi-fix-failing-test"), Scripted([code], answer="Fixed."), suite
    )
    assert not result.passed
    assert not marker.exists()
    assert any(s.check == "pytest_pass" and not s.ok for s in result.state)


def test_rechecks_never_run_in_the_fixture_or_the_model_workspace(
    suite: Suite, oracle_run: OracleRun
) -> None:
    """Every pytest re-check of the session's oracle run (all 20 queries) ran in a scorer's
    copy, never in the snapshot, the suite's fixture or the model's workspace."""
    snapshot, _ = prepare(suite)
    by_id = {q.id: q for q in oracle_run.report.queries}
    assert by_id["multi-fix-failing-test"].passed and oracle_run.pytest_cwds
    forbidden = (snapshot.path.resolve(), suite.workspace.resolve())
    for cwd in oracle_run.pytest_cwds:
        assert not any(cwd == f or f in cwd.parents for f in forbidden), cwd
        assert cwd.name == "workspace" and cwd.parent.name.startswith("punie-eval-score-")


def _poisoning_test(targets: list[str]) -> str:
    lines = [
        "import os",
        "from pathlib import Path",
        "from punie.agent.history import truncate",
        "",
    ]
    lines.append(
        f"for target in {targets!r} + [f'/proc/{{os.getppid()}}/cwd/workspace/README.md']:"
    )
    lines += [
        "    try:",
        "        Path(target).write_text('POISONED')",
        "    except OSError:",
        "        pass",
        "",
        "",
        "def test_truncate():",
        "    assert truncate('abc', 5) == 'abc'",
        "    assert truncate('abcdefgh', 6) == 'abc...'",
        "    assert truncate('abcdef', 6) == 'abcdef'",
        "",
    ]
    return "\n".join(lines)


def test_a_model_test_cannot_poison_later_queries(
    suite_copy: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The user runs punie-eval from the directory holding the suite (as from a repo root).
    monkeypatch.chdir(suite_copy.root)
    target = suite_copy.workspace / "src/punie/agent/factory.py"
    attack = _poisoning_test([str(target), str(suite_copy.workspace / "README.md")])
    history = "src/punie/agent/history.py"
    code = (
        f"write_file({history!r}, read_file({history!r}) + {TRUNCATE!r})\n"
        f"write_file('tests/test_truncate.py', {attack!r})\n"
        "print(pytest_run('tests/test_truncate.py').passed)"
    )
    readme = suite_copy.workspace / "README.md"
    before = readme.read_text()
    backend = Transcript([xml(code), "Added truncate with tests."] * 2)
    report, _ = run_suite(suite_copy, backend, only=["multi-add-function"])
    poisoned = "POISONED" in target.read_text()
    attack_query = report.queries[0]
    if poisoned:  # no OS confinement: the write went through, and it must be caught
        assert not attack_query.passed
        assert report.error and "modified" in report.error
    else:  # the absolute paths were out of reach, and /proc/<ppid>/cwd led to an empty folder
        assert readme.read_text() == before
        assert report.error is None
    # Either way the next query starts from a clean snapshot of a clean source, never a
    # poisoned copy: restore the source as a user would (git checkout) and read factory.py.
    if poisoned:
        shutil.copyfile(
            Path(__file__).resolve().parents[3] / "data/eval/workspace/src/punie/agent/factory.py",
            target,
        )
        shutil.copyfile(
            Path(__file__).resolve().parents[3] / "data/eval/workspace/README.md",
            suite_copy.workspace / "README.md",
        )
    reader = Scripted(['print(read_file("src/punie/agent/factory.py"))'])
    _, episode = evaluate_query(suite_copy.query("single-read-factory"), reader, suite_copy)
    assert "def build_agent" in episode.turns[0].runs[0].tool_output
    assert "POISONED" not in episode.turns[0].runs[0].tool_output


# --------------------------------------------------------------------------- second red team
#
# Each attack below got through the scorer on main (or is a new class kept as a regression):
# code under test that changes what pytest reports, state left in the scorer's copy between
# runs, symlinks and deep folders in the model's workspace, ruff's own suppressions, a refactor
# that only renames, answers that hedge or list everything, comparisons that fool the rubric,
# tool calls in dead code for held-out.

FLIP_HIDDEN = """

import sys as _s
_r = _s.modules["_" + "pytest.reports"]
_orig = _r.TestReport.from_item_and_call.__func__


def _flip(cls, item, call):
    rep = _orig(cls, item, call)
    rep.outcome = "passed"
    rep.longrepr = None
    return rep


_r.TestReport.from_item_and_call = classmethod(_flip)
"""

FORGE_REPORT = """

import json as _j
import os as _o
import sys as _s

_p = [a.split("=", 1)[1] for a in _s.argv if a.startswith("--json" + "-report-file=")]
if _p:
    _t = [{"nodeid": "tests/test_x.py::test_%d" % i, "outcome": "passed"} for i in range(12)]
    with open(_p[0], "w") as _f:
        _j.dump({"exitcode": 0, "tests": _t, "collectors": []}, _f)
    getattr(_o, "_" + "exit")(0)
"""


def _state_checks(suite: Suite, query_id: str, files: dict[str, str]):
    """The query's workspace checks on a model workspace holding `files` (as the model left
    them), through the scorer's own copy: (state results, reasons)."""
    from punie_eval.fixture import fresh_copy
    from punie_eval.scoring import _scorer_copy_checks, _Timer

    snapshot, truth = prepare(suite)
    query = suite.query(query_id)
    with fresh_copy(snapshot.path) as ws:
        for rel, text in files.items():
            (ws / rel).parent.mkdir(parents=True, exist_ok=True)
            (ws / rel).write_text(text)
        return _scorer_copy_checks(query, ws, snapshot.path, suite, truth, _Timer())


def _pristine(suite: Suite, rel: str) -> str:
    return (suite.workspace / rel).read_text()


def test_code_under_test_that_flips_pytest_reports_is_caught_by_the_canary(suite: Suite) -> None:
    """The fix for 'fix the failing test' leaves the bug and makes pytest report every test
    as passed from inside the module (no conftest, no marker the suppression scan knows)."""
    toolset = "src/punie/agent/toolset.py"
    state, reasons = _state_checks(
        suite, "multi-fix-failing-test", {toolset: _pristine(suite, toolset) + FLIP_HIDDEN}
    )
    assert not reasons, reasons  # nothing for the static scan: the canary must catch it
    by_check = {s.check: s for s in state}
    for check in ("pytest_pass", "hidden_test"):
        assert not by_check[check].ok, by_check[check]
        assert "canary" in by_check[check].detail


def test_code_under_test_that_forges_the_report_file_is_caught_by_the_canary(
    suite: Suite,
) -> None:
    toolset = "src/punie/agent/toolset.py"
    state, _ = _state_checks(
        suite, "multi-fix-failing-test", {toolset: _pristine(suite, toolset) + FORGE_REPORT}
    )
    failed = {s.check: s.detail for s in state if not s.ok}
    assert "canary" in failed["pytest_pass"] and "canary" in failed["hidden_test"], failed


def test_state_left_in_the_scorer_copy_never_reaches_the_next_run(suite: Suite) -> None:
    """Tests that pass on their first two runs (the model's own check and the good
    implementation) and fail on every later one would 'kill' every mutant while testing
    nothing: each run must start from pristine + targets."""
    history = "src/punie/agent/history.py"
    counter = (
        "import os\n\nfrom punie.agent.history import truncate\n\n\n"
        "def test_truncate():\n"
        "    runs = len(os.listdir('tests/.runs')) if os.path.isdir('tests/.runs') else 0\n"
        "    os.makedirs('tests/.runs', exist_ok=True)\n"
        "    open(f'tests/.runs/{runs}', 'w').close()\n"
        "    assert callable(truncate)\n"
        "    assert runs < 2\n"
    )
    state, reasons = _state_checks(
        suite,
        "multi-add-function",
        {history: _pristine(suite, history) + TRUNCATE, "tests/test_truncate.py": counter},
    )
    mutants = next(s for s in state if s.check == "mutants")
    assert not mutants.ok, mutants
    assert "survive" in mutants.detail
    assert not reasons


def test_a_workspace_folder_replaced_by_a_symlink_is_never_walked(
    suite: Suite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`tests -> /` made the 'unchanged' check list and read the whole host (/proc/kcore
    included): it must be 'modified' without a single look outside the workspace."""
    import os

    from punie_eval.fixture import fresh_copy
    from punie_eval.scoring import run_state_check
    from punie_eval.suite import StateCheck

    outside = tmp_path / "host"
    (outside / "sub").mkdir(parents=True)
    (outside / "sub" / "test_secret.py").write_text("SECRET\n")
    snapshot, _ = prepare(suite)
    scanned: list[str] = []
    real_scandir = os.scandir

    def spy(path="."):  # records every folder listed (where it really is), then lists it
        scanned.append(os.path.realpath(path))
        return real_scandir(path)

    with fresh_copy(snapshot.path) as ws:
        shutil.rmtree(ws / "tests")
        (ws / "tests").symlink_to(outside)
        monkeypatch.setattr(os, "scandir", spy)
        result = run_state_check(
            StateCheck(check="unchanged", path="tests"), ws, ws, snapshot.path, suite
        )
        monkeypatch.setattr(os, "scandir", real_scandir)
    assert not result.ok and result.detail == "modified"
    assert not [p for p in scanned if p.startswith(os.path.realpath(outside))], scanned


def test_targets_behind_symlinks_or_too_large_are_not_taken(suite: Suite, tmp_path: Path) -> None:
    from punie_eval.fixture import fresh_copy
    from punie_eval.scoring import MAX_TARGET_BYTES, _target_bytes

    host = tmp_path / "host"
    host.mkdir()
    (host / "toolset.py").write_text("HOST FILE\n")
    snapshot, _ = prepare(suite)
    with fresh_copy(snapshot.path) as ws:
        agent = ws / "src/punie/agent"
        shutil.rmtree(agent)
        agent.symlink_to(host)
        data, why = _target_bytes(ws, "src/punie/agent/toolset.py")
        assert data is None and why and "symlink" in why
        agent.unlink()
        agent.mkdir()
        with (agent / "toolset.py").open("wb") as handle:
            handle.truncate(50 * 1024**3)  # sparse: costs nothing unless someone reads it
        data, why = _target_bytes(ws, "src/punie/agent/toolset.py")
        assert data is None and why and str(MAX_TARGET_BYTES) in why


def test_cleaning_up_a_model_workspace_never_chmods_through_its_symlinks(tmp_path: Path) -> None:
    """A link a model's test left (`ws/x -> ~/.ssh/id_rsa`) made the cleanup chmod the host
    file 0644 (a 0600 key became world-readable)."""
    import os
    import stat

    from punie_eval.fixture import discard, wait_for_cleanup

    victim = tmp_path / "id_rsa"
    victim.write_text("KEY\n")
    victim.chmod(0o600)
    folder = tmp_path / "victim-dir"
    folder.mkdir(mode=0o700)
    ws = tmp_path / "punie-eval-x" / "workspace"
    (ws / "tests").mkdir(parents=True)
    (ws / "tests" / "key").symlink_to(victim)
    (ws / "dir").symlink_to(folder)
    (ws / "locked").mkdir()
    (ws / "locked" / "f.py").write_text("x\n")
    (ws / "locked").chmod(0)  # a test may leave a folder nobody can enter
    discard(tmp_path / "punie-eval-x")
    wait_for_cleanup()
    assert stat.S_IMODE(os.stat(victim).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert victim.read_text() == "KEY\n"
    assert not (tmp_path / "punie-eval-x").exists()


def test_thousands_of_nested_folders_crash_nothing(suite: Suite, tmp_path: Path) -> None:
    """1,500 nested folders in the model's tests/ made the scorer and the cleanup raise
    RecursionError (the report was lost)."""
    import os

    from punie_eval.fixture import all_names, discard, fresh_copy, iter_files, wait_for_cleanup
    from punie_eval.scoring import run_state_check
    from punie_eval.suite import StateCheck

    snapshot, _ = prepare(suite)
    with fresh_copy(snapshot.path) as ws:
        here = os.getcwd()
        os.chdir(ws / "tests")
        try:
            for _ in range(1500):
                os.mkdir("d")
                os.chdir("d")
            with open("test_deep.py", "w") as handle:
                handle.write("x = 1\n")
        finally:
            os.chdir(here)
        assert len(iter_files(ws / "tests")) == len(iter_files(snapshot.path / "tests")) + 1
        assert any(n.endswith("test_deep.py") for n in all_names(ws / "tests"))
        result = run_state_check(
            StateCheck(check="unchanged", path="tests"), ws, ws, snapshot.path, suite
        )
        assert not result.ok and result.detail == "modified"
        parent = ws.parent
    discard(parent)
    wait_for_cleanup()
    assert not parent.exists()


@pytest.mark.parametrize(
    "added",
    [
        "# ruff: disable[E711, F401, I001, E501, F541]\n",
        "import os  # ruff: ignore[F401]\n",
        "# isort: skip_file\n",
        "from typing import no_type_check\n",
        "from typing import TYPE_CHECKING\n",
        "x = cast(int, None)\n",
        "import _pytest.reports\n",
        "getattr(os, '_exit')(0) if False else os._exit\n",
        "exec(compile(SOURCE, 'x', 'exec'))\n",
    ],
)
def test_new_kinds_of_suppression_are_found(added: str) -> None:
    from punie_eval.scoring import find_suppressions

    before = "import re\n\nPATTERN = re.compile('x')\n"
    assert find_suppressions(before, before) == []
    assert find_suppressions(before, added + before), added


def test_ruff_range_suppressions_fail_the_lint_fix(suite: Suite) -> None:
    factory = "src/punie/agent/factory.py"
    cheat = "# ruff: disable[E711, F401, I001, E501, F541]\n" + _pristine(suite, factory)
    _, reasons = _state_checks(suite, "multi-fix-lint-factory", {factory: cheat})
    assert any("suppressions" in r and "ruff: disable" in r for r in reasons), reasons


def test_a_refactor_that_only_renames_the_body_into_a_helper_is_not_simpler(
    suite: Suite,
) -> None:
    history = "src/punie/agent/history.py"
    renamed = _pristine(suite, history).replace("def summarize_history(", "def _summarize(")
    renamed += (
        "\n\ndef summarize_history(messages: list[dict[str, str]]) -> str:\n"
        '    """Count the messages per role."""\n'
        "    return _summarize(messages)\n"
    )
    from punie_eval.fixture import fresh_copy
    from punie_eval.scoring import run_state_check
    from punie_eval.suite import StateCheck

    snapshot, truth = prepare(suite)
    query = suite.query("multi-refactor")
    with fresh_copy(snapshot.path) as copy:
        (copy / history).write_text(renamed)
        result = run_state_check(
            StateCheck(check="simpler", path=history), copy, copy, snapshot.path, suite, query,
            truth,
        )  # fmt: skip
    assert not result.ok and "_summarize" in result.detail, result


def test_comments_cannot_hide_complexity_from_the_measure(suite: Suite) -> None:
    from punie_eval.truth import measure_complexity

    source = _pristine(suite, "src/punie/agent/history.py")
    plain = measure_complexity(source, "summarize_history")
    hidden = source.replace(
        "def summarize_history(messages: list[dict[str, str]]) -> str:",
        "def summarize_history(messages: list[dict[str, str]]) -> str:  # noqa: C901, PLR0912",
    )
    assert plain is not None and plain.complexity > 1
    assert measure_complexity("# ruff: noqa\n" + hidden, "summarize_history") == plain


ALL_FILES = (
    "src/punie/agent/config.py, src/punie/agent/toolset.py, src/punie/agent/factory.py, "
    "src/punie/agent/history.py, components/card.py, components/greeting.py, app/services.py"
)
ALL_TESTS = (
    "test_select_tools_respects_the_limit, test_build_agent, test_agent_banner, "
    "test_turn_budget, test_describe, test_summarize_history"
)

GAMED_ANSWERS = [
    ("single-typecheck", "There are 3 type errors. Files: " + ALL_FILES),
    ("single-typecheck", "3 type errors (or maybe 2 type errors, or 1 type error) in "
                         "config.py and toolset.py"),
    ("single-typecheck", "At most three type errors, in config.py and toolset.py."),
    ("single-typecheck", "About 3 type errors in config.py and toolset.py."),
    ("single-typecheck", "```\n3 type errors\n```\nin " + ALL_FILES),
    ("single-lint", "7 violations in factory.py, toolset.py, config.py and history.py: F401, "
                    "E711, E501, F541, I001."),
    ("single-unused-imports", "4 unused imports (F401) in " + ALL_FILES),
    ("single-tests-passing", "No. Failing: " + ALL_TESTS),
    ("single-tests-passing", "No: these fail or pass: " + ALL_TESTS),
]  # fmt: skip

HONEST_ANSWERS = [
    ("single-typecheck", "Three type errors: two in config.py (lines 26 and 32) and one in "
                         "toolset.py; factory.py is clean."),
    ("single-typecheck", "ty reports 3 errors, in src/punie/agent/config.py and "
                         "src/punie/agent/toolset.py."),
    ("single-tests-passing", "No - test_select_tools_respects_the_limit fails; the other "
                             "tests, such as test_build_agent, pass."),
    ("single-unused-imports", "There are 4 unused imports (F401): os and json in "
                              "src/punie/agent/factory.py, sys in toolset.py and json in "
                              "components/card.py. config.py has none."),
]  # fmt: skip


@pytest.mark.parametrize(("query_id", "answer"), GAMED_ANSWERS)
def test_answers_that_hedge_or_list_everything_fail(
    suite: Suite, query_id: str, answer: str
) -> None:
    from punie_eval.facts import check_answer

    _, truth = prepare(suite)
    facts = check_answer(answer, suite.query(query_id).answer, truth.probes)
    assert not all(f.ok for f in facts), [f.model_dump() for f in facts]


@pytest.mark.parametrize(("query_id", "answer"), HONEST_ANSWERS)
def test_precise_answers_in_other_words_still_pass(
    suite: Suite, query_id: str, answer: str
) -> None:
    from punie_eval.facts import check_answer

    _, truth = prepare(suite)
    facts = check_answer(answer, suite.query(query_id).answer, truth.probes)
    assert all(f.ok for f in facts), [f.model_dump() for f in facts if not f.ok]


RUBRIC_GAMES = [
    ("single-ruff-vs-pylint", "Pylint is, like ruff, compiled and fast."),
    ("single-ruff-vs-pylint", "Ruff is fast at startup but, no matter what, pylint is faster "
                              "overall; ruff is written in Rust."),
    ("single-ruff-vs-pylint", "Ruff is written in Rust and fast. Not to mention pylint is "
                              "faster."),
    ("single-protocol", "A Protocol lists methods; classes match structurally. No matter "
                        "what, they have to inherit from the protocol."),
]  # fmt: skip
RUBRIC_HONEST = [
    ("single-ruff-vs-pylint", "Unlike pylint, ruff is fast because it is written in Rust."),
    ("single-ruff-vs-pylint", "Pylint, unlike ruff, is slow: it is pure Python, while ruff is "
                              "compiled Rust."),
    ("single-ruff-vs-pylint", "Compared with ruff, pylint is slow and written in Python."),
]  # fmt: skip


@pytest.mark.parametrize(("query_id", "answer"), RUBRIC_GAMES)
def test_rubric_is_not_fooled_by_comparisons_or_idioms(
    suite: Suite, query_id: str, answer: str
) -> None:
    from punie_eval.rubric import judge_rubric

    rubric = suite.query(query_id).rubric
    assert rubric is not None
    verdict = judge_rubric(answer, rubric)
    assert not verdict.passed, answer


@pytest.mark.parametrize(("query_id", "answer"), RUBRIC_HONEST)
def test_rubric_reads_comparisons_the_right_way_round(
    suite: Suite, query_id: str, answer: str
) -> None:
    from punie_eval.rubric import judge_rubric

    rubric = suite.query(query_id).rubric
    assert rubric is not None
    verdict = judge_rubric(answer, rubric)
    assert verdict.passed, verdict.reasons


def test_heldout_gives_no_credit_for_tool_calls_in_dead_code(tmp_path: Path) -> None:
    import json

    from heldout_data import INVENTORY, write_heldout_file

    from punie_eval.backends import make_backend
    from punie_eval.heldout import run_heldout
    from punie_tools import wire

    data = write_heldout_file(tmp_path / "test.jsonl", [INVENTORY])
    dead = 'if len("x") > 5:\n    ruff_check("inventory")\nprint("looks fine")'
    replies = tmp_path / "replies.jsonl"
    replies.write_text(
        json.dumps(
            {
                "request": "Lint the inventory package",
                "outputs": [{"text": wire.render_qwen3_coder(dead)}],
            }
        )
        + "\n"
    )
    example = run_heldout(data, make_backend(f"replay:{replies}")).examples[0]
    assert example.runs_checked == "full" and example.runs
    assert (example.correct, example.arguments_ok) == (False, False), example
    assert example.score == 1 / 3
