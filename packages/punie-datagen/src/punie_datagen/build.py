"""Build the dataset: generate specs, run them for real (cached, 2 workers), check them, merge
mined examples, deduplicate, split by the plan, write atomically with a manifest, verify a sample."""

from __future__ import annotations

import hashlib
import json
import math
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

import punie_tools
from punie_datagen.clairvoyance import api_names, check_messages
from punie_datagen.execute import (
    ExecutionCache,
    StepError,
    ToolUnavailable,
    run_spec,
    tool_versions,
)
from punie_datagen.generators import VERSIONS, Spec, all_specs
from punie_datagen.length import MAX_SEQ_LENGTH, TokenCounter
from punie_datagen.memo import Derived, digest, tree_version
from punie_datagen.merge import dedup, normalize, split
from punie_datagen.shapes import diversity
from punie_datagen.suite_guard import DEFAULT_SUITE, find_leaks, load_queries
from punie_datagen.verify import verify_remembered
from punie_datagen.workspaces import workspace_files
from punie_tools import confine, wire
from punie_tools.cli_support import OutputDir, no_interrupt
from punie_tools.models import ExecutionRecord
from punie_tools.prompt import SYSTEM_PROMPT

__all__ = [
    "TOOL",
    "BuildError",
    "BuildInputError",
    "BuildResult",
    "build",
    "is_our_output",
    "static_problems",
]

TOOL = "punie-datagen"


class BuildError(Exception):
    """The build could not finish; the previous dataset (if any) is left as it was."""


class BuildInputError(BuildError):
    """The build's input is unusable (a mined file, the suite, the tools themselves): nothing
    useful could be done (the CLI exits 2, not 1)."""


@dataclass
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    dropped_specs: list[str] = field(default_factory=list)


def _scaled(specs: list[Spec], scale: float) -> list[Spec]:
    """A fraction of every (group, category, split) stratum, at least one of each."""
    if scale >= 1:
        return specs
    strata: dict[tuple[str, str, str], list[Spec]] = defaultdict(list)
    for spec in specs:
        strata[(spec.group, spec.category, spec.split)].append(spec)
    keep = {
        id(s)
        for key in sorted(strata)
        for s in strata[key][: max(1, math.ceil(len(strata[key]) * scale))]
    }
    return [s for s in specs if id(s) in keep]


def _meta(spec: Spec) -> wire.ExampleMeta:
    return wire.ExampleMeta.model_validate(
        {
            "group": spec.group,
            "category": spec.category,
            "source": spec.generator,
            "request": spec.request,
            "workspace": spec.workspace or {},
            "project": spec.project,
            "template": spec.template,
            "strategy": spec.strategy,
            "answer_template": spec.answer_template,
            "split": spec.split,
            **({"knowledge": spec.knowledge} if spec.knowledge else {}),
        }
    )


def _example(spec: Spec, codes: list[str], records: list[ExecutionRecord]) -> wire.Example:
    turns = list(zip(codes, records, strict=True))
    messages = wire.code_mode_messages(SYSTEM_PROMPT, spec.request, turns, spec.answer(records))
    return wire.Example(messages=messages, tools=wire.TOOLS, meta=_meta(spec))


def _clairvoyance_key(derived: Derived, example: wire.Example) -> str:
    return derived.clairvoyance.key(
        json.dumps(example.messages, sort_keys=True),
        json.dumps(example.meta.workspace, sort_keys=True),
    )


CHUNK = 16
"""Specs a build thread runs one after another. A generator's specs come in a row and often
share workspace states; handed out one by one, both threads reached the same states at the
same moment and ran the same tools on them (measured on a full cold build: 181 of 551 pytest
runs were such twins). In runs of 16 one thread meets its chunk's shared states in turn, and
hits the tool cache for all but the first."""


def _chunks(items: list[Spec], size: int) -> list[list[Spec]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _in_threads(
    work: Callable[[list[Spec], Path], list[wire.Example | str]],
    chunks: list[list[Spec]],
    workers: int,
) -> list[list[wire.Example | str]]:
    """`work(chunk, workspace)` of every chunk, in order, on `workers` threads. Each thread
    runs all its specs in one workspace folder of its own, inside one `confine.session` with
    `pytest_zygote=True`: its sandboxes (one per kind of tool call) last for the whole build
    instead of one run, and its pytest runs are forks of a pytest already imported (about 0.2
    CPU-s a run against 0.45-0.6 for a new interpreter). `verify` re-runs every example the
    ordinary way (a new workspace, sandbox and interpreter per run) and compares. The first
    error stops the other threads after their current chunk and is raised here."""
    results: list[list[wire.Example | str] | None] = [None] * len(chunks)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(chunks)):
        todo.put(index)
    failures: list[BaseException] = []

    def thread() -> None:
        try:
            with (
                tempfile.TemporaryDirectory(prefix="punie-datagen-") as tmp,
                confine.session(pytest_zygote=True),
            ):
                workspace = Path(tmp) / "workspace"
                workspace.mkdir()
                while not failures:
                    try:
                        index = todo.get_nowait()
                    except queue.Empty:
                        return
                    results[index] = work(chunks[index], workspace)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=thread, daemon=True) for _ in range(max(1, workers))]
    for started in threads:
        started.start()
    for started in threads:
        started.join()
    if failures:
        raise failures[0]
    return [r for r in results if r is not None]


def _execute(
    spec: Spec, cache: ExecutionCache, derived: Derived | None = None,
    workspace: Path | None = None,
) -> wire.Example | str:  # fmt: skip
    """The spec run and composed into an example, or the reason it was dropped."""
    try:
        files = workspace_files(spec.workspace) if spec.workspace else {}
        spec.rewind()
        codes, records = (
            run_spec(files, spec.steps, cache, reset=spec.rewind, workspace=workspace)
            if spec.steps
            else ([], [])
        )
        example = _example(spec, codes, records)
    except (StepError, ValueError, KeyError, IndexError) as exc:
        return f"{spec.category} {spec.request!r}: {exc}"
    unrepeatable = _unrepeatable(example)
    if unrepeatable is not None:
        return f"{spec.category} {spec.request!r}: {unrepeatable}"
    if spec.workspace:
        problems = check_messages(example.messages, api_names(files))
        if derived is not None:  # the build's own check of this example: the same finding
            derived.clairvoyance.put(_clairvoyance_key(derived, example), problems)
        if problems:
            return f"{spec.category} {spec.request!r}: {problems[0]}"
    return example


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{4,}>")
"""How Python prints an object that has no repr of its own (`<function f at 0x7f3a...>`): its
memory address, different in every run."""


def _unrepeatable(example: wire.Example) -> str | None:
    """Why a fresh run of `example` could not print the same tool outputs, if it could not: an
    object's memory address in one (no rerun reproduces it, and it teaches nothing)."""
    tool_turn = 0
    for message in example.messages:
        if message.get("role") != "tool":
            continue
        found = _ADDRESS.search(str(message.get("content", "")))
        if found is not None:
            return (
                f"tool output {tool_turn} holds an object's memory address "
                f"({found.group().strip()}), which no fresh run reproduces"
            )
        tool_turn += 1
    return None


def static_problems(examples: list[wire.Example], derived: Derived | None = None) -> list[str]:
    """The no-clairvoyance rule over every generated example (no tools run). With `derived`,
    an example's findings are remembered under its messages and workspace (and the checker's
    code and the projects' files, in the table's version)."""
    problems = []
    for example in examples:
        if example.meta.group == "mined" or not example.meta.workspace:
            continue
        key = ""
        if derived is not None:
            key = _clairvoyance_key(derived, example)
            found = derived.clairvoyance.get(key)
            if found is not None:
                problems += [f"{example.meta.request!r}: {p}" for p in found]
                continue
        try:
            api = api_names(workspace_files(example.meta.workspace))
        except (KeyError, ValueError) as exc:
            problems.append(f"{example.meta.request!r}: workspace cannot be rebuilt ({exc})")
            continue
        found = check_messages(example.messages, api)
        if derived is not None:
            derived.clairvoyance.put(key, found)
        problems += [f"{example.meta.request!r}: {p}" for p in found]
    return problems


def _load_mined(directory: Path | None) -> list[wire.Example]:
    if directory is None or not directory.is_dir():
        return []
    examples = []
    for path in sorted(directory.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                example = wire.Example.model_validate_json(line)
            except ValueError as exc:
                raise BuildInputError(f"{path}:{number}: not a dataset example: {exc}") from exc
            if example.meta.group != "mined":
                raise BuildInputError(
                    f"{path}:{number}: mined examples must have meta.group 'mined'"
                )
            examples.append(example)
    return examples


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


OUTPUTS = ("train.jsonl", "valid.jsonl", "test.jsonl", "manifest.json")


def _write_atomic(
    out: Path, splits: dict[str, list[wire.Example]], manifest: dict[str, Any]
) -> None:
    """Write the splits and the manifest into a sibling staging folder, then move each file
    into `out` (manifest.json last) and record them in `out`'s `.punie-output.json`. A failure
    before the moves leaves the previous dataset whole; nothing else in `out` is touched."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, examples in splits.items():
            with (tmp / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
                for example in examples:
                    handle.write(example.model_dump_json() + "\n")
        manifest["files"] = {f"{n}.jsonl": _sha256(tmp / f"{n}.jsonl") for n in splits}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        target = OutputDir(out, tool=TOOL, force=True)  # writes beside anything else there
        out.mkdir(parents=True, exist_ok=True)
        names = [*(f"{n}.jsonl" for n in splits), "manifest.json"]
        mode = _file_mode(out)
        with no_interrupt():
            for name in names:
                os.chmod(tmp / name, mode)
                os.replace(tmp / name, out / name)
            target.record(*names)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _file_mode(directory: Path) -> int:
    """The permission bits of the dataset files already there, else 0o666 less the umask."""
    for name in OUTPUTS:
        if (directory / name).is_file():
            return (directory / name).stat().st_mode & 0o777
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def is_our_output(path: Path) -> bool:
    """Whether `path` is a dataset file an earlier punie-datagen wrote (before the ownership
    manifest existed): one of the four names, beside a manifest.json with generator versions."""
    if path.name not in OUTPUTS:
        return False
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "generator_versions" in manifest


def _suite_check(requests: list[str], suite: Path | None, derived: Derived) -> dict[str, Any]:
    if suite is None:
        return {"checked": False, "reason": "no suite file given"}
    if not suite.is_file():
        if suite == DEFAULT_SUITE:
            return {"checked": False, "reason": f"{suite} not found"}
        raise BuildInputError(f"suite file {suite} does not exist")
    try:
        queries = load_queries(suite)
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # tomllib's error is a ValueError
        raise BuildInputError(f"suite file {suite} cannot be read: {exc}") from exc
    key = derived.suite.key(json.dumps(queries), json.dumps(requests))
    leaks = [] if derived.suite.get(key) == 0 else find_leaks(requests, queries)
    if not leaks:  # only a clean check is remembered: a leak is found again every build
        derived.suite.put(key, 0)
    if leaks:
        lines = [
            f"{leak.request!r} ~ {leak.query!r} (words {leak.words}, text {leak.text})"
            for leak in leaks[:20]
        ]
        raise BuildError(
            f"{len(leaks)} training requests equal or paraphrase validation queries:\n"
            + "\n".join(lines)
        )
    return {"checked": True, "suite": str(suite), "queries": len(queries), "leaks": 0}


def _lengths(
    splits: dict[str, list[wire.Example]], counter: TokenCounter, derived: Derived | None = None
) -> tuple[dict[str, list[wire.Example]], dict[str, Any]]:
    examples = [e for part in splits.values() for e in part]
    memo = derived.tokens if derived is not None else None
    counts = dict(zip(map(id, examples), counter.counts(examples, memo), strict=True))

    def fits(e: wire.Example) -> bool:
        return counts[id(e)] <= counter.limit or e.meta.group == "mined"

    over = [e for e in examples if counts[id(e)] > counter.limit]
    ordered = sorted(counts[id(e)] for e in examples if fits(e))  # what is written
    by_category: dict[str, int] = defaultdict(int)
    for e in examples:
        if not fits(e):
            continue
        key = f"{e.meta.group}/{e.meta.category}"
        by_category[key] = max(by_category[key], counts[id(e)])
    report = {
        "tokenizer": "given"
        if counter.exact
        else "reference byte-level BPE: the smoke tokenizer's recipe on the same text",
        "limit": counter.limit,
        "max_seq_length": counter.max_seq_length,
        "max": ordered[-1] if ordered else 0,
        "max_generated_before_the_limit": max(counts.values(), default=0),
        "p50": ordered[len(ordered) // 2] if ordered else 0,
        "p95": ordered[int(len(ordered) * 0.95)] if ordered else 0,
        "too_long": sum(1 for e in over if e.meta.group != "mined"),
        "mined_too_long": sum(1 for e in over if e.meta.group == "mined"),
        "too_long_by_category": dict(
            sorted(Counter(f"{e.meta.group}/{e.meta.category}" for e in over).items())
        ),
        "max_by_category": dict(sorted(by_category.items())),
    }
    return {name: [e for e in part if fits(e)] for name, part in splits.items()}, report


def _merge_lengths(first: dict[str, Any], later: dict[str, Any]) -> dict[str, Any]:
    """The last round's measures, with the over-long counts of every round added up."""
    merged = dict(later)
    merged["too_long"] = first["too_long"] + later["too_long"]
    by_category = Counter(first["too_long_by_category"]) + Counter(later["too_long_by_category"])
    merged["too_long_by_category"] = dict(sorted(by_category.items()))
    merged["max_generated_before_the_limit"] = first["max_generated_before_the_limit"]
    return merged


def _fix_announced(examples: list[wire.Example]) -> dict[str, Any]:
    fixes = [
        e
        for e in examples
        if str((e.meta.model_extra or {}).get("template", "")).split("/")[0].endswith("fix")
    ]
    announced = [
        e for e in fixes if "/announce/" in str((e.meta.model_extra or {}).get("template", ""))
    ]
    return {
        "fix_requests": len(fixes),
        "announce_the_bug": len(announced),
        "share": round(len(announced) / len(fixes), 4) if fixes else 0.0,
    }


def _generation_key(seed: int, scale: float, versions: dict[str, str]) -> str:
    """What the generated examples depend on: the seed and scale, every file of this package
    (generators, workspace projects, knowledge) and of punie-tools, and the tool versions
    (the sandbox caches assume the same tool on the same files gives the same result), and
    pydantic's version (it writes the examples)."""
    return digest(
        "generated",
        str(seed),
        repr(float(scale)),
        tree_version(Path(__file__).parent),
        tree_version(Path(punie_tools.__file__).parent),
        json.dumps(versions, sort_keys=True),
        pydantic.VERSION,
    )


def _generate(
    seed: int,
    scale: float,
    suite: Path | None,
    cache_dir: Path,
    versions: dict[str, str],
    workers: int,
    console: Console,
    derived: Derived,
) -> tuple[list[wire.Example], list[str], list[str], dict[str, Any]]:
    """Every spec run in the sandbox (through the turn and tool caches) and composed:
    (examples, dropped specs' reasons, every spec's request, tool cache counts + suite report)."""
    specs = _scaled(all_specs(seed), scale)
    if not specs:
        raise BuildInputError("no specs to build")
    requests = [s.request for s in specs]
    suite_report = _suite_check(requests, suite, derived)
    cache = ExecutionCache(cache_dir, versions)
    generated: list[wire.Example] = []
    dropped: list[str] = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=not console.is_terminal,
    ) as progress:  # fmt: skip
        task = progress.add_task("running code in the sandbox", total=len(specs))

        def run_chunk(chunk: list[Spec], workspace: Path) -> list[wire.Example | str]:
            outcomes = []
            for spec in chunk:
                outcomes.append(_execute(spec, cache, derived, workspace))
                progress.advance(task)
            return outcomes

        try:
            for outcomes in _in_threads(run_chunk, _chunks(specs, CHUNK), workers):
                for outcome in outcomes:
                    if isinstance(outcome, str):
                        dropped.append(outcome)
                    else:
                        generated.append(outcome)
        except ToolUnavailable as exc:
            raise BuildInputError(f"{exc} (nothing was written)") from exc
    if not generated:
        raise BuildInputError("every spec was dropped:\n" + "\n".join(dropped[:20]))
    counts = {"runs": cache.tools.runs, "hits": cache.tools.hits, "suite": suite_report}
    return generated, dropped, requests, counts


def build(out: Path, *, seed: int = 0, mined: Path | None = None, cache_dir: Path = Path("data/cache/datagen"),
          scale: float = 1.0, verify_sample: int = 40, workers: int = 2, suite: Path | None = DEFAULT_SUITE,
          tokenizer: Path | None = None, max_seq_length: int = MAX_SEQ_LENGTH,
          console: Console | None = None) -> BuildResult:  # fmt: skip
    """Build the dataset into `out`; raises BuildError (leaving `out` untouched) on any failure."""
    console = console or Console(stderr=True, no_color=not sys.stderr.isatty())
    versions = tool_versions()
    derived = Derived(cache_dir)
    key = _generation_key(seed, scale, versions)
    remembered = derived.load_generated(key)
    if remembered is not None:
        generated, dropped, requests = remembered
        suite_report = _suite_check(requests, suite, derived)
        tool_cache = {"runs": 0, "hits": 0, "generation": "remembered"}
    else:
        generated, dropped, requests, tool_cache = _generate(
            seed, scale, suite, cache_dir, versions, workers, console, derived
        )
        suite_report = tool_cache.pop("suite")
        derived.save_generated(key, generated, dropped, requests)
    distinct = len({normalize(e.meta.request) for e in generated})
    mined_examples = _load_mined(mined)
    kept, duplicates = dedup([*generated, *mined_examples])
    splits = split(kept, seed)
    # Lengths are measured on the final splits: the reference tokenizer learns from train and
    # valid, as the smoke model's does; over-long generated examples are not written.
    # The smoke tokenizer is trained on what is written, so dropping an over-long example
    # changes it a little: measure again until nothing more is dropped (two rounds, usually).
    length_report: dict[str, Any] = {}
    for _ in range(4):
        counter = (
            TokenCounter.from_file(tokenizer, max_seq_length)
            if tokenizer
            else TokenCounter.reference(
                [*splits["train"], *splits["valid"]], max_seq_length, cache_dir=cache_dir
            )
        )
        before = sum(len(part) for part in splits.values())
        splits, round_report = _lengths(splits, counter, derived)
        length_report = (
            _merge_lengths(length_report, round_report) if length_report else round_report
        )
        if sum(len(part) for part in splits.values()) == before or tokenizer:
            break
    kept = [e for part in splits.values() for e in part]
    generated = [e for e in kept if e.meta.group != "mined"]
    everything = kept
    clairvoyant = static_problems(everything, derived)
    if clairvoyant:
        raise BuildError(
            f"{len(clairvoyant)} clairvoyant turns or answers:\n" + "\n".join(clairvoyant[:20])
        )
    report = verify_remembered(
        everything, derived.verify, sample=verify_sample, seed=seed, workers=workers
    )
    if not report.ok:
        raise BuildError(
            "verification failed:\n" + "\n".join((report.mismatches + report.problems)[:20])
        )
    by_group_category: dict[str, Counter[str]] = defaultdict(Counter)
    by_group_split: dict[str, Counter[str]] = defaultdict(Counter)
    by_category_split: dict[str, Counter[str]] = defaultdict(Counter)
    by_source: Counter[str] = Counter()
    by_project: Counter[str] = Counter()
    for name, part in splits.items():
        for example in part:
            by_group_category[example.meta.group][example.meta.category] += 1
            by_group_split[example.meta.group][name] += 1
            by_category_split[f"{example.meta.group}/{example.meta.category}"][name] += 1
            by_source[example.meta.source] += 1
            project = (example.meta.model_extra or {}).get("project")
            if project:
                by_project[str(project)] += 1
    manifest = {
        "total": len(kept),
        "generated": len(generated),
        "generated_kept": sum(1 for e in kept if e.meta.group != "mined"),
        "mined": sum(1 for e in kept if e.meta.group == "mined"),
        "splits": {name: len(part) for name, part in splits.items()},
        "distinct_request_ratio": round(distinct / len(generated), 4) if generated else 0.0,
        "duplicates_dropped": duplicates,
        "specs_dropped": len(dropped),
        "by_group_category": {
            g: dict(sorted(c.items())) for g, c in sorted(by_group_category.items())
        },
        "by_group_split": {g: dict(sorted(c.items())) for g, c in sorted(by_group_split.items())},
        "by_category_split": {
            k: dict(sorted(c.items())) for k, c in sorted(by_category_split.items())
        },
        "categories_missing_a_split": {
            k: [s for s in ("train", "valid", "test") if not c.get(s)]
            for k, c in sorted(by_category_split.items())
            if any(not c.get(s) for s in ("train", "valid", "test"))
        },
        "by_project": dict(sorted(by_project.items())),
        "by_source": dict(sorted(by_source.items())),
        "diversity": diversity(splits, len(clairvoyant), derived.shapes),
        "lengths": length_report,
        "fix_requests": _fix_announced(generated),
        "suite_check": suite_report,
        "generator_versions": VERSIONS,
        "tool_versions": versions,
        "tool_cache": tool_cache,
        "verify": {
            "checked": report.checked,
            "mismatches": len(report.mismatches),
            "problems": len(report.problems),
            "flaky": len(report.flaky),
            "remembered": report.remembered,
        },
        "seed": seed,
        "scale": scale,
    }
    derived.save()
    manifest["derived_cache"] = derived.stats()
    _write_atomic(out, splits, manifest)
    return BuildResult(out, manifest, dropped)
