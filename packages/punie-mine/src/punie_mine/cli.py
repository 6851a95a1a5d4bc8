"""`punie-mine`: mine repositories into grounded code-mode examples, and verify their quotes."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from punie_mine.miner import (
    DEFAULT_TARGETS,
    TargetsError,
    mine,
    parse_targets,
    report_json,
    write_jsonl,
)
from punie_mine.sources import SourceError, resolve_source
from punie_mine.verify import verify_file

app = typer.Typer(
    help="Mine repositories (src/ → code, docs/ → concepts, tests/ → testing) into grounded examples."
)
console = Console(stderr=True, soft_wrap=True)
DEFAULT_CACHE = Path(os.environ.get("PUNIE_MINE_CACHE", "data/cache/mine"))
TARGETS_HELP = "per-category counts, e.g. code=15,testing=15,concepts=15,tools=10"


def _mine_one(
    source: str, name: str, out: Path, targets: dict[str, int], python: str | None, cache: Path
) -> dict[str, int]:
    resolved = resolve_source(source, cache)
    if resolved.missing:
        console.print(
            f"[yellow]{name}: the source has no {', '.join(resolved.missing)}; mining what is there[/yellow]"
        )
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        tasks = {c: bar.add_task(f"{name} {c}", total=n) for c, n in targets.items() if n}
        examples, report = mine(
            resolved,
            name,
            targets,
            python=python,
            progress=lambda c, n: bar.update(tasks[c], completed=n),
        )
    write_jsonl(out, examples)
    out.with_suffix(".report.json").write_text(report_json(report) + "\n")
    for category, wanted in targets.items():
        got = report.counts[category]
        if got < wanted:
            console.print(
                f"[yellow]{name}: {category} {got}/{wanted}: the source grounds no more "
                f"({report.dropped[category]} candidates dropped for lack of evidence)[/yellow]"
            )
    console.print(f"{name}: {len(examples)} examples → {out}")
    return dict(report.counts)


@app.command("mine")
def mine_command(
    source: Annotated[str, typer.Argument(help="a local directory, or pypi:NAME[==VERSION]")],
    name: Annotated[str, typer.Option(help="repository name used in requests and provenance")],
    out: Annotated[
        Path | None, typer.Option(help="output JSONL (default data/mined/NAME.jsonl)")
    ] = None,
    targets: Annotated[
        str, typer.Option(help=TARGETS_HELP)
    ] = "code=15,testing=15,concepts=15,tools=10",
    python: Annotated[
        str | None,
        typer.Option(
            help="interpreter able to run the repository's tests; without it no test is run"
        ),
    ] = None,
    cache: Annotated[Path, typer.Option(help="where downloaded sdists are kept")] = DEFAULT_CACHE,
) -> None:
    """Mine one source."""
    try:
        wanted = parse_targets(targets)
        _mine_one(source, name, out or Path("data/mined") / f"{name}.jsonl", wanted, python, cache)
    except (SourceError, TargetsError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _entry_source(name: str, entry: dict) -> str | None:
    """A local path (from the env or the file) overrides the PyPI source."""
    env = os.environ.get(f"PUNIE_SOURCE_{name.upper().replace('-', '_')}")
    for candidate in (env, entry.get("path")):
        if candidate:
            if Path(candidate).expanduser().is_dir():
                return candidate
            console.print(f"[yellow]{name}: local path {candidate!r} does not exist[/yellow]")
    pypi = entry.get("pypi")
    return f"pypi:{pypi}" if pypi else None


@app.command("all")
def all_command(
    sources: Annotated[Path, typer.Option(help="TOML file naming the sources")] = Path(
        "data/sources.toml"
    ),
    out: Annotated[Path, typer.Option(help="output directory")] = Path("data/mined"),
    python: Annotated[
        str | None, typer.Option(help="interpreter able to run the repositories' tests")
    ] = None,
    cache: Annotated[Path, typer.Option(help="where downloaded sdists are kept")] = DEFAULT_CACHE,
) -> None:
    """Mine every source named in a sources TOML; a source that cannot be found is skipped."""
    try:
        config = tomllib.loads(sources.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        console.print(f"[red]error:[/red] cannot read {sources}: {exc}")
        raise typer.Exit(2) from exc
    table = Table(title="mined examples")
    for column in ("source", *DEFAULT_TARGETS, "status"):
        table.add_column(column)
    for name, entry in config.get("sources", {}).items():
        spec = _entry_source(name, entry)
        try:
            if spec is None:
                raise SourceError(
                    "no PyPI release and no local path: set `path` in the file or "
                    f"PUNIE_SOURCE_{name.upper().replace('-', '_')}"
                )
            targets = parse_targets(entry.get("targets", ""))
            counts = _mine_one(spec, name, out / f"{name}.jsonl", targets, python, cache)
            table.add_row(
                name, *(f"{counts.get(c, 0)}/{targets.get(c, 0)}" for c in DEFAULT_TARGETS), spec
            )
        except (SourceError, TargetsError) as exc:
            console.print(f"[yellow]warning: skipping {name}: {exc}[/yellow]")
            table.add_row(name, *("-" for _ in DEFAULT_TARGETS), "skipped")
    console.print(table)


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="a mined JSONL file")],
    source: Annotated[
        str | None, typer.Option(help="source to check against (default: the one recorded)")
    ] = None,
    cache: Annotated[Path, typer.Option(help="where downloaded sdists are kept")] = DEFAULT_CACHE,
) -> None:
    """Check that every quoted span of every example still matches the source."""
    if not file.is_file():
        console.print(f"[red]error:[/red] no such file {file}")
        raise typer.Exit(2)
    try:
        report = verify_file(file, source, cache)
    except SourceError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    for problem in report.problems[:50]:
        console.print(f"[red]{problem}[/red]")
    print(
        f"{report.examples} examples, {report.spans} quoted spans, {len(report.problems)} problems"
    )
    raise typer.Exit(0 if report.ok else 1)


def main() -> None:
    """`punie-mine SOURCE --name N` is short for `punie-mine mine SOURCE --name N`."""
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and args[0] not in {"mine", "all", "verify"}:
        sys.argv.insert(1, "mine")
    app()
