"""The ``punie-train`` command line: lora, fuse, quantize, make-smoke-model, profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    return table


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
    profiles: ProfilesOpt = None,
) -> None:
    """Train LoRA adapters into RUN/adapters and write metrics.jsonl, loss.png, summary.json."""
    from punie_train.lora import train_lora
    from punie_train.profiles import get_profile

    try:
        chosen = get_profile(profile, profiles, {"iters": iters})
        summary = train_lora(chosen, data, run, model=model, resume=resume, console=console)
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
