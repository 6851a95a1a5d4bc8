"""`punie-datagen`: build, verify and inspect the grounded code-mode dataset.

Follows docs/cli-contract.md through punie_tools.cli_support: results on stdout, progress and
problems on stderr; every path and value is checked before any work; a user error is one line
`error: …` with exit 2; problems found (a failed verification, clairvoyant turns, a suite
leak) exit 1; `build --out DIR` writes only its own four files into a directory holding nothing
else (or beside other files with `--force`) and never deletes anything.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from punie_datagen import __version__
from punie_datagen.build import (
    TOOL,
    BuildError,
    BuildInputError,
    build,
    is_our_output,
    static_problems,
)
from punie_datagen.length import MAX_SEQ_LENGTH
from punie_datagen.suite_guard import DEFAULT_SUITE
from punie_datagen.verify import SPLITS, verify_examples
from punie_tools import wire
from punie_tools.cli_support import (
    ForceOpt,
    OutputDir,
    UserError,
    check_dir,
    check_in_file,
    make_app,
    read_jsonl,
    run,
    stderr_console,
    stdout_console,
)

app = make_app(
    name=TOOL,
    help="Grounded code-mode training data: generate from real tool runs, merge, dedup, "
    "split, verify.",
    version=__version__,
    example="punie-datagen build --out data/phase24 --mined data/mined",
)
err = stderr_console()
out = stdout_console()


@app.command("build")
def build_command(
    out_dir: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="DIR",
            help="Dataset directory (train/valid/test.jsonl, manifest.json); punie-datagen "
            "writes only into a new, empty or punie-datagen directory.",
        ),
    ] = Path("data/phase24"),
    seed: Annotated[
        int,
        typer.Option(
            metavar="N", help="Makes request phrasing, the split plan and the order deterministic."
        ),
    ] = 0,
    mined: Annotated[
        Path | None, typer.Option(metavar="DIR", help="Directory of mined *.jsonl to merge.")
    ] = None,
    cache: Annotated[
        Path, typer.Option(metavar="DIR", help="Content-addressed cache of sandbox runs.")
    ] = Path("data/cache/datagen"),
    scale: Annotated[
        float,
        typer.Option(
            metavar="F",
            help="Fraction of each category and split to build, in (0, 1] (fast checks).",
        ),
    ] = 1.0,
    verify_sample: Annotated[
        int, typer.Option(metavar="N", min=0, help="Examples re-run from scratch after the build.")
    ] = 40,
    workers: Annotated[int, typer.Option(metavar="N", min=1, help="Parallel sandbox workers.")] = 2,
    suite: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="Validation suite whose queries must not be training requests."
        ),
    ] = DEFAULT_SUITE,
    tokenizer: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE", help="tokenizer.json to count tokens with (default: a reference BPE)."
        ),
    ] = None,
    max_seq_length: Annotated[
        int,
        typer.Option(metavar="N", min=256, help="Longest example training accepts, in tokens."),
    ] = MAX_SEQ_LENGTH,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """Generate, merge, deduplicate, split by the plan, write atomically, and verify a sample.

    Exit 1 when the build finds a problem (a failed verification, a clairvoyant turn, a
    training request that paraphrases a validation query); the previous dataset is then left
    as it was.

    \b
    Example:
      punie-datagen build --out data/phase24 --mined data/mined
    """
    if not 0 < scale <= 1:
        raise UserError(f"--scale must be in (0, 1] (got {scale}; e.g. --scale 0.05)")
    OutputDir(out_dir, tool=TOOL, force=force, recognize=is_our_output)
    check_dir(cache, "--cache")
    if mined is not None and not mined.is_dir():
        raise UserError(f"--mined {mined} is not a directory (give the folder punie-mine wrote)")
    if tokenizer is not None:
        check_in_file(tokenizer, "--tokenizer")
    if suite is not None and (suite != DEFAULT_SUITE or suite.exists()):
        check_in_file(suite, "--suite")
    started = time.perf_counter()
    try:
        result = build(out_dir, seed=seed, mined=mined, cache_dir=cache, scale=scale, verify_sample=verify_sample,
                       workers=workers, suite=suite, tokenizer=tokenizer, max_seq_length=max_seq_length,
                       console=err)  # fmt: skip
    except BuildInputError as exc:
        raise UserError(f"build failed; {out_dir} was left as it was: {exc}") from exc
    except BuildError as exc:
        lines = str(exc).splitlines()
        err.print(f"error: build failed; {out_dir} was left as it was: {lines[0]}", markup=False)
        for line in lines[1:]:
            err.print(f"  {line}", markup=False)
        raise typer.Exit(1) from exc
    if result.dropped_specs:
        err.print(
            f"{len(result.dropped_specs)} specs dropped (their turns or answers could not be grounded):",
            markup=False,
        )
        for line in result.dropped_specs[:10]:
            err.print(f"  {line}", markup=False)
    err.print(f"dataset: {out_dir} ({time.perf_counter() - started:.1f} s)", markup=False)
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


def _load(directory: Path) -> list[wire.Example]:
    """Every example of the dataset in `directory`; a bad line is a one-line UserError."""
    if not directory.is_dir():
        raise UserError(
            f"{directory}: no such directory (give a dataset directory written by build)"
        )
    if not (directory / "train.jsonl").is_file():
        raise UserError(
            f"{directory} holds no train.jsonl (give a dataset directory written by build)"
        )
    examples: list[wire.Example] = []
    for name in SPLITS:
        path = directory / f"{name}.jsonl"
        if path.exists():
            examples += read_jsonl(path, wire.Example.model_validate)
    if not examples:
        raise UserError(
            f"{directory} holds no examples (give a dataset directory written by build)"
        )
    return examples


@app.command("verify")
def verify_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Dataset directory.")],
    sample: Annotated[
        int | None, typer.Option(metavar="N", min=1, help="Check only N random examples.")
    ] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Which sample.")] = 0,
    workers: Annotated[
        int, typer.Option(metavar="N", min=1, help="Examples checked in parallel.")
    ] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON only.")] = False,
) -> None:
    """Re-run every example's code on a fresh workspace and check the no-clairvoyance rule;
    exit 1 on any mismatch or problem.

    \b
    Example:
      punie-datagen verify data/phase24 --sample 100
    """
    examples = _load(directory)
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
    if not report.ok:
        raise typer.Exit(1)


@app.command("stats")
def stats_command(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="Dataset directory.")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the manifest's figures as JSON.")
    ] = False,
) -> None:
    """Print the manifest's counts, diversity, lengths and checks as tables.

    \b
    Example:
      punie-datagen stats data/phase24
    """
    path = directory / "manifest.json"
    if not path.is_file():
        raise UserError(f"no manifest.json in {directory} (run punie-datagen build first)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read it ({exc})") from exc
    except ValueError as exc:
        raise UserError(f"{path} is not JSON ({exc})") from exc
    if not isinstance(manifest, dict) or "by_category_split" not in manifest:
        raise UserError(f"{path} is not a punie-datagen manifest (run punie-datagen build)")
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
    run(app, prog=TOOL)


__all__ = ["app", "main"]

if __name__ == "__main__":
    main()
