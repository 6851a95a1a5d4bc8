"""Run plans in the real sandbox on a copy of the source and keep the examples they ground."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from punie_mine.envs import prepare_deps_env
from punie_mine.grounding import check_messages
from punie_mine.index import SKIP_DIRS, RepoIndex, build_index
from punie_mine.plan import Plan
from punie_mine.sources import ResolvedSource
from punie_mine.strategies import code_plans, concept_plans, testing_plans, tool_plans
from punie_mine.targets import DEFAULT_TARGETS, TargetsError, parse_targets
from punie_tools import wire
from punie_tools.cli_support import open_atomic, write_atomic
from punie_tools.models import ExecutionRecord
from punie_tools.prompt import SYSTEM_PROMPT
from punie_tools.sandbox import run_code

__all__ = ["DEFAULT_TARGETS", "MineReport", "TargetsError", "mine", "parse_targets"]

SOURCE_VERSION = "punie-mine/2"
# Characters of one conversation after the system prompt (about 1,000 tokens): with the system
# prompt and tool schema an example then fits the profiles' max_seq_length of 2,048 tokens.
MAX_EXAMPLE_CHARS = 3600


@dataclass
class MineReport:
    name: str
    source: str
    counts: Counter[str] = field(default_factory=Counter)
    targets: dict[str, int] = field(default_factory=dict)
    tried: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(
        default_factory=Counter
    )  # plans whose tool output did not ground the answer
    missing: list[str] = field(default_factory=list)
    origin: str = ""  # path | git | pypi
    commit: str | None = None
    environment: str = ""  # what was installed for the tools (see punie_mine.envs)
    clairvoyant: Counter[str] = field(default_factory=Counter)  # dropped by the grounding rule
    kinds: Counter[str] = field(default_factory=Counter)  # examples kept per template
    too_long: Counter[str] = field(default_factory=Counter)  # dropped: would not fit training


def _copy_source(root: Path, dest: Path) -> None:
    """Mine a copy: the user's tree is never touched, and tools may write caches in the copy."""

    def ignore(directory: str, entries: list[str]) -> list[str]:
        return [e for e in entries if e in SKIP_DIRS or e.endswith(".egg-info")]

    shutil.copytree(root, dest, ignore=ignore, symlinks=True)


def _example(
    plan: Plan,
    records: list[ExecutionRecord],
    answer: str,
    name: str,
    resolved: ResolvedSource,
) -> wire.Example:
    turns = list(zip(plan.steps, records, strict=True))
    messages = wire.code_mode_messages(SYSTEM_PROMPT, plan.request, turns, answer)
    workspace = {
        "source": resolved.spec,
        "name": name,
        "generator": SOURCE_VERSION,
        "kind": plan.kind,
        "origin": resolved.origin,
    }
    if resolved.commit:
        workspace["commit"] = resolved.commit
    meta = wire.ExampleMeta(
        group="mined",
        category=plan.category,
        source=f"mined:{name}",
        request=plan.request,
        workspace=workspace,
        provenance=[s.as_dict(name) for s in plan.spans],
    )
    return wire.Example(messages=messages, tools=wire.TOOLS, meta=meta)


def _size(example: wire.Example) -> int:
    return sum(
        len(m.get("content") or "") + len(json.dumps(m.get("tool_calls") or ""))
        for m in example.messages[1:]
    )


def _planners(can_run_tests: bool) -> dict[str, Callable[[RepoIndex, str], list[Plan]]]:
    return {
        "code": code_plans,
        "testing": lambda index, repo: testing_plans(index, repo, can_run_tests=can_run_tests),
        "concepts": concept_plans,
        "tools": tool_plans,
    }


def mine(
    resolved: ResolvedSource,
    name: str,
    targets: dict[str, int],
    *,
    python: str | None = None,
    progress: Callable[[str, int], None] | None = None,
    cache: Path | None = None,
) -> tuple[list[wire.Example], MineReport]:
    """Mine up to `targets[category]` grounded examples per category from one source tree.

    With `cache`, the repository's declared dependencies are installed (once, cached) where ty
    finds them, so its findings are the repository's own.
    """
    report = MineReport(
        name,
        resolved.spec,
        targets=dict(targets),
        missing=list(resolved.missing),
        origin=resolved.origin,
        commit=resolved.commit,
    )
    examples: list[wire.Example] = []
    seen: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="punie-mine-") as tmp:
        workspace = Path(tmp) / name
        _copy_source(resolved.root, workspace)
        index = build_index(workspace)
        if cache is not None and targets.get("tools", 0):
            report.environment = prepare_deps_env(resolved.root, workspace, cache).status
        else:
            report.environment = "not prepared"
        env_python = {"PUNIE_PYTEST_PYTHON": python} if python else {}
        old = {k: os.environ.get(k) for k in env_python}
        os.environ.update(env_python)
        try:
            for category, planner in _planners(python is not None).items():
                wanted = targets.get(category, 0)
                for plan in planner(index, name):
                    if report.counts[category] >= wanted:
                        break
                    key = " ".join(plan.request.lower().split())
                    if key in seen:
                        continue
                    report.tried[category] += 1
                    records = [run_code(code, workspace) for code in plan.steps]
                    answer = plan.answer(records)
                    if answer is None:
                        report.dropped[category] += 1
                        continue
                    example = _example(plan, records, answer, name, resolved)
                    if _size(example) > MAX_EXAMPLE_CHARS:
                        report.too_long[category] += 1
                        report.dropped[category] += 1
                        continue
                    quoted = [index.span(sp.file, sp.start_line, sp.end_line) for sp in plan.spans]
                    quoted += [sp.file for sp in plan.spans]
                    if check_messages(example.messages, quoted):
                        report.clairvoyant[category] += 1
                        report.dropped[category] += 1
                        continue
                    seen.add(key)
                    examples.append(example)
                    report.counts[category] += 1
                    report.kinds[plan.kind] += 1
                    if progress:
                        progress(category, report.counts[category])
        finally:
            for key, value in old.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return examples, report


def write_jsonl(path: Path, examples: list[wire.Example]) -> None:
    """Atomic: the previous file stays intact until the new one is complete."""
    with open_atomic(path) as handle:
        for example in examples:
            handle.write(example.model_dump_json() + "\n")


def report_json(report: MineReport) -> str:
    return json.dumps(
        {
            "name": report.name,
            "source": report.source,
            "counts": dict(report.counts),
            "targets": report.targets,
            "tried": dict(report.tried),
            "dropped": dict(report.dropped),
            "missing": report.missing,
            "origin": report.origin,
            "commit": report.commit,
            "environment": report.environment,
            "clairvoyant_dropped": dict(report.clairvoyant),
            "kinds": dict(report.kinds),
            "too_long_dropped": dict(report.too_long),
        },
        indent=2,
    )


def write_text_atomic(path: Path, text: str) -> None:
    """Write a small text file atomically, beside its final name."""
    write_atomic(path, text)
