"""The validation suite as data: queries, expectations, thresholds and reference solutions.

Everything here is read from `data/eval/suite.toml` (plus `oracle/<id>/NN.py|md` for the oracle's
reference turns) so the suite can change without touching code. No expected number is typed into
the suite: what a tool query's answer must state is derived by running the real tools on the
fixture when the suite is used (`punie_eval.truth`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AnswerCheck",
    "CallPattern",
    "Category",
    "Improve",
    "Mutants",
    "OracleTurn",
    "Query",
    "Rubric",
    "RubricItem",
    "StateCheck",
    "Suite",
    "SuiteError",
    "load_suite",
]

PathMatch = Literal["exact", "covers", "glob", "any"]
CheckKind = Literal[
    "typecheck_clean",
    "ruff_clean",
    "pytest_pass",
    "unchanged",
    "changed",
    "defines",
    "hidden_test",
    "mutants",
    "simpler",
]
FactKind = Literal["count", "files", "codes", "lines", "verdict", "failing", "counts", "names"]


class SuiteError(ValueError):
    """The suite files are missing or do not describe a valid suite."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CallPattern(_Strict):
    """What one expected tool call must look like (matched against calls that really ran)."""

    tool: str
    path: str | None = None
    path_match: PathMatch = "any"
    command: list[str] | None = None
    args_contain: list[str] | None = None
    after_last_write: bool = False


class StateCheck(_Strict):
    """A check re-run with the real tools on a fresh pristine copy holding the query's targets."""

    check: CheckKind
    path: str | None = None
    name: str | None = None
    min_passed: int = 0


class AnswerCheck(_Strict):
    """Facts the final answer must state, taken from a real tool run on the fixture at load.

    `tool` is the probe: typecheck / ruff_check / pytest_run on `path`, `grep` (files whose text
    matches `pattern`) or `defines` (top-level names in `path`). `facts` says which of the probe's
    results the answer must get right (see punie_eval.facts).
    """

    tool: Literal["typecheck", "ruff_check", "pytest_run", "grep", "defines"]
    path: str = "."
    select: list[str] | None = None
    pattern: str | None = None
    facts: list[FactKind]
    min_names: int = 1

    @property
    def key(self) -> str:
        """Identifies the probe (checks with the same key share one tool run)."""
        select = ",".join(self.select or [])
        return f"{self.tool}:{self.path}:{select}:{self.pattern or ''}"


class RubricItem(_Strict):
    """One fact of a rubric: alternatives, each a regex optionally bound to a subject (`S: re`)."""

    name: str
    any: list[str]


class Rubric(_Strict):
    """How a direct answer is judged by meaning (see punie_eval.rubric)."""

    subjects: list[str] = Field(default_factory=list)
    require: list[RubricItem] = Field(default_factory=list)
    true: list[RubricItem] = Field(default_factory=list)  # not required, but denying one is wrong
    wrong: list[RubricItem] = Field(default_factory=list)


class Mutants(_Strict):
    """Known implementations of a function the model's own tests must tell apart."""

    module: str  # the file the function goes into (the pristine file plus one implementation)
    tests: str  # the model's test file
    good: str
    bad: list[str]
    min_killed: int = 3


class Improve(_Strict):
    """A refactor target: `function` in `path` must come out measurably simpler."""

    path: str
    function: str


class OracleTurn(BaseModel):
    """One reference turn: code to run, or the final answer."""

    code: str | None = None
    answer: str | None = None


class Query(_Strict):
    """One request of the suite and the behaviour expected from the model."""

    id: str
    category: str
    request: str
    kind: Literal["tool", "direct"]
    rubric: Rubric | None = None
    answer: list[AnswerCheck] = Field(default_factory=list)
    requires: list[CallPattern] = Field(default_factory=list)
    sequence: list[CallPattern] = Field(default_factory=list)
    forbid: list[str] = Field(default_factory=list)
    targets: list[str] = Field(default_factory=list)
    state: list[StateCheck] = Field(default_factory=list)
    mutants: Mutants | None = None
    improve: Improve | None = None
    oracle: list[OracleTurn] = Field(default_factory=list)


class Category(BaseModel):
    """A group of queries and how many of them must pass."""

    title: str
    threshold: int


class Suite(BaseModel):
    """The loaded suite: where it lives, its workspace, categories and queries."""

    root: Path
    version: int
    workspace: Path
    turn_limit: int = 8
    categories: dict[str, Category]
    overall_threshold: int
    queries: list[Query]
    hidden_tests: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Suite:
        ids = [q.id for q in self.queries]
        if len(set(ids)) != len(ids):
            raise ValueError("query ids must be unique")
        for q in self.queries:
            if q.category not in self.categories:
                raise ValueError(f"query {q.id}: unknown category {q.category!r}")
            if q.kind == "direct" and q.rubric is None:
                raise ValueError(f"query {q.id}: a direct query needs a rubric")
            for check in q.state:
                if check.check == "hidden_test" and check.name not in self.hidden_tests:
                    raise ValueError(f"query {q.id}: unknown hidden test {check.name!r}")
                if check.check == "mutants" and q.mutants is None:
                    raise ValueError(f"query {q.id}: a mutants check needs [queries.mutants]")
                if check.check == "simpler" and q.improve is None:
                    raise ValueError(f"query {q.id}: a simpler check needs [queries.improve]")
            if q.mutants is not None and len(q.mutants.bad) < q.mutants.min_killed:
                raise ValueError(f"query {q.id}: fewer mutants than min_killed")
            for item in q.rubric.require + q.rubric.true + q.rubric.wrong if q.rubric else []:
                _check_patterns(q.id, item, q.rubric.subjects if q.rubric else [])
        return self

    def query(self, query_id: str) -> Query:
        """The query with this id (KeyError when there is none)."""
        for q in self.queries:
            if q.id == query_id:
                return q
        raise KeyError(query_id)

    def by_request(self, request: str) -> Query | None:
        """The query whose request text is `request`, if any (used by oracle and replay)."""
        for q in self.queries:
            if q.request.strip() == request.strip():
                return q
        return None


def _check_patterns(query_id: str, item: RubricItem, subjects: list[str]) -> None:
    import re

    for alternative in item.any:
        subject, _, pattern = alternative.partition(": ") if ": " in alternative else ("", "", "")
        if subject and subject not in subjects:
            pattern = ""  # not a subject binding: the whole text is the pattern
        try:
            re.compile(pattern or alternative)
        except re.error as exc:
            raise ValueError(f"query {query_id}: rubric {item.name!r}: bad regex: {exc}") from exc


def _load_oracle(directory: Path) -> list[OracleTurn]:
    if not directory.is_dir():
        return []
    turns: list[OracleTurn] = []
    for file in sorted(directory.iterdir()):
        if file.suffix == ".py":
            turns.append(OracleTurn(code=file.read_text(encoding="utf-8")))
        elif file.suffix == ".md":
            turns.append(OracleTurn(answer=file.read_text(encoding="utf-8").strip()))
    return turns


def load_suite(path: str | Path) -> Suite:
    """Load a suite from a directory holding suite.toml (or from the TOML file itself)."""
    path = Path(path).resolve()
    file = path / "suite.toml" if path.is_dir() else path
    if not file.is_file():
        raise SuiteError(f"no suite at {file}: expected a directory holding suite.toml")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{file}: invalid TOML: {exc}") from exc
    root = file.parent
    try:
        queries = [
            Query(**q, oracle=_load_oracle(root / "oracle" / str(q.get("id"))))
            for q in raw.get("queries", [])
        ]
        suite = Suite(
            root=root,
            version=raw.get("version", 1),
            workspace=root / raw.get("workspace", "workspace"),
            turn_limit=raw.get("turn_limit", 8),
            categories={k: Category(**v) for k, v in raw.get("categories", {}).items()},
            overall_threshold=raw.get("overall", {}).get("threshold", 0),
            queries=queries,
            hidden_tests={k: v["content"] for k, v in raw.get("hidden_tests", {}).items()},
        )
    except (TypeError, ValueError, KeyError) as exc:
        raise SuiteError(f"{file}: {exc}") from exc
    if not suite.workspace.is_dir():
        raise SuiteError(f"{file}: workspace {suite.workspace} does not exist")
    return suite
