"""`punie-eval`: run the suite, score the held-out split (and checkpoints), compare two reports,
write the phase documents.

Follows docs/cli-contract.md (through punie_tools.cli_support). Every path, number, query id and
backend is checked before any evaluation: an output directory this tool did not write is
refused, an OpenAI-compatible server is asked for its models first. A user or infrastructure
error is one line `error: …` with exit 2 (never hidden by --no-fail); 1 means a threshold was
missed; results go to stdout (`--json` for one JSON document), progress to stderr.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from punie_eval import __version__
from punie_eval.backends import (
    BackendSpecError,
    BackendUnavailable,
    make_backend,
    parse_spec,
)
from punie_eval.report import CategoryResult, QueryResult, Report, load_report, write_report
from punie_eval.suite import Suite, SuiteError, load_suite
from punie_tools import cli_support
from punie_tools.cli_support import (
    ForceOpt,
    JsonOpt,
    OutputDir,
    UserError,
    check_dir,
    check_in_file,
    check_out_file,
    first_json_line,
    make_app,
    read_jsonl,
    stderr_console,
    stdout_console,
)

if TYPE_CHECKING:
    from punie_eval.backends import Backend
    from punie_eval.heldout import HeldoutExample

# The harness (the sandbox, the tools) and mlx are imported where they are used: a bad argument,
# `--help` and `--version` answer without loading them.

TOOL = "punie-eval"
app = make_app(
    name=TOOL,
    help="The 20-query validation harness for code-mode models: run the suite, score the "
    "held-out split or a run's checkpoints, compare two reports, write the phase documents.",
    version=__version__,
    example="punie-eval run --backend oracle --out data/eval/reports/oracle",
)
console = stderr_console()

BACKEND_HELP = (
    "Where replies come from: mlx:PATH[,adapter=DIR] | openai:URL[,model=NAME] | oracle | "
    "replay:FILE (a run's transcripts.jsonl)."
)
BackendOpt = Annotated[str, typer.Option(metavar="SPEC", help=BACKEND_HELP)]
MaxTokensOpt = Annotated[
    int, typer.Option(min=1, metavar="N", help="Cap on generated tokens per reply.")
]
SeedOpt = Annotated[int, typer.Option(min=0, metavar="N", help="Random seed.")]
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")  # org/name: mlx-lm may fetch it itself


# ---------------------------------------------------------------------------------------------
# Checks made before any evaluation


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_eval_output(path: Path) -> bool:
    """Outputs of an earlier punie-eval (before the manifest), recognised by their content."""
    if path.name in ("report.json", "checkpoints.json"):
        data = _load_json(path)
        if not isinstance(data, dict):
            return False
        if str(data.get("schema", "")).startswith("punie-eval/"):
            return True
        return {"backend", "overall", "queries"} <= set(data) or {
            "checkpoints",
            "best",
        } <= set(data)
    if path.name == "report.md":
        try:
            with path.open(encoding="utf-8") as handle:
                return handle.readline().startswith("# punie-eval ")
        except (OSError, ValueError):
            return False
    if path.name == "transcripts.jsonl":
        first = first_json_line(path)
        return first == {} or (isinstance(first, dict) and {"request", "outputs"} <= set(first))
    return False


def _output_dir(out: Path, force: bool) -> OutputDir:
    """The owned output directory, checked now (absolute: the harness changes directory)."""
    return OutputDir(Path(os.path.abspath(out)), tool=TOOL, force=force, recognize=_is_eval_output)


def _check_backend(spec: str, option: str = "--backend") -> tuple[str, str, dict[str, str]]:
    """Parse a backend spec and check what it names without loading or connecting."""
    try:
        kind, target, options = parse_spec(spec)
    except BackendSpecError as exc:
        raise UserError(f"{option} {spec}: {exc}") from exc
    if "max_tokens" in options:
        value = options["max_tokens"]
        if not value.isdigit() or int(value) < 1:
            raise UserError(f"{option} {spec}: max_tokens must be a number ≥ 1 (got {value!r})")
    if kind == "openai":
        from punie_eval.backends.openai import check_url

        try:
            check_url(target)
        except BackendSpecError as exc:
            raise UserError(f"{option} {spec}: {exc}") from exc
    elif kind == "replay":
        if not target:
            raise UserError(f"{option} {spec}: replay needs a file (replay:FILE)")
        check_in_file(Path(target), f"{option} replay:")
    elif kind == "mlx":
        _check_model(target, option, spec)
        adapter = options.get("adapter")
        if adapter and not Path(adapter).exists():
            raise UserError(f"{option} {spec}: no adapter at {adapter}")
    elif kind != "oracle":
        raise UserError(
            f"{option} {spec}: unknown backend {kind!r} (use mlx:PATH, openai:URL, oracle "
            "or replay:FILE)"
        )
    return kind, target, options


def _check_model(target: str, option: str, spec: str) -> None:
    if not target:
        raise UserError(f"{option} {spec}: mlx needs a model path (mlx:PATH)")
    path = Path(target).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise UserError(f"{option} {spec}: {path} holds no config.json (not an MLX model)")
    elif path.exists():
        raise UserError(f"{option} {spec}: {path} is not a model directory")
    elif not HUB_ID.fullmatch(target):
        raise UserError(f"{option} {spec}: no model at {path}")


def _make_backend(spec: str, **kwargs: Any) -> Backend:
    """Build (load, or connect to) the backend: any failure is a one-line error, exit 2."""
    try:
        return make_backend(spec, **kwargs)
    except (BackendSpecError, BackendUnavailable) as exc:
        raise UserError(f"--backend {spec}: {exc}") from exc
    except Exception as exc:  # loading a model: a missing file, a bad config, no mlx-lm
        raise UserError(f"--backend {spec}: cannot load it ({type(exc).__name__}: {exc})") from exc


def _load_suite(suite: Path) -> Suite:
    try:
        return load_suite(suite)
    except SuiteError as exc:
        raise UserError(f"--suite {suite}: {exc}") from exc


# ---------------------------------------------------------------------------------------------
# run


@app.command("run")
def run_command(
    backend: BackendOpt,
    suite: Annotated[
        Path, typer.Option(metavar="DIR", help="Suite directory (holds suite.toml).")
    ] = Path("data/eval"),
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Output directory (report.json, report.md, transcripts.jsonl); punie-eval "
            "writes only into a new, empty or punie-eval directory.",
        ),
    ] = Path("data/eval/reports/latest"),
    only: Annotated[
        list[str] | None,
        typer.Option(
            metavar="ID",
            help="Run only this query (repeatable; thresholds then do not apply).",
            show_default="every query",
        ),
    ] = None,
    turn_limit: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Turns per query.", show_default="the suite's: 8"),
    ] = None,
    max_tokens: MaxTokensOpt = 1024,
    temperature: Annotated[
        float, typer.Option(min=0.0, metavar="T", help="Sampling temperature (0: greedy).")
    ] = 0.0,
    seed: Annotated[
        int, typer.Option(min=0, metavar="N", help="Random seed (run k of --repeat: seed+k).")
    ] = 0,
    repeat: Annotated[
        int,
        typer.Option(min=1, metavar="N", help="Run the suite N times; per-query consistency."),
    ] = 1,
    query_timeout: Annotated[
        float,
        typer.Option(min=1.0, metavar="S", help="Wall-clock seconds per query, model and tools."),
    ] = 600.0,
    judge: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="OpenAI-compatible URL[,model=NAME] that judges direct answers."
        ),
    ] = None,
    no_fail: Annotated[
        bool,
        typer.Option("--no-fail", help="Exit 0 when a threshold is missed (errors still exit 2)."),
    ] = False,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Run the suite with a backend.

    Exit 0 when every threshold is met, 1 when one is missed (0 with --no-fail), 2 on a usage
    or infrastructure error: a bad suite, backend or --only id, a server that cannot be reached
    or answers no query, a tampered fixture. One line per query goes to stderr; the category
    table (or --json) to stdout.

    \b
    Example:
      punie-eval run --backend openai:http://127.0.0.1:8080/v1 \\
          --out runs/served/eval
    """
    target = _output_dir(out, force)
    _check_backend(backend)
    if judge:
        from punie_eval.backends.openai import check_url

        try:
            check_url(judge.partition(",")[0])
        except BackendSpecError as exc:
            raise UserError(f"--judge {judge}: {exc}") from exc
    loaded = _load_suite(suite)
    known = [q.id for q in loaded.queries]
    unknown = sorted(set(only or []) - set(known))
    if unknown:
        raise UserError(
            f"--only: unknown query id {', '.join(unknown)} (the suite has {', '.join(known)})"
        )
    if not known:
        raise UserError(f"--suite {suite}: the suite holds no query")
    judge_backend = None
    if judge:
        from punie_eval.judge import Judge

        try:
            judge_backend = Judge(judge)
            judge_backend.backend.discover()
        except (BackendSpecError, BackendUnavailable) as exc:
            raise UserError(f"--judge {judge}: {exc}") from exc
    model = _make_backend(
        backend, suite=loaded, max_tokens=max_tokens, temperature=temperature, seed=seed
    )
    from punie_eval.harness import run_suite

    def show(result: QueryResult) -> None:
        mark = "pass" if result.passed else "FAIL"
        why = "" if result.passed else f" {result.why}"
        console.print(f"{mark} {result.id} ({result.latency_s:.2f} s){why}", markup=False)

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
        raise UserError(f"--suite {suite}: {exc}") from exc
    except Exception as exc:  # a harness failure outside any query: still leave a report
        message = f"the run failed: {type(exc).__name__}: {exc}"
        write_report(_error_report(backend, suite, message), target.path, target=target)
        raise UserError(f"{message} (report: {target.path / 'report.json'})") from exc
    write_report(report, target.path, transcripts, target=target)
    where = target.path / "report.json"
    if as_json:
        print(json.dumps(_summary_json(report, where)))
    else:
        _print_summary(report)
    console.print(f"report: {where}, {target.path / 'report.md'}", markup=False)
    if report.error:  # infrastructure: exit 2 whatever --no-fail says
        raise UserError(f"{report.error} (report: {where})")
    if not report.passed and not no_fail:
        raise typer.Exit(1)


def _error_report(backend: str, suite: Path, message: str) -> Report:
    import datetime as dt

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


def _category_json(cat: CategoryResult) -> dict[str, Any]:
    return cat.model_dump(mode="json")


def _summary_json(report: Report, where: Path) -> dict[str, Any]:
    return {
        "backend": report.backend,
        "passed": report.passed,
        "partial": report.partial,
        "error": report.error,
        "overall": _category_json(report.overall),
        "categories": {k: _category_json(c) for k, c in report.categories.items()},
        "queries": [
            {
                "id": q.id,
                "category": q.category,
                "passed": q.passed,
                "outcome": q.outcome,
                "why": q.why,
                "latency_s": round(q.latency_s, 3),
            }
            for q in report.queries
        ],
        "median_latency_s": round(report.median_latency_s, 3),
        "tokens_per_s": report.tokens_per_s,
        "report": str(where),
    }


def _print_summary(report: Report) -> None:
    title = f"punie-eval: {report.backend}" + (" (partial)" if report.partial else "")
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("category", overflow="fold")
    table.add_column("passed", justify="right", no_wrap=True)
    table.add_column("threshold", justify="right", no_wrap=True)
    table.add_column("met", no_wrap=True)
    for cat in [*report.categories.values(), report.overall]:
        threshold = str(cat.threshold) if cat.threshold is not None else f"all {cat.total}"
        table.add_row(cat.title, f"{cat.passed}/{cat.total}", threshold, "yes" if cat.met else "no")
    stdout_console().print(table)
    verdict = "ERROR" if report.error else "PASS" if report.passed else "FAIL"
    print(f"verdict: {verdict}")


# ---------------------------------------------------------------------------------------------
# compare


def _read_report(path: Path, option: str) -> Report:
    from pydantic import ValidationError

    file = path / "report.json" if path.is_dir() else path
    check_in_file(file, option)
    try:
        return load_report(file)
    except UnicodeDecodeError as exc:
        raise UserError(f"{option} {file}: not UTF-8 text") from exc
    except ValidationError as exc:  # not JSON, or not a run report (a held-out one, say)
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        detail = f"{where}: {first['msg']}" if where else first["msg"]
        raise UserError(f"{option} {file}: not a punie-eval run report ({detail})") from exc


@app.command()
def compare(
    a: Annotated[Path, typer.Argument(metavar="A", help="report.json (or its directory).")],
    b: Annotated[Path, typer.Argument(metavar="B", help="report.json (or its directory).")],
    as_json: JsonOpt = False,
) -> None:
    """Side-by-side table of two run reports.

    Per query, per category and overall: the 30B model against the 7B, say.

    \b
    Example:
      punie-eval compare runs/phase24/eval runs/phase25-7b/eval
    """
    ra, rb = _read_report(a, "A"), _read_report(b, "B")
    a_by_id = {q.id: q for q in ra.queries}
    b_by_id = {q.id: q for q in rb.queries}
    ids = list(dict.fromkeys([*a_by_id, *b_by_id]))
    if as_json:

        def side(q: QueryResult | None) -> dict[str, Any] | None:
            return None if q is None else {"passed": q.passed, "latency_s": q.latency_s}

        def whole(r: Report, path: Path) -> dict[str, Any]:
            return {
                "report": str(path),
                "backend": r.backend,
                "passed": r.passed,
                "overall": _category_json(r.overall),
                "categories": {k: _category_json(c) for k, c in r.categories.items()},
                "median_latency_s": r.median_latency_s,
                "tokens_per_s": r.tokens_per_s,
            }

        print(
            json.dumps(
                {
                    "a": whole(ra, a),
                    "b": whole(rb, b),
                    "queries": [
                        {"id": i, "a": side(a_by_id.get(i)), "b": side(b_by_id.get(i))} for i in ids
                    ],
                }
            )
        )
        return
    print(f"A: {ra.backend} ({a})")
    print(f"B: {rb.backend} ({b})")
    table = Table(title="punie-eval compare", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("query", overflow="fold")
    table.add_column("A", no_wrap=True)
    table.add_column("B", no_wrap=True)

    def cell(q: QueryResult | None) -> str:
        if q is None:
            return "-"
        return f"{'pass' if q.passed else 'fail'} {q.latency_s:.2f}s"

    for qid in ids:
        table.add_row(qid, cell(a_by_id.get(qid)), cell(b_by_id.get(qid)))
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
    stdout_console().print(table)


# ---------------------------------------------------------------------------------------------
# heldout


def _heldout_line(value: Any) -> bool:
    """A held-out line: an object with a `messages` list; True when it has an assistant turn."""
    from punie_eval.heldout import expected_choice

    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    messages = value.get("messages")
    if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
        raise ValueError("messages: expected a list of message objects")
    return expected_choice(messages) is not None


def _check_heldout_data(data: Path) -> int:
    """Every line of the held-out file checked (FILE:LINE); the number of usable examples."""
    usable = sum(read_jsonl(data, _heldout_line, option="--data"))
    if not usable:
        raise UserError(
            f"--data {data} holds no example with an assistant turn "
            "(give a split written by punie-datagen, e.g. data/phase24/test.jsonl)"
        )
    return usable


def _example_line(example: HeldoutExample) -> str:
    mark = "ok " if example.correct else "--"
    why = f" ({example.reason[:80]})" if example.reason and not example.correct else ""
    return (
        f"{mark} {example.index}: expected {example.expected or '(no tool)'}, "
        f"got {example.predicted or '(no tool)'}, score {example.score:.2f}{why}"
    )


@app.command()
def heldout(
    backend: Annotated[
        str,
        typer.Option(metavar="SPEC", help=BACKEND_HELP + " With --checkpoints: mlx:BASE."),
    ],
    data: Annotated[Path, typer.Option(metavar="FILE", help="The held-out split (JSONL).")] = Path(
        "data/phase24/test.jsonl"
    ),
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Output directory (report.json, report.md; with --checkpoints "
            "checkpoints.json and one report per checkpoint).",
        ),
    ] = Path("data/eval/reports/heldout"),
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR", help="A run's adapters directory: score every saved checkpoint."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        typer.Option(
            min=1,
            metavar="N",
            help="Score N examples spread over the file.",
            show_default="every example",
        ),
    ] = None,
    max_tokens: MaxTokensOpt = 1024,
    seed: SeedOpt = 0,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Score the held-out split, or every checkpoint of a run.

    Each first reply is scored on tool choice, arguments and code that runs, beside three
    trivial baselines.

    With --checkpoints RUN/adapters every saved adapter is scored on the same sample and
    DIR/checkpoints.json names the best one by behaviour. Exit 0 when scored, 2 on a usage or
    infrastructure error (no usable example, a backend that cannot be reached or answers
    none).

    \b
    Example:
      punie-eval heldout --backend mlx:runs/smoke/quantized \\
          --data data/phase24/test.jsonl --out runs/smoke/eval/heldout
    """
    target = _output_dir(out, force)
    usable = _check_heldout_data(data)
    if checkpoints is not None:
        _score_checkpoints(backend, checkpoints, data, target, limit=limit,
                           max_tokens=max_tokens, seed=seed, as_json=as_json)  # fmt: skip
        return
    _check_backend(backend)
    from punie_eval.heldout import run_heldout, write_heldout

    model = _make_backend(backend, max_tokens=max_tokens, seed=seed)
    console.print(
        f"heldout: {min(usable, limit or usable)} of {usable} examples from {data}", markup=False
    )
    try:
        report = run_heldout(data, model, limit=limit, on_example=_progress(_example_line))
    except BackendUnavailable as exc:
        raise UserError(f"--backend {backend}: {exc} (nothing was written)") from exc
    if report.total == 0:
        raise UserError(f"--data {data}: none of the examples sampled is usable (nothing written)")
    failed = [e for e in report.examples if e.predicted == "error"]
    if len(failed) == report.total:
        raise UserError(
            f"--backend {backend} answered no example ({failed[0].reason}; nothing was written)"
        )
    write_heldout(report, target.path, target=target)
    where = target.path / "report.json"
    if as_json:
        print(
            json.dumps(
                {
                    "backend": report.backend,
                    "data": str(data),
                    "examples": report.total,
                    "skipped": report.skipped,
                    "errors": len(failed),
                    "score": report.score,
                    "tool_choice": report.tool_choice_accuracy,
                    "arguments": report.arguments_accuracy,
                    "code_runs": report.runs_rate,
                    "format_valid": report.format_validity_rate,
                    "baselines": [b.model_dump(mode="json") for b in report.baselines],
                    "report": str(where),
                }
            )
        )
    else:
        print(
            f"{report.total} examples: score {report.score:.1%}, tool choice "
            f"{report.tool_choice_accuracy:.1%}, arguments {report.arguments_accuracy:.1%}, "
            f"code runs {report.runs_rate:.1%}, format validity "
            f"{report.format_validity_rate:.1%}"
        )
        for b in report.baselines:
            print(f"baseline {b.name}: score {b.score:.1%}, tool choice {b.tool_choice:.1%}")
    if failed:
        console.print(
            f"warning: the backend failed on {len(failed)} of {report.total} examples "
            f"(first: {failed[0].reason})",
            markup=False,
        )
    console.print(f"report: {where}", markup=False)


def _progress(render: Callable[[Any], str]) -> Callable[[Any], None]:
    def show(item: Any) -> None:
        console.print(render(item), markup=False)

    return show


def _score_checkpoints(
    backend: str,
    checkpoints: Path,
    data: Path,
    target: OutputDir,
    *,
    limit: int | None,
    max_tokens: int,
    seed: int,
    as_json: bool,
) -> None:
    from punie_eval.checkpoints import CheckpointError, find_checkpoints, score_checkpoints

    try:
        found = find_checkpoints(checkpoints)
    except CheckpointError as exc:
        raise UserError(f"--checkpoints {checkpoints}: {exc}") from exc
    kind, _, options = _check_backend(backend)
    if kind != "mlx":
        raise UserError(f"--checkpoints needs an mlx backend: --backend mlx:BASE (got {backend})")
    if "adapter" in options:
        raise UserError("--backend: give the adapters with --checkpoints, not adapter=")
    console.print(f"heldout: scoring {len(found)} checkpoints of {checkpoints}", markup=False)
    try:
        summary = score_checkpoints(
            backend,
            checkpoints,
            data,
            target.path,
            limit=limit,
            max_tokens=max_tokens,
            seed=seed,
            progress=_progress(str),
            target=target,
        )
    except (CheckpointError, BackendSpecError) as exc:
        raise UserError(str(exc)) from exc
    best = summary["best"]
    where = target.path / "checkpoints.json"
    if as_json:
        print(json.dumps({**summary, "report": str(where)}))
        return
    print(
        f"{len(summary['checkpoints'])} checkpoints on {summary['examples']} examples; best "
        f"by behaviour: {best['file']} (iteration {best['iteration']}, score "
        f"{best['score']:.3f})"
    )
    console.print(f"report: {where}", markup=False)


# ---------------------------------------------------------------------------------------------
# docs


def _is_generated(heading: str) -> Callable[[Path], bool]:
    def recognize(path: Path) -> bool:
        try:
            with path.open(encoding="utf-8") as handle:
                head = handle.read(4096)
        except (OSError, ValueError):
            return False
        return head.startswith(heading) and "Generated by `nox -s docs`" in head

    return recognize


def _is_results(path: Path) -> bool:
    data = _load_json(path)
    return isinstance(data, dict) and {"profile", "queries_total"} <= set(data)


def _is_png(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


@app.command()
def docs(
    data: Annotated[
        Path, typer.Option(metavar="DIR", help="Dataset directory (holds manifest.json).")
    ] = Path("data/phase24"),
    run_dir: Annotated[
        Path,
        typer.Option(
            "--run", metavar="DIR", help="Run directory (summary.json, eval/report.json, …)."
        ),
    ] = Path("runs/smoke"),
    profile: Annotated[
        str, typer.Option(metavar="NAME", help="Training profile that produced the run.")
    ] = "smoke",
    out: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Where phase24-progress.md, phase25-plan.md, phase24-results.json and "
            "phase24-loss.png go (other files there are left alone).",
        ),
    ] = Path("docs"),
    learn_check: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="punie-train's learn-check.json (default: RUN/learn-check/learn-check.json).",
        ),
    ] = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the phase documents from a complete run's artefacts.

    Only from a complete run: the dataset manifest, the training summary (unless a served
    model was evaluated) and both eval reports, none recording an error. Otherwise exit 2 and
    the documents already there are left as they were.

    \b
    Example:
      punie-eval docs --data data/phase24 --run runs/smoke --out docs
    """
    from punie_eval.phase_docs import (
        LOSS_IMAGE,
        RESULTS_FILE,
        IncompleteArtefacts,
        write_docs,
    )

    if not profile.strip() or any(c in profile for c in "/\\\n"):
        raise UserError(f"--profile {profile!r} is not a profile name (e.g. smoke, phase24)")
    check_dir(out, "--out")
    outputs = {
        "phase24-progress.md": _is_generated("# Phase 24 progress"),
        "phase25-plan.md": _is_generated("# Phase 25 plan"),
        RESULTS_FILE: _is_results,
        LOSS_IMAGE: _is_png,
    }
    for name, recognize in outputs.items():
        check_out_file(out / name, force=force, recognize=recognize,
                       what="a document punie-eval generated")  # fmt: skip
    for option, directory in (("--data", data), ("--run", run_dir)):
        if not directory.is_dir():
            raise UserError(f"{option} {directory}: no such directory (run the pipeline first)")
    try:
        written = write_docs(
            data=data, run=run_dir, profile=profile, out=out, learn_check=learn_check
        )
    except IncompleteArtefacts as exc:
        raise UserError(
            f"the run's artefacts are incomplete, the documents were left as they were: {exc}"
        ) from exc
    if as_json:
        print(json.dumps({"written": [str(p) for p in written]}))
    else:
        for path in written:
            print(path)


def main() -> None:
    """Console-script entry point."""
    cli_support.run(app, prog=TOOL)


if __name__ == "__main__":
    main()
