"""`punie-datagen`: build, verify and inspect the grounded code-mode dataset."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from punie_datagen.build import BuildError, build
from punie_datagen.verify import load_examples, verify_examples

app = typer.Typer(
    help="Grounded code-mode training data: generate from real tool runs, merge, dedup, split, verify.",
    no_args_is_help=True,
)
console = Console(stderr=True, soft_wrap=True)


@app.command("build")
def build_command(
    out: Annotated[Path, typer.Option(help="dataset directory to (re)write")] = Path(
        "data/phase24"
    ),
    seed: Annotated[
        int, typer.Option(help="makes request phrasing and the split deterministic")
    ] = 0,
    mined: Annotated[Path | None, typer.Option(help="directory of mined *.jsonl to merge")] = None,
    cache: Annotated[Path, typer.Option(help="content-addressed cache of sandbox runs")] = Path(
        "data/cache/datagen"
    ),
    scale: Annotated[
        float, typer.Option(help="fraction of each category to build (fast tests)")
    ] = 1.0,
    verify_sample: Annotated[
        int, typer.Option(help="examples re-run from scratch after the build")
    ] = 40,
    workers: Annotated[int, typer.Option(help="parallel sandbox workers")] = 2,
) -> None:
    """Generate, merge, deduplicate, split 80/10/10, write atomically, and verify a sample."""
    if not 0 < scale <= 1:
        console.print("[red]error:[/red] --scale must be in (0, 1]")
        raise typer.Exit(2)
    started = time.perf_counter()
    try:
        result = build(
            out,
            seed=seed,
            mined=mined,
            cache_dir=cache,
            scale=scale,
            verify_sample=verify_sample,
            workers=workers,
        )
    except BuildError as exc:
        console.print(f"[red]build failed; {out} was left as it was:[/red] {exc}")
        raise typer.Exit(1) from exc
    _print_manifest(result.manifest)
    if result.dropped_specs:
        console.print(
            f"[yellow]{len(result.dropped_specs)} specs dropped (their tool output did not support the answer)[/yellow]"
        )
        for line in result.dropped_specs[:10]:
            console.print(f"  {line}")
    console.print(f"dataset: {out} ({time.perf_counter() - started:.1f} s)")


def _print_manifest(manifest: dict) -> None:
    table = Table(title=f"{manifest['total']} examples")
    for column in ("group", "category", "examples"):
        table.add_column(column)
    for group, cats in manifest["by_group_category"].items():
        for category, count in cats.items():
            table.add_row(group, category, str(count))
    console.print(table)
    console.print(
        f"splits {manifest['splits']}; distinct requests {manifest['distinct_request_ratio']:.1%}; "
        f"duplicates dropped {manifest['duplicates_dropped']}; verify {manifest['verify']}"
    )


@app.command("verify")
def verify_command(
    directory: Annotated[Path, typer.Argument(help="dataset directory")],
    sample: Annotated[int | None, typer.Option(help="check only N random examples")] = None,
    seed: Annotated[int, typer.Option(help="which sample")] = 0,
    workers: Annotated[int, typer.Option(help="examples checked in parallel")] = 2,
) -> None:
    """Re-run every example's code on a fresh workspace; exit 1 on any mismatch or problem."""
    if not (directory / "train.jsonl").is_file():
        console.print(f"[red]error:[/red] {directory} holds no train.jsonl")
        raise typer.Exit(2)
    report = verify_examples(load_examples(directory), sample=sample, seed=seed, workers=workers)
    table = Table(title="verified examples per category")
    table.add_column("group/category")
    table.add_column("checked")
    for key, count in sorted(report.per_category.items()):
        table.add_row(key, str(count))
    console.print(table)
    for line in report.flaky[:10]:
        console.print(f"[yellow]{line}[/yellow]")
    for line in (report.mismatches + report.problems)[:30]:
        console.print(f"[red]{line}[/red]")
    print(
        json.dumps(
            {
                "checked": report.checked,
                "mismatches": len(report.mismatches),
                "problems": len(report.problems),
                "flaky": len(report.flaky),
            }
        )
    )
    raise typer.Exit(0 if report.ok else 1)


@app.command("stats")
def stats_command(directory: Annotated[Path, typer.Argument(help="dataset directory")]) -> None:
    """Print the manifest's counts."""
    try:
        manifest = json.loads((directory / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] no readable manifest in {directory}: {exc}")
        raise typer.Exit(2) from exc
    _print_manifest(manifest)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
