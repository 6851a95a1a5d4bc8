"""Re-run every example's code on a fresh copy of its workspace and compare the tool messages."""

from __future__ import annotations

import ast
import builtins
import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from punie_datagen.clairvoyance import parse
from punie_datagen.execute import run_steps, tool_versions
from punie_datagen.memo import Memo
from punie_datagen.workspaces import workspace_files
from punie_tools import wire
from punie_tools.backends import TOOL_NAMES
from punie_tools.models import ExecutionRecord

__all__ = [
    "SPLITS",
    "VerifyReport",
    "code_blocks",
    "load_examples",
    "verify_examples",
    "verify_remembered",
]

SPLITS = ("train", "valid", "test")

BUILTINS = set(dir(builtins))
PATHLIKE = (".py", ".toml", ".md", ".txt", ".cfg")


@dataclass
class VerifyReport:
    checked: int = 0
    mismatches: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)  # differed once, matched when re-run
    remembered: int = 0  # passed a fresh run in an earlier build, unchanged since (not re-run)
    per_category: Counter[str] = field(default_factory=Counter)

    @property
    def ok(self) -> bool:
        return not self.mismatches and not self.problems


def load_examples(directory: Path) -> list[wire.Example]:
    examples = []
    for name in SPLITS:
        path = directory / f"{name}.jsonl"
        if path.exists():
            examples += [
                wire.Example.model_validate_json(line)
                for line in path.read_text().splitlines()
                if line
            ]
    return examples


def code_blocks(example: wire.Example) -> list[tuple[str, str]]:
    """(code, tool message) per execute_code turn."""
    pairs, pending = [], {}
    for message in example.messages:
        for call in message.get("tool_calls") or []:
            pending[call["id"]] = call["function"]["arguments"]["code"]
        if message.get("role") == "tool":
            pairs.append((pending.pop(message["tool_call_id"]), message["content"]))
    return pairs


def _static_problems(code: str, files: dict[str, str], written: set[str]) -> list[str]:
    """Calls of tools that do not exist; path literals naming files the workspace does not hold."""
    problems = []
    tree = parse(code)
    constants = {  # name = "literal": a path a later write_file(name, ...) may create
        target.id: node.value.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    local = _locals(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in {"write_file"} and node.args and isinstance(node.args[0], ast.Constant):
                written.add(str(node.args[0].value))
            elif name in {"write_file"} and node.args and isinstance(node.args[0], ast.Name):
                written.add(constants.get(node.args[0].id, ""))
            if name not in TOOL_NAMES and name not in BUILTINS and name not in local:
                problems.append(f"calls unknown function {name}()")
    known = set(files) | {p.rsplit("/", 1)[0] for p in files if "/" in p} | written
    in_commands = {  # a command's arguments (find -name x.py, grep patterns) are not paths read
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "run_command"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in in_commands
        ):
            value = node.value
            if value.startswith("-") or "*" in value:  # a command-line flag or a glob pattern
                continue
            if (
                " " not in value
                and "\n" not in value
                and value.endswith(PATHLIKE)
                and value not in known
            ):
                problems.append(f"mentions {value}, which is not in the workspace")
    return problems


def _locals(tree: ast.AST) -> set[str]:
    """Names the script itself binds: assignments and loop targets, the functions (and lambdas)
    it defines with their parameters, and the names it imports."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.arg):
            found.add(node.arg)
        elif isinstance(node, ast.alias):
            found.add(node.asname or node.name.split(".")[0])
    return found


def _differences(
    blocks: list[tuple[str, str]], files: dict[str, str], request: str, report: VerifyReport | None
) -> list[str]:
    """Run the example's code afresh; one line (with the first differing line) per changed turn."""
    records = [ExecutionRecord.model_validate(r) for r in run_steps(files, [c for c, _ in blocks])]
    found = []
    for step, ((_, stored), record) in enumerate(zip(blocks, records, strict=True)):
        if report is not None and record.error is not None and record.error.kind == "type":
            report.problems.append(
                f"{request!r}: turn {step} does not type-check: {record.error.message}"
            )
        fresh = wire.format_tool_output(record)
        if fresh != stored:
            diff = next(
                (
                    f"stored {a!r} / fresh {b!r}"
                    for a, b in zip_longest(stored.splitlines(), fresh.splitlines())
                    if a != b
                ),
                "",
            )
            found.append(f"{request!r}: turn {step} tool message differs from a fresh run: {diff}")
    return found


def _check(example: wire.Example) -> VerifyReport:
    """Verify one example into a report of its own (merged by `verify_examples`)."""
    report = VerifyReport(checked=1)
    report.per_category[f"{example.meta.group}/{example.meta.category}"] += 1
    blocks = code_blocks(example)
    if not blocks:
        return report
    request = example.meta.request
    try:
        files = workspace_files(example.meta.workspace)
    except (KeyError, ValueError) as exc:
        report.problems.append(f"{request!r}: workspace cannot be rebuilt ({exc})")
        return report
    written: set[str] = set()
    for code, _ in blocks:
        report.problems += [f"{request!r}: {p}" for p in _static_problems(code, files, written)]
    differences = _differences(blocks, files, request, report)
    if differences:
        # One re-run before calling it a mismatch: a tool that timed out on a loaded machine
        # is not a wrong example. Both outcomes are reported; only a repeat fails.
        again = _differences(blocks, files, request, None)
        if again:
            report.mismatches += again
        else:
            report.flaky += [f"{d} (matched on a second run)" for d in differences]
    return report


def verify_examples(
    examples: list[wire.Example], sample: int | None = None, seed: int = 0, workers: int = 2
) -> VerifyReport:
    """Generated examples only: mined ones carry their own provenance (punie-mine verify).

    Examples are checked `workers` at a time (the tools run as subprocesses); the report lists
    them in input order either way.
    """
    generated = [e for e in examples if e.meta.group != "mined"]
    if sample is not None and sample < len(generated):
        generated = random.Random(seed).sample(generated, sample)
    report = VerifyReport()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for part in pool.map(_check, generated):
            report.checked += part.checked
            report.per_category.update(part.per_category)
            report.problems += part.problems
            report.mismatches += part.mismatches
            report.flaky += part.flaky
    return report


def verify_remembered(
    examples: list[wire.Example],
    memo: Memo,
    sample: int | None = None,
    seed: int = 0,
    workers: int = 2,
) -> VerifyReport:
    """`verify_examples` (the same sample) for the build, remembering clean passes in `memo`:
    an example that passed a fresh run in an earlier build, with the same content, code and
    tool versions, is counted as `remembered` instead of re-run; a mismatch, problem or flaky
    run is never remembered (it runs again every build). The key is the whole example
    (messages, workspace) and the tool versions; verify's and the sandbox's code and the
    workspace projects' files are in the table's version (`memo.Derived`)."""
    generated = [e for e in examples if e.meta.group != "mined"]
    if sample is not None and sample < len(generated):
        generated = random.Random(seed).sample(generated, sample)
    versions = json.dumps(tool_versions(), sort_keys=True)
    keys = [memo.key(e.model_dump_json(), versions) for e in generated]
    todo = [e for e, k in zip(generated, keys, strict=True) if not memo.get(k)]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        outcomes = dict(zip(map(id, todo), pool.map(_check, todo), strict=True))
    report = VerifyReport()
    for example, key in zip(generated, keys, strict=True):
        part = outcomes.get(id(example))
        if part is None:
            report.remembered += 1
            part = VerifyReport(checked=1)
            part.per_category[f"{example.meta.group}/{example.meta.category}"] += 1
        elif part.ok and not part.flaky:
            memo.put(key, True)
        report.checked += part.checked
        report.per_category.update(part.per_category)
        report.problems += part.problems
        report.mismatches += part.mismatches
        report.flaky += part.flaky
    return report


def summary_json(report: VerifyReport) -> str:
    return json.dumps(
        {
            "checked": report.checked,
            "mismatches": len(report.mismatches),
            "problems": len(report.problems),
            "flaky": len(report.flaky),
        }
    )
