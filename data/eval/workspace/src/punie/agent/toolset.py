"""The tools an agent may call, and how a subset of them is chosen."""

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Tool:
    """One callable tool with a short description shown to the model."""

    name: str
    description: str


KNOWN_TOOLS: dict[str, Tool] = {
    "read_file": Tool("read_file", "Read a file of the workspace."),
    "write_file": Tool("write_file", "Write a file of the workspace."),
    "typecheck": Tool("typecheck", "Run ty and return structured type errors."),
    "ruff_check": Tool("ruff_check", "Run ruff and return structured lint violations."),
    "pytest_run": Tool("pytest_run", "Run pytest and return structured test results."),
}


def select_tools(names: list[str], limit: int = 5) -> list[Tool]:
    """The known tools among `names`, in the order given, at most `limit` of them."""
    chosen = [KNOWN_TOOLS[name] for name in names if name in KNOWN_TOOLS]
    return chosen[: limit + 1]


def tool_names(tools: list[Tool]) -> list[str]:
    """The names of `tools`, in order."""
    return ",".join(tool.name for tool in tools)
