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
    """Train LoRA adapters into RUN/adapters and write metrics.jsonl, loss.png, summary.json."""
    from punie_train.lora import train_lora
    from punie_train.profiles import get_profile

    try:
        chosen = get_profile(profile, profiles, {"iters": iters})
        summary = train_lora(
            chosen, data, run, model=model, resume=resume, console=console, allow_drop=allow_drop
        )
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(_summary_table(summary.to_json_dict()))


@app.command()
def fuse(
    run: Annotated[Path, typer.Option(help="Run directory trained with `lora`.")],
    dequantize: Annotated[
        bool | None,
        typer.Option("--dequantize/--no-dequantize", help="Default: the profile's setting."),
    ] = None,
) -> None:
    """Fuse RUN/adapters into the base model as float16 → RUN/fused."""
    from punie_train.fuse import fuse_run

    try:
        summary = fuse_run(run, dequantize=dequantize, console=console)
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(f"fused → {run / 'fused'} ({summary.fused_bytes:,} bytes)")


@app.command()
def quantize(
    run: Annotated[Path, typer.Option(help="Run directory with a fused model.")],
    bits: Annotated[int | None, typer.Option(help="Bits per weight (profile default: 5).")] = None,
    group_size: Annotated[int | None, typer.Option(help="Quantization group size.")] = None,
) -> None:
    """Quantize RUN/fused → RUN/quantized."""
    from punie_train.quantize import quantize_run

    try:
        summary = quantize_run(run, bits=bits, group_size=group_size, console=console)
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(
        f"quantized → {run / 'quantized'} ({summary.quantized_bytes:,} bytes, "
        f"{summary.quantize_bits} bits)"
    )


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
) -> None:
    """Build a tiny random-init Qwen3 model with a BPE tokenizer and chat template, offline."""
    from punie_train._verify import force_offline, verify_generates
    from punie_train.smoke import make_smoke_model

    force_offline()
    try:
        path = make_smoke_model(out, data, seed=seed)
        text = verify_generates(path)
    except TrainError as exc:
        raise _fail(exc) from exc
    console.print(f"smoke model → {path} (verified: generates {text!r})")


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
