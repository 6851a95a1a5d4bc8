"""`punie-eval`: run the suite, compare two reports, score the held-out split (and checkpoints).

Exit codes (docs/cli-contract.md): 0 thresholds met, 1 missed, 2 usage or infrastructure error
(bad suite or backend spec, backend unreachable on the first request, tampered fixture). The
report is written in every case where the output directory is known.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from punie_eval.backends import BackendSpecError, BackendUnavailable, make_backend
from punie_eval.report import CategoryResult, QueryResult, Report, load_report, write_report
from punie_eval.suite import SuiteError, load_suite

app = typer.Typer(
    help="The 20-query validation harness for code-mode models.", no_args_is_help=True
)
console = Console(stderr=True)
out_console = Console()


def _fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"error: {message}", markup=False, highlight=False)
    return typer.Exit(code)


def _error_report(backend: str, suite: Path, message: str) -> Report:
    empty = CategoryResult(title="Overall", passed=0, total=0, threshold=None, met=False)
    return Report(
        backend=backend,
        suite=str(suite),
        suite_version=0,
        started_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        duration_s=0.0,
        passed=False,
        error=message,
        overall=empty,
        categories={},
        queries=[],
        median_latency_s=0.0,
    )


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
    turn_limit: Annotated[
        int | None, typer.Option(min=1, help="override the suite's turn limit")
    ] = None,
    max_tokens: Annotated[int, typer.Option(min=1, help="cap on generated tokens per turn")] = 1024,
    temperature: Annotated[float, typer.Option(min=0.0, help="sampling temperature")] = 0.0,
    seed: Annotated[int, typer.Option(help="random seed (run k of --repeat uses seed+k)")] = 0,
    repeat: Annotated[
        int, typer.Option(min=1, help="run the suite N times; report per-query consistency")
    ] = 1,
    query_timeout: Annotated[
        float, typer.Option(min=1.0, help="wall-clock seconds per query, model and tools")
    ] = 600.0,
    judge: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible URL[,model=NAME] that judges direct answers"),
    ] = None,
    no_fail: Annotated[
        bool, typer.Option("--no-fail", help="exit 0 when a threshold is missed (not on errors)")
    ] = False,
) -> None:
    """Run the suite with a backend; exit 0 only when every threshold is met (or --no-fail).

    Example: punie-eval run --backend openai:http://127.0.0.1:8080/v1 --out runs/served/eval
    """
    out = out.resolve()
    try:
        loaded = load_suite(suite)
    except SuiteError as exc:
        write_report(_error_report(backend, suite, str(exc)), out)
        raise _fail(str(exc)) from exc
    try:
        model = make_backend(
            backend, suite=loaded, max_tokens=max_tokens, temperature=temperature, seed=seed
        )
        judge_backend = None
        if judge:
            from punie_eval.judge import Judge

            judge_backend = Judge(judge)
            judge_backend.backend.discover()
    except (BackendSpecError, BackendUnavailable, OSError, ValueError, RuntimeError) as exc:
        write_report(_error_report(backend, suite, str(exc)), out)
        raise _fail(str(exc)) from exc
    from punie_eval.harness import run_suite

    def show(result: QueryResult) -> None:
        mark = "pass" if result.passed else "FAIL"
        console.print(
            f"{mark} {result.id} ({result.latency_s:.2f} s) {'' if result.passed else result.why}",
            markup=False,
            highlight=False,
        )

    try:
        report, transcripts = run_suite(
            loaded,
            model,
            suite_label=str(suite),
            only=only,
            turn_limit=turn_limit,
            time_limit=query_timeout,
            repeat=repeat,
            seed=seed,
            temperature=temperature,
            max_tokens=max_tokens,
            judge=judge_backend,
            on_result=show,
        )
    except SuiteError as exc:
        write_report(_error_report(backend, suite, str(exc)), out)
        raise _fail(str(exc)) from exc
    except Exception as exc:  # a harness failure outside any query: still leave a report
        message = f"the run failed: {type(exc).__name__}: {exc}"
        write_report(_error_report(backend, suite, message), out)
        raise _fail(message) from exc
    write_report(report, out, transcripts)
    _print_summary(report)
    console.print(f"report: {out / 'report.json'}, {out / 'report.md'}", markup=False)
    if report.error:
        raise _fail(report.error)
    if not report.passed and not no_fail:
        raise typer.Exit(1)


def _print_summary(report: Report) -> None:
    table = Table(title=f"punie-eval: {report.backend}" + (" (partial)" if report.partial else ""))
    table.add_column("category")
    table.add_column("passed", justify="right")
    table.add_column("threshold", justify="right")
    table.add_column("met")
    for cat in [*report.categories.values(), report.overall]:
        threshold = str(cat.threshold) if cat.threshold is not None else f"all {cat.total}"
        table.add_row(cat.title, f"{cat.passed}/{cat.total}", threshold, "yes" if cat.met else "no")
    console.print(table)
    console.print("verdict: " + ("PASS" if report.passed else "FAIL"), markup=False)


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(help="report.json (or its directory)")],
    b: Annotated[Path, typer.Argument(help="report.json (or its directory)")],
) -> None:
    """Side-by-side table of two reports (e.g. the 30B vs the 7B model)."""
    try:
        ra, rb = load_report(a), load_report(b)
    except (OSError, ValueError) as exc:
        raise _fail(f"cannot read report: {exc}") from exc
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
        return f"{'pass' if q.passed else 'fail'} {q.latency_s:.2f}s"

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
    out_console.print(table)


@app.command()
def heldout(
    backend: Annotated[
        str, typer.Option(help="backend spec, as for `run` (mlx:BASE with --checkpoints)")
    ],
    data: Annotated[Path, typer.Option(help="held-out split (JSONL)")] = Path(
        "data/phase24/test.jsonl"
    ),
    out: Annotated[Path, typer.Option(help="where the held-out report goes")] = Path(
        "data/eval/reports/heldout"
    ),
    checkpoints: Annotated[
        Path | None,
        typer.Option(help="a run's adapters directory: score every saved checkpoint"),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="score N examples spread over the file")
    ] = None,
    max_tokens: Annotated[
        int, typer.Option(min=1, help="cap on generated tokens per reply")
    ] = 1024,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
) -> None:
    """Tool choice, arguments and running code on the held-out split, beside baselines.

    With --checkpoints RUN/adapters, every saved adapter is scored on the same sample and
    DIR/checkpoints.json names the best one by behaviour.
    """
    from punie_eval.heldout import run_heldout, write_heldout

    if not data.is_file():
        raise _fail(f"no held-out data at {data} (build it with `nox -s data`)")
    if checkpoints is not None:
        from punie_eval.checkpoints import CheckpointError, score_checkpoints

        try:
            summary = score_checkpoints(
                backend,
                checkpoints,
                data,
                out,
                limit=limit,
                max_tokens=max_tokens,
                seed=seed,
                progress=lambda line: console.print(line, markup=False, highlight=False),
            )
        except (CheckpointError, BackendSpecError, OSError, ValueError) as exc:
            raise _fail(str(exc)) from exc
        best = summary["best"]
        out_console.print(
            f"{len(summary['checkpoints'])} checkpoints on {summary['examples']} examples; best "
            f"by behaviour: {best['file']} (iteration {best['iteration']}, score "
            f"{best['score']:.3f}); {out / 'checkpoints.json'}",
            markup=False,
        )
        return
    try:
        model = make_backend(backend, max_tokens=max_tokens, seed=seed)
    except (BackendSpecError, BackendUnavailable, OSError, ValueError, RuntimeError) as exc:
        raise _fail(str(exc)) from exc
    report = run_heldout(data, model, limit=limit)
    if report.total == 0:
        write_heldout(report, out)
        raise _fail(f"{data} holds no usable example")
    write_heldout(report, out)
    out_console.print(
        f"{report.total} examples: score {report.score:.1%}, tool choice "
        f"{report.tool_choice_accuracy:.1%}, arguments {report.arguments_accuracy:.1%}, code runs "
        f"{report.runs_rate:.1%}, format validity {report.format_validity_rate:.1%}; baselines: "
        + ", ".join(f"{b.name} {b.score:.1%}" for b in report.baselines)
        + f"; report: {out / 'report.json'}",
        markup=False,
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
        console.print(f"wrote {path}", markup=False)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        sys.exit(130)


if __name__ == "__main__":
    main()
