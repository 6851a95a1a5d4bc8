"""The ``punie-train`` command line: lora, fuse, quantize, learn-check, make-smoke-model, profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Column, Table

from punie_train.errors import TrainError

app = typer.Typer(
    help="LoRA training, fusing and quantization with mlx-lm (never downloads anything).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True)

ProfilesOpt = Annotated[
    Path | None,
    typer.Option("--profiles", help="A TOML file whose tables add or override profiles."),
]


def _fail(exc: Exception) -> typer.Exit:
    """Print a user-facing error and return the exit to raise (code 2)."""
    err_console.print(f"[bold red]error:[/bold red] {exc}", highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


def _summary_table(summary: dict[str, object]) -> Table:
    """Render a summary dict as a two-column table."""
    table = Table(show_header=False)
    for key, value in summary.items():
        if key == "lengths" and isinstance(value, dict):
            value = _lengths_text(value)
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    return table


def _lengths_text(lengths: dict[str, Any]) -> str:
    """One line for summary.json's ``lengths``: per split max / p95 tokens, the limit, drops."""
    parts = [
        f"{split} max {s['max']:,} p95 {s['p95']:,}"
        for split in ("train", "valid")
        if isinstance(s := lengths.get(split), dict)
    ]
    dropped = sum(
        s.get("dropped_sequences", 0) for s in (lengths.get("train"), lengths.get("valid")) if s
    )
    parts.append(f"max_seq_length {lengths.get('max_seq_length')}, dropped {dropped}")
    return "; ".join(parts)


@app.command()
def lora(
    data: Annotated[Path, typer.Option(help="Dataset directory with train/valid.jsonl.")],
    run: Annotated[Path, typer.Option(help="Run directory, e.g. runs/NAME.")],
    profile: Annotated[str, typer.Option(help="Profile name (see `profiles`).")] = "smoke",
    model: Annotated[
        str | None, typer.Option(help="Local MLX model directory (overrides the profile).")
    ] = None,
    iters: Annotated[int | None, typer.Option(help="Override the profile's iterations.")] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the run's last saved adapters.")
    ] = False,
    skip_gate: Annotated[
        bool,
        typer.Option(
            "--skip-gate", help="Train without running the gate first (see `punie-train gate`)."
        ),
    ] = False,
    allow_drop: Annotated[
        bool,
        typer.Option(
            "--allow-drop",
            help="Leave out sequences longer than max_seq_length (counted in summary.json) "
            "instead of stopping with an error.",
        ),
    ] = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Gate, then train LoRA adapters into RUN/adapters with metrics, loss.png, summary.json.

    The gate (`punie-train gate`) runs first and its report goes to RUN/gate.json; a failed
    gate stops before any training.
    """
    from punie_train.lora import train_lora
    from punie_train.profiles import get_profile

    try:
        chosen = get_profile(profile, profiles, {"iters": iters})
        summary = train_lora(
            chosen,
            data,
            run,
            model=model,
            resume=resume,
            console=console,
            gate=not skip_gate,
            allow_drop=allow_drop,
        )
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(_summary_table(summary.to_json_dict()))


CheckOpt = Annotated[
    str,
    typer.Option(
        help="auto: load and generate when the model fits in memory, else check the "
        "end-of-sequence ids only; model: always load and generate; eos: ids only."
    ),
]
StopCheckOpt = Annotated[
    str | None,
    typer.Option(
        "--stop-check",
        help="require | report: must greedy generation on three training prompts stop? "
        "(default: the profile's)",
    ),
]


def _one_of(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise typer.BadParameter(f"must be one of {', '.join(allowed)}", param_hint=name)


@app.command()
def fuse(
    run: Annotated[Path, typer.Option(help="Run directory trained with `lora`.")],
    checkpoint: Annotated[
        str,
        typer.Option(help="final | best-loss | best-behaviour (recorded by `select`)."),
    ] = "final",
    adapter_file: Annotated[
        Path | None, typer.Option(help="Fuse this adapter file instead of a named checkpoint.")
    ] = None,
    dequantize: Annotated[
        bool | None,
        typer.Option("--dequantize/--no-dequantize", help="Default: the profile's setting."),
    ] = None,
    check: CheckOpt = "auto",
    stop_check: StopCheckOpt = None,
) -> None:
    """Fuse a checkpoint into the base model, layer by layer, check it, then publish RUN/fused.

    Example: punie-train fuse --run runs/p24 --checkpoint best-behaviour
    """
    from punie_train.checkpoints import CHOICES
    from punie_train.checks import CHECK_MODES
    from punie_train.fuse import fuse_run

    _one_of("--checkpoint", checkpoint, CHOICES)
    _one_of("--check", check, CHECK_MODES)
    _one_of("--stop-check", stop_check, ("require", "report"))
    try:
        summary = fuse_run(
            run,
            dequantize=dequantize,
            console=err_console,
            checkpoint=checkpoint,  # ty: ignore[invalid-argument-type]
            adapter_file=adapter_file,
            check=check,  # ty: ignore[invalid-argument-type]
            stop_check=stop_check,
        )
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(
        f"fused → {run / 'fused'} ({summary.fused_bytes:,} bytes, {summary.fused_dtype}, "
        f"checkpoint {(summary.fused_checkpoint or {}).get('file')})"
    )


@app.command()
def quantize(
    run: Annotated[Path, typer.Option(help="Run directory with a fused model.")],
    bits: Annotated[
        int | None, typer.Option(help="Bits per weight (default: the profile's quantize_bits).")
    ] = None,
    group_size: Annotated[
        int | None, typer.Option(help="Group size (default: the profile's quantize_group_size).")
    ] = None,
    check: CheckOpt = "auto",
    stop_check: StopCheckOpt = None,
) -> None:
    """Quantize RUN/fused layer by layer, check it, then publish RUN/quantized.

    Example: punie-train quantize --run runs/p24
    """
    from punie_train.checks import CHECK_MODES
    from punie_train.quantize import quantize_run

    _one_of("--check", check, CHECK_MODES)
    _one_of("--stop-check", stop_check, ("require", "report"))
    try:
        summary = quantize_run(
            run,
            bits=bits,
            group_size=group_size,
            console=err_console,
            check=check,  # ty: ignore[invalid-argument-type]
            stop_check=stop_check,
        )
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(
        f"quantized → {run / 'quantized'} ({summary.quantized_bytes:,} bytes, "
        f"{summary.quantize_bits} bits, group size {summary.quantize_group_size})"
    )


@app.command()
def select(
    run: Annotated[Path, typer.Option(help="Run directory trained with `lora`.")],
    checkpoints_report: Annotated[
        Path | None,
        typer.Option(
            help="punie-eval's checkpoints.json (default: RUN/eval/checkpoints/checkpoints.json)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the choice as JSON.")] = False,
) -> None:
    """Record the best checkpoint by held-out behaviour next to the best by loss.

    Reads `punie-eval heldout --checkpoints RUN/adapters`'s report and writes
    best_by_behaviour into RUN/summary.json; `fuse --checkpoint best-behaviour` then fuses it.

    Example: punie-train select --run runs/p24
    """
    import json

    from punie_train.checkpoints import ADAPTERS_DIR, CHECKPOINTS_REPORT, read_checkpoints_report
    from punie_train.metrics import read_summary, update_summary

    report = checkpoints_report or run / CHECKPOINTS_REPORT
    try:
        best = read_checkpoints_report(report, run / ADAPTERS_DIR)
        read_summary(run)
    except TrainError as exc:
        raise _fail(exc) from exc
    except OSError as exc:
        raise _fail(TrainError(f"{run} has no summary.json; run `punie-train lora` first")) from exc
    summary = update_summary(run, best_by_behaviour=best)
    choice = {"best_by_loss": summary.best_by_loss, "best_by_behaviour": best}
    if as_json:
        typer.echo(json.dumps(choice, indent=2))
        return
    table = Table("choice", "file", "iteration", "measure")
    loss = summary.best_by_loss or {}
    table.add_row(
        "best by loss",
        str(loss.get("file")),
        str(loss.get("iteration")),
        f"val loss {loss.get('val_loss')}",
    )
    table.add_row(
        "best by behaviour", best["file"], str(best.get("iteration")), f"score {best.get('score')}"
    )
    console.print(table)


@app.command()
def gate(
    model: Annotated[
        Path, typer.Option(help="Local MLX model directory (its tokenizer, template).")
    ],
    data: Annotated[Path, typer.Option(help="Dataset directory with train/valid[/test].jsonl.")],
    profile: Annotated[
        str, typer.Option(help="Profile whose max_seq_length and turn split apply.")
    ] = "smoke",
    max_seq_length: Annotated[
        int | None, typer.Option(min=2, help="Override the profile's max_seq_length.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Check the model's template and tokenizer against the data before training.

    Renders every example with the model's own chat template, parses each rendered assistant
    turn back with the wire parsers, reports how the delimiters tokenize and the token lengths,
    and checks the end-of-sequence ids. Exit 0 pass, 1 a check failed, 2 usage error.

    Example: punie-train gate --model data/models/smoke --data data/phase24 --json
    """
    import json

    from punie_train._verify import require_model_dir
    from punie_train.gate import run_gate
    from punie_train.profiles import get_profile

    try:
        chosen = get_profile(profile, profiles, {"max_seq_length": max_seq_length})
        model_dir = require_model_dir(model, profile)
        err_console.print(f"gate: rendering {data} with {model_dir}'s chat template")
        report = run_gate(
            model_dir,
            data,
            max_seq_length=chosen.max_seq_length,
            every_turn=chosen.every_turn,
            mask_prompt=chosen.mask_prompt,
        )
    except TrainError as exc:
        raise _fail(exc) from exc
    if as_json:
        typer.echo(json.dumps(report.to_json(), indent=2))
    else:
        console.print(_gate_table(report))
    if not report.passed:
        err_console.print(f"error: gate failed: {report.reason}", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)


def _gate_table(report: object) -> Table:
    from punie_train.gate import GateReport

    assert isinstance(report, GateReport)
    table = Table("check", "result", "detail", title=f"gate: {report.model} on {report.data}")
    for check in report.checks:
        result = "pass" if check.ok else check.severity
        table.add_row(check.name, result, check.detail)
    table.add_section()
    for d in report.probe.delimiters():
        table.add_row(
            f"delimiter {d.role}",
            "-" if d.text is None else f"{len(d.ids)} token(s)",
            "none in the template" if d.text is None else f"{d.text!r} → {list(d.pieces)}",
        )
    return table


@app.command("learn-check")
def learn_check_cmd(
    data: Annotated[Path, typer.Option(help="Dataset directory with train/valid.jsonl.")],
    out: Annotated[
        Path, typer.Option(help="Directory for the slice, model, run and learn-check.json.")
    ],
    examples: Annotated[
        int, typer.Option(min=16, help="Examples in the stratified slice (every group is in it).")
    ] = 16,
    iters: Annotated[
        int | None, typer.Option(min=1, help="Training steps (default: the check's recipe).")
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(help="Train this model directory instead of building the smoke model."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Take over an --out directory with other files.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print learn-check.json on stdout instead of a table.")
    ] = False,
) -> None:
    """Prove the training path teaches: fit a slice, fuse, quantize to 5 bits, score tool choice.

    Exit 0 when the 5-bit model chooses the data's tool (or direct answer) for at least 90 % of
    the slice and the loss fell to a quarter of where it started; 1 when it does not; 2 on bad
    input. Example: punie-train learn-check --data data/phase24 --out runs/learn-check
    """
    import contextlib
    import json as _json
    import sys

    from punie_train.learn_check import describe_failure, learn_check_profile, run_learn_check

    try:
        # mlx-lm prints its training table on stdout: keep stdout for the result.
        with contextlib.redirect_stdout(sys.stderr):
            report = run_learn_check(
                data,
                out,
                examples=examples,
                model=model,
                profile=learn_check_profile(iters=iters),
                force=force,
                console=err_console,
            )
    except TrainError as exc:
        raise _fail(exc) from exc
    if as_json:
        print(_json.dumps(report.to_json(), indent=2))
    else:
        table = Table("measure", "value", "target")
        table.add_row("examples", str(report.examples), "≥ 16, every group")
        table.add_row(
            f"tool choice ({report.model_stage}, {report.quantize_bits} bits)",
            f"{report.tool_choice_accuracy:.1%}",
            f"≥ {report.targets['tool_choice_accuracy']:.0%}",
        )
        table.add_row(
            "loss initial → final",
            f"{report.initial_loss:.3f} → {report.final_loss:.3f}"
            if report.initial_loss is not None and report.final_loss is not None
            else "—",
            f"final ≤ {report.targets['loss_ratio']:g} × initial",
        )
        table.add_row(
            "seconds (wall / CPU)",
            f"{report.seconds:.0f} / {report.cpu_seconds:.0f} (load {report.load_average[0]:g})",
            f"≤ {report.targets['seconds']:.0f} on 2 cores",
        )
        console.print(table)
    if not report.passed:
        err_console.print(f"learn-check failed: {describe_failure(report)}", highlight=False)
        raise typer.Exit(code=1)


@app.command("make-smoke-model")
def make_smoke_model_cmd(
    out: Annotated[Path, typer.Argument(help="Directory to write the model into.")],
    data: Annotated[
        Path | None, typer.Option(help="Dataset dir whose train text trains the tokenizer.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed for the weights.")] = 0,
    arch: Annotated[
        str,
        typer.Option(
            help="qwen3 (the dense smoke model) or qwen3_moe (a 10-layer, 8-expert stand-in "
            "for Qwen3-Coder-30B-A3B, bfloat16)."
        ),
    ] = "qwen3",
    base_bits: Annotated[
        int | None,
        typer.Option(help="Quantize the base with mlx-lm's own quantization (e.g. 4)."),
    ] = None,
) -> None:
    """Build a tiny random-init model with a BPE tokenizer and chat template, offline.

    Example: punie-train make-smoke-model runs/standin --arch qwen3_moe --base-bits 4
    """
    from punie_train._verify import force_offline, verify_generates
    from punie_train.smoke import ARCHS, make_smoke_model

    _one_of("--arch", arch, tuple(ARCHS))
    _one_of(
        "--base-bits", None if base_bits is None else str(base_bits), ("2", "3", "4", "5", "6", "8")
    )
    force_offline()
    try:
        path = make_smoke_model(out, data, seed=seed, arch=arch, base_bits=base_bits)
        text = verify_generates(path)
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(f"smoke model ({arch}) → {path} (verified: generates {text!r})")


@app.command("profiles")
def profiles_cmd(profiles: ProfilesOpt = None) -> None:
    """List the training profiles."""
    from punie_train.profiles import load_profiles

    try:
        loaded = load_profiles(profiles)
    except TrainError as exc:
        raise _fail(exc) from exc
    table = Table("model", "iters", "batch", "lr", "layers", "rank", "seq", "target")
    table.columns.insert(0, Column("profile", no_wrap=True, style="bold"))
    for p in loaded.values():
        table.add_row(
            p.name,
            p.model or "(--model PATH)",
            str(p.iters),
            str(p.batch_size),
            f"{p.learning_rate:g}",
            str(p.num_layers),
            str(p.lora_rank),
            str(p.max_seq_length),
            "-" if p.target_val_loss is None else f"< {p.target_val_loss:g}",
        )
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
