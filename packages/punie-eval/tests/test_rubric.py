"""Direct answers judged by meaning: for every direct query, correct answers in other words pass
and wrong answers full of the right keywords fail; negation flips a fact into a denial."""

from __future__ import annotations

import pytest
from answers import HONEST, WRONG

from punie_eval.rubric import judge_rubric, negated, split_clauses
from punie_eval.suite import Rubric, RubricItem, Suite

DIRECT = [
    "single-protocol",
    "single-ruff-vs-pylint",
    "domain-dependency-injection",
    "domain-tdom-rendering",
    "domain-tdom-svcs",
]


def test_every_direct_query_has_three_honest_and_three_wrong_answers(suite: Suite) -> None:
    direct = [q.id for q in suite.queries if q.kind == "direct"]
    assert sorted(direct) == sorted(DIRECT)
    for qid in direct:
        assert len(HONEST[qid]) >= 3 and len(WRONG[qid]) >= 3, qid


@pytest.mark.parametrize(
    ("qid", "answer"), [(q, a) for q in DIRECT for a in HONEST[q]], ids=lambda v: str(v)[:40]
)
def test_correct_answers_in_other_words_pass(suite: Suite, qid: str, answer: str) -> None:
    rubric = suite.query(qid).rubric
    assert rubric is not None
    verdict = judge_rubric(answer, rubric)
    assert verdict.passed, verdict.reasons


@pytest.mark.parametrize(
    ("qid", "answer"), [(q, a) for q in DIRECT for a in WRONG[q]], ids=lambda v: str(v)[:40]
)
def test_wrong_keyword_rich_answers_fail(suite: Suite, qid: str, answer: str) -> None:
    rubric = suite.query(qid).rubric
    assert rubric is not None
    verdict = judge_rubric(answer, rubric)
    assert not verdict.passed
    assert verdict.reasons


def test_the_oracle_answers_pass_their_rubrics(suite: Suite) -> None:
    for query in suite.queries:
        if query.rubric is not None:
            answer = query.oracle[-1].answer or ""
            assert judge_rubric(answer, query.rubric).passed, query.id


def test_negation_is_local_to_its_clause() -> None:
    clause = "tdom does not use t-strings"
    assert negated(clause, clause.index("t-strings"))
    assert not negated("tdom uses t-strings", 10)
    assert not negated("not only fast but also", 9)
    assert split_clauses("pylint is slow, but ruff is fast. It is written in Rust") == [
        "pylint is slow",
        "ruff is fast.",
        "It is written in Rust",
    ]


def test_subjects_bind_claims_to_the_nearest_name() -> None:
    rubric = Rubric(
        subjects=["ruff", "pylint"],
        require=[RubricItem(name="ruff is fast", any=["ruff: \\bfast", "pylint: \\bslow"])],
        wrong=[RubricItem(name="pylint is fast", any=["pylint: \\bfast"])],
    )
    assert judge_rubric("Compared with pylint, ruff is fast.", rubric).passed
    assert judge_rubric("pylint is slow. It takes minutes.", rubric).passed
    swapped = judge_rubric("ruff is slow, while pylint is fast.", rubric)
    assert not swapped.passed
    assert "claims that pylint is fast ('fast')" in swapped.reasons
    denied = judge_rubric("ruff is not fast.", rubric)
    assert any(r.startswith("denies that ruff is fast") for r in denied.reasons)
