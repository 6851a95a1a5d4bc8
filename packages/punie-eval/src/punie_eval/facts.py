"""Check a tool query's final answer against the truth of the run.

The answer's claims are read with small, negation-aware patterns: counts ("3 type errors",
"three violations", "errors: 3", "no type errors", "is clean"), pass/fail counts and verdicts
("11 of 12 tests pass", "No: one test fails"), the files, lines and rule codes it names. Each
claim is compared with what the probe really found on the fixture (`punie_eval.truth`): a
required fact that is missing fails the query, and so does any claim the tools contradict.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from pydantic import BaseModel

from punie_eval.rubric import negated, split_clauses
from punie_eval.suite import AnswerCheck
from punie_eval.truth import Probe

__all__ = ["FactResult", "check_answer", "files_named", "hallucinated_files", "parse_number"]

_WORDS = {
    "no": 0,
    "zero": 0,
    "none": 0,
    "one": 1,
    "a single": 1,
    "single": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
}
_NUM = r"(?P<num>\d+|" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r")"
_STOP = (
    r"(?:\d+|" + "|".join(_WORDS) + r"|has|have|had|is|are|was|were|in|on|at|of|with|and|or|"
    r"line|lines|file|files|but|to|from|for|by|that|which|the)"
)


# A count the answer does not commit to: "at most 3", "3 or more", "maybe 2", "2 or 3".
_HEDGE_BEFORE = re.compile(
    r"\b(?:at\s+(?:most|least)|up\s+to|maybe|perhaps|possibly|probably|about|around|roughly|"
    r"approximately|approx\.?|some(?:where)?|nearly|almost|between|or|over|under|fewer\s+than|"
    r"less\s+than|more\s+than|~)\W*$",
    re.IGNORECASE,
)
_HEDGE_AFTER = re.compile(
    r"^\W*(?:or\s+(?:more|fewer|less|so|\d+|" + "|".join(_WORDS) + r")|\+|plus)\b",
    re.IGNORECASE,
)


def _hedged(clause: str, start: int, end: int) -> bool:
    """Whether the count claimed at clause[start:end] comes with a hedge: "at most 3 errors",
    "maybe 2", "2 or 3 errors", "3 errors or more"."""
    return bool(_HEDGE_BEFORE.search(clause[:start]) or _HEDGE_AFTER.search(clause[end:]))


class FactResult(BaseModel):
    """One expected fact compared with what the answer claims."""

    fact: str
    expected: str
    claimed: str
    ok: bool
    detail: str = ""


def parse_number(text: str) -> int:
    """'3' → 3, 'three' → 3, 'no' → 0."""
    text = text.lower().strip()
    return int(text) if text.isdigit() else _WORDS[text]


class _Nouns:
    def __init__(self, nouns: str, exclude: str) -> None:
        middle = rf"(?:(?!{_STOP}\b|{exclude}\b)[\w`'\-]+\s+){{0,3}}?"
        self.before = re.compile(
            rf"(?<![\w.:/-]){_NUM}\s+{middle}(?P<noun>{nouns})\b", re.IGNORECASE
        )
        self.after = re.compile(
            rf"\b(?P<noun>{nouns})\s*(?:[:=]|count\s*[:=]?)\s*(?P<num>\d+)\b", re.I
        )

    def claims(self, clause: str) -> list[tuple[int, int, bool]]:
        """(value, position, hedged) of every count claim in the clause."""
        found = [
            (parse_number(m.group("num")), m.start(), _hedged(clause, m.start(), m.end()))
            for m in self.before.finditer(clause)
        ]
        found += [
            (int(m.group("num")), m.start(), _hedged(clause, m.start(), m.end()))
            for m in self.after.finditer(clause)
        ]
        return found


_TYPE_NOUNS = _Nouns(
    r"(?:type[- ]?(?:check(?:ing|er)?\s+)?)?(?:errors?|diagnostics?|issues?|problems?|mistakes?)",
    r"(?:lint|linting|ruff|style|import|imports|unused|test|tests)",
)
_RUFF_NOUNS = _Nouns(
    r"(?:violations?|errors?|issues?|problems?|warnings?|findings?|diagnostics?)",
    r"(?:type|typing|ty|test|tests)",
)
_IMPORT_NOUNS = _Nouns(
    r"(?:unused\s+imports?|imports?|violations?|issues?|problems?|findings?)",
    r"(?:type|test|tests)",
)
_CLEAN = re.compile(
    r"\b(?:is|are|looks?|comes? back|came back|now)\s+(?:all\s+|completely\s+|fully\s+)?"
    r"(?:clean|fine|ok|okay|error[- ]free|correct)\b|\bno\s+(?:\w+\s+){0,2}?(?:problems?|issues?|"
    r"errors?|violations?|findings?|warnings?)\b|\bnothing\s+(?:wrong|to (?:fix|report)|found)\b|"
    r"\b(?:passes|passed)\s+(?:the\s+)?(?:type\s*check|lint|ruff|ty|checks?)\b|\ball good\b",
    re.IGNORECASE,
)
_PASSED = [
    re.compile(
        rf"(?<![\w.:/-]){_NUM}\s+(?:out\s+)?(?:of\s+(?:the\s+)?(?P<tot>\d+|\w+)\s+)?"
        r"(?:\w+\s+){0,1}?(?:tests?\s+)?(?:pass(?:ed|es|ing)?|succeed(?:ed|s)?|are\s+passing|"
        r"are\s+green)\b",
        re.I,
    ),
    re.compile(r"(?P<num>\d+)\s*/\s*(?P<tot>\d+)\s+(?:tests?\s+)?(?:pass(?:ed|es|ing)?)\b", re.I),
    re.compile(r"\bpassed\s*[:=]\s*(?P<num>\d+)\b", re.I),
]
_FAILED = [
    re.compile(
        rf"(?<![\w.:/-]){_NUM}\s+(?:\w+\s+){{0,1}}?(?:tests?\s+)?(?:(?:is|are)\s+)?"
        r"(?:fail(?:ed|s|ing|ures?)?|broken|errored)\b",
        re.I,
    ),
    re.compile(r"\bfail(?:ed|ures?)\s*[:=]\s*(?P<num>\d+)\b", re.I),
]
_ALL_PASS = re.compile(
    r"\ball\s+(?:(?:of\s+)?(?:the\s+)?(?:\d+\s+|\w+\s+)?)?tests?\s+(?:are\s+|now\s+)?(?:pass|green|succeed)"
    r"|\b(?:tests?|everything|they|suite)\s+(?:are\s+|is\s+)?(?:all\s+)?(?:passing|green)\b"
    r"|\beverything\s+pass|\bno\s+(?:test\s+)?failures?\b|\ball\s+pass(?:ing|ed)?\b"
    r"|(?:^|\b(?:the|all|your|my)\s+)tests?\s+(?:all\s+)?pass\b",
    re.I,
)
_FAIL_WORD = re.compile(r"\b(?:fail(?:s|ed|ing|ure|ures)?|broken|red)\b", re.I)
_LEADING_NO = re.compile(r"^\W*(?:no|nope|not (?:all|quite|yet))\b", re.I)
_LEADING_YES = re.compile(r"^\W*(?:yes|yep|yeah|all good)\b", re.I)
_CODE = re.compile(r"\b[A-Z]{1,4}\d{3,4}\b")
_LINE = re.compile(r"\blines?\s+(\d+)(?:\s*(?:,|and|&)\s*(\d+))*|\.py:(\d+)", re.I)
_FILE = re.compile(r"(?<![\w/.-])((?:[\w.-]+/)*[\w-]+\.py)\b")


def files_named(text: str) -> list[str]:
    """The .py paths (or bare file names) the text names, in order."""
    return [m.group(1) for m in _FILE.finditer(text)]


def _same_file(named: str, real: str) -> bool:
    named_p, real_p = PurePosixPath(named), PurePosixPath(real)
    if len(named_p.parts) == 1:
        return named_p.name == real_p.name
    return real_p.parts[-len(named_p.parts) :] == named_p.parts  # whole components only


def hallucinated_files(answer: str, known: set[str]) -> list[str]:
    """Files the answer names that exist neither in the fixture nor among the model's writes."""
    return sorted(
        {name for name in files_named(answer) if not any(_same_file(name, k) for k in known)}
    )


def _scope_file(clause: str, probe: Probe) -> str | None:
    """The one file of the probe's scope a clause is about, when it names exactly one."""
    names = {n for n in files_named(clause)}
    if len(names) != 1:
        return None
    name = names.pop()
    return name


def _count_for(name: str, probe: Probe) -> int:
    return sum(n for f, n in probe.by_file.items() if _same_file(name, f))


def _nouns(check: AnswerCheck) -> _Nouns:
    if check.tool == "typecheck":
        return _TYPE_NOUNS
    if check.select == ["F401"]:
        return _IMPORT_NOUNS
    return _RUFF_NOUNS


def _count_facts(answer: str, check: AnswerCheck, probe: Probe) -> list[FactResult]:
    nouns = _nouns(check)
    stated_total = False
    wrong: list[str] = []
    claimed: list[str] = []
    for clause in split_clauses(answer):
        file = _scope_file(clause, probe)
        expected = _count_for(file, probe) if file else probe.total
        for value, position, hedged in nouns.claims(clause):
            if negated(clause, position):
                continue
            claimed.append(f"{value}" + (f" in {file}" if file else ""))
            if hedged:
                wrong.append(f"hedges the count ({value})")
            elif file is None and value == probe.total:
                stated_total = True
            elif file is not None and value == expected:
                stated_total = stated_total or value == probe.total
            elif value > probe.total or (file is not None and value != expected) or value == 0:
                wrong.append(f"says {value}" + (f" in {file}" if file else ""))
        for match in _CLEAN.finditer(clause):
            if negated(clause, match.start()):
                continue
            if expected > 0:
                claimed.append(f"'{match.group(0)}'" + (f" about {file}" if file else ""))
                wrong.append(f"says '{match.group(0)}'" + (f" about {file}" if file else ""))
    if probe.total == 0:
        stated_total = stated_total or not wrong
    ok = stated_total and not wrong
    detail = "; ".join(wrong) if wrong else ("" if stated_total else "the total is not stated")
    return [
        FactResult(
            fact="count",
            expected=str(probe.total),
            claimed=", ".join(claimed) or "-",
            ok=ok,
            detail=detail,
        )
    ]


def _unseen(items: list[str], seen: str | None, basename: bool = False) -> list[str]:
    """The items no tool output of the episode showed (the model could not have known them)."""
    if seen is None:
        return []
    text = seen.lower()
    return [
        item
        for item in items
        if item.lower() not in text and not (basename and PurePosixPath(item).name.lower() in text)
    ]


def _clears(clause: str) -> bool:
    """Whether a clause says something is clean or negates its finding ("x.py is clean",
    "no errors in y.py", "z.py passes")."""
    if _CLEAN.search(clause) or re.search(r"\bpass(?:es|ed|ing)?\b|\bfine\b", clause, re.I):
        return True
    return any(negated(clause, m.end()) for m in _FILE.finditer(clause)) or bool(
        re.search(r"\b(?:no|none|nothing|zero|0)\b", clause, re.I)
    )


def _overclaimed_files(answer: str, flagged: set[str]) -> list[str]:
    """Files the answer names in a finding that no probe of the query flagged (listing every
    file of the project is not an answer), unless its clause says the file is clean."""
    found: list[str] = []
    for clause in split_clauses(answer):
        names = files_named(clause)
        if not names or _clears(clause):
            continue
        found += [n for n in names if not any(_same_file(n, f) for f in flagged)]
    return list(dict.fromkeys(found))


def _files_fact(
    answer: str, probe: Probe, seen: str | None, flagged: set[str] | None = None
) -> FactResult:
    named = files_named(answer)
    missing = [f for f in sorted(probe.by_file) if not any(_same_file(n, f) for n in named)]
    unseen = _unseen(sorted(probe.by_file), seen, basename=True)
    # a finding (errors, violations, failures) named in a file no probe flagged is over-claimed;
    # a search (grep, defines) names where things are, and other files may give context
    findings = probe.tool in ("typecheck", "ruff_check", "pytest_run")
    extra = (
        _overclaimed_files(answer, flagged if flagged is not None else set(probe.by_file))
        if findings
        else []
    )
    detail = f"does not name {', '.join(missing)}" if missing else ""
    if extra and not missing:
        detail = f"names files the tools did not flag: {', '.join(extra)}"
    if unseen and not missing and not extra:
        detail = f"names {', '.join(unseen)}, which no tool output in the episode showed"
    return FactResult(
        fact="files",
        expected=", ".join(sorted(probe.by_file)) or "-",
        claimed=", ".join(dict.fromkeys(named)) or "-",
        ok=not missing and not unseen and not extra,
        detail=detail,
    )


def _codes_fact(answer: str, probe: Probe, required: bool) -> FactResult:
    named = list(dict.fromkeys(_CODE.findall(answer)))
    invented = [c for c in named if c not in probe.codes]
    ok = not invented and (bool(named) or not required or not probe.codes)
    detail = f"names codes the tool did not report: {', '.join(invented)}" if invented else ""
    return FactResult(
        fact="codes",
        expected=", ".join(sorted(probe.codes)) or "-",
        claimed=", ".join(named) or "-",
        ok=ok,
        detail=detail or ("" if ok else "names no rule code"),
    )


def _lines_fact(answer: str, probes: list[Probe]) -> FactResult:
    real = {line for p in probes for lines in p.lines.values() for line in lines}
    claimed: list[int] = []
    for match in _LINE.finditer(answer):
        numbers = re.findall(r"\d+", match.group(0))
        claimed += [int(n) for n in numbers]
    wrong = sorted({n for n in claimed if n not in real})
    return FactResult(
        fact="lines",
        expected=", ".join(map(str, sorted(real))) or "-",
        claimed=", ".join(map(str, claimed)) or "-",
        ok=not wrong,
        detail=f"names lines the tools did not report: {wrong}" if wrong else "",
    )


def _test_counts(answer: str, probe: Probe) -> FactResult:
    passed: list[int] = []
    failed: list[int] = []
    totals: list[int] = []
    for clause in split_clauses(answer):
        for pattern in _PASSED:
            for m in pattern.finditer(clause):
                if negated(clause, m.start()):
                    continue
                passed.append(parse_number(m.group("num")))
                tot = m.groupdict().get("tot")
                if tot and (tot.isdigit() or tot.lower() in _WORDS):
                    totals.append(parse_number(tot))
        for pattern in _FAILED:
            for m in pattern.finditer(clause):
                if not negated(clause, m.start()):
                    failed.append(parse_number(m.group("num")))
    total = probe.passed + probe.failed
    wrong = [f"{n} passed" for n in passed if n != probe.passed]
    wrong += [f"{n} failed" for n in failed if n != probe.failed]
    wrong += [f"{n} in total" for n in totals if n != total]
    stated = bool(passed or failed)
    claimed = ", ".join([f"{n} passed" for n in passed] + [f"{n} failed" for n in failed])
    return FactResult(
        fact="counts",
        expected=f"{probe.passed} passed, {probe.failed} failed",
        claimed=claimed or "-",
        ok=stated and not wrong,
        detail=("wrong: " + ", ".join(wrong)) if wrong else ("" if stated else "no counts"),
    )


# a test function's name; not a test module (`tests/test_toolset.py::test_x` names one test)
_TEST_NAME = re.compile(r"\btest_\w+\b(?![./])")


def _failing_fact(answer: str, probe: Probe, seen: str | None) -> FactResult:
    text = answer.lower()
    missing = [name for name in probe.failing if name.lower() not in text]
    unseen = _unseen(probe.failing, seen)
    failing = {name.lower() for name in probe.failing}
    # tests named as failing that did not fail (listing every test is not an answer)
    extra: list[str] = []
    for clause in split_clauses(answer):
        passing = re.search(r"\bpass(?:es|ed|ing)?\b|\bgreen\b|\bfine\b", clause, re.I)
        if passing and not _FAIL_WORD.search(clause):
            continue
        extra += [
            m.group(0)
            for m in _TEST_NAME.finditer(clause)
            if m.group(0).lower() not in failing and not negated(clause, m.start())
        ]
    extra = list(dict.fromkeys(extra))
    detail = f"does not name {', '.join(missing)}" if missing else ""
    if extra and not missing:
        detail = f"names tests that did not fail: {', '.join(extra)}"
    if unseen and not missing and not extra:
        detail = f"names {', '.join(unseen)}, which no tool output in the episode showed"
    return FactResult(
        fact="failing",
        expected=", ".join(probe.failing) or "-",
        claimed="names them" if not missing else "-",
        ok=not missing and not unseen and not extra,
        detail=detail,
    )


def _verdict_fact(answer: str, probe: Probe) -> FactResult:
    expected_ok = probe.failed == 0 and probe.total == 0
    says_fail = bool(_LEADING_NO.search(answer))
    says_pass = bool(_LEADING_YES.search(answer))
    for clause in split_clauses(answer):
        for m in _FAIL_WORD.finditer(clause):
            if not negated(clause, m.start()):
                says_fail = True
        for m in _ALL_PASS.finditer(clause):
            if not negated(clause, m.start()):
                says_pass = True
    if expected_ok:
        ok, claimed = says_pass and not says_fail, "fail" if says_fail else "pass"
    else:
        ok, claimed = says_fail and not says_pass, "pass" if says_pass else "fail"
    if says_pass and says_fail:
        claimed = "both pass and fail"
    elif not says_pass and not says_fail:
        claimed = "-"
    return FactResult(
        fact="verdict",
        expected="tests pass" if expected_ok else "tests do not all pass",
        claimed=claimed,
        ok=ok,
        detail="" if ok else "the answer does not say the right yes/no",
    )


def _names_fact(answer: str, check: AnswerCheck, probe: Probe, seen: str | None) -> FactResult:
    mentioned = [n for n in probe.names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", answer)]
    need = min(check.min_names, len(probe.names)) if check.tool == "defines" else len(probe.names)
    mentioned = [n for n in dict.fromkeys(mentioned) if not _unseen([n], seen)]
    return FactResult(
        fact="names",
        expected=(f"at least {need} of " if need < len(probe.names) else "")
        + ", ".join(dict.fromkeys(probe.names)),
        claimed=", ".join(mentioned) or "-",
        ok=len(mentioned) >= need,
        detail="" if len(mentioned) >= need else f"names {len(mentioned)} of them",
    )


def check_answer(
    answer: str, checks: list[AnswerCheck], probes: dict[str, Probe], seen: str | None = None
) -> list[FactResult]:
    """Every expected fact of the query's checks compared with the answer's claims.

    `seen` is what the episode's tool outputs showed the model: files, names and failing tests
    the answer gives must have been among them (an answer cannot know what it never saw).
    """
    results: list[FactResult] = []
    line_probes: list[Probe] = []
    flagged = {f for check in checks for f in probes[check.key].by_file}
    for check in checks:
        probe = probes[check.key]
        if probe.tool_error:
            results.append(
                FactResult(
                    fact=f"{check.tool} on the fixture",
                    expected="a result",
                    claimed="-",
                    ok=False,
                    detail=f"the probe could not run: {probe.tool_error}",
                )
            )
            continue
        label = f"{check.tool}({check.path})"
        for fact in check.facts:
            if fact == "count":
                found = _count_facts(answer, check, probe)
            elif fact == "files":
                found = [_files_fact(answer, probe, seen, flagged)]
            elif fact == "codes":
                found = [_codes_fact(answer, probe, required=False)]
            elif fact == "lines":
                line_probes.append(probe)
                continue
            elif fact == "counts":
                found = [_test_counts(answer, probe)]
            elif fact == "failing":
                found = [_failing_fact(answer, probe, seen)]
            elif fact == "verdict":
                found = [_verdict_fact(answer, probe)]
            else:
                found = [_names_fact(answer, check, probe, seen)]
            results += [r.model_copy(update={"fact": f"{label} {r.fact}"}) for r in found]
    if line_probes:
        results.append(_lines_fact(answer, line_probes))
    return results
