"""Each rule of `punie_eval.rubric` on small rubrics written out here (no suite, no model).

tests/test_rubric.py judges honest and wrong answers to the suite's direct queries; these pin
down the pieces (clauses, negation windows, subject binding, the reasons' exact text), so
mutation testing can judge each line in milliseconds.
"""

from __future__ import annotations

from punie_eval import rubric
from punie_eval.rubric import judge_rubric, negated, split_clauses
from punie_eval.suite import Rubric, RubricItem

# Mutants mutmut makes of rubric.py that cannot change behaviour (see tests/mutation/).
EQUIVALENT_MUTANTS: dict[str, tuple[str, str]] = {
    "punie_eval.rubric.x__subject_pattern__mutmut_4": (
        "names = sorted(subjects, key=None, reverse=True)",
        "the lookarounds make the order of the alternation irrelevant",
    ),
    "punie_eval.rubric.x__subject_pattern__mutmut_7": (
        "names = sorted(subjects, reverse=True)",
        "the lookarounds make the order of the alternation irrelevant",
    ),
    "punie_eval.rubric.x__subject_pattern__mutmut_8": (
        "names = sorted(subjects, key=len, )",
        "the lookarounds make the order of the alternation irrelevant",
    ),
    "punie_eval.rubric.x__subject_pattern__mutmut_9": (
        "names = sorted(subjects, key=len, reverse=False)",
        "the lookarounds make the order of the alternation irrelevant",
    ),
    "punie_eval.rubric.x_negated__mutmut_28": (
        'window = _NOT_NEGATION.sub("XX XX", window)',
        "the window is already cut to its words; neither filler is a negation cue",
    ),
    "punie_eval.rubric.xǁ_Textǁmatches__mutmut_2": (
        'previous: str | None = ""',
        "'' and None are both falsy where previous is read",
    ),
    "punie_eval.rubric.xǁ_Textǁmentions__mutmut_10": (
        'between = sentence[m.end() : at] if at is not None and at >= m.end() else ""',
        "at == m.end() slices an empty string, the same as the else branch",
    ),
    "punie_eval.rubric.xǁ_Textǁmentions__mutmut_11": (
        'between = sentence[m.end() : at] if at is not None and at > m.end() else "XXXX"',
        "neither '' nor 'XXXX' starts with a relative pronoun: the subject is skipped either way",
    ),
}


def test_split_clauses() -> None:
    assert split_clauses("A is x. B is y! C? D; E") == ["A is x.", "B is y!", "C?", "D;", "E"]
    assert split_clauses("one\n\ntwo - three — four – five") == [
        "one",
        "two",
        "three",
        "four",
        "five",
    ]
    assert split_clauses("Note: it works. Ratio: 3:1") == ["Note:", "it works.", "Ratio: 3:1"]
    assert split_clauses("a is slow, but b is fast whereas c is odd") == [
        "a is slow",
        "b is fast",
        "c is odd",
    ]
    assert split_clauses("x-y is one word") == ["x-y is one word"]
    assert split_clauses("  ") == []


def test_negation_window() -> None:
    def at(clause: str, word: str) -> bool:
        return negated(clause, clause.index(word))

    assert at("it does not use strings", "strings")
    assert at("it doesn’t use strings", "strings")
    assert at("it never really uses strings", "strings")
    assert at("written in Rust rather than Python", "Python")
    assert not at("not one two three four uses strings", "strings")  # past the window
    assert at("not two three four uses strings", "strings")
    assert not at("it uses strings, not bytes", "strings")  # after is not before
    assert not at("not only fast but also small", "small")
    assert not at("no doubt it is fast", "fast")
    assert not at("No: 1 failed", "1")  # an interjection, not a negation
    assert not at("Nope, it is fast", "fast")
    assert at("no tests fail", "fail")
    assert not at("knot tying is fast", "fast")
    assert at("Not in any way, no, fast", "fast")  # the interjection takes no room


def test_alternatives_bind_known_subjects_only() -> None:
    item = RubricItem(name="n", any=["ruff: \\bfast", "pylint: slow: x", "Note: x", "plain"])
    alts = rubric._alternatives(item, ["ruff", "pylint"])
    assert [(a.subject, a.pattern.pattern) for a in alts] == [
        ("ruff", "\\bfast"),
        ("pylint", "slow: x"),
        (None, "Note: x"),
        (None, "plain"),
    ]
    assert all(a.pattern.flags & 2 for a in alts)  # re.IGNORECASE


def test_subject_pattern() -> None:
    assert rubric._subject_pattern([]) is None
    pattern = rubric._subject_pattern(["tdom", "tdom-svcs", "a.b"])
    assert pattern is not None
    assert [m.group(0) for m in pattern.finditer("TDOM-svcs uses tdom; tdomx a.b axb")] == [
        "TDOM-svcs",
        "tdom",
        "a.b",
    ]


def test_mentions_and_subject_binding() -> None:
    text = rubric._Text("As for pylint, Ruff is fast. It is written in Rust.", ["ruff", "pylint"])
    assert text.sentences == ["As for pylint, Ruff is fast.", "It is written in Rust."]
    assert text.mentions(text.sentences[0]) == [(7, "pylint"), (15, "ruff")]
    assert rubric._Text("x", []).mentions("ruff") == []
    fast = rubric._Alt("ruff", rubric.re.compile("fast"))
    assert text.matches(fast) == [("fast", False)]
    rust = rubric._Alt("ruff", rubric.re.compile("rust", rubric.re.I))
    assert text.matches(rust) == [("Rust", False)]  # the subject of the sentence before
    later = rubric._Text("Fast, that is what ruff is.", ["ruff", "pylint"])
    assert later.matches(fast) == []  # 'Fast' with a capital: the pattern is case-sensitive
    fast_i = rubric._Alt("ruff", rubric.re.compile("fast", rubric.re.I))
    assert later.matches(fast_i) == [("Fast", False)]  # the first subject after it
    assert rubric._Text("Fast.", ["ruff"]).matches(fast_i) == []  # no subject at all
    other = rubric._Text("pylint is fast.", ["ruff", "pylint"])
    assert other.matches(fast_i) == []


def test_negation_is_read_within_the_contrast_clause() -> None:
    text = rubric._Text("It is not slow, but it is fast and never buggy.", [])
    fast = rubric._Alt(None, rubric.re.compile("fast"))
    buggy = rubric._Alt(None, rubric.re.compile("buggy"))
    slow = rubric._Alt(None, rubric.re.compile("slow"))
    assert text.matches(fast) == [("fast", False)]
    assert text.matches(buggy) == [("buggy", True)]
    assert text.matches(slow) == [("slow", True)]


RUBRIC = Rubric(
    subjects=["ruff", "pylint"],
    require=[
        RubricItem(name="ruff is fast", any=["ruff: fast", "ruff: quick"]),
        RubricItem(name="ruff is written in Rust", any=["\\brust\\b"]),
    ],
    true=[RubricItem(name="pylint is thorough", any=["pylint: thorough"])],
    wrong=[RubricItem(name="ruff is slow", any=["ruff: slow", "ruff: sluggish"])],
)


def test_a_right_answer_passes_and_lists_what_it_stated() -> None:
    verdict = judge_rubric("Ruff is fast and written in Rust.", RUBRIC)
    assert (verdict.passed, verdict.reasons) == (True, [])
    assert verdict.stated == ["ruff is fast", "ruff is written in Rust"]


def test_every_reason_is_given() -> None:
    verdict = judge_rubric(
        "Ruff is not fast and not quick; it is sluggish and slow. Pylint is not thorough.",
        RUBRIC,
    )
    assert verdict.passed is False
    assert verdict.stated == []
    assert verdict.reasons == [
        "does not state that ruff is fast",
        "denies that ruff is fast ('fast' is negated)",
        "does not state that ruff is written in Rust",
        "denies that pylint is thorough ('thorough' is negated)",
        "claims that ruff is slow ('slow')",
    ]


def test_a_stated_fact_outweighs_a_denial_of_it() -> None:
    verdict = judge_rubric(
        "Ruff is fast and written in Rust; ruff is never slow. Pylint is thorough. Pylint is "
        "not thorough about speed.",
        RUBRIC,
    )
    assert (verdict.passed, verdict.reasons) == (True, [])
    assert judge_rubric("Ruff is fast, in Rust.", Rubric()).passed


def test_matches_keep_looking_and_bind_a_subject_right_after() -> None:
    slow = rubric._Alt("ruff", rubric.re.compile("slow"))
    text = rubric._Text("pylint is slow and ruff is slow", ["ruff", "pylint"])
    assert text.matches(slow) == [("slow", False)]  # the second 'slow' is ruff's
    quick = rubric._Alt("ruff", rubric.re.compile("quick: ", rubric.re.I))
    assert rubric._Text("Quick: ruff.", ["ruff"]).matches(quick) == [("Quick: ", False)]
    fast = rubric._Alt(None, rubric.re.compile("fast"))
    assert rubric._Text("not fast.", []).matches(fast) == [("fast", True)]


def test_a_compared_subject_with_a_relative_clause_does_not_become_the_next_sentence_s() -> None:
    # "than pylint, which ..." speaks of pylint only where a match lies in that clause: the
    # next sentence's "It" still means ruff, the last subject the first sentence is about.
    rust = Rubric(
        subjects=["ruff", "pylint"],
        require=[RubricItem(name="rust", any=[r"ruff: \brust\b"])],
    )
    answer = "Ruff is quicker than pylint, which is written in Python. It is written in Rust."
    assert judge_rubric(answer, rust).passed
