"""The validation suite as data: queries, expectations, thresholds and reference solutions.

Everything here is read from `data/eval/suite.toml` (plus `oracle/<id>/NN.py|md` for the oracle's
reference turns) so the suite can change without touching code.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, model_validator

__all__ = [
    "CallPattern",
    "Category",
    "OracleTurn",
    "Query",
    "StateCheck",
    "Suite",
    "SuiteError",
    "load_suite",
]

PathMatch = Literal["exact", "covers", "glob", "any"]
CheckKind = Literal[
    "typecheck_clean", "ruff_clean", "pytest_pass", "unchanged", "changed", "defines", "hidden_test"
]


class SuiteError(ValueError):
    """The suite files are missing or do not describe a valid suite."""


class CallPattern(BaseModel):
    """What one expected tool call must look like (matched against calls that really ran)."""

    tool: str
    path: str | None = None
    path_match: PathMatch = "any"
    command: list[str] | None = None
    args_contain: list[str] | None = None
    after_last_write: bool = False


class StateCheck(BaseModel):
    """A check re-run on the final workspace with the real tools."""

    check: CheckKind
    path: str | None = None
    name: str | None = None
    min_passed: int = 0


class OracleTurn(BaseModel):
    """One reference turn: code to run, or the final answer."""

    code: str | None = None
    answer: str | None = None


class Query(BaseModel):
    """One request of the suite and the behaviour expected from the model."""

    id: str
    category: str
    request: str
    kind: Literal["tool", "direct"]
    facts: list[list[str]] = Field(default_factory=list)
    answer_facts: list[list[str]] = Field(default_factory=list)
    requires: list[CallPattern] = Field(default_factory=list)
    sequence: list[CallPattern] = Field(default_factory=list)
    forbid: list[str] = Field(default_factory=list)
    state: list[StateCheck] = Field(default_factory=list)
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
            for check in q.state:
                if check.check == "hidden_test" and check.name not in self.hidden_tests:
                    raise ValueError(f"query {q.id}: unknown hidden test {check.name!r}")
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
    path = Path(path)
    file = path / "suite.toml" if path.is_dir() else path
    if not file.is_file():
        raise SuiteError(f"no suite at {file}: expected a directory holding suite.toml")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
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
