"""Build the dataset: generate specs, run them for real (cached, 2 workers), merge mined examples,
deduplicate, split, write atomically with a manifest, and verify a sample."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from punie_datagen.execute import ExecutionCache, run_steps, tool_versions
from punie_datagen.generators import VERSIONS, Spec, all_specs
from punie_datagen.merge import dedup, normalize, split
from punie_datagen.verify import verify_examples
from punie_datagen.workspaces import workspace_files
from punie_tools import wire
from punie_tools.models import ExecutionRecord
from punie_tools.prompt import SYSTEM_PROMPT

__all__ = ["BuildError", "BuildResult", "build"]


class BuildError(Exception):
    """The build could not finish; the previous dataset (if any) is left as it was."""


@dataclass
class BuildResult:
    out: Path
    manifest: dict[str, Any]
    dropped_specs: list[str] = field(default_factory=list)


def _scaled(specs: list[Spec], scale: float) -> list[Spec]:
    if scale >= 1:
        return specs
    strata: dict[tuple[str, str], list[Spec]] = defaultdict(list)
    for spec in specs:
        strata[(spec.group, spec.category)].append(spec)
    return [
        s
        for key in sorted(strata)
        for s in strata[key][: max(1, math.ceil(len(strata[key]) * scale))]
    ]


def _example(spec: Spec, records: list[ExecutionRecord]) -> wire.Example:
    turns = list(zip(spec.steps, records, strict=True))
    messages = wire.code_mode_messages(SYSTEM_PROMPT, spec.request, turns, spec.answer(records))
    meta = wire.ExampleMeta.model_validate(
        {"group": spec.group, "category": spec.category, "source": spec.generator,
         "request": spec.request, "workspace": spec.workspace or {}}
    )  # fmt: skip
    return wire.Example(messages=messages, tools=wire.TOOLS, meta=meta)


def _run(job: tuple[dict[str, str], list[str]]) -> list[dict[str, Any]]:
    return run_steps(*job)


def _execute_all(
    specs: list[Spec], cache: ExecutionCache, workers: int, progress: Progress
) -> list[list[ExecutionRecord]]:
    results: list[list[ExecutionRecord] | None] = [None] * len(specs)
    pending: list[tuple[int, str, tuple[dict[str, str], list[str]]]] = []
    for i, spec in enumerate(specs):
        if not spec.steps:
            results[i] = []
            continue
        files = workspace_files(spec.workspace or {})
        key = cache.key(files, spec.steps)
        cached = cache.get(key)
        if cached is not None:
            results[i] = cached
        else:
            pending.append((i, key, (files, spec.steps)))
    task = progress.add_task("running code in the sandbox", total=len(pending))
    if pending:
        # Threads suffice: the tools run as subprocesses and the sandbox pool is thread-safe.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for (i, key, _), raw in zip(
                pending, pool.map(_run, [job for _, _, job in pending]), strict=True
            ):
                cache.put(key, raw)
                results[i] = [ExecutionRecord.model_validate(r) for r in raw]
                progress.advance(task)
    return [r if r is not None else [] for r in results]


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
                raise BuildError(f"{path}:{number}: not a dataset example: {exc}") from exc
            if example.meta.group != "mined":
                raise BuildError(f"{path}:{number}: mined examples must have meta.group 'mined'")
            examples.append(example)
    return examples


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_atomic(
    out: Path, splits: dict[str, list[wire.Example]], manifest: dict[str, Any]
) -> None:
    """Write into a sibling temp dir, then swap it in; a crash leaves the old dataset whole."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name, examples in splits.items():
            with (tmp / f"{name}.jsonl").open("w", encoding="utf-8") as handle:
                for example in examples:
                    handle.write(example.model_dump_json() + "\n")
        manifest["files"] = {f"{n}.jsonl": _sha256(tmp / f"{n}.jsonl") for n in splits}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        old = out.with_name(f".{out.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build(out: Path, *, seed: int = 0, mined: Path | None = None, cache_dir: Path = Path("data/cache/datagen"),
          scale: float = 1.0, verify_sample: int = 40, workers: int = 2) -> BuildResult:  # fmt: skip
    """Build the dataset into `out`; raises BuildError (leaving `out` untouched) on any failure."""
    specs = _scaled(all_specs(seed), scale)
    cache = ExecutionCache(cache_dir, tool_versions())
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    ) as progress:
        records = _execute_all(specs, cache, workers, progress)
        generated, dropped = [], []
        task = progress.add_task("composing answers from the records", total=len(specs))
        for spec, recs in zip(specs, records, strict=True):
            try:
                generated.append(_example(spec, recs))
            except (ValueError, KeyError, IndexError) as exc:
                dropped.append(f"{spec.request!r}: {exc}")
            progress.advance(task)
    distinct = len({normalize(e.meta.request) for e in generated})
    mined_examples = _load_mined(mined)
    kept, duplicates = dedup([*generated, *mined_examples])
    splits = split(kept, seed)
    report = verify_examples(
        [e for part in splits.values() for e in part],
        sample=verify_sample,
        seed=seed,
        workers=workers,
    )
    if not report.ok:
        raise BuildError(
            "verification failed:\n" + "\n".join((report.mismatches + report.problems)[:20])
        )
    by_group_category: dict[str, Counter[str]] = defaultdict(Counter)
    by_group_split: dict[str, Counter[str]] = defaultdict(Counter)
    by_source: Counter[str] = Counter()
    for name, part in splits.items():
        for example in part:
            by_group_category[example.meta.group][example.meta.category] += 1
            by_group_split[example.meta.group][name] += 1
            by_source[example.meta.source] += 1
    manifest = {
        "total": len(kept),
        "generated": len(generated),
        "generated_kept": sum(1 for e in kept if e.meta.group != "mined"),
        "mined": sum(1 for e in kept if e.meta.group == "mined"),
        "splits": {name: len(part) for name, part in splits.items()},
        "distinct_request_ratio": round(distinct / len(generated), 4) if generated else 0.0,
        "duplicates_dropped": duplicates,
        "answers_dropped": len(dropped),
        "by_group_category": {
            g: dict(sorted(c.items())) for g, c in sorted(by_group_category.items())
        },
        "by_group_split": {g: dict(sorted(c.items())) for g, c in sorted(by_group_split.items())},
        "by_source": dict(sorted(by_source.items())),
        "generator_versions": VERSIONS,
        "tool_versions": cache.versions,
        "verify": {
            "checked": report.checked,
            "mismatches": len(report.mismatches),
            "problems": len(report.problems),
            "flaky": len(report.flaky),
        },
        "seed": seed,
        "scale": scale,
    }
    _write_atomic(out, splits, manifest)
    return BuildResult(out, manifest, dropped)
