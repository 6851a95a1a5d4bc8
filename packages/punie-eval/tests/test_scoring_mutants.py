"""Each decision of the scorer, checked on a tiny fixture of its own (mutation testing's tier).

tests/test_harness.py, test_adversarial.py and test_redteam.py score whole episodes of the real
suite; these pin down each rule of `punie_eval.scoring` separately: the reasons it gives (their
exact text is what a developer reads in the report), the calls it sees, the workspace checks it
re-runs with the real ruff, ty and pytest on a fresh copy. Episodes are built from the same
models the loop records, so no model runs.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path
from typing import Any

import pytest
import recorded_pytest
from recorded_pytest import RecordedPytest

from punie_eval import scoring
from punie_eval.loop import CodeRun, Episode, Turn
from punie_eval.scoring import (
    CallInfo,
    QueryScore,
    StateResult,
    calls_in_code,
    executed_calls,
    find_suppressions,
    match_pattern,
    normalize_path,
    run_state_check,
    score_episode,
)
from punie_eval.suite import (
    AnswerCheck,
    CallPattern,
    Category,
    Improve,
    Mutants,
    Query,
    Rubric,
    RubricItem,
    StateCheck,
    Suite,
)
from punie_eval.truth import Complexity, Probe, Truth, measure_complexity
from punie_tools.models import (
    ExecutionError,
    ExecutionRecord,
    TestFailure,
    TestResult,
    ToolCallRecord,
)

# Mutants mutmut makes of scoring.py that cannot change behaviour (see tests/mutation/).
EQUIVALENT_MUTANTS: dict[str, tuple[str, str]] = {
    "punie_eval.scoring.x__path_ok__mutmut_21": (
        'target = normalize_path(pattern.path) or "XX.XX"',
        "normalize_path of a str is never empty ('' gives '.'): the fallback is dead",
    ),
    "punie_eval.scoring.x__describe__mutmut_30": (
        'return parts[0] + ("(" + ", ".join(parts[1:]) + ")" if len(parts) >= 1 else "()")',
        "with one part the joined branch also gives '()'",
    ),
    "punie_eval.scoring.x_match_pattern__mutmut_27": (
        'command = str(call.arguments.get("command") or "XXXX").strip().split(" ")[0]',
        "a call without a command matches no command name either way",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_2": (
        "nonce = secrets.token_hex(None)",
        "any length of random nonce: the canary is named by its first 8 digits, its message "
        "holds all of them",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_3": (
        "nonce = secrets.token_hex(17)",
        "any length of random nonce: the canary is named by its first 8 digits, its message "
        "holds all of them",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_13": (
        'copy.write(path, hidden.rstrip(None) + "\\n" + _canary(nonce))',
        "rstrip() also drops trailing spaces and tabs, which end Python code without meaning",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_29": (
        'copy.write(path, original.rstrip(None) + "\\n" + _canary(nonce))',
        "rstrip() also drops trailing spaces and tabs, which end Python code without meaning",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_41": (
        "copy.write(restore[0], _canary(nonce).lstrip(None))",
        "the canary starts with two newlines and then 'def': any whitespace strip is the same",
    ),
    "punie_eval.scoring.x__pytest_checked__mutmut_44": (
        'copy.write(restore[0], _canary(nonce).lstrip("XX\\nXX"))',
        "the canary starts with two newlines and then 'def': stripping X too is the same",
    ),
    "punie_eval.scoring.x__unchanged__mutmut_27": (
        "mine, theirs = (target / name, source / name) if (name) or True else (target, source)",
        "a path joined with '' is the same path",
    ),
    "punie_eval.scoring.x__no_link_path__mutmut_5": (
        'if part in ("XXXX", ".", "..", "/"):',
        "PurePosixPath drops empty parts: '' is never one of its parts",
    ),
    "punie_eval.scoring.x__no_link_path__mutmut_6": (
        'if part in ("", "XX.XX", "..", "/"):',
        "PurePosixPath drops '.' parts: '.' is never one of its parts",
    ),
    "punie_eval.scoring.x_calls_in_code__mutmut_16": (
        "for name, arg in zip(params, node.args, strict=None):",
        "strict=None is falsy, as the default is: zip stops at the shorter, as with False",
    ),
    "punie_eval.scoring.x_calls_in_code__mutmut_19": (
        "for name, arg in zip(params, node.args, ):",
        "zip's default is strict=False",
    ),
    "punie_eval.scoring.x_calls_in_code__mutmut_33": (
        "return [info for _, _, info in sorted(found, key=None)]",
        "no two calls start at the same line and column: the tuples sort by position alone",
    ),
    "punie_eval.scoring.x_calls_in_code__mutmut_35": (
        "return [info for _, _, info in sorted(found, )]",
        "no two calls start at the same line and column: the tuples sort by position alone",
    ),
    "punie_eval.scoring.x__with_canary__mutmut_8": (
        'mine = [f for f in result.failures if f.test_id.rsplit("::", )[-1] == name]',
        "the last part of a split at every '::' is the last part of one split from the right",
    ),
    "punie_eval.scoring.x__with_canary__mutmut_11": (
        'mine = [f for f in result.failures if f.test_id.rsplit("::", 2)[-1] == name]',
        "the last part of two splits from the right is the last part of one",
    ),
    "punie_eval.scoring.x__read__mutmut_1": (
        'return path.read_text(encoding=None, errors="replace")',
        "same under a UTF-8 locale (C.UTF-8 here, macOS); no test runs under another locale",
    ),
    "punie_eval.scoring.x__read__mutmut_3": (
        'return path.read_text(errors="replace")',
        "same under a UTF-8 locale (C.UTF-8 here, macOS); no test runs under another locale",
    ),
    "punie_eval.scoring.x__read__mutmut_6": (
        'return path.read_text(encoding="UTF-8", errors="replace")',
        "codec names are case-insensitive",
    ),
    "punie_eval.scoring.xǁ_Copyǁwrite__mutmut_10": (
        "dest.write_text(text, encoding=None)",
        "same under a UTF-8 locale (C.UTF-8 here, macOS); no test runs under another locale",
    ),
    "punie_eval.scoring.xǁ_Copyǁwrite__mutmut_12": (
        "dest.write_text(text, )",
        "same under a UTF-8 locale (C.UTF-8 here, macOS); no test runs under another locale",
    ),
    "punie_eval.scoring.xǁ_Copyǁwrite__mutmut_14": (
        'dest.write_text(text, encoding="UTF-8")',
        "codec names are case-insensitive",
    ),
    "punie_eval.scoring.x__mutants__mutmut_36": (
        'copy.write(spec.module, base.rstrip(None) + "\\n\\n" + spec.good.strip("\\n") + "\\n")',
        "rstrip() also drops trailing spaces and tabs, which end Python code without meaning",
    ),
    "punie_eval.scoring.x__mutants__mutmut_40": (
        'copy.write(spec.module, base.rstrip("\\n") + "\\n\\n" + spec.good.strip(None) + "\\n")',
        "strip() also drops spaces and tabs at the ends of the suite's top-level code: no meaning",
    ),
    "punie_eval.scoring.x__mutants__mutmut_65": (
        'copy.write(spec.module, base.rstrip(None) + "\\n\\n" + bad.strip("\\n") + "\\n")',
        "rstrip() also drops trailing spaces and tabs, which end Python code without meaning",
    ),
    "punie_eval.scoring.x__mutants__mutmut_69": (
        'copy.write(spec.module, base.rstrip("\\n") + "\\n\\n" + bad.strip(None) + "\\n")',
        "strip() also drops spaces and tabs at the ends of the suite's top-level code: no meaning",
    ),
    "punie_eval.scoring.x__tree_state__mutmut_9": (
        "st = entry.stat(follow_symlinks=None)",
        "None is falsy: links are not followed, as with False",
    ),
    "punie_eval.scoring.x_run_state_check__mutmut_165": (
        'content = suite.hidden_tests[check.name or "XXXX"]',
        "Suite refuses a hidden_test check whose name is no hidden test's: never reached unnamed",
    ),
    "punie_eval.scoring.x__describe__mutmut_22": (
        'return parts[0] + ("(" + ", ".join(parts[1:]) + ")" if (len(parts) > 1) or True else "()")',
        "with one part the joined branch also gives '()'",
    ),
}

CALC = "def add(a: int, b: int) -> int:\n    return a + b\n"
TESTS = "from pkg.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n"
HIDDEN = "from pkg.calc import add\n\n\ndef test_hidden():\n    assert add(2, 2) == 4\n"
# Texts that end in an X: what the scorer writes around them must keep every character.
LIMITS = "MAX = 10\nLIMIT = MAX\n"
LIMIT_TESTS = "from pkg.limits import LIMIT, MAX\n\n\ndef test_limit():\n    assert LIMIT == 10\n\n\nTOP = MAX\n"
HIDDEN_LIMIT = (
    "from pkg.limits import MAX\n\n\ndef test_max():\n    assert MAX == 10\n\n\nTOP = MAX\n"
)
HIDDEN_SKIPPED = "import pytest\n\n\n@pytest.mark.skip\ndef test_later():\n    assert False\n"
BRANCHY = (
    "def grade(n: int) -> str:\n"
    "    if n > 90:\n        return 'a'\n"
    "    if n > 80:\n        return 'b'\n"
    "    if n > 70:\n        return 'c'\n"
    "    return 'd'\n"
)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "calc.py").write_text(CALC)
    (root / "pkg" / "grade.py").write_text(BRANCHY)
    (root / "tests").mkdir()
    (root / "tests" / "__init__.py").write_text("")
    (root / "tests" / "test_calc.py").write_text(TESTS)
    (root / "pkg" / "limits.py").write_text(LIMITS)
    (root / "tests" / "test_limits.py").write_text(LIMIT_TESTS)
    return root


@pytest.fixture
def model_ws(pristine: Path, tmp_path: Path) -> Path:
    ws = tmp_path / "model"
    shutil.copytree(pristine, ws)
    return ws


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> RecordedPytest:
    """The scorer's pytest runs answered from real runs recorded once (tests/recorded_pytest.py;
    test_recorded_pytest_runs_match_the_real_pytest re-runs them for real)."""
    replay = RecordedPytest()
    monkeypatch.setattr(scoring, "pytest_run", replay)
    return replay


def _query(**fields: Any) -> Query:
    base: dict[str, Any] = {"id": "q", "category": "c", "request": "do it", "kind": "tool"}
    return Query(**(base | fields))


def _suite(pristine: Path, *queries: Query) -> Suite:
    return Suite(
        root=pristine,
        version=1,
        workspace=pristine,
        categories={"c": Category(title="c", threshold=1)},
        overall_threshold=1,
        queries=list(queries) or [_query()],
        hidden_tests={"adds": HIDDEN, "max": HIDDEN_LIMIT, "skips": HIDDEN_SKIPPED},
    )


def _call(name: str, error: str | None = None, **arguments: Any) -> ToolCallRecord:
    return ToolCallRecord(name=name, arguments=arguments, error=error)


def _code_turn(index: int, *calls: ToolCallRecord, code: str = "", output: str = "") -> Turn:
    record = ExecutionRecord(code=code, calls=list(calls))
    return Turn(
        index=index, kind="code", runs=[CodeRun(code=code, record=record, tool_output=output)]
    )


def _episode(*turns: Turn, answer: str | None = "done", outcome: str = "answer") -> Episode:
    all_turns = list(turns)
    if outcome == "answer":
        all_turns.append(Turn(index=len(all_turns), kind="answer", text=answer or ""))
    return Episode(request="do it", turns=all_turns, outcome=outcome, final_answer=answer)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- calls


def test_calls_in_code_reads_literals_in_source_order() -> None:
    code = (
        "b = typecheck('b.py'); a = ruff_check('a.py')\n"
        "x.read_file('no')\n"  # an attribute call is not a tool call
        "print(read_file(path=name, **extra))\n"
        "write_file('o.py', content=1 + 2)\n"
        "pytest_run(*paths)\n"
        "unknown('z')\n"
    )
    got = [(c.name, c.arguments, c.turn) for c in calls_in_code(code, turn=3)]
    assert got == [
        ("typecheck", {"path": "b.py"}, 3),
        ("ruff_check", {"path": "a.py"}, 3),
        ("read_file", {"path": None}, 3),
        ("write_file", {"path": "o.py", "content": None}, 3),
        ("pytest_run", {"path": None}, 3),
    ]
    assert calls_in_code("def (") == []
    assert calls_in_code("x = '\x00'") == []
    assert calls_in_code("run_command('ls', ['-a'], '.', extra=1)")[0].arguments == {
        "command": "ls",
        "args": ["-a"],
        "cwd": ".",
        "extra": 1,
    }
    assert calls_in_code("ruff_check('x')")[0].turn == 0


def test_literal_gives_none_for_what_only_runs_know() -> None:
    import ast

    assert scoring._literal(ast.parse("[1, 'a']", mode="eval").body) == [1, "a"]
    assert scoring._literal(ast.parse("f()", mode="eval").body) is None
    assert scoring._literal(ast.parse("{[1]: 2}", mode="eval").body) is None  # TypeError
    deep = ast.parse("(" * 200 + "1" + ")" * 200, mode="eval").body
    assert scoring._literal(deep) == 1


def test_executed_calls_come_from_the_records() -> None:
    episode = _episode(
        _code_turn(0, _call("read_file", path="a.py"), _call("typecheck", "boom", path=".")),
        Turn(index=1, kind="code", runs=[CodeRun(code="x", record=None)]),
        _code_turn(2, _call("ruff_check", path="src")),
    )
    assert [(c.name, c.arguments, c.turn, c.error) for c in executed_calls(episode)] == [
        ("read_file", {"path": "a.py"}, 0, None),
        ("typecheck", {"path": "."}, 0, "boom"),
        ("ruff_check", {"path": "src"}, 2, None),
    ]


def test_normalize_path() -> None:
    assert normalize_path("./src//pkg/") == "src/pkg"
    assert normalize_path("  src\\pkg\\a.py ") == "src/pkg/a.py"
    assert normalize_path("") == "."
    assert normalize_path("   ") == "."
    assert normalize_path(None) is None
    assert normalize_path(3) is None


def _p(**fields: Any) -> CallPattern:
    return CallPattern(**({"tool": "typecheck"} | fields))


def _c(name: str = "typecheck", error: str | None = None, **arguments: Any) -> CallInfo:
    return CallInfo(name=name, arguments=arguments, error=error)


def test_path_modes() -> None:
    assert match_pattern(_p(path="src", path_match="any"), _c(path=7), 0, -1)
    assert match_pattern(_p(path=None, path_match="exact"), _c(path=7), 0, -1)
    assert not match_pattern(_p(path="src", path_match="exact"), _c(path=7), 0, -1)
    assert not match_pattern(_p(path="src", path_match="exact"), _c(), 0, -1)
    glob = _p(path="src/*.py", path_match="glob")
    assert match_pattern(glob, _c(path="./src/a.py"), 0, -1)
    assert not match_pattern(glob, _c(path="src/A.PY"), 0, -1)  # case matters
    assert not match_pattern(glob, _c(path="."), 0, -1)
    exact = _p(path="./src/", path_match="exact")
    assert match_pattern(exact, _c(path="src"), 0, -1)
    assert not match_pattern(exact, _c(path="."), 0, -1)
    covers = _p(path="src/pkg/a.py", path_match="covers")
    for ok in (".", "", "src", "src/", "src/pkg", "./src/pkg/a.py"):
        assert match_pattern(covers, _c(path=ok), 0, -1), ok
    for bad in ("sr", "src/pk", "src/pkg/a", "tests", "src/pkg/a.py/x"):
        assert not match_pattern(covers, _c(path=bad), 0, -1), bad
    assert match_pattern(_p(path="", path_match="covers"), _c(path="."), 0, -1)
    # a folder whose name ends in what is stripped off the call's path still covers its files
    assert match_pattern(_p(path="pkgX/a.py", path_match="covers"), _c(path="pkgX"), 0, -1)
    # Absolute paths: a folder covers what is under it, the root covers everything.
    absolute = _p(path="/ws/src/a.py", path_match="covers")
    assert match_pattern(absolute, _c(path="/ws/src"), 0, -1)
    assert match_pattern(absolute, _c(path="/"), 0, -1)
    assert not match_pattern(absolute, _c(path="/ws/sr"), 0, -1)


def test_call_must_be_the_tool_without_error_and_after_the_last_write() -> None:
    assert not match_pattern(_p(), _c("ruff_check"), 0, -1)
    assert not match_pattern(_p(), _c(error="x"), 0, -1)
    after = _p(after_last_write=True)
    assert match_pattern(after, _c(), 3, 3)
    assert not match_pattern(after, _c(), 2, 3)
    assert match_pattern(_p(), _c(), 2, 3)


def test_command_and_argument_patterns() -> None:
    grep = CallPattern(tool="run_command", command=["grep", "rg"])
    run = "run_command"
    assert match_pattern(grep, _c(run, command="  /usr/bin/grep -rn x"), 0, -1)
    assert not match_pattern(grep, _c(run, command="egrep"), 0, -1)
    assert not match_pattern(grep, _c(run), 0, -1)
    args = CallPattern(tool="run_command", args_contain=["Register", "def "])
    assert match_pattern(args, _c(run, command="grep", args=["-n", "REGISTER"]), 0, -1)
    assert match_pattern(args, _c(run, command="grep", args="-n register"), 0, -1)
    assert match_pattern(args, _c(run, command="grep -n register"), 0, -1)
    assert match_pattern(args, _c(run, command="grep", args=["def", "x"]), 0, -1)  # joined
    assert not match_pattern(args, _c(run, command="grep", args=["regist"]), 0, -1)
    assert not match_pattern(args, _c(run, command="grep", args=None), 0, -1)
    assert not match_pattern(args, _c(run, command=None, args=[]), 0, -1)
    # Nothing but the arguments and the command is searched.
    x = CallPattern(tool="run_command", args_contain=["x"])
    assert not match_pattern(x, _c(run, command="ls", args=["-a"]), 0, -1)
    assert not match_pattern(x, _c(run, command="ls"), 0, -1)
    assert not match_pattern(x, _c(run, args=["-a"]), 0, -1)
    assert match_pattern(x, _c(run, args=["-a"], command="xargs"), 0, -1)


def test_describe_names_every_constraint() -> None:
    assert scoring._describe(_p()) == "typecheck()"
    assert scoring._describe(_p(path="src", path_match="covers")) == "typecheck(covers src)"
    full = CallPattern(
        tool="run_command",
        path="a.py",
        path_match="exact",
        command=["grep", "rg"],
        args_contain=["x", "y"],
        after_last_write=True,
    )
    assert scoring._describe(full) == (
        "run_command(exact a.py, command in grep/rg, args with x/y, after the last write)"
    )


def test_find_suppressions_counts_only_what_was_added() -> None:
    before = "x = 1  # type: ignore\ny = 2  # noqa\n"
    after = (
        "x = 1  # type:ignore\ny = 2  # NOQA\nz = 3  # noqa: F401\n"
        "@pytest.mark.skip\ndef test_a(): pytest.skip ('no')\n"
    )
    assert find_suppressions(before, after) == [
        "# noqa",
        "pytest.mark.skip",
        "pytest.skip (",
    ]
    assert find_suppressions(after, before) == []
    assert find_suppressions("", "a  # pragma: no cover") == ["# pragma"]
    twice = "a = 1  # noqa\nb = 2  # noqa\n"
    assert find_suppressions(twice, twice) == []
    assert find_suppressions(twice, twice + "c = 3  # noqa\n") == ["# noqa"]


def test_defines_and_read(tmp_path: Path) -> None:
    f = tmp_path / "m.py"
    f.write_text("def a(): ...\nasync def b(): ...\nclass C: ...\ndef outer():\n    def d(): ...\n")
    for name in ("a", "b", "C"):
        assert scoring._defines(f, name), name
    assert not scoring._defines(f, "d")
    assert not scoring._defines(f, "outer2")
    assert not scoring._defines(tmp_path / "gone.py", "a")
    (tmp_path / "bad.py").write_text("def a(:\n")
    assert not scoring._defines(tmp_path / "bad.py", "a")
    (tmp_path / "bin.py").write_bytes(b"\xff\xfe def a(): ...")
    assert not scoring._defines(tmp_path / "bin.py", "a")
    assert scoring._read(tmp_path / "gone.py") == ""
    assert scoring._read(f).startswith("def a()")
    assert scoring._read(tmp_path / "bin.py").endswith("def a(): ...")
    assert scoring._read(tmp_path) == ""  # a folder


def test_timer_adds_up_tool_time() -> None:
    slow = scoring._Timer()
    slow.run(time.sleep, 0.05)
    slow.run(time.sleep, 0.01)
    assert slow.tool_s >= 0.06
    timer = scoring._Timer()
    assert timer.tool_s == 0.0
    assert timer.run(lambda a, b=0: a + b, 1, b=2) == 3
    first = timer.tool_s
    assert first > 0.0
    with pytest.raises(ZeroDivisionError):
        timer.run(lambda: 1 / 0)
    assert timer.tool_s > first


# --------------------------------------------------------------------------- outcome reasons


def test_outcome_reasons() -> None:
    last = Turn(index=2, kind="malformed", reason="no closing tag")
    malformed = Episode(request="r", turns=[Turn(index=0, kind="code"), last], outcome="malformed")
    assert scoring._outcome_reasons(malformed) == ["malformed output at turn 3: no closing tag"]
    backend = Episode(
        request="r", turns=[Turn(index=0, kind="backend_error", reason="503")],
        outcome="backend_error",
    )  # fmt: skip
    assert scoring._outcome_reasons(backend) == ["backend error: 503"]
    assert scoring._outcome_reasons(Episode(request="r", outcome="backend_error")) == []
    assert scoring._outcome_reasons(Episode(request="r", outcome="malformed")) == []
    timeout = Episode(request="r", outcome="timeout", time_limit_s=12.5)
    assert scoring._outcome_reasons(timeout) == ["ran past the per-query time limit of 12.5 s"]
    turns = Episode(request="r", turns=[Turn(index=0, kind="code")] * 2, outcome="turn_limit")
    assert scoring._outcome_reasons(turns) == ["never answered: 2 turns without a final answer"]
    cut = Episode(
        request="r", turns=[Turn(index=0, kind="answer", finish_reason="length")],
        outcome="answer", final_answer="half",
    )  # fmt: skip
    assert scoring._outcome_reasons(cut) == [
        "the final answer was cut at the token limit (finish_reason length)"
    ]
    whole = cut.model_copy(update={"turns": [Turn(index=0, kind="answer", finish_reason="stop")]})
    assert scoring._outcome_reasons(whole) == []
    assert scoring._outcome_reasons(Episode(request="r", outcome="answer")) == []


def test_rejected_code_is_a_reason_only_when_nothing_ran() -> None:
    def run(kind: str, calls: list[ToolCallRecord]) -> CodeRun:
        error = ExecutionError(kind=kind, message="m" * 200)  # type: ignore[arg-type]
        return CodeRun(code="c", record=ExecutionRecord(code="c", error=error, calls=calls))

    turn = Turn(
        index=1,
        kind="code",
        runs=[
            run("syntax", []),
            run("type", []),
            run("runtime", []),
            run("type", [_call("read_file", path="a")]),
        ],
    )
    reasons = scoring._outcome_reasons(Episode(request="r", turns=[turn], outcome="turn_limit"))
    assert reasons == [
        "never answered: 1 turns without a final answer",
        f"turn 2: code rejected before running (syntax: {'m' * 120})",
        f"turn 2: code rejected before running (type: {'m' * 120})",
    ]


# --------------------------------------------------------------------------- whole episodes


def _score(
    query: Query, episode: Episode, pristine: Path, ws: Path, truth: Truth | None = None,
    judge: Any = None,
) -> QueryScore:  # fmt: skip
    return score_episode(
        query, episode, ws, pristine, _suite(pristine), truth or Truth(), judge=judge
    )


def test_tool_query_that_meets_everything_passes(pristine: Path, model_ws: Path) -> None:
    query = _query(
        requires=[CallPattern(tool="typecheck", path="pkg", path_match="covers")],
        sequence=[CallPattern(tool="read_file"), CallPattern(tool="typecheck")],
        forbid=["write_file"],
    )
    episode = _episode(
        _code_turn(0, _call("read_file", path="pkg/calc.py"), code="read_file('pkg/calc.py')"),
        _code_turn(1, _call("typecheck", path="."), code="typecheck('.')"),
        answer="pkg/calc.py has no type errors.",
    )
    started = time.perf_counter()
    score = _score(query, episode, pristine, model_ws, Truth(files=["pkg/calc.py"]))
    assert 0.0 < score.scoring_s <= time.perf_counter() - started
    assert score.reasons == []
    assert score.passed is True
    assert score.why == "all expectations met"
    assert [c.name for c in score.calls] == ["read_file", "typecheck"]
    assert [(c.name, c.turn) for c in score.written_calls] == [("read_file", 0), ("typecheck", 1)]
    assert score.state == [] and score.facts == [] and score.judge is None
    assert score.scoring_s > 0.0 and score.scoring_tool_s == 0.0


def test_tool_query_reasons(pristine: Path, model_ws: Path) -> None:
    query = _query(
        requires=[
            CallPattern(tool="ruff_check"),
            CallPattern(tool="typecheck", after_last_write=True),
        ],
        sequence=[CallPattern(tool="typecheck"), CallPattern(tool="read_file")],
        forbid=["write_file", "run_command", "pytest_run"],
    )
    episode = _episode(
        _code_turn(
            0,
            _call("typecheck", path="."),
            _call("write_file", path="new.py", content="x"),
            _call("read_file", error="gone", path="a.py"),
            code="typecheck('.')\nwrite_file('new.py', 'x')\nrun_command('ls')\n",
        ),
        answer="I wrote new.py and fixed ghost.py; see pkg/calc.py.",
    )
    score = _score(query, episode, pristine, model_ws, Truth(files=["pkg/calc.py"]))
    assert score.passed is False
    assert score.reasons == [
        "called forbidden tool write_file",
        "called forbidden tool run_command",  # written, even though it never ran
        "missing call ruff_check()",
        "missing call typecheck(after the last write)",
        "sequence broken: no read_file() in order",
        "answer names files that do not exist: ghost.py",
    ]
    assert score.why == "; ".join(score.reasons)


def test_a_failed_write_does_not_move_the_last_write(pristine: Path, model_ws: Path) -> None:
    query = _query(requires=[CallPattern(tool="typecheck", after_last_write=True)])
    episode = _episode(
        _code_turn(
            0,
            _call("write_file", path="a.py", content="x"),
            _call("typecheck", path="."),
            _call("write_file", error="denied", path="b.py", content="y"),
        )
    )
    assert _score(query, episode, pristine, model_ws).reasons == []


def test_sequence_needs_the_order(pristine: Path, model_ws: Path) -> None:
    query = _query(sequence=[CallPattern(tool="read_file"), CallPattern(tool="typecheck")])
    backwards = _episode(_code_turn(0, _call("typecheck", path="."), _call("read_file", path="a")))
    assert _score(query, backwards, pristine, model_ws).reasons == [
        "sequence broken: no typecheck() in order"
    ]
    twice = _query(sequence=[CallPattern(tool="typecheck"), CallPattern(tool="typecheck")])
    once = _episode(_code_turn(0, _call("typecheck", path=".")))
    assert _score(twice, once, pristine, model_ws).reasons == [
        "sequence broken: no typecheck() in order"
    ]
    nothing = _episode(_code_turn(0))
    assert _score(query, nothing, pristine, model_ws).reasons == [
        "sequence broken: no read_file() in order"
    ]


def test_tool_query_answered_directly(pristine: Path, model_ws: Path) -> None:
    score = _score(_query(), _episode(answer="It is fine."), pristine, model_ws)
    assert score.reasons == ["answered directly, but a tool call was expected"]
    never = _episode(_code_turn(0), outcome="turn_limit", answer=None)
    assert _score(_query(), never, pristine, model_ws).reasons == [
        "never answered: 1 turns without a final answer"
    ]


def test_empty_answers_fail(pristine: Path, model_ws: Path) -> None:
    score = _score(_query(), _episode(_code_turn(0), answer="  \n"), pristine, model_ws)
    assert score.reasons == ["the final answer is empty"]
    # An empty answer is not judged further (no invented facts, no rubric reasons).
    direct = _query(kind="direct", rubric=Rubric(require=[RubricItem(name="x", any=["x"])]))
    assert _score(direct, _episode(answer=""), pristine, model_ws).reasons == [
        "the final answer is empty"
    ]


def test_answer_facts_are_checked_against_the_probe(pristine: Path, model_ws: Path) -> None:
    check = AnswerCheck(tool="typecheck", path="pkg", facts=["count"])
    probe = Probe(key=check.key, tool="typecheck", path="pkg", total=2, by_file={"pkg/a.py": 2})
    truth = Truth(probes={check.key: probe}, files=["pkg/a.py"])
    query = _query(answer=[check])
    ran = _code_turn(0, _call("typecheck", path="pkg"), code="typecheck('pkg')", output="2 errs")
    right = _score(
        query, _episode(ran, answer="There are 2 type errors."), pristine, model_ws, truth
    )
    assert right.reasons == []
    assert [(f.fact, f.ok) for f in right.facts] == [("typecheck(pkg) count", True)]
    wrong = _score(
        query, _episode(ran, answer="There are 5 type errors."), pristine, model_ws, truth
    )
    assert wrong.reasons == ["answer: typecheck(pkg) count: says 5"]
    vague = _score(query, _episode(ran, answer="Some type errors."), pristine, model_ws, truth)
    assert vague.reasons == ["answer: typecheck(pkg) count: the total is not stated"]


def test_answer_facts_see_the_tool_outputs_and_code(pristine: Path, model_ws: Path) -> None:
    check = AnswerCheck(tool="pytest_run", path="tests", facts=["failing"])
    probe = Probe(key=check.key, tool="pytest_run", path="tests", failing=["test_add"])
    truth = Truth(probes={check.key: probe})
    query = _query(answer=[check])
    shown = _code_turn(0, _call("pytest_run", path="tests"), code="pytest_run('tests')",
                       output="FAILED test_add")  # fmt: skip
    assert _score(
        query, _episode(shown, answer="test_add fails."), pristine, model_ws, truth
    ).passed
    in_code = _code_turn(0, _call("pytest_run", path="tests"), code="print('test_add')")
    assert _score(
        query, _episode(in_code, answer="test_add fails."), pristine, model_ws, truth
    ).passed
    unseen = _code_turn(0, _call("pytest_run", path="tests"), code="pytest_run('tests')")
    score = _score(query, _episode(unseen, answer="test_add fails."), pristine, model_ws, truth)
    assert score.reasons == [
        "answer: pytest_run(tests) failing: names test_add, which no tool output in the episode "
        "showed"
    ]


def test_files_the_model_wrote_are_not_invented(pristine: Path, model_ws: Path) -> None:
    episode = _episode(
        _code_turn(0, _call("write_file", path="pkg/new.py", content="x"),
                   _call("read_file", path="pkg/other.py")),
        answer="I created pkg/new.py and read pkg/other.py, pkg/calc.py.",
    )  # fmt: skip
    score = _score(_query(), episode, pristine, model_ws, Truth(files=["pkg/calc.py"]))
    assert score.reasons == ["answer names files that do not exist: pkg/other.py"]


def test_direct_query_by_rubric(pristine: Path, model_ws: Path) -> None:
    rubric = Rubric(
        require=[RubricItem(name="it uses ruff", any=["ruff"])],
        wrong=[RubricItem(name="it uses flake8", any=["flake8"])],
    )
    query = _query(kind="direct", rubric=rubric)
    good = _score(query, _episode(answer="It uses ruff."), pristine, model_ws)
    assert (good.passed, good.reasons, good.rubric_stated) == (True, [], ["it uses ruff"])
    bad = _score(query, _episode(answer="It uses flake8."), pristine, model_ws)
    assert bad.reasons == [
        "does not state that it uses ruff",
        "claims that it uses flake8 ('flake8')",
    ]
    assert bad.rubric_stated == []
    code = _episode(
        _code_turn(0, _call("read_file", path="a.py"), code="ruff_check('.')"),
        answer="It uses ruff.",
    )
    assert _score(query, code, pristine, model_ws).reasons == [
        "expected a direct answer, but the model ran code (read_file, ruff_check)"
    ]
    empty_code = _episode(_code_turn(0), answer="It uses ruff.")
    assert _score(query, empty_code, pristine, model_ws).reasons == [
        "expected a direct answer, but the model ran code (code)"
    ]
    no_rubric = Query(id="q", category="c", request="r", kind="direct")
    assert _score(no_rubric, _episode(answer="anything"), pristine, model_ws).passed


class _Judge:
    """Stands in for the judge model (tests/test_judge.py runs the real client on a server)."""

    def __init__(self, verdict: str | None, reason: str = "r") -> None:
        self.verdict, self.reason, self.seen = verdict, reason, []

    def judge(self, query: Query, answer: str) -> dict[str, Any]:
        self.seen.append((query.id, answer))
        return {"verdict": self.verdict, "reason": self.reason}


def test_direct_query_by_judge(pristine: Path, model_ws: Path) -> None:
    rubric = Rubric(require=[RubricItem(name="it uses ruff", any=["ruff"])])
    query = _query(kind="direct", rubric=rubric)
    episode = _episode(answer="It lints.")
    passing = _Judge("pass")
    score = _score(query, episode, pristine, model_ws, judge=passing)
    assert score.passed and passing.seen == [("q", "It lints.")]
    assert score.judge == {
        "verdict": "pass",
        "reason": "r",
        "rubric_passed": False,
        "rubric_reasons": ["does not state that it uses ruff"],
    }
    failed = _score(query, _episode(answer="It uses ruff."), pristine, model_ws,
                    judge=_Judge("fail", "too short"))  # fmt: skip
    assert failed.reasons == ["the judge failed the answer: too short"]
    assert failed.judge is not None and failed.judge["rubric_passed"] is True
    silent = _score(query, episode, pristine, model_ws, judge=_Judge(None))
    assert silent.reasons == ["does not state that it uses ruff"]
    odd = _score(query, episode, pristine, model_ws, judge=_Judge("maybe"))
    assert odd.reasons == ["does not state that it uses ruff"]


# --------------------------------------------------------------------------- workspace checks


def test_state_is_not_checked_without_code(pristine: Path, model_ws: Path) -> None:
    query = _query(state=[StateCheck(check="ruff_clean")])
    score = _score(query, _episode(answer="fine"), pristine, model_ws)
    assert score.reasons == [
        "answered directly, but a tool call was expected",
        "workspace not checked: the model ran no code",
    ]
    assert score.state == []


def test_unchanged_and_changed(pristine: Path, model_ws: Path) -> None:
    suite = _suite(pristine)

    def check(kind: str, path: str | None) -> StateResult:
        return run_state_check(StateCheck(check=kind, path=path), pristine, model_ws, pristine,
                               suite)  # type: ignore[arg-type]  # fmt: skip

    assert check("unchanged", "pkg/calc.py") == StateResult(
        check="unchanged", path="pkg/calc.py", ok=True, detail="same"
    )
    assert check("changed", "pkg").ok is False
    assert check("unchanged", None).path == "."
    (model_ws / "pkg" / "extra.py").write_text("")  # a new file in a folder is a change
    assert check("unchanged", "pkg") == StateResult(
        check="unchanged", path="pkg", ok=False, detail="modified"
    )
    assert check("changed", ".").ok is True
    assert check("unchanged", "pkg/calc.py").ok is True
    (model_ws / "pkg" / "calc.py").write_text(CALC + "\n")
    assert check("changed", "pkg/calc.py") == StateResult(
        check="changed", path="pkg/calc.py", ok=True, detail="modified"
    )
    (model_ws / "made").mkdir()
    (model_ws / "made" / "x.py").write_text("")
    assert check("changed", "made").ok is True  # only the model's workspace has it
    (model_ws / "pkg" / "calc.py").unlink()
    assert check("unchanged", "pkg/calc.py").ok is False


def test_defines_check(pristine: Path, model_ws: Path) -> None:
    suite = _suite(pristine)
    found = run_state_check(StateCheck(check="defines", path="pkg/calc.py", name="add"),
                            pristine, model_ws, pristine, suite)  # fmt: skip
    assert found == StateResult(check="defines", path="pkg/calc.py", ok=True, detail="add defined")
    missing = run_state_check(StateCheck(check="defines", path="pkg/calc.py", name="sub"),
                              pristine, model_ws, pristine, suite)  # fmt: skip
    assert missing.detail == "sub not defined at top level" and missing.ok is False
    unnamed = run_state_check(StateCheck(check="defines", path="pkg/calc.py"),
                              pristine, model_ws, pristine, suite)  # fmt: skip
    assert unnamed.ok is False


def test_lint_and_type_checks_run_the_real_tools(pristine: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "pkg" / "bad.py").write_text("import os\n\n\ndef f() -> int:\n    return 'x'\n")
    suite = _suite(pristine)
    timer = scoring._Timer()

    def check(kind: str, path: str | None) -> StateResult:
        return run_state_check(StateCheck(check=kind, path=path), copy, copy, pristine, suite,
                               timer=timer)  # type: ignore[arg-type]  # fmt: skip

    assert check("ruff_clean", "pkg/calc.py") == StateResult(
        check="ruff_clean", path="pkg/calc.py", ok=True, detail="0 lint errors"
    )
    assert check("ruff_clean", "pkg/bad.py") == StateResult(
        check="ruff_clean", path="pkg/bad.py", ok=False, detail="1 lint errors"
    )
    assert check("typecheck_clean", "pkg/calc.py") == StateResult(
        check="typecheck_clean", path="pkg/calc.py", ok=True, detail="0 type errors"
    )
    assert check("typecheck_clean", None) == StateResult(
        check="typecheck_clean", path=".", ok=False, detail="1 type errors"
    )
    missing = check("ruff_clean", "gone.py")
    assert missing.ok is False and "does not exist" in missing.detail
    missing = check("typecheck_clean", "gone.py")
    assert missing.ok is False and "does not exist" in missing.detail
    assert timer.tool_s > 0.0


def test_pytest_pass_and_hidden_test(
    pristine: Path, tmp_path: Path, recorded: RecordedPytest
) -> None:
    """Pytest runs (recorded): the suite's tests (enough of them passing, or not), the hidden
    test written into the copy on code it cannot tell from the right one, and on wrong code."""
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    suite = _suite(pristine)

    def check(kind: str, path: str | None = None, name: str | None = None,
              min_passed: int = 0) -> StateResult:  # fmt: skip
        state = StateCheck(check=kind, path=path, name=name, min_passed=min_passed)  # type: ignore[arg-type]
        return run_state_check(state, copy, copy, pristine, suite)

    assert check("pytest_pass", "tests", min_passed=1) == StateResult(
        check="pytest_pass", path="tests", ok=True, detail="2/2 passed"
    )
    assert check("pytest_pass", "tests/test_calc.py", min_passed=2) == StateResult(
        check="pytest_pass", path="tests/test_calc.py", ok=False, detail="1/1 passed"
    )
    gone = check("pytest_pass", "nope")  # refused before pytest starts
    assert gone.ok is False and "does not exist" in gone.detail
    # pytest saw a canary test beside the tests: a file of its own in a folder, appended to a
    # file; nothing else of the copy changed, and the canary is gone afterwards.
    canary = "def test_zz_canary_{nonce8}():\n    assert False, '{nonce}'\n"
    (folder, in_folder), (file, in_file), (missing, as_is) = recorded.calls
    assert (folder, file, missing) == ("tests", "tests/test_calc.py", "nope")
    assert in_folder.pop("tests/test_zz_eval_canary.py") == canary
    assert in_folder == as_is and in_file != as_is
    assert in_file.pop("tests/test_calc.py") == TESTS + "\n\n" + canary
    del as_is["tests/test_calc.py"]
    assert in_file == as_is
    assert sorted(p.name for p in (copy / "tests").iterdir()) == [
        "__init__.py", "test_calc.py", "test_limits.py"
    ]  # fmt: skip
    assert (copy / "tests" / "test_calc.py").read_text() == TESTS
    # a test file and a hidden test that end in a name: the canary goes after, all of it kept
    assert check("pytest_pass", "tests/test_limits.py", min_passed=1) == StateResult(
        check="pytest_pass", path="tests/test_limits.py", ok=True, detail="1/1 passed"
    )
    assert check("hidden_test", name="max") == StateResult(
        check="hidden_test", path="max", ok=True, detail="hidden test max: 1/1 passed"
    )
    # a hidden test that only skips proves nothing
    assert check("hidden_test", name="skips") == StateResult(
        check="hidden_test", path="skips", ok=False, detail="hidden test skips: 0/1 passed"
    )
    (copy / "pkg" / "calc.py").write_text(CALC.replace("a + b", "a * b"))
    # 2 * 2 == 2 + 2: the hidden test cannot tell, and passes on the wrong code.
    assert check("hidden_test", name="adds") == StateResult(
        check="hidden_test", path="adds", ok=True, detail="hidden test adds: 1/1 passed"
    )
    assert not (copy / scoring.HIDDEN_TEST_FILE).exists()
    hidden = recorded.calls[-1][1][scoring.HIDDEN_TEST_FILE]
    assert hidden == HIDDEN + "\n\n" + canary
    (copy / "pkg" / "calc.py").write_text(CALC.replace("a + b", "a - b"))
    assert check("hidden_test", name="adds") == StateResult(
        check="hidden_test", path="adds", ok=False, detail="hidden test adds: 0/1 passed"
    )
    assert not (copy / scoring.HIDDEN_TEST_FILE).exists()


FLAT_GRADE = (
    "def grade(n: int) -> str:\n"
    "    return next((g for lim, g in ((90, 'a'), (80, 'b'), (70, 'c')) if n > lim), 'd')\n"
)
"""`grade` with complexity 1: the same answers as BRANCHY's, with no branch."""


def _simpler_check(
    copy: Path, pristine: Path, suite: Suite, query: Query, truth: Truth, source: str
) -> StateResult:
    """The `simpler` state check after the model's copy of pkg/grade.py became `source`."""
    (copy / "pkg" / "grade.py").write_text(source)
    return run_state_check(StateCheck(check="simpler"), copy, copy, pristine, suite, query, truth)


def test_simpler(pristine: Path, tmp_path: Path) -> None:
    improve = Improve(path="pkg/grade.py", function="grade")
    before = measure_complexity(BRANCHY, "grade")
    assert before is not None and before.complexity == 4
    truth = Truth(complexity={"pkg/grade.py::grade": before})
    query = _query(improve=improve)
    suite = _suite(pristine, query)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)

    def check(source: str, truth: Truth = truth) -> StateResult:
        return _simpler_check(copy, pristine, suite, query, truth, source)

    flat = FLAT_GRADE
    simpler = check(flat)
    assert simpler.ok is True and simpler.check == "simpler" and simpler.path == "pkg/grade.py"
    assert simpler.detail.startswith(f"grade: {before} before, complexity 1")
    assert check(BRANCHY).ok is False  # the same is not simpler
    # Same complexity and fewer statements is simpler; same statements or more complex is not.
    after = measure_complexity(flat, "grade")
    assert after is not None

    def was(complexity: int, statements: int) -> Truth:
        measured = Complexity(complexity=complexity, branches=0, statements=statements)
        return Truth(complexity={"pkg/grade.py::grade": measured})

    assert check(flat, was(after.complexity, after.statements + 1)).ok is True
    assert check(flat, was(after.complexity, after.statements)).ok is False
    assert check(flat, was(after.complexity - 1, after.statements + 5)).ok is False
    gone = check("def other(): ...\n")
    assert gone == StateResult(
        check="simpler", path="pkg/grade.py", ok=False, detail="could not measure after the change"
    )
    unmeasured = check(flat, Truth())
    assert unmeasured.detail == "could not measure before" and unmeasured.ok is False


def test_mutants_check(pristine: Path, tmp_path: Path, recorded: RecordedPytest) -> None:
    """The model's tests must pass on the good implementation and reject the bad ones."""
    spec = Mutants(
        module="pkg/ops.py",
        tests="tests/test_ops.py",
        good="def double(x):\n    return x * 2\n",
        bad=["def double(x):\n    return x + 2\n", "def double(x):\n    return x + 3\n"],
        min_killed=1,
    )
    query = _query(mutants=spec)
    suite = _suite(pristine, query)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "pkg" / "ops.py").write_text("# the model's own version\n")
    # x=2 cannot tell `x * 2` from `x + 2`; it does tell it from `x + 3`.
    (copy / "tests" / "test_ops.py").write_text(
        "from pkg.ops import double\n\n\ndef test_double():\n    assert double(2) == 4\n"
    )
    weak = run_state_check(StateCheck(check="mutants"), copy, copy, pristine, suite, query)
    assert weak == StateResult(
        check="mutants",
        path="tests/test_ops.py",
        ok=True,
        detail="the tests pass on the good implementation: yes (1/1 passed); they reject 1 of 2 "
        "known-bad implementations (need 1); mutants [1] survive",
    )
    assert (copy / "pkg" / "ops.py").read_text() == "# the model's own version\n"
    (copy / "tests" / "test_ops.py").unlink()
    (copy / "pkg" / "ops.py").unlink()
    none = run_state_check(StateCheck(check="mutants"), copy, copy, pristine, suite, query)
    assert none == StateResult(
        check="mutants", path="tests/test_ops.py", ok=False, detail="no test file"
    )
    assert not (copy / "pkg" / "ops.py").exists()


def test_mutants_check_needs_tests_that_pass_on_the_good_one(
    pristine: Path, tmp_path: Path, recorded: RecordedPytest
) -> None:
    spec = Mutants(
        module="pkg/calc.py",
        tests="tests/test_ops.py",
        good="def double(x):\n    return x * 2\n",
        bad=["def double(x):\n    return x + 3\n"],
        min_killed=1,
    )
    query = _query(mutants=spec)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "tests" / "test_ops.py").write_text(
        "from pkg.calc import add, double\n\n\ndef test_double():\n    assert double(3) == 7\n"
    )
    result = run_state_check(StateCheck(check="mutants"), copy, copy, pristine,
                             _suite(pristine, query), query)  # fmt: skip
    assert result.ok is False
    assert result.detail == (
        "the tests pass on the good implementation: no (0/1 passed); they reject 1 of 1 "
        "known-bad implementations (need 1)"
    )
    # The pristine module plus the implementation was tested; the model's file is restored.
    assert (copy / "pkg" / "calc.py").read_text() == CALC


def test_scorer_copy_takes_only_the_targets(pristine: Path, model_ws: Path) -> None:
    (model_ws / "pkg" / "calc.py").write_text(CALC + "\n\ndef sub(a: int, b: int) -> int:\n"
                                              "    return a - b  # type: ignore\n")  # fmt: skip
    (model_ws / "pkg" / "grade.py").write_text("def sub(): ...\n")  # not a target
    query = _query(
        targets=["pkg/calc.py", "pkg/missing.py", "pkg/new/deep.py"],
        state=[
            StateCheck(check="defines", path="pkg/calc.py", name="sub"),
            StateCheck(check="defines", path="pkg/grade.py", name="sub"),
            StateCheck(check="defines", path="pkg/new/deep.py", name="f"),
        ],
    )
    (model_ws / "pkg" / "new").mkdir()
    (model_ws / "pkg" / "new" / "deep.py").write_text("def f(): ...\n")
    episode = _episode(_code_turn(0, _call("write_file", path="pkg/calc.py", content="...")))
    score = _score(query, episode, pristine, model_ws)
    assert [(s.path, s.ok) for s in score.state] == [
        ("pkg/calc.py", True),
        ("pkg/grade.py", False),
        ("pkg/new/deep.py", True),
    ]
    assert score.reasons == [
        "added suppressions to pkg/calc.py: # type: ignore",
        "workspace check defines(pkg/grade.py) failed: sub not defined at top level",
    ]
    assert (pristine / "pkg" / "calc.py").read_text() == CALC  # the pristine copy is untouched


def test_every_check_runs_on_a_fresh_copy_with_the_targets(
    pristine: Path, model_ws: Path, recorded: RecordedPytest
) -> None:
    """A whole episode's workspace checks: the copy holds the pristine fixture plus the targets
    (one in a new nested folder); checks see the model's workspace, the pristine fixture, the
    suite's hidden tests, the query's refactor target and the truth measured before."""
    flat = (
        "def grade(n: int) -> str:\n"
        "    return next((g for lim, g in ((90, 'a'), (80, 'b'), (70, 'c')) if n > lim), 'd')\n"
    )
    (model_ws / "pkg" / "grade.py").write_text(flat)
    (model_ws / "pkg" / "calc.py").write_text(CALC + "x = 1  # type: ignore  # noqa\n")
    (model_ws / "pkg" / "new" / "deeper").mkdir(parents=True)
    (model_ws / "pkg" / "new" / "deeper" / "deep.py").write_text("def f(): ...\n")
    before = measure_complexity(BRANCHY, "grade")
    assert before is not None
    query = _query(
        targets=["pkg/calc.py", "pkg/grade.py", "pkg/new/deeper/deep.py"],
        improve=Improve(path="pkg/grade.py", function="grade"),
        state=[
            StateCheck(check="unchanged", path="tests"),
            StateCheck(check="changed", path="pkg/grade.py"),
            StateCheck(check="defines", path="tests/test_calc.py", name="test_add"),
            StateCheck(check="defines", path="pkg/new/deeper/deep.py", name="f"),
            StateCheck(check="simpler"),
            StateCheck(check="hidden_test", name="adds"),
        ],
    )
    episode = _episode(_code_turn(0, _call("write_file", path="pkg/grade.py", content=flat)))
    truth = Truth(complexity={"pkg/grade.py::grade": before})
    score = _score(query, episode, pristine, model_ws, truth)
    assert [(s.check, s.ok) for s in score.state] == [
        ("unchanged", True),
        ("changed", True),
        ("defines", True),  # the pristine test file is in the copy
        ("defines", True),
        ("simpler", True),
        ("hidden_test", True),
    ]
    assert score.reasons == [
        "added suppressions to pkg/calc.py: # type: ignore, # noqa",
    ]
    assert score.scoring_tool_s > 0.0
    assert score.scoring_s >= score.scoring_tool_s


@pytest.mark.real_tools
def test_recorded_pytest_runs_match_the_real_pytest(tmp_path: Path) -> None:
    """Every recorded run of the scorer's pytest checks, rebuilt and run by the real pytest_run
    (confined, with the project interpreter): the replay above answers what pytest says."""
    runs = recorded_pytest.load()
    assert len(runs) >= 8
    for number, run in enumerate(runs):
        kept, live = recorded_pytest.replay_live(run, tmp_path / str(number), "0123abcd" * 4)
        assert live == kept, f"recording {number} ({run['path']}) is stale: PUNIE_RECORD=1"


# --------------------------------------------------------------------------- the scorer's copy


def test_no_link_path(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "f.py").write_text("")
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert scoring._no_link_path(tmp_path, "a/b/f.py") == tmp_path / "a" / "b" / "f.py"
    assert scoring._no_link_path(tmp_path, Path("a/b")) == tmp_path / "a" / "b"
    assert scoring._no_link_path(tmp_path, "a/new.py") == tmp_path / "a" / "new.py"  # missing
    assert scoring._no_link_path(tmp_path, "") == tmp_path
    for bad in ("link", "link/b/f.py", "a/../a/b", "/etc/passwd", "a/b/.."):
        assert scoring._no_link_path(tmp_path, bad) is None, bad


def test_tree_state_sees_every_change_and_follows_no_link(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("a = 1\n")
    (root / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret").write_text("s")
    (root / "out").symlink_to(outside)
    state = scoring._tree_state(root)
    names = [entry[0] for entry in state]
    assert names == ["out", "pkg", "pkg/__pycache__", "pkg/__pycache__/a.pyc", "pkg/a.py"]
    st = os.lstat(root / "pkg" / "a.py")
    assert state[-1] == ("pkg/a.py", st.st_mode, 6, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    assert stat.S_ISLNK(state[0][1])
    assert scoring._tree_state(root) == state
    assert scoring._tree_state(tmp_path / "gone") == ()
    changes = [
        lambda: (root / "pkg" / "a.py").write_text("a = 2\n"),  # same size
        lambda: os.chmod(root / "pkg" / "a.py", 0o600),
        lambda: (root / "pkg" / "__pycache__" / "b.pyc").write_bytes(b""),
        lambda: (root / "pkg" / "a.py").rename(root / "pkg" / "b.py"),
        lambda: (root / "new").mkdir(),
    ]
    for change in changes:
        before = scoring._tree_state(root)
        time.sleep(0.01)
        change()
        assert scoring._tree_state(root) != before


def test_copy_rebuilds_from_pristine_and_targets(pristine: Path, tmp_path: Path) -> None:
    path = tmp_path / "copy"
    path.mkdir()
    (path / "left_over.py").write_text("")
    targets = {"pkg/calc.py": b"# target\n", "pkg/new/deep.py": b"def f(): ...\n"}
    copy = scoring._Copy(path, pristine, targets)
    assert copy.path == path and copy.pristine == pristine and copy.targets == targets
    made = os.stat(path / "pkg" / "calc.py").st_mtime_ns
    time.sleep(0.02)
    copy.clean()  # nothing changed since it was made: no rebuild
    assert os.stat(path / "pkg" / "calc.py").st_mtime_ns == made
    assert not (path / "left_over.py").exists()
    assert (path / "pkg" / "calc.py").read_bytes() == b"# target\n"
    assert (path / "pkg" / "new" / "deep.py").read_bytes() == b"def f(): ...\n"
    assert (path / "tests" / "test_calc.py").read_text() == TESTS
    assert copy.clean() == path
    # a copy the scorer just rebuilt is not rebuilt again (the files keep their times)
    (path / "stray").write_text("")
    copy.clean()
    built = os.stat(path / "pkg" / "calc.py").st_mtime_ns
    time.sleep(0.02)
    copy.clean()
    assert os.stat(path / "pkg" / "calc.py").st_mtime_ns == built
    # what the code under test leaves behind is gone at the next clean()
    (path / "tests" / "conftest.py").write_text("raise SystemExit\n")
    (path / "pkg" / "calc.py").write_text("changed")
    os.chmod(path / "pkg" / "grade.py", 0o600)
    assert copy.clean() == path
    assert not (path / "tests" / "conftest.py").exists()
    assert (path / "pkg" / "calc.py").read_bytes() == b"# target\n"
    assert stat.S_IMODE(os.stat(path / "pkg" / "grade.py").st_mode) != 0o600
    # the scorer's own writes and removals stay until something else changes the copy
    copy.write("tests/deep/er/test_new.py", "def test(): ...\n")
    copy.remove("tests/test_calc.py")
    copy.remove("tests/never_there.py")
    assert copy.clean() == path
    assert (path / "tests" / "deep" / "er" / "test_new.py").read_text() == "def test(): ...\n"
    assert not (path / "tests" / "test_calc.py").exists()
    (path / "stray").write_text("")
    copy.clean()
    assert not (path / "tests" / "deep").exists() and (path / "tests" / "test_calc.py").exists()
    assert (pristine / "tests" / "test_calc.py").read_text() == TESTS  # pristine untouched


def test_copy_without_pristine_is_never_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text("x = 1\n")
    copy = scoring._Copy(tmp_path)
    assert copy.pristine is None and copy.targets == {}
    (tmp_path / "conftest.py").write_text("")
    assert copy.clean() == tmp_path
    assert (tmp_path / "conftest.py").exists() and (tmp_path / "mine.py").exists()
    copy.write("a/b.py", "b = 1\n")
    assert (tmp_path / "a" / "b.py").read_text(encoding="utf-8") == "b = 1\n"
    copy.remove("mine.py")
    assert not (tmp_path / "mine.py").exists()


def test_canary_is_a_failing_test_named_after_the_nonce() -> None:
    text = scoring._canary("0123456789abcdef" * 2)
    assert text == (
        "\n\ndef test_zz_canary_01234567():\n    assert False, '0123456789abcdef0123456789abcdef'\n"
    )


def _failure(test_id: str, message: str = "m") -> TestFailure:
    return TestFailure(test_id=test_id, message=message)


NONCE = "feedc0de" * 4
CANARY = _failure(f"tests/test_x.py::test_zz_canary_{NONCE[:8]}", f"AssertionError: {NONCE}")


def _result(*failures: TestFailure, passed: int = 1, errors: int = 0, **extra: Any) -> TestResult:
    return TestResult(
        success=False, passed=passed, failed=len(failures), skipped=1,
        total=passed + len(failures) + 1, failures=list(failures), error_count=errors, **extra
    )  # fmt: skip


def test_with_canary_takes_the_canary_out() -> None:
    other = _failure("tests/test_x.py::test_real")
    clean, why = scoring._with_canary(_result(CANARY), NONCE)
    assert why is None
    assert (clean.success, clean.passed, clean.failed, clean.total, clean.failures) == (
        True, 1, 0, 2, []
    )  # fmt: skip
    assert clean.skipped == 1
    kept, why = scoring._with_canary(_result(other, CANARY, passed=2), NONCE)
    assert why is None
    assert (kept.success, kept.failed, kept.total, kept.failures) == (False, 1, 4, [other])
    errored, _ = scoring._with_canary(_result(CANARY, errors=1), NONCE)
    assert errored.success is False and errored.error_count == 1
    alone, _ = scoring._with_canary(_result(CANARY, passed=0), NONCE)
    assert (alone.total, alone.success) == (1, True)  # as punie-tools' parser counts it
    only, _ = scoring._with_canary(
        TestResult(success=False, passed=0, failed=1, skipped=0, total=1, failures=[CANARY]),
        NONCE,
    )
    assert (only.total, only.success) == (0, False)


def test_with_canary_catches_a_changed_report() -> None:
    forged = "pytest's report was changed by the code under test"
    wrong_message = _failure(CANARY.test_id, "AssertionError: 0000")
    other_nonce = _failure("tests/test_x.py::test_zz_canary_00000000", f"AssertionError: {NONCE}")
    prefixed = _failure(f"tests/test_x.py::xtest_zz_canary_{NONCE[:8]}", NONCE)
    for result in (
        _result(),  # reported as passed (or left out)
        _result(wrong_message),
        _result(other_nonce),
        _result(prefixed),
        _result(CANARY, CANARY),
    ):
        same, why = scoring._with_canary(result, NONCE)
        assert same is result
        assert why is not None and why.startswith(forged), why
    crashed = _result(tool_error="pytest crashed")
    assert scoring._with_canary(crashed, NONCE) == (crashed, None)
    # the canary alone in a file without a class or module part still counts
    bare = _failure(f"test_zz_canary_{NONCE[:8]}", NONCE)
    assert scoring._with_canary(_result(bare), NONCE)[1] is None
    # the last part of the id names the test (a class and a file before it do not matter)
    in_class = _failure(f"tests/test_x.py::TestA::test_zz_canary_{NONCE[:8]}", NONCE)
    taken, why = scoring._with_canary(_result(in_class), NONCE)
    assert why is None and taken.failures == []


def test_a_report_the_tests_changed_is_not_trusted(
    pristine: Path, tmp_path: Path, recorded: RecordedPytest
) -> None:
    """A conftest that reports every test as passed (the canary included) fails the check, for
    the suite's tests and for the hidden test alike."""
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "tests" / "conftest.py").write_text(
        "import pytest\n\n\n@pytest.hookimpl(hookwrapper=True)\n"
        "def pytest_runtest_makereport(item, call):\n"
        "    outcome = yield\n    outcome.get_result().outcome = 'passed'\n"
    )
    (copy / "pkg" / "calc.py").write_text(CALC.replace("a + b", "a - b"))
    suite = _suite(pristine)
    forged = (
        "pytest's report was changed by the code under test (the scorer's canary test, which "
        "must fail, was reported as passed or missing)"
    )
    tests = run_state_check(StateCheck(check="pytest_pass", path="tests"), copy, copy, pristine,
                            suite)  # fmt: skip
    assert tests == StateResult(check="pytest_pass", path="tests", ok=False, detail=forged)
    hidden = run_state_check(StateCheck(check="hidden_test", name="adds"), copy, copy, pristine,
                             suite)  # fmt: skip
    assert hidden == StateResult(check="hidden_test", path="adds", ok=False, detail=forged)
    assert not (copy / scoring.HIDDEN_TEST_FILE).exists()


def test_unchanged_reads_nothing_it_should_not(pristine: Path, model_ws: Path) -> None:
    def unchanged(path: str) -> bool:
        return scoring._unchanged(model_ws, pristine, path)

    assert unchanged("pkg") and unchanged("pkg/calc.py") and unchanged(".")
    assert unchanged("never/there.py")  # absent in both
    (model_ws / "pkg" / "calc.py").write_text(CALC.replace("+", "-"))  # same size
    assert not unchanged("pkg/calc.py") and not unchanged("pkg") and unchanged("tests")
    (model_ws / "pkg" / "calc.py").write_text(CALC)
    (model_ws / "tests" / "test_calc.py").unlink()
    (model_ws / "tests" / "test_calc.py").symlink_to(pristine / "tests" / "test_calc.py")
    assert not unchanged("tests") and not unchanged("tests/test_calc.py")
    (model_ws / "tests" / "test_calc.py").unlink()
    os.mkfifo(model_ws / "tests" / "test_calc.py")
    assert not unchanged("tests/test_calc.py") and not unchanged("tests")
    (model_ws / "tests" / "test_calc.py").unlink()
    (model_ws / "tests" / "test_calc.py").mkdir()
    assert not unchanged("tests/test_calc.py")
    shutil.rmtree(model_ws / "tests")
    (model_ws / "tests").write_text("")
    assert not unchanged("tests")
    (model_ws / "tests").unlink()
    (model_ws / "tests").symlink_to(pristine / "tests")
    assert not unchanged("tests")  # the same files, through a link
    (model_ws / "made").write_text("")
    assert not unchanged("made")  # only in the model's workspace
    # a link the fixture holds but leads nowhere is no reason to stop comparing
    (pristine / "pkg" / "a_dangling").symlink_to(pristine / "nowhere")
    try:
        assert unchanged("pkg")  # nothing to compare it with on either side
        (model_ws / "pkg" / "calc.py").write_text(CALC.replace("+", "-"))
        assert not unchanged("pkg")
    finally:
        (pristine / "pkg" / "a_dangling").unlink()
    (model_ws / "pkg" / "calc.py").write_text(CALC)
    # a package folder replaced by a file
    shutil.rmtree(model_ws / "pkg")
    (model_ws / "pkg").write_text(CALC)
    assert not unchanged("pkg/calc.py")
    # a folder is compared by the files in it: an empty one of the fixture, gone from the
    # model's workspace, lost nothing (copies of the fixture hold no empty folder either)
    (pristine / "empty").mkdir()
    try:
        assert unchanged("empty")
    finally:
        (pristine / "empty").rmdir()


def test_target_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_bytes(b"a = 1\n")
    assert scoring._target_bytes(tmp_path, "pkg/a.py") == (b"a = 1\n", None)
    assert scoring._target_bytes(tmp_path, "pkg/b.py") == (None, None)  # not written: fine
    (tmp_path / "pkg" / "link.py").symlink_to(tmp_path / "pkg" / "a.py")
    assert scoring._target_bytes(tmp_path, "pkg/link.py") == (
        None, "pkg/link.py is (or is under) a symlink; it was not taken"
    )  # fmt: skip
    (tmp_path / "pkg" / "dir.py").mkdir()
    assert scoring._target_bytes(tmp_path, "pkg/dir.py") == (
        None, "pkg/dir.py is not a regular file; it was not taken"
    )  # fmt: skip
    monkeypatch.setattr(scoring, "MAX_TARGET_BYTES", 6)
    assert scoring._target_bytes(tmp_path, "pkg/a.py") == (b"a = 1\n", None)  # at the limit
    (tmp_path / "pkg" / "a.py").write_bytes(b"a = 12\n")
    assert scoring._target_bytes(tmp_path, "pkg/a.py") == (
        None, "pkg/a.py is 7 bytes, over 6; it was not taken"
    )  # fmt: skip
    (tmp_path / "file").write_text("")
    none, why = scoring._target_bytes(tmp_path, "file/a.py")  # a file where a folder should be
    assert none is None and why == "file/a.py could not be read (Not a directory)"


DOUBLE = "def double(x):\n    return x * 2\n"
PLUS_TWO = "def double(x):\n    return x + 2\n"
PLUS_THREE = "def double(x):\n    return x + 3\n"


@pytest.mark.parametrize(
    ("tests", "bad", "need", "ok", "detail"),
    [
        (  # tests that tell every bad one apart: all killed, none survives
            "def test_double():\n    assert double(2) == 4\n    assert double(3) == 6\n",
            [PLUS_TWO, PLUS_THREE],
            2,
            True,
            "yes (1/1 passed); they reject 2 of 2 known-bad implementations (need 2)",
        ),
        (  # one of the model's tests fails on the good implementation
            "def test_double():\n    assert double(2) == 4\n\n\n"
            "def test_wrong():\n    assert double(3) == 7\n",
            [PLUS_THREE],
            1,
            False,
            "no (1/2 passed); they reject 1 of 1 known-bad implementations (need 1)",
        ),
        (  # tests that are all skipped pass on anything and test nothing
            "import pytest\n\n\n@pytest.mark.skip\ndef test_double():\n    assert double(2) == 4\n",
            [PLUS_THREE],
            1,
            False,
            "no (0/1 passed); they reject 0 of 1 known-bad implementations (need 1); "
            "mutants [1] survive",
        ),
    ],
    ids=["all-killed", "fails-on-good", "all-skipped"],
)
def test_mutants_check_counts_what_the_tests_tell_apart(
    pristine: Path, tmp_path: Path, recorded: RecordedPytest,
    tests: str, bad: list[str], need: int, ok: bool, detail: str,
) -> None:  # fmt: skip
    spec = Mutants(module="pkg/ops.py", tests="tests/test_ops.py", good=DOUBLE, bad=bad,
                   min_killed=need)  # fmt: skip
    query = _query(mutants=spec)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "tests" / "test_ops.py").write_text("from pkg.ops import double\n\n\n" + tests)
    result = run_state_check(StateCheck(check="mutants"), copy, copy, pristine,
                             _suite(pristine, query), query)  # fmt: skip
    assert result == StateResult(
        check="mutants", path="tests/test_ops.py", ok=ok,
        detail="the tests pass on the good implementation: " + detail,
    )  # fmt: skip
    # the good one, then each bad one, appended to the pristine module (here: none)
    seen = [files["pkg/ops.py"] for _, files in recorded.calls]
    assert seen == ["\n\n" + DOUBLE, *("\n\n" + b for b in bad)]
    assert not (copy / "pkg" / "ops.py").exists()


def test_mutants_check_keeps_code_that_ends_in_a_name(
    pristine: Path, tmp_path: Path, recorded: RecordedPytest
) -> None:
    """The pristine module, the good and the bad implementation all end in `MAX`: each is
    written whole (a stripped character would break the import or the call)."""
    spec = Mutants(
        module="pkg/limits.py", tests="tests/test_capped.py",
        good="def capped(x):\n    return x if x < MAX else MAX",
        bad=["def capped(x):\n    return x if x <= MAX else MAX"],  # only differs at MAX
        min_killed=1,
    )  # fmt: skip
    query = _query(mutants=spec)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)
    (copy / "tests" / "test_capped.py").write_text(
        "from pkg.limits import capped\n\n\ndef test_capped():\n"
        "    assert capped(3) == 3\n    assert capped(99) == 10\n"
    )
    result = run_state_check(StateCheck(check="mutants"), copy, copy, pristine,
                             _suite(pristine, query), query)  # fmt: skip
    assert result.detail == (
        "the tests pass on the good implementation: yes (1/1 passed); they reject 0 of 1 "
        "known-bad implementations (need 1); mutants [1] survive"
    )
    assert result.ok is False
    assert (copy / "pkg" / "limits.py").read_text() == LIMITS


def test_simpler_measures_the_functions_the_change_added(tmp_path: Path) -> None:
    """Real ruff measures: a helper the change added must be simpler than the target was; a
    function the fixture already had is not judged."""
    keep = BRANCHY.replace("def grade(", "def keep(")
    pristine = tmp_path / "pristine"
    (pristine / "pkg").mkdir(parents=True)
    (pristine / "pkg" / "grade.py").write_text(BRANCHY + "\n\n" + keep)
    before = measure_complexity(BRANCHY, "grade")
    assert before is not None
    truth = Truth(complexity={"pkg/grade.py::grade": before})
    query = _query(improve=Improve(path="pkg/grade.py", function="grade"))
    suite = _suite(pristine, query)
    copy = tmp_path / "copy"
    shutil.copytree(pristine, copy)

    def check(source: str) -> StateResult:
        return _simpler_check(copy, pristine, suite, query, truth, source)

    flat = FLAT_GRADE
    kept = check(flat + "\n\n" + keep)  # `keep` is as complex as before: it was there
    assert kept.ok is True and "added" not in kept.detail
    moved = "def grade(n: int) -> str:\n    return _b(n) or _a(n)\n\n\n" + keep.replace(
        "def keep(", "def _b("
    ) + "\n\n" + BRANCHY.replace("def grade(", "def _a(")  # fmt: skip
    hidden = check(moved)
    helper = measure_complexity(BRANCHY, "grade")
    assert hidden.ok is False and hidden.detail.startswith(f"grade: {before} before, ")
    assert hidden.detail.endswith(
        f"; as complex as before in the added _a ({helper}), _b ({helper})"
    )
    small = check("def grade(n: int) -> str:\n    return _pick(n)\n\n\n" + flat.replace(
        "def grade(", "def _pick("
    ))  # fmt: skip
    assert small.ok is True and "added" not in small.detail
    broken = check("def grade(:\n")
    assert broken.detail == "could not measure after the change" and broken.ok is False


def test_checks_that_need_the_query_say_so(pristine: Path, tmp_path: Path) -> None:
    suite = _suite(pristine)
    query = _query(improve=Improve(path="pkg/grade.py", function="grade"))
    for check, given in (("simpler", (query, None)), ("simpler", (None, Truth())),
                         ("mutants", (None, Truth()))):  # fmt: skip
        with pytest.raises(AssertionError):
            run_state_check(StateCheck(check=check), pristine, pristine, pristine, suite, *given)  # type: ignore[arg-type]
    # a defines check without a name finds no name, whatever the file defines
    (tmp_path / "any.py").write_text("def XXXX(): ...\n\n\ndef _(): ...\n")
    unnamed = run_state_check(StateCheck(check="defines", path="any.py"), tmp_path, tmp_path,
                              pristine, suite)  # fmt: skip
    assert unnamed.ok is False
