"""Each rule of `punie_eval.facts`, checked on probes written out here (no tool run).

tests/test_facts.py checks answers against the truth the real tools measure on the suite's
fixture (seconds to set up); these pin down every rule and every reason text on small probes
shaped like the ones `punie_eval.truth` makes, so mutation testing can judge each line quickly.
"""

from __future__ import annotations

import pytest

from punie_eval import facts
from punie_eval.facts import FactResult, check_answer, files_named, hallucinated_files
from punie_eval.suite import AnswerCheck
from punie_eval.truth import Probe

# Mutants mutmut makes of facts.py that cannot change behaviour (see tests/mutation/).
EQUIVALENT_MUTANTS: dict[str, tuple[str, str]] = {
    "punie_eval.facts.x__failing_fact__mutmut_23": (
        r'passing = re.search(r"\bPASS(?:ES|ED|ING)?\b|\bGREEN\b|\bFINE\b", clause, re.I)',
        "the search ignores case (re.I): upper-case words match the same clauses",
    ),
    "punie_eval.facts.x__clears__mutmut_10": (
        r'if _CLEAN.search(clause) or re.search(r"\bPASS(?:ES|ED|ING)?\b|\bFINE\b", clause, re.I):',
        "the search ignores case (re.I): upper-case words match the same clauses",
    ),
    "punie_eval.facts.x__clears__mutmut_27": (
        r're.search(r"\b(?:NO|NONE|NOTHING|ZERO|0)\b", clause, re.I)',
        "the search ignores case (re.I): upper-case words match the same clauses",
    ),
    "punie_eval.facts.x_check_answer__mutmut_50": (
        "found = [_codes_fact(answer, probe, required=None)]",
        "`required` is only tested for truth: None acts as False",
    ),
    "punie_eval.facts.x__count_facts__mutmut_10": (
        "file = _scope_file(clause, None)",
        "_scope_file does not read its probe argument",
    ),
    "punie_eval.facts.x__count_facts__mutmut_45": (
        "elif value >= probe.total or (file is not None and value != expected) or value == 0:",
        "value == total reaches this branch only with a file and value != expected: wrong anyway",
    ),
}


def _probe(check: AnswerCheck, **fields: object) -> Probe:
    return Probe(key=check.key, tool=check.tool, path=check.path, **fields)  # type: ignore[arg-type]


TYPES = AnswerCheck(tool="typecheck", path="src", facts=["count", "files", "lines"])
TYPES_PROBE = _probe(
    TYPES,
    total=3,
    by_file={"src/app/config.py": 2, "src/app/tools.py": 1},
    lines={"src/app/config.py": [26, 40], "src/app/tools.py": [32]},
)
LINT = AnswerCheck(tool="ruff_check", path="src", facts=["count", "codes"])
LINT_PROBE = _probe(LINT, total=2, by_file={"src/a.py": 2}, codes={"F401": 1, "E711": 1})
UNUSED = AnswerCheck(tool="ruff_check", path="src", select=["F401"], facts=["count", "names"])
UNUSED_PROBE = _probe(UNUSED, total=2, by_file={"src/a.py": 2}, names=["os", "sys"])
TESTS = AnswerCheck(tool="pytest_run", path="tests", facts=["counts", "failing", "verdict"])
TESTS_PROBE = _probe(TESTS, total=1, passed=11, failed=1, failing=["test_limit"])
GREEN = AnswerCheck(tool="pytest_run", path="tests/test_ok.py", facts=["counts", "verdict"])
GREEN_PROBE = _probe(GREEN, total=0, passed=4, failed=0)
DEFINES = AnswerCheck(tool="defines", path="src/app/api.py", facts=["names"], min_names=2)
DEFINES_PROBE = _probe(DEFINES, names=["create", "delete", "update", "create"])
CLEAN = AnswerCheck(tool="ruff_check", path="src/ok.py", facts=["count"])
CLEAN_PROBE = _probe(CLEAN, total=0)
PROBES = {
    p.key: p
    for p in (
        TYPES_PROBE, LINT_PROBE, UNUSED_PROBE, TESTS_PROBE, GREEN_PROBE, DEFINES_PROBE,
        CLEAN_PROBE,
    )
}  # fmt: skip


def _one(answer: str, check: AnswerCheck, seen: str | None = None) -> FactResult:
    results = check_answer(answer, [check], PROBES, seen)
    assert len(results) == 1, results
    return results[0]


def _fails(answer: str, check: AnswerCheck, seen: str | None = None) -> list[str]:
    return [
        f"{r.fact}: {r.detail}" for r in check_answer(answer, [check], PROBES, seen) if not r.ok
    ]


# --------------------------------------------------------------------------- numbers and files


def test_parse_number() -> None:
    assert facts.parse_number(" 12 ") == 12
    assert facts.parse_number("Three") == 3
    assert facts.parse_number("a single") == 1
    assert facts.parse_number("none") == 0
    assert facts.parse_number("twenty") == 20
    for word, value in facts._WORDS.items():
        assert facts.parse_number(word) == value
    with pytest.raises(KeyError):
        facts.parse_number("many")


def test_files_named_and_invented() -> None:
    assert files_named("a.py, src/b.py and `c-d/e_f.py`; not x.pyc nor dir/ nor .py") == [
        "a.py",
        "src/b.py",
        "c-d/e_f.py",
    ]
    assert files_named("see path/to/x.py:12") == ["path/to/x.py"]
    known = {"src/app/config.py", "tests/test_x.py"}
    assert hallucinated_files("config.py, app/config.py, src/app/config.py", known) == []
    assert hallucinated_files("z.py, other/config.py, y.py, z.py, pp/config.py", known) == [
        "other/config.py",
        "pp/config.py",
        "y.py",
        "z.py",
    ]
    assert facts._same_file("config.py", "src/app/config.py")
    assert not facts._same_file("onfig.py", "src/app/config.py")
    assert facts._same_file("app/config.py", "src/app/config.py")
    assert not facts._same_file("src/config.py", "src/app/config.py")


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("answer", "claimed", "detail"),
    [
        ("ty found 3 type errors.", "3", ""),
        ("Three type errors in total.", "3", ""),
        ("type errors: 3", "3", ""),
        ("Type error count 3.", "3", ""),
        ("3 type errors. config.py has 2 errors. tools.py has 1 error.", "3, 2 in config.py, 1 in tools.py", ""),
        ("config.py has 2 type errors and the total is 3 errors.", "2 in config.py, 3 in config.py", "says 3 in config.py"),
        ("ty found 5 type errors.", "5", "says 5"),
        ("No type errors.", "0, 'No type errors'", "says 0; says 'No type errors'"),
        ("The package is clean.", "'is clean'", "says 'is clean'"),
        ("3 type errors; tools.py is clean.", "3, 'is clean' about tools.py", "says 'is clean' about tools.py"),
        ("3 type errors; the package is not clean.", "3", ""),
        ("There are not 5 type errors but 3 type errors.", "3", ""),
        ("config.py has 1 type error.", "1 in config.py", "says 1 in config.py"),
        ("config.py has 2 type errors.", "2 in config.py", "the total is not stated"),
        ("I looked at it.", "-", "the total is not stated"),
        ("There are 2 errors.", "2", "the total is not stated"),
        ("3 lint errors.", "-", "the total is not stated"),
        ("about 3 type errors.", "3", "hedges the count (3)"),
        ("type errors: 3 or more", "3", "hedges the count (3)"),
        ("not 5 type errors, in the end 3 type errors", "3", ""),
        ("Plus, 3 type errors.", "3", ""),  # "plus" before a count is no hedge
        ("Plus, type errors: 3", "3", ""),
    ],
)  # fmt: skip
def test_type_error_counts(answer: str, claimed: str, detail: str) -> None:
    check = AnswerCheck(tool="typecheck", path="src", facts=["count"])
    result = _one(answer, check)
    assert result.fact == "typecheck(src) count"
    assert result.expected == "3"
    assert (result.claimed, result.detail) == (claimed, detail)
    assert result.ok is (detail == "")


def test_counts_of_a_clean_probe() -> None:
    assert _one("src/ok.py is clean.", CLEAN).ok
    assert _one("No violations.", CLEAN).ok
    assert _one("Nothing to say.", CLEAN).ok  # no claim is no wrong claim for a clean file
    wrong = _one("2 violations.", CLEAN)
    assert (wrong.ok, wrong.detail, wrong.expected) == (False, "says 2", "0")
    both = _one("No violations; 1 finding.", CLEAN)
    assert (both.ok, both.detail) == (False, "says 1")


def test_counts_use_the_tools_nouns() -> None:
    # ruff's nouns exclude type errors; unused-import checks count imports.
    assert _one("2 violations in src/a.py.", LINT.model_copy(update={"facts": ["count"]})).ok
    lint_only = LINT.model_copy(update={"facts": ["count"]})
    assert _one("2 type errors.", lint_only).detail == "the total is not stated"
    unused = UNUSED.model_copy(update={"facts": ["count"]})
    assert _one("2 unused imports.", unused).ok
    assert _one("Unused imports: 2", unused).ok
    assert _one("2 test failures.", unused).detail == "the total is not stated"
    assert facts._nouns(TYPES) is facts._TYPE_NOUNS
    assert facts._nouns(UNUSED) is facts._IMPORT_NOUNS
    assert facts._nouns(LINT) is facts._RUFF_NOUNS


def test_claims_before_and_after_the_noun() -> None:
    nouns = facts._TYPE_NOUNS
    claims = nouns.claims("3 type errors and errors: 4 and 2 diagnostics")
    assert [c[:2] for c in claims] == [(3, 0), (2, 32), (4, 18)]  # (value, position, ...)
    assert nouns.claims("v1.3 errors or x/3 errors") == []


# --------------------------------------------------------------------------- files, codes, lines


def test_files_fact() -> None:
    named = "src/app/config.py (2) and tools.py (1)"
    ok = _one(named, TYPES.model_copy(update={"facts": ["files"]}))
    assert ok == FactResult(
        fact="typecheck(src) files",
        expected="src/app/config.py, src/app/tools.py",
        claimed="src/app/config.py, tools.py",
        ok=True,
    )
    files = TYPES.model_copy(update={"facts": ["files"]})
    missing = _one("config.py and config.py.", files)
    assert (missing.ok, missing.claimed, missing.detail) == (
        False, "config.py", "does not name src/app/tools.py",
    )  # fmt: skip
    assert _one("nothing", files).claimed == "-"
    unseen = _one(named, files, seen="src/app/config.py: 2 errors")
    assert unseen.detail == "names src/app/tools.py, which no tool output in the episode showed"
    assert unseen.ok is False
    assert _one(named, files, seen="CONFIG.PY 2\ntools.py 1").ok  # base names, any case
    both = _one("config.py", files, seen="")
    assert both.detail == "does not name src/app/tools.py"
    empty = _probe(files, total=0)
    result = check_answer("fine", [files], {files.key: empty})[0]
    assert (result.expected, result.ok) == ("-", True)


def test_codes_fact() -> None:
    codes = LINT.model_copy(update={"facts": ["codes"]})
    ok = _one("F401 and E711, F401 again", codes)
    assert (ok.ok, ok.claimed, ok.expected, ok.detail) == (True, "F401, E711", "E711, F401", "")
    bad = _one("F401 and E999 and XY1234", codes)
    assert bad.ok is False
    assert bad.detail == "names codes the tool did not report: E999, XY1234"
    assert _one("two problems", codes).ok  # naming codes is not required
    assert _one("ABCDE1234 and F40 and F40123", codes).claimed == "-"
    none = _probe(codes, total=0)
    result = check_answer("E501", [codes], {codes.key: none})[0]
    assert (result.ok, result.expected) == (False, "-")
    # the codes fact when an answer must name a code (required=True)
    required = facts._codes_fact
    assert required("F401 it is", LINT_PROBE, True).ok
    missing = required("two problems", LINT_PROBE, True)
    assert (missing.ok, missing.detail, missing.fact) == (False, "names no rule code", "codes")
    assert required("clean", CLEAN_PROBE, True).ok  # nothing to name
    assert required("E999", LINT_PROBE, True).detail == "names codes the tool did not report: E999"


def test_count_nouns_built_afresh() -> None:
    # the module's noun sets are built at import; a new one follows the same rules
    nouns = facts._Nouns(r"bugs?", r"(?:tests?)")
    assert nouns.claims("3 bugs, then BUGS = 4") == [(3, 0, False), (4, 13, False)]
    assert nouns.claims("two nasty little Bugs") == [(2, 0, False)]
    assert nouns.claims("2 test bugs") == []  # an excluded word between number and noun
    assert nouns.claims("bug count: 7") == [(7, 0, False)]


def test_lines_fact() -> None:
    lines = TYPES.model_copy(update={"facts": ["lines"]})
    ok = _one("config.py lines 26 and 40, tools.py:32", lines)
    assert ok == FactResult(
        fact="lines", expected="26, 32, 40", claimed="26, 40, 32", ok=True, detail=""
    )
    bad = _one("line 26, lines 7, 9 & 40 and x.py:300", lines)
    assert bad.ok is False
    assert bad.claimed == "26, 7, 9, 40, 300"
    assert bad.detail == "names lines the tools did not report: [7, 9, 300]"
    assert _one("no line named", lines).claimed == "-"


def test_lines_of_several_checks_are_one_fact() -> None:
    other = AnswerCheck(tool="ruff_check", path="src/x", facts=["lines"])
    probes = PROBES | {other.key: _probe(other, lines={"src/x/y.py": [5]})}
    lines = TYPES.model_copy(update={"facts": ["lines"]})
    results = check_answer("line 5 and line 26", [lines, other], probes)
    assert [(r.fact, r.ok, r.expected) for r in results] == [("lines", True, "5, 26, 32, 40")]


# --------------------------------------------------------------------------- test runs


@pytest.mark.parametrize(
    ("answer", "claimed", "detail"),
    [
        ("11 of 12 tests pass; test_limit fails.", "11 passed", ""),
        ("No: 1 failed, 11 passed.", "11 passed, 1 failed", ""),
        ("11/12 tests passed.", "11 passed", ""),
        ("passed: 11, failed: 1", "11 passed, 1 failed", ""),
        ("Eleven pass and one test is failing.", "11 passed, 1 failed", ""),
        ("12 of 12 tests pass.", "12 passed", "wrong: 12 passed"),
        ("11 of 13 tests pass.", "11 passed", "wrong: 13 in total"),
        ("11 of twelve tests pass.", "11 passed", ""),
        ("11 of many tests pass.", "11 passed", ""),
        ("2 failed.", "2 failed", "wrong: 2 failed"),
        ("Not 10 passed but 11 passed.", "11 passed", ""),
        ("Not 2 failed.", "-", "no counts"),
        ("It ran.", "-", "no counts"),
        ("11 passed and 1 failed, not bad", "11 passed, 1 failed", ""),  # a later negation
        ("not 10 passed, in the end 11 passed", "11 passed", ""),  # first match negated
        ("11 of thirteen tests pass.", "11 passed", "wrong: 13 in total"),
    ],
)
def test_test_counts(answer: str, claimed: str, detail: str) -> None:
    result = _one(answer, TESTS.model_copy(update={"facts": ["counts"]}))
    assert result.fact == "pytest_run(tests) counts"
    assert result.expected == "11 passed, 1 failed"
    assert (result.claimed, result.detail) == (claimed, detail)
    assert result.ok is (detail == "")


def test_failing_fact() -> None:
    failing = TESTS.model_copy(update={"facts": ["failing"]})
    ok = _one("TEST_LIMIT fails", failing)
    assert (ok.ok, ok.claimed, ok.expected, ok.detail) == (True, "names them", "test_limit", "")
    missing = _one("one test fails", failing)
    assert (missing.ok, missing.claimed, missing.detail) == (
        False, "-", "does not name test_limit",
    )  # fmt: skip
    unseen = _one("test_limit fails", failing, seen="1 failed")
    assert unseen.detail == "names test_limit, which no tool output in the episode showed"
    assert unseen.ok is False and unseen.claimed == "names them"
    assert _one("test_limit fails", failing, seen="FAILED tests/t.py::Test_Limit").ok
    assert _one("nothing", failing, seen="").detail == "does not name test_limit"
    green = _probe(failing, failing=[])
    result = check_answer("fine", [failing], {failing.key: green})[0]
    assert (result.ok, result.expected) == (True, "-")


def test_failing_fact_catches_tests_named_as_failing_that_did_not_fail() -> None:
    failing = TESTS.model_copy(update={"facts": ["failing"]})

    def extra(answer: str) -> str:
        return _one(answer, failing).detail

    named = "names tests that did not fail: "
    assert extra("test_limit and test_parse failed, the rest passed") == named + "test_parse"
    assert extra("test_limit fails. I also suspect test_other here") == named + "test_other"
    assert extra("test_limit fails. test_a fails. test_b is broken, test_a too") == (
        named + "test_a, test_b"
    )
    assert extra("test_ok passes. test_limit and test_parse fail") == named + "test_parse"
    assert extra("test_limit and test_parse fail, not test_ok") == named + "test_parse"
    # a clause saying tests pass, with no failure word, names no failing test
    for answer in ("test_limit fails. test_ok PASSES", "test_limit fails. test_ok is green",
                   "test_limit fails, not test_ok"):  # fmt: skip
        result = _one(answer, failing)
        assert result.ok and result.detail == "", answer
    # a missing name is reported before an extra one
    assert extra("test_parse fails") == "does not name test_limit"
    two = _probe(failing, failing=["test_a", "test_b"])
    result = check_answer("it fails", [failing], {failing.key: two})[0]
    assert result.detail == "does not name test_a, test_b"


def test_a_clause_clears_its_files() -> None:
    clears = facts._clears
    for clause in ("x.py is clean", "z.py passes", "z.py PASSES", "errors are not in x.py",
                   "x.py has ZERO", "no errors in y.py"):  # fmt: skip
        assert clears(clause), clause
    # a negation after every file name does not clear it
    assert not clears("x.py has errors that cannot wait")
    assert not clears("x.py has errors")


def test_files_named_in_a_finding_that_no_probe_flagged() -> None:
    over = facts._overclaimed_files
    assert over("x.py has errors", {"y.py"}) == ["x.py"]
    assert over("x.py has errors", {"src/x.py"}) == []
    assert over("x.py is clean", set()) == []
    assert over("Two errors. x.py has errors", set()) == ["x.py"]
    assert over("x.py has errors. y.py has errors, x.py too", set()) == ["x.py", "y.py"]


def test_files_fact_over_claims_count_for_findings_only() -> None:
    answer = "src/a.py has errors. src/b.py has errors, src/c.py too"
    extra = "names files the tools did not flag: src/b.py, src/c.py"
    for tool in ("typecheck", "ruff_check", "pytest_run"):
        check = AnswerCheck(tool=tool, path="src", facts=["files"])  # type: ignore[arg-type]
        result = facts._files_fact(answer, _probe(check, by_file={"src/a.py": 1}), None)
        assert (result.ok, result.detail) == (False, extra), tool
        # files another probe of the query flagged are not over-claimed
        flagged = {"src/a.py", "src/b.py", "src/c.py"}
        assert facts._files_fact(answer, _probe(check, by_file={"src/a.py": 1}), None, flagged).ok
    search = AnswerCheck(tool="defines", path="src", facts=["files"])
    assert facts._files_fact(answer, _probe(search, by_file={"src/a.py": 1}), None).ok
    # a missing file is reported before an extra one; every name is listed
    check = AnswerCheck(tool="ruff_check", path="src", facts=["files"])
    two = _probe(check, by_file={"src/a.py": 1, "src/d.py": 1})
    assert facts._files_fact(answer, two, None).detail == "does not name src/d.py"
    assert facts._files_fact("none", two, None).detail == "does not name src/a.py, src/d.py"
    unseen = facts._files_fact("src/a.py and src/d.py", two, "").detail
    assert unseen == "names src/a.py, src/d.py, which no tool output in the episode showed"


def test_files_flagged_by_another_check_of_the_query_are_not_over_claimed() -> None:
    files = TYPES.model_copy(update={"facts": ["files"]})
    answer = "src/app/config.py (2) and tools.py (1); src/a.py has 2 violations"
    results = check_answer(answer, [files, LINT], PROBES)
    assert results[0].ok, results[0]
    assert not check_answer(answer, [files], PROBES)[0].ok  # alone, src/a.py is over-claimed


def test_a_lines_fact_does_not_end_the_check_s_facts() -> None:
    check = TYPES.model_copy(update={"facts": ["lines", "count"]})
    results = check_answer("3 type errors, on lines 26, 40 and 32", [check], PROBES)
    assert [r.fact for r in results] == ["typecheck(src) count", "lines"]
    assert all(r.ok for r in results), results


def test_lines_fact_with_no_lines_expected() -> None:
    assert facts._lines_fact("fine", []).expected == "-"
    assert facts._lines_fact("fine", []).claimed == "-"


@pytest.mark.parametrize(
    ("answer", "claimed", "ok"),
    [
        ("No: one test fails.", "fail", True),
        ("Nope.", "fail", True),
        ("test_limit fails, nothing else", "fail", True),  # a negation after the claim
        ("Not quite: test_limit is broken.", "fail", True),
        ("Yes, all tests pass.", "pass", False),
        ("All 12 tests pass except test_limit, which fails.", "both pass and fail", False),
        ("It ran.", "-", False),
        ("The tests do not all pass.", "-", False),
    ],
)
def test_verdict_when_tests_fail(answer: str, claimed: str, ok: bool) -> None:
    result = _one(answer, TESTS.model_copy(update={"facts": ["verdict"]}))
    assert result.expected == "tests do not all pass"
    assert (result.claimed, result.ok) == (claimed, ok)
    assert result.detail == ("" if ok else "the answer does not say the right yes/no")


@pytest.mark.parametrize(
    ("answer", "claimed", "ok"),
    [
        ("Yes, everything passes.", "pass", True),
        ("All tests pass, not a single problem", "pass", True),
        ("All good: no failures.", "pass", True),
        ("The tests are all green.", "pass", True),
        ("Everything passes.", "pass", True),
        ("One test fails.", "fail", False),
        ("Yes, but one test fails.", "both pass and fail", False),
        ("It ran.", "-", False),
    ],
)
def test_verdict_when_tests_pass(answer: str, claimed: str, ok: bool) -> None:
    result = _one(answer, GREEN.model_copy(update={"facts": ["verdict"]}))
    assert result.expected == "tests pass"
    assert (result.claimed, result.ok) == (claimed, ok)


def test_verdict_needs_no_failures_and_no_errors() -> None:
    verdict = GREEN.model_copy(update={"facts": ["verdict"]})
    errored = _probe(verdict, total=1, passed=4, failed=0)
    assert check_answer("Yes, all pass.", [verdict], {verdict.key: errored})[0].ok is False
    failed = _probe(verdict, total=0, passed=4, failed=1)
    assert check_answer("Yes, all pass.", [verdict], {verdict.key: failed})[0].ok is False


# --------------------------------------------------------------------------- names


def test_names_of_a_definition_probe() -> None:
    ok = _one("It defines create() and update.", DEFINES)
    assert ok == FactResult(
        fact="defines(src/app/api.py) names",
        expected="at least 2 of create, delete, update",
        claimed="create, update",
        ok=True,
        detail="",
    )
    short = _one("create and recreate and create_all", DEFINES)
    assert (short.ok, short.claimed, short.detail) == (False, "create", "names 1 of them")
    assert _one("create, update", DEFINES, seen="def create\ndef update").ok
    unseen = _one("create, update", DEFINES, seen="def create")
    assert (unseen.ok, unseen.claimed) == (False, "create")
    everything = DEFINES.model_copy(update={"min_names": 9})
    probes = {everything.key: _probe(everything, names=["a", "b"])}
    result = check_answer("a and b", [everything], probes)[0]
    assert (result.expected, result.ok) == ("a, b", True)


def test_names_of_other_probes_are_all_needed() -> None:
    names = UNUSED.model_copy(update={"facts": ["names"]})
    assert _one("os and sys are unused", names).ok
    partial = _one("os is unused", names)
    assert (partial.ok, partial.expected, partial.detail) == (False, "os, sys", "names 1 of them")
    assert _one("nothing", names).claimed == "-"


# --------------------------------------------------------------------------- check_answer


def test_a_probe_that_could_not_run_fails_every_query_that_needs_it() -> None:
    broken = _probe(TYPES, tool_error="ty is not installed")
    assert check_answer("3 type errors", [TYPES], {TYPES.key: broken}) == [
        FactResult(
            fact="typecheck on the fixture",
            expected="a result",
            claimed="-",
            ok=False,
            detail="the probe could not run: ty is not installed",
        )
    ]


def test_every_fact_of_every_check_is_reported_in_order() -> None:
    answer = (
        "ty found 3 type errors in src/app/config.py (lines 26 and 40) and src/app/tools.py "
        "(line 32). No: 11 of 12 tests pass; test_limit fails."
    )
    results = check_answer(answer, [TYPES, TESTS], PROBES)
    assert [(r.fact, r.ok) for r in results] == [
        ("typecheck(src) count", True),
        ("typecheck(src) files", True),
        ("pytest_run(tests) counts", True),
        ("pytest_run(tests) failing", True),
        ("pytest_run(tests) verdict", True),
        ("lines", True),
    ]
    assert check_answer(answer, [], PROBES) == []
