"""What every generator produces: a Spec (request, workspace, code turns, answer builder).

A spec says which workspace to materialise and which code the assistant runs there, turn by
turn; the builder runs that code in the real sandbox and hands the records to `answer`, which
composes the final reply from what the tools really returned.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from punie_datagen.workspaces._legacy import paths
from punie_tools.models import ExecutionRecord

Answer = Callable[[list[ExecutionRecord]], str]


@dataclass
class Spec:
    group: str  # ruff_check | pytest_run | typecheck | workflow | base
    category: str
    request: str
    answer: Answer
    workspace: dict[str, Any] | None = None  # {"project", "variants", "extra"}; None: no workspace
    steps: list[str] = field(default_factory=list)  # one code block per assistant turn
    generator: str = ""


def rng(seed: int, *key: object) -> random.Random:
    """A deterministic random stream for one spec."""
    return random.Random(f"{seed}:" + ":".join(map(str, key)))


def fill(template: str, *, path: str, desc: str, hint: str = "", add_hint: bool = True) -> str:
    """A request from a template that always names the project and, when given, the hint.

    Templates that leave out `{desc}` or `{hint}` would make the same request for different
    projects or planted problems; those are exact duplicates that dedup would drop.
    """
    text = template.format(path=path, desc=desc, hint=hint)
    if "{desc}" not in template:
        text = f"In {desc}: {text[0].lower()}{text[1:]}"
    if add_hint and hint and "{hint}" not in template:
        text = f"{text} ({hint})"
    return text


def pick(r: random.Random, options: list[str]) -> str:
    return options[r.randrange(len(options))]


def results(records: list[ExecutionRecord], tool: str) -> list[dict[str, Any]]:
    """Every typed result a tool returned across the records, in call order."""
    return [
        c.result
        for rec in records
        for c in rec.calls
        if c.name == tool and isinstance(c.result, dict)
    ]


def last(records: list[ExecutionRecord], tool: str) -> dict[str, Any]:
    found = results(records, tool)
    if not found:
        raise ValueError(f"no {tool} result in the records")
    return found[-1]


def first(records: list[ExecutionRecord], tool: str) -> dict[str, Any]:
    found = results(records, tool)
    if not found:
        raise ValueError(f"no {tool} result in the records")
    return found[0]


def stdout(records: list[ExecutionRecord], step: int = -1) -> str:
    record = records[step]
    if record.error is not None:
        raise ValueError(f"step failed: {record.error.message}")
    return record.stdout


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def line_of(text: str, needle: str) -> int:
    """1-based line where `needle` starts in `text`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def window(path: str, start: int, end: int) -> str:
    return (
        f'lines = read_file("{path}").splitlines()\n'
        f"for n in range({max(1, start)}, min({end}, len(lines)) + 1):\n"
        f"    print(n, lines[n - 1])\n"
    )


def replace_code(path: str, edits: list[tuple[str, str]], check: str) -> str:
    """Code that applies exact replacements to a file, writes it back, then runs `check`."""
    lines = [f'path = "{path}"', "source = read_file(path)"]
    for old, new in edits:
        lines.append(f"source = source.replace({old!r}, {new!r}, 1)")
    lines.append("write_file(path, source)")
    return "\n".join(lines) + "\n" + check


def module_path(project: str) -> str:
    return paths(project)[0]


def test_path(project: str) -> str:
    return paths(project)[1]
