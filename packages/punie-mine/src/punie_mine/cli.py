"""`punie-mine`: mine repositories into grounded code-mode examples, and verify their quotes."""

from __future__ import annotations

import json
import os
import sys
import tomllib
from pathlib import Path
from typing import Annotated, NoReturn

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
    write_text_atomic,
)
from punie_mine.sources import GitUnreachableError, ResolvedSource, SourceError, resolve_source
from punie_mine.verify import verify_file

app = typer.Typer(
    help="Mine repositories (src/ → code, docs/ → concepts, tests/ → testing) into grounded examples."
)
console = Console(stderr=True, soft_wrap=True, highlight=False)
DEFAULT_CACHE = Path(os.environ.get("PUNIE_MINE_CACHE", "data/cache/mine"))
TARGETS_HELP = "per-category counts, e.g. code=15,testing=15,concepts=15,tools=10"


def _mine_one(
    source: str, name: str, out: Path, targets: dict[str, int], python: str | None, cache: Path
) -> tuple[dict[str, int], ResolvedSource]:
    resolved = resolve_source(source, cache)
    if resolved.missing:
        console.print(
            f"[yellow]{name}: the source has no {', '.join(resolved.missing)}; mining what is there[/yellow]"
        )
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        disable=not console.is_terminal,
    ) as bar:
        tasks = {c: bar.add_task(f"{name} {c}", total=n) for c, n in targets.items() if n}
        examples, report = mine(
            resolved,
            name,
            targets,
            python=python,
            progress=lambda c, n: bar.update(tasks[c], completed=n),
            cache=cache,
        )
    write_jsonl(out, examples)
    write_text_atomic(out.with_suffix(".report.json"), report_json(report) + "\n")
    if report.environment.startswith("not installed"):
        console.print(
            f"[yellow]{name}: the repository's dependencies were {report.environment}; "
            "ty results that depend on them are left out[/yellow]"
        )
    for category, wanted in targets.items():
        got = report.counts[category]
        if got < wanted:
            console.print(
                f"[yellow]{name}: {category} {got}/{wanted}: the source grounds no more "
                f"({report.dropped[category]} candidates dropped for lack of evidence)[/yellow]"
            )
    console.print(f"{name}: {len(examples)} examples → {out}")
    return dict(report.counts), resolved


def _describe(resolved: ResolvedSource) -> str:
    if resolved.origin == "git":
        return f"git {resolved.spec.removeprefix('git:').rsplit('@', 1)[0]} @ {(resolved.commit or '')[:12]}"
    return resolved.spec if resolved.origin == "pypi" else f"path {resolved.spec}"


@app.command("mine")
def mine_command(
    source: Annotated[
        str, typer.Argument(help="a local directory, git:URL[@REV] or pypi:NAME[==VERSION]")
    ],
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
    cache: Annotated[
        Path, typer.Option(help="where clones, sdists and dependency environments are kept")
    ] = DEFAULT_CACHE,
    as_json: Annotated[bool, typer.Option("--json", help="print the counts as JSON")] = False,
) -> None:
    """Mine one source.

    Example: punie-mine git:https://github.com/t-strings/tdom@52a058e1e5c0 --name tdom --out tdom.jsonl
    """
    try:
        wanted = parse_targets(targets)
        target = out or Path("data/mined") / f"{name}.jsonl"
        _check_out_file(target)
        counts, resolved = _mine_one(source, name, target, wanted, python, cache)
    except (SourceError, TargetsError) as exc:
        _fail(exc)
    if as_json:
        print(json.dumps({"name": name, "source": _describe(resolved), "counts": counts}))
    else:
        print(f"{name}: " + ", ".join(f"{c} {counts.get(c, 0)}/{n}" for c, n in wanted.items()))
    if not sum(counts.values()):
        console.print(
            f"error: {name}: no example could be grounded (see {target.with_suffix('.report.json')})"
        )
        raise typer.Exit(2)


def _fail(exc: Exception) -> NoReturn:
    console.print(f"error: {exc}", markup=False)
    raise typer.Exit(2) from exc


def _check_out_file(path: Path) -> None:
    parent = path.parent
    if path.exists() and not path.is_file():
        raise SourceError(f"--out {path} is not a file (give a .jsonl file path)")
    if parent.exists() and not parent.is_dir():
        raise SourceError(f"--out {path}: {parent} is not a directory")


def _env_name(name: str) -> str:
    return f"PUNIE_SOURCE_{name.upper().replace('-', '_')}"


def _candidates(name: str, entry: dict) -> list[tuple[str, str]]:
    """(spec, why) in the order to try: a local override, then git, then an explicit fallback."""
    order: list[tuple[str, str]] = []
    env = os.environ.get(_env_name(name))
    for candidate, why in ((env, _env_name(name)), (entry.get("path"), "path")):
        if candidate:
            if Path(candidate).expanduser().is_dir():
                order.append((candidate, why))
            else:
                console.print(f"[yellow]{name}: local path {candidate!r} does not exist[/yellow]")
    if entry.get("git"):
        rev = entry.get("rev")
        order.append((f"git:{entry['git']}" + (f"@{rev}" if rev else ""), "git"))
        if entry.get("fallback") == "pypi" and entry.get("pypi"):
            order.append((f"pypi:{entry['pypi']}", "fallback"))
    elif entry.get("pypi"):
        order.append((f"pypi:{entry['pypi']}", "pypi"))
    return order


@app.command("all")
def all_command(
    sources: Annotated[Path, typer.Option(help="TOML file naming the sources")] = Path(
        "data/sources.toml"
    ),
    out: Annotated[Path, typer.Option(help="output directory")] = Path("data/mined"),
    python: Annotated[
        str | None, typer.Option(help="interpreter able to run the repositories' tests")
    ] = None,
    cache: Annotated[
        Path, typer.Option(help="where clones, sdists and dependency environments are kept")
    ] = DEFAULT_CACHE,
    as_json: Annotated[bool, typer.Option("--json", help="print the run table as JSON")] = False,
) -> None:
    """Mine every source named in a sources TOML; a source that cannot be had is skipped.

    A git source whose host cannot be reached falls back to its PyPI sdist only where the entry
    says `fallback = "pypi"`; the table says where each repository came from.
    Example: punie-mine all --sources data/sources.toml --out data/mined
    """
    try:
        config = tomllib.loads(sources.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _fail(SourceError(f"cannot read {sources}: {exc}"))
    if out.exists() and not out.is_dir():
        _fail(SourceError(f"--out {out} is not a directory"))
    rows: list[dict] = []
    for name, entry in config.get("sources", {}).items():
        row: dict = {"name": name, "counts": {}, "targets": {}, "source": None, "note": ""}
        rows.append(row)
        try:
            row["targets"] = parse_targets(entry.get("targets", ""))
        except TargetsError as exc:
            console.print(f"[yellow]warning: skipping {name}: {exc}[/yellow]")
            row["note"] = f"skipped: {exc}"
            continue
        candidates = _candidates(name, entry)
        if not candidates:
            console.print(
                f"[yellow]warning: skipping {name}: no git, PyPI or local source "
                f"(set `git`, `pypi` or `path`, or {_env_name(name)})[/yellow]"
            )
            row["note"] = "skipped: no source"
            continue
        reasons: list[str] = []
        unreachable = False
        for spec, why in candidates:
            if why == "fallback" and not unreachable:
                break  # fall back only when the git host was unreachable, not on a bad revision
            try:
                counts, resolved = _mine_one(
                    spec, name, out / f"{name}.jsonl", row["targets"], python, cache
                )
            except SourceError as exc:
                console.print(f"{name}: {exc}", markup=False)
                reasons.append(str(exc))
                unreachable = unreachable or isinstance(exc, GitUnreachableError)
                continue
            row["counts"], row["source"] = counts, _describe(resolved)
            row["origin"] = resolved.origin
            if why == "fallback":
                row["note"] = "fallback: git host unreachable, the sdist holds less"
            break
        if row["source"] is None:
            reason = reasons[-1] if reasons else "no source could be had"
            console.print(f"warning: skipping {name}: {reason}", markup=False)
            row["reason"] = reason
            row["note"] = (
                "skipped: git host unreachable, no fallback"
                if unreachable
                else f"skipped: {reason}"
            )
    if out.is_dir():
        write_text_atomic(out / "sources.json", json.dumps({"sources": rows}, indent=2) + "\n")
    if as_json:
        print(json.dumps({"sources": rows}))
    else:
        _print_table(rows)
    if not any(r["counts"] for r in rows):
        console.print("error: no source could be mined (see the warnings above)")
        raise typer.Exit(2)


def _print_table(rows: list[dict]) -> None:
    table = Table(title="mined examples")
    for column in ("repository", *DEFAULT_TARGETS, "total", "from"):
        table.add_column(column)
    for row in rows:
        cells = [
            f"{row['counts'].get(c, 0)}/{row['targets'].get(c, 0)}" if row["counts"] else "-"
            for c in DEFAULT_TARGETS
        ]
        total = sum(row["counts"].values())
        where = row["source"] or ""
        if row["note"]:
            where = f"{where} ({row['note']})" if where else row["note"]
        table.add_row(row["name"], *cells, str(total) if row["counts"] else "-", where)
    Console(width=160, no_color=True, highlight=False).print(table)
    if any(r.get("origin") == "pypi" and "fallback" in r["note"] for r in rows) or any(
        "skipped" in r["note"] for r in rows
    ):
        print("counts are reduced: not every repository was mined from git (see `from`)")


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(help="a mined JSONL file")],
    source: Annotated[
        str | None, typer.Option(help="source to check against (default: the one recorded)")
    ] = None,
    cache: Annotated[
        Path, typer.Option(help="where clones, sdists and dependency environments are kept")
    ] = DEFAULT_CACHE,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
) -> None:
    """Check every quoted span against the source and every call against the no-clairvoyance rule.

    Example: punie-mine verify data/mined/tdom.jsonl --source git:https://github.com/t-strings/tdom@52a058e1e5c0
    """
    if not file.is_file():
        console.print(f"error: no such file {file} (give a mined .jsonl file)")
        raise typer.Exit(2)
    try:
        report = verify_file(file, source, cache)
    except SourceError as exc:
        _fail(exc)
    for problem in report.problems[:50]:
        console.print(problem, markup=False)
    summary = {
        "examples": report.examples,
        "spans": report.spans,
        "clairvoyant": report.clairvoyant,
        "problems": len(report.problems),
    }
    if as_json:
        print(json.dumps({**summary, "problem_lines": report.problems}))
    else:
        print(
            f"{report.examples} examples, {report.spans} quoted spans, "
            f"{report.clairvoyant} clairvoyant, {len(report.problems)} problems"
        )
    if report.examples == 0:
        console.print(f"error: {file} holds no mined examples")
        raise typer.Exit(2)
    raise typer.Exit(0 if report.ok else 1)


def main() -> None:
    """`punie-mine SOURCE --name N` is short for `punie-mine mine SOURCE --name N`."""
    args = sys.argv[1:]
    if args and not args[0].startswith("-") and args[0] not in {"mine", "all", "verify"}:
        sys.argv.insert(1, "mine")
    app()
