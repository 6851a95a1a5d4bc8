"""`punie-eval`: run the suite, compare two reports, score the held-out split."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from punie_eval.backends import BackendSpecError, make_backend
from punie_eval.report import QueryResult, Report, load_report, write_report
from punie_eval.suite import SuiteError, load_suite

app = typer.Typer(
    help="The 20-query validation harness for code-mode models.", no_args_is_help=True
)
console = Console()


@app.command()
def run(
    backend: Annotated[
        str,
        typer.Option(
            help="mlx:PATH[,adapter=DIR] | openai:URL[,model=NAME] | oracle | replay:FILE"
        ),
    ],
    suite: Annotated[Path, typer.Option(help="suite directory (holds suite.toml)")] = Path(
        "data/eval"
    ),
    out: Annotated[Path, typer.Option(help="where report.json / report.md go")] = Path(
        "data/eval/reports/latest"
    ),
    only: Annotated[list[str] | None, typer.Option(help="run only these query ids")] = None,
    turn_limit: Annotated[int | None, typer.Option(help="override the suite's turn limit")] = None,
    max_tokens: Annotated[int, typer.Option(help="cap on generated tokens per turn")] = 1024,
    no_fail: Annotated[
        bool, typer.Option("--no-fail", help="exit 0 even when a threshold is missed")
    ] = False,
) -> None:
    """Run the suite with a backend; exit 0 only when every threshold is met (or --no-fail)."""
    try:
        loaded = load_suite(suite)
        model = make_backend(backend, suite=loaded, max_tokens=max_tokens)
    except (SuiteError, BackendSpecError, OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    from punie_eval.harness import run_suite

    def show(result: QueryResult) -> None:
        mark = "[green]pass[/green]" if result.passed else "[red]fail[/red]"
        console.print(
            f"{mark} {result.id} ({result.latency_s:.2f} s) {'' if result.passed else result.why}"
        )

    report, transcripts = run_suite(
        loaded, model, suite_label=str(suite), only=only, turn_limit=turn_limit, on_result=show
    )
    write_report(report, out, transcripts)
    _print_summary(report)
    console.print(f"report: {out / 'report.json'}, {out / 'report.md'}")
    if not report.passed and not no_fail:
        raise typer.Exit(1)


def _print_summary(report: Report) -> None:
    table = Table(title=f"punie-eval: {report.backend}")
    table.add_column("category")
    table.add_column("passed", justify="right")
    table.add_column("threshold", justify="right")
    table.add_column("met")
    for cat in [*report.categories.values(), report.overall]:
        table.add_row(
            cat.title, f"{cat.passed}/{cat.total}", str(cat.threshold), "yes" if cat.met else "no"
        )
    console.print(table)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="report.json (or its directory)")],
    b: Annotated[Path, typer.Argument(help="report.json (or its directory)")],
) -> None:
    """Side-by-side table of two reports (e.g. the 30B vs the 7B model)."""
    try:
        ra, rb = load_report(a), load_report(b)
    except (OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] cannot read report: {exc}")
        raise typer.Exit(2) from exc
    table = Table(title="punie-eval compare")
    table.add_column("query")
    table.add_column(f"A: {ra.backend}")
    table.add_column(f"B: {rb.backend}")
    by_id = {q.id: q for q in rb.queries}
    ids = [q.id for q in ra.queries] + [i for i in by_id if i not in {q.id for q in ra.queries}]
    a_by_id = {q.id: q for q in ra.queries}

    def cell(q: QueryResult | None) -> str:
        if q is None:
            return "-"
        mark = "[green]pass[/green]" if q.passed else "[red]fail[/red]"
        return f"{mark} {q.latency_s:.2f}s"

    for qid in ids:
        table.add_row(qid, cell(a_by_id.get(qid)), cell(by_id.get(qid)))
    table.add_section()
    for key in dict.fromkeys([*ra.categories, *rb.categories]):
        ca, cb = ra.categories.get(key), rb.categories.get(key)
        table.add_row(
            key,
            f"{ca.passed}/{ca.total} (need {ca.threshold})" if ca else "-",
            f"{cb.passed}/{cb.total} (need {cb.threshold})" if cb else "-",
        )
    table.add_row(
        "overall",
        f"{ra.overall.passed}/{ra.overall.total}",
        f"{rb.overall.passed}/{rb.overall.total}",
    )
    table.add_row("median latency", f"{ra.median_latency_s:.2f} s", f"{rb.median_latency_s:.2f} s")
    tps = [f"{r.tokens_per_s:.1f}" if r.tokens_per_s else "n/a" for r in (ra, rb)]
    table.add_row("tokens/s", *tps)
    table.add_row("verdict", "PASS" if ra.passed else "FAIL", "PASS" if rb.passed else "FAIL")
    console.print(table)


@app.command()
def heldout(
    backend: Annotated[str, typer.Option(help="backend spec, as for `run`")],
    data: Annotated[Path, typer.Option(help="held-out split (JSONL)")] = Path(
        "data/phase24/test.jsonl"
    ),
    out: Annotated[Path, typer.Option(help="where the held-out report goes")] = Path(
        "data/eval/reports/heldout"
    ),
    limit: Annotated[int | None, typer.Option(help="score only the first N examples")] = None,
    max_tokens: Annotated[int, typer.Option(help="cap on generated tokens per reply")] = 1024,
) -> None:
    """Tool-choice accuracy and format validity on the dataset's held-out test split."""
    from punie_eval.heldout import run_heldout, write_heldout

    if not data.is_file():
        console.print(f"[red]error:[/red] no held-out data at {data} (build it with `nox -s data`)")
        raise typer.Exit(2)
    try:
        model = make_backend(backend, max_tokens=max_tokens)
    except (BackendSpecError, OSError, ValueError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    report = run_heldout(data, model, limit=limit)
    write_heldout(report, out)
    console.print(
        f"{report.total} examples: tool-choice accuracy {report.tool_choice_accuracy:.1%}, "
        f"format validity {report.format_validity_rate:.1%}; report: {out / 'report.json'}"
    )


@app.command()
def docs(
    data: Annotated[Path, typer.Option(help="dataset directory")] = Path("data/phase24"),
    run: Annotated[Path, typer.Option(help="run directory (runs/NAME)")] = Path("runs/smoke"),
    profile: Annotated[str, typer.Option(help="training profile that produced the run")] = "smoke",
    out: Annotated[Path, typer.Option(help="where the documents go")] = Path("docs"),
) -> None:
    """Write docs/phase24-progress.md and docs/phase25-plan.md from a run's artefacts."""
    from punie_eval.phase_docs import write_docs

    for path in write_docs(data=data, run=run, profile=profile, out=out):
        console.print(f"wrote {path}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
