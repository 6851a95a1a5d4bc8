"""`punie-mine`: mine repositories into grounded code-mode examples, and verify their quotes.

Follows docs/cli-contract.md (through punie_tools.cli_support): every path and value is checked
before any mining, a user error is one line `error: …` with exit 2, nothing already at `--out`
is lost, and Ctrl-C is exit 130.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from pydantic import BaseModel, ConfigDict, Field
from rich import box
from rich.table import Table

from punie_mine import __version__
from punie_mine.sources import GitUnreachableError, ResolvedSource, SourceError, resolve_source
from punie_mine.targets import DEFAULT_TARGETS, TargetsError, parse_targets
from punie_tools.cli_support import (
    ForceOpt,
    OutputDir,
    UserError,
    check_dir,
    check_out_file,
    first_json_line,
    make_app,
    read_jsonl,
    run,
    stderr_console,
    stdout_console,
    write_atomic,
)

if TYPE_CHECKING:
    from punie_mine.miner import MineReport
    from punie_tools import wire

# The miner (the sandbox, tree-sitter) and the verifier are imported where they are used: a
# bad argument, `--help` and `--version` answer without loading them.

TOOL = "punie-mine"
app = make_app(
    name=TOOL,
    help="Mine repositories (src/ → code, docs/ → concepts, tests/ → testing) into grounded "
    "examples. `punie-mine SOURCE --name N` is short for `punie-mine mine SOURCE --name N`.",
    version=__version__,
    example="punie-mine all --sources data/sources.toml --out data/mined",
)
console = stderr_console()
DEFAULT_CACHE = Path(os.environ.get("PUNIE_MINE_CACHE", "data/cache/mine"))
DEFAULT_TARGETS_TEXT = ",".join(f"{c}={n}" for c, n in DEFAULT_TARGETS.items())
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
SOURCE_KEYS = ("git", "rev", "pypi", "fallback", "path", "targets")

CacheOpt = Annotated[
    Path,
    typer.Option(
        metavar="DIR",
        help="Where clones, sdists and dependency environments are kept (env PUNIE_MINE_CACHE).",
    ),
]
PythonOpt = Annotated[
    str | None,
    typer.Option(
        metavar="PYTHON",
        help="Interpreter able to run the repository's tests; without it no test is run.",
    ),
]


# ---------------------------------------------------------------------------------------------
# Checks made before any work


def _check_name(name: str, where: str = "--name") -> str:
    if not NAME.fullmatch(name):
        raise UserError(
            f"{where} {name!r} is not a usable name (letters, digits, '.', '_' and '-', "
            "starting with a letter or digit)"
        )
    return name


def _targets(text: str, where: str = "--targets") -> dict[str, int]:
    try:
        targets = parse_targets(text)
    except TargetsError as exc:
        raise UserError(f"{where}: {exc}") from exc
    if not sum(targets.values()):
        raise UserError(f"{where} asks for no example (e.g. {DEFAULT_TARGETS_TEXT})")
    return targets


def _check_python(python: str | None) -> str | None:
    if python is None:
        return None
    found = shutil.which(python)
    if found is None:
        raise UserError(
            f"--python {python}: no such interpreter "
            "(give the path of a python, or leave --python out to run no test)"
        )
    return found


def _is_mined_jsonl(path: Path) -> bool:
    first = first_json_line(path)
    return first == {} or (
        isinstance(first, dict) and (first.get("meta") or {}).get("group") == "mined"
    )


def _is_report(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and {"name", "counts", "targets"} <= set(data)


def _is_our_output(path: Path) -> bool:
    """Outputs of an earlier punie-mine (before the manifest): adopted, not refused."""
    if path.name.endswith(".report.json"):
        return _is_report(path)
    if path.name == "sources.json":
        data = first_json_line(path) if path.stat().st_size < 1 << 20 else None
        return isinstance(data, dict) and isinstance(data.get("sources"), list)
    return path.suffix == ".jsonl" and _is_mined_jsonl(path)


def _load_sources(path: Path) -> dict[str, tuple[dict[str, str], dict[str, int]]]:
    """name → (entry, targets), every entry checked (a typo is an error, not a skip)."""
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise UserError(f"--sources {path}: no such file") from exc
    except IsADirectoryError as exc:
        raise UserError(f"--sources {path} is a directory (give a TOML file)") from exc
    except UnicodeDecodeError as exc:
        raise UserError(f"--sources {path}: not UTF-8 text") from exc
    except OSError as exc:
        raise UserError(f"--sources {path}: cannot read it ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"--sources {path}: not valid TOML ({exc})") from exc
    sources = config.get("sources")
    if sources is not None and not isinstance(sources, dict):
        raise UserError(
            f"{path}: `sources` must be a table of [sources.NAME] tables "
            f"(got a {type(sources).__name__})"
        )
    if not sources:
        raise UserError(f"{path} names no sources (add a [sources.NAME] table)")
    checked = {}
    for name, entry in sources.items():
        where = f"{path}: [sources.{name}]"
        _check_name(name, f"{path}: source name")
        if not isinstance(entry, dict):
            raise UserError(f"{where} must be a table (git, rev, pypi, fallback, path, targets)")
        for key, value in entry.items():
            if key not in SOURCE_KEYS:
                raise UserError(f"{where}: unknown key {key!r} (known: {', '.join(SOURCE_KEYS)})")
            if not isinstance(value, str):
                raise UserError(f"{where}: {key} must be a string")
        if entry.get("fallback", "pypi") != "pypi":
            raise UserError(f'{where}: fallback must be "pypi" (or left out)')
        if entry.get("fallback") and not entry.get("pypi"):
            raise UserError(f'{where}: fallback = "pypi" needs `pypi = "NAME==VERSION"`')
        if not (
            entry.get("git") or entry.get("pypi") or entry.get("path") or os.environ.get(_env(name))
        ):
            raise UserError(f"{where} names no source (set git, pypi or path, or {_env(name)})")
        targets = _targets(entry.get("targets", DEFAULT_TARGETS_TEXT), f"{where} targets")
        checked[name] = (entry, targets)
    return checked


class _Span(BaseModel):
    file: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    sha256: str


class _MinedMeta(BaseModel):
    model_config = ConfigDict(extra="allow")
    group: Literal["mined"]
    workspace: dict[str, Any]
    provenance: list[_Span]


class _MinedExample(BaseModel):
    """The shape `verify` reads; checked for every line before any source is fetched."""

    model_config = ConfigDict(extra="allow")
    messages: list[dict[str, Any]] = Field(min_length=1)
    meta: _MinedMeta


def _mined_line(needs_source: bool):
    def parse(value: Any) -> _MinedExample:
        example = _MinedExample.model_validate(value)
        if needs_source and not isinstance(example.meta.workspace.get("source"), str):
            raise ValueError("meta.workspace.source is missing (give --source)")
        return example

    return parse


# ---------------------------------------------------------------------------------------------
# Mining


def _mine_one(
    source: str, name: str, targets: dict[str, int], python: str | None, cache: Path
) -> tuple[list[wire.Example], MineReport, ResolvedSource]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from punie_mine.miner import mine

    resolved = resolve_source(source, cache)
    if resolved.missing:
        console.print(
            f"warning: {name}: the source has no {', '.join(resolved.missing)}; "
            "mining what is there",
            markup=False,
        )
    wanted = ", ".join(f"{c} {n}" for c, n in targets.items() if n)
    console.print(f"{name}: mining {_describe(resolved)} ({wanted})", markup=False)
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
    if report.environment.startswith("not installed"):
        console.print(
            f"warning: {name}: the repository's dependencies were {report.environment}; "
            "ty results that depend on them are left out",
            markup=False,
        )
    for category, wanted_n in targets.items():
        got = report.counts[category]
        if got < wanted_n:
            console.print(
                f"warning: {name}: {category} {got}/{wanted_n}: the source grounds no more "
                f"({report.dropped[category]} candidates dropped for lack of evidence)",
                markup=False,
            )
    return examples, report, resolved


def _report_json(report: MineReport) -> str:
    from punie_mine.miner import report_json

    return report_json(report)


def _jsonl(examples: list[wire.Example]) -> str:
    return "".join(example.model_dump_json() + "\n" for example in examples)


def _describe(resolved: ResolvedSource) -> str:
    if resolved.origin == "git":
        return f"git {resolved.spec.removeprefix('git:').rsplit('@', 1)[0]} @ {(resolved.commit or '')[:12]}"
    return resolved.spec if resolved.origin == "pypi" else f"path {resolved.spec}"


def _as_user_error(exc: Exception) -> UserError:
    return UserError(str(exc))


@app.command("mine")
def mine_command(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE", help="A local directory, git:URL[@REV] or pypi:NAME[==VERSION]."
        ),
    ],
    name: Annotated[
        str, typer.Option(metavar="NAME", help="Repository name used in requests and provenance.")
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            show_default="data/mined/NAME.jsonl",
            help="Output JSONL; the run's report goes beside it (FILE.report.json).",
        ),
    ] = None,
    targets: Annotated[
        str, typer.Option(metavar="COUNTS", help="Examples wanted per category.")
    ] = DEFAULT_TARGETS_TEXT,
    python: PythonOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Mine one source into a JSONL file of grounded examples.

    Exit 0 when examples were written, 2 when none could be grounded (nothing is written then).

    \b
    Example:
      punie-mine git:https://github.com/t-strings/tdom@52a058e1e5c0 \\
          --name tdom --out data/mined/tdom.jsonl --targets code=5,tools=3
    """
    _check_name(name)
    wanted = _targets(targets)
    target = out if out is not None else Path("data/mined") / f"{name}.jsonl"
    check_out_file(target, force=force, recognize=_is_mined_jsonl, what="a punie-mine JSONL file")
    report_path = target.with_suffix(".report.json")
    check_out_file(
        report_path, option="its report", force=force, recognize=_is_report, what="a mining report"
    )
    check_dir(cache, "--cache")
    interpreter = _check_python(python)
    try:
        examples, report, resolved = _mine_one(source, name, wanted, interpreter, cache)
    except SourceError as exc:
        raise _as_user_error(exc) from exc
    if not examples:
        raise UserError(
            f"{name}: no example could be grounded from {source} "
            f"({sum(report.tried.values())} candidates tried; nothing was written)"
        )
    write_atomic(target, _jsonl(examples), tool=TOOL)
    write_atomic(report_path, _report_json(report) + "\n", tool=TOOL)
    console.print(f"{name}: {len(examples)} examples → {target}", markup=False)
    counts = dict(report.counts)
    if as_json:
        print(
            json.dumps(
                {"name": name, "source": _describe(resolved), "counts": counts, "out": str(target)}
            )
        )
    else:
        print(f"{name}: " + ", ".join(f"{c} {counts.get(c, 0)}/{n}" for c, n in wanted.items()))


def _env(name: str) -> str:
    return f"PUNIE_SOURCE_{name.upper().replace('-', '_').replace('.', '_')}"


def _candidates(name: str, entry: dict[str, str]) -> list[tuple[str, str]]:
    """(spec, why) in the order to try: a local override, then git, then an explicit fallback."""
    order: list[tuple[str, str]] = []
    env = os.environ.get(_env(name))
    for candidate, why in ((env, _env(name)), (entry.get("path"), "path")):
        if candidate:
            if Path(candidate).expanduser().is_dir():
                order.append((candidate, why))
            else:
                console.print(
                    f"warning: {name}: local path {candidate!r} does not exist", markup=False
                )
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
    sources: Annotated[
        Path, typer.Option(metavar="FILE", help="TOML file naming the sources.")
    ] = Path("data/sources.toml"),
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Output directory (NAME.jsonl, NAME.report.json, sources.json); "
            "punie-mine writes only into a new, empty or punie-mine directory.",
        ),
    ] = Path("data/mined"),
    python: PythonOpt = None,
    cache: CacheOpt = DEFAULT_CACHE,
    force: ForceOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run table as JSON.")] = False,
) -> None:
    """Mine every source named in a sources TOML.

    A source that cannot be had is skipped with a warning. A git source whose host cannot be reached falls back to its PyPI sdist only where the
    entry says `fallback = "pypi"`; the table says where each repository came from. Exit 2
    when no source could be mined.

    \b
    Example:
      punie-mine all --sources data/sources.toml --out data/mined
    """
    entries = _load_sources(sources)
    target = OutputDir(out, tool=TOOL, force=force, recognize=_is_our_output)
    check_dir(cache, "--cache")
    interpreter = _check_python(python)
    rows: list[dict] = []
    for name, (entry, wanted) in entries.items():
        row: dict = {"name": name, "counts": {}, "targets": wanted, "source": None, "note": ""}
        rows.append(row)
        reasons: list[str] = []
        unreachable = False
        for spec, why in _candidates(name, entry):
            if why == "fallback" and not unreachable:
                break  # fall back only when the git host was unreachable, not on a bad revision
            try:
                examples, report, resolved = _mine_one(spec, name, wanted, interpreter, cache)
            except SourceError as exc:
                console.print(f"{name}: {exc}", markup=False)
                reasons.append(str(exc))
                unreachable = unreachable or isinstance(exc, GitUnreachableError)
                continue
            if not examples:
                reasons.append(f"no example could be grounded from {spec}")
                break
            with target.open(f"{name}.jsonl") as handle:
                handle.write(_jsonl(examples))
            target.write_text(f"{name}.report.json", _report_json(report) + "\n")
            console.print(f"{name}: {len(examples)} examples → {out / name}.jsonl", markup=False)
            row["counts"], row["source"] = dict(report.counts), _describe(resolved)
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
    mined = any(r["counts"] for r in rows)
    if mined:
        target.write_text("sources.json", json.dumps({"sources": rows}, indent=2) + "\n")
    if as_json:
        print(json.dumps({"sources": rows}))
    else:
        _print_table(rows)
    if not mined:
        raise UserError(
            f"no source named in {sources} could be mined (see the warnings above); "
            f"nothing was written to {out}"
        )


def _print_table(rows: list[dict]) -> None:
    """Counts as a table, then where each repository came from as whole lines (a URL is never
    cut mid-word at 80 columns)."""
    table = Table(title="mined examples", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("repository", overflow="fold")
    for column in (*DEFAULT_TARGETS, "total"):
        table.add_column(column, no_wrap=True, justify="right")
    for row in rows:
        cells = [
            f"{row['counts'].get(c, 0)}/{row['targets'].get(c, 0)}" if row["counts"] else "-"
            for c in DEFAULT_TARGETS
        ]
        total = sum(row["counts"].values())
        table.add_row(row["name"], *cells, str(total) if row["counts"] else "-")
    stdout_console().print(table)
    print("from:")
    for row in rows:
        where = row["source"] or ""
        if row["note"]:
            where = f"{where} ({row['note']})" if where else row["note"]
        print(f"  {row['name']}: {where}")
    if any(r.get("origin") == "pypi" and "fallback" in r["note"] for r in rows) or any(
        "skipped" in r["note"] for r in rows
    ):
        print("counts are reduced: not every repository was mined from git (see `from`)")


@app.command("verify")
def verify_command(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="A mined JSONL file.")],
    source: Annotated[
        str | None,
        typer.Option(
            metavar="SOURCE",
            show_default="the one each example records",
            help="Source to check against.",
        ),
    ] = None,
    cache: CacheOpt = DEFAULT_CACHE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Verify mined examples: quotes still match, no call is clairvoyant.

    Every quoted span is compared with the source and every call checked against the
    no-clairvoyance rule. Exit 0 when all hold, 1 when problems were found (listed on stderr), 2 when the file is not
    a mined JSONL file or holds no example.

    \b
    Example:
      punie-mine verify data/mined/tdom.jsonl
    """
    examples = read_jsonl(file, _mined_line(source is None))
    if not examples:
        raise UserError(f"{file} holds no mined example (give a file written by punie-mine)")
    check_dir(cache, "--cache")
    from punie_mine.verify import verify_file

    try:
        report = verify_file(file, source, cache)
    except SourceError as exc:
        raise _as_user_error(exc) from exc
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
    raise typer.Exit(0 if report.ok else 1)


COMMANDS = {"mine", "all", "verify"}


def main(argv: list[str] | None = None) -> None:
    """`punie-mine SOURCE --name N` is short for `punie-mine mine SOURCE --name N`."""
    args = list(sys.argv[1:] if argv is None else argv)
    first = next((i for i, a in enumerate(args) if a != "--debug"), None)
    if first is not None:
        word = args[first]
        looks_like_source = ":" in word or "/" in word or word == "." or Path(word).exists()
        if not word.startswith("-") and word not in COMMANDS and looks_like_source:
            args.insert(first, "mine")
    run(app, prog=TOOL, argv=args)


__all__ = ["app", "main"]
