"""`punie-datagen`: build, verify and inspect the grounded code-mode dataset.

Results go to stdout, progress and problems to stderr (docs/cli-contract.md); exit 0 when the
work was done and nothing is wrong, 1 when it found problems, 2 on bad input.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from punie_datagen import __version__
from punie_datagen.build import BuildError, build, static_problems
from punie_datagen.length import MAX_SEQ_LENGTH
from punie_datagen.suite_guard import DEFAULT_SUITE
from punie_datagen.verify import load_examples, verify_examples

app = typer.Typer(
    help="Grounded code-mode training data: generate from real tool runs, merge, dedup, split, verify.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
_plain = bool(os.environ.get("NO_COLOR")) or not sys.stderr.isatty()
err = Console(stderr=True, soft_wrap=True, no_color=_plain, highlight=False)
out = Console(
    soft_wrap=True,
    no_color=bool(os.environ.get("NO_COLOR")) or not sys.stdout.isatty(),
    highlight=False,
)


def _fail(message: str, hint: str = "", code: int = 2) -> typer.Exit:
    err.print(f"error: {message}" + (f" ({hint})" if hint else ""), markup=False)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        print(f"punie-datagen {__version__}")
        raise typer.Exit(0)


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")
    ] = False,
) -> None:
    """punie-datagen: build, verify and inspect the dataset."""


@app.command("build")
def build_command(
    out_dir: Annotated[Path, typer.Option("--out", help="dataset directory to (re)write")] = Path(
        "data/phase24"
    ),
    seed: Annotated[
        int, typer.Option(help="makes request phrasing, the split plan and the order deterministic")
    ] = 0,
    mined: Annotated[Path | None, typer.Option(help="directory of mined *.jsonl to merge")] = None,
    cache: Annotated[Path, typer.Option(help="content-addressed cache of sandbox runs")] = Path(
        "data/cache/datagen"
    ),
    scale: Annotated[
        float, typer.Option(help="fraction of each category and split to build (fast checks)")
    ] = 1.0,
    verify_sample: Annotated[
        int, typer.Option(help="examples re-run from scratch after the build")
    ] = 40,
    workers: Annotated[int, typer.Option(help="parallel sandbox workers")] = 2,
    suite: Annotated[
        Path | None,
        typer.Option(help="validation suite whose queries must not be training requests"),
    ] = DEFAULT_SUITE,
    tokenizer: Annotated[
        Path | None,
        typer.Option(help="tokenizer.json to count tokens with (default: a reference BPE)"),
    ] = None,
    max_seq_length: Annotated[
        int, typer.Option(help="longest example training accepts, in tokens")
    ] = MAX_SEQ_LENGTH,
    as_json: Annotated[bool, typer.Option("--json", help="print the manifest as JSON")] = False,
) -> None:
    """Generate, merge, deduplicate, split by the plan, write atomically, and verify a sample.

    Example: punie-datagen build --out data/phase24 --mined data/mined
    """
    if not 0 < scale <= 1:
        raise _fail("--scale must be in (0, 1]", "e.g. --scale 0.05")
    if workers < 1 or verify_sample < 0 or max_seq_length < 256:
        raise _fail("--workers ≥ 1, --verify-sample ≥ 0 and --max-seq-length ≥ 256 are required")
    if out_dir.exists() and not out_dir.is_dir():
        raise _fail(f"--out {out_dir} is a file", "give a directory")
    if mined is not None and not mined.is_dir():
        raise _fail(f"--mined {mined} is not a directory")
    if tokenizer is not None and not tokenizer.is_file():
        raise _fail(f"--tokenizer {tokenizer} does not exist", "give a tokenizer.json")
    started = time.perf_counter()
    try:
        result = build(out_dir, seed=seed, mined=mined, cache_dir=cache, scale=scale, verify_sample=verify_sample,
                       workers=workers, suite=suite, tokenizer=tokenizer, max_seq_length=max_seq_length,
                       console=err)  # fmt: skip
    except BuildError as exc:
        err.print(f"error: build failed; {out_dir} was left as it was: {exc}", markup=False)
        raise typer.Exit(1) from exc
    if result.dropped_specs:
        err.print(
            f"{len(result.dropped_specs)} specs dropped (their turns or answers could not be grounded):"
        )
        for line in result.dropped_specs[:10]:
            err.print(f"  {line}", markup=False)
    err.print(f"dataset: {out_dir} ({time.perf_counter() - started:.1f} s)")
    if as_json:
        print(json.dumps(result.manifest, indent=2))
    else:
        _print_stats(result.manifest)


def _print_stats(manifest: dict[str, Any]) -> None:
    table = Table(
        title=f"{manifest['total']} examples ({manifest.get('generated_kept', 0)} generated, {manifest.get('mined', 0)} mined)"
    )
    for column in ("group", "category", "train", "valid", "test"):
        table.add_column(
            column, justify="right" if column in ("train", "valid", "test") else "left"
        )
    for key, splits in manifest.get("by_category_split", {}).items():
        group, _, category = key.partition("/")
        table.add_row(group, category, *(str(splits.get(s, 0)) for s in ("train", "valid", "test")))
    out.print(table)
    d = manifest.get("diversity", {})
    lengths = manifest.get("lengths", {})
    facts = Table(title="diversity, lengths, checks", show_header=False)
    facts.add_column("measure")
    facts.add_column("value", justify="right")
    rows = [
        ("tool calls", d.get("tool_calls")),
        ("distinct code shapes", d.get("code_shapes")),
        ("top-5 shapes' share of calls", _pct(d.get("top5_share"))),
        ("request templates", d.get("request_templates")),
        ("code strategies", d.get("strategies")),
        ("test examples with a train twin", _pct(d.get("test_twin_share"))),
        ("clairvoyant turns or answers", d.get("clairvoyant")),
        ("fix requests that announce the bug", _pct(manifest.get("fix_requests", {}).get("share"))),
        ("longest example (tokens)", f"{lengths.get('max')} of {lengths.get('limit')}"),
        ("examples over the limit (not written)", lengths.get("too_long")),
        ("specs dropped", manifest.get("specs_dropped")),
        (
            "categories missing a split",
            ", ".join(
                f"{k} ({'/'.join(v)})"
                for k, v in manifest.get("categories_missing_a_split", {}).items()
            )
            or "none",
        ),
        ("suite queries checked", manifest.get("suite_check", {}).get("queries", "no")),
        ("verify", json.dumps(manifest.get("verify"))),
    ]
    for name, value in rows:
        facts.add_row(name, "" if value is None else str(value))
    out.print(facts)
    overlap = d.get("split_overlap", {})
    if overlap:
        held = Table(title="held out from train (valid / test)")
        for column in ("group", "valid held", "valid shared", "test held", "test shared"):
            held.add_column(column)
        for key, splits in overlap.items():
            held.add_row(
                key,
                *(
                    str(splits[s][k])
                    for s in ("valid", "test")
                    for k in ("held_out", "shared_with_train")
                ),
            )
        out.print(held)


def _pct(value: object) -> str:
    return f"{float(value):.1%}" if isinstance(value, int | float) else "-"


@app.command("verify")
def verify_command(
    directory: Annotated[Path, typer.Argument(help="dataset directory")],
    sample: Annotated[int | None, typer.Option(help="check only N random examples")] = None,
    seed: Annotated[int, typer.Option(help="which sample")] = 0,
    workers: Annotated[int, typer.Option(help="examples checked in parallel")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON only")] = False,
) -> None:
    """Re-run every example's code on a fresh workspace and check the no-clairvoyance rule;
    exit 1 on any mismatch or problem.

    Example: punie-datagen verify data/phase24 --sample 100
    """
    if not (directory / "train.jsonl").is_file():
        raise _fail(
            f"{directory} holds no train.jsonl", "give a dataset directory written by build"
        )
    if sample is not None and sample < 1:
        raise _fail("--sample must be ≥ 1")
    try:
        examples = load_examples(directory)
    except ValueError as exc:
        raise _fail(f"{directory} holds a line that is not a dataset example: {exc}") from exc
    if not examples:
        raise _fail(f"{directory} holds no examples")
    clairvoyant = static_problems(examples)
    report = verify_examples(examples, sample=sample, seed=seed, workers=workers)
    report.problems += clairvoyant
    summary = {"checked": report.checked, "mismatches": len(report.mismatches),
               "problems": len(report.problems), "clairvoyant": len(clairvoyant), "flaky": len(report.flaky)}  # fmt: skip
    if not as_json:
        table = Table(title="verified examples per category")
        table.add_column("group/category")
        table.add_column("checked", justify="right")
        for key, count in sorted(report.per_category.items()):
            table.add_row(key, str(count))
        out.print(table)
    for line in report.flaky[:10]:
        err.print(f"flaky: {line}", markup=False)
    for line in (report.mismatches + report.problems)[:30]:
        err.print(line, markup=False)
    print(json.dumps(summary))
    raise typer.Exit(0 if report.ok else 1)


@app.command("stats")
def stats_command(
    directory: Annotated[Path, typer.Argument(help="dataset directory")],
    as_json: Annotated[
        bool, typer.Option("--json", help="print the manifest's figures as JSON")
    ] = False,
) -> None:
    """Print the manifest's counts, diversity, lengths and checks as tables.

    Example: punie-datagen stats data/phase24
    """
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except OSError as exc:
        raise _fail(
            f"no readable manifest.json in {directory}", "run punie-datagen build first"
        ) from exc
    except ValueError as exc:
        raise _fail(f"{directory}/manifest.json is not JSON: {exc}") from exc
    if as_json:
        keys = (
            "total",
            "splits",
            "by_category_split",
            "diversity",
            "lengths",
            "fix_requests",
            "suite_check",
            "verify",
        )
        print(json.dumps({k: manifest.get(k) for k in keys}, indent=2))
        return
    _print_stats(manifest)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        raise SystemExit(130) from None


if __name__ == "__main__":
    main()
