"""The ``punie-train`` command line: lora, fuse, quantize, select, gate, learn-check,
make-smoke-model, profiles.

Follows docs/cli-contract.md (through punie_tools.cli_support): every path, profile value and
number is checked before any model is loaded or trained; a user error is one line `error: …`
with exit 2 (`--debug` shows the traceback); 1 means a check found problems (gate,
learn-check); results go to stdout (`--json` for one JSON document), progress to stderr, with
no colour off a terminal or under `NO_COLOR` (mlx-lm's own training display included).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from punie_tools import cli_support
from punie_tools.cli_support import (
    ForceOpt,
    JsonOpt,
    OutputDir,
    UserError,
    check_choice,
    check_dir,
    check_in_file,
    make_app,
    stderr_console,
    stdout_console,
)
from punie_train import __version__
from punie_train.errors import ModelNotFoundError, TrainError

if TYPE_CHECKING:
    from rich.table import Table

# mlx and mlx-lm are imported where they are used: a bad argument, `--help` and `--version`
# answer without loading them.

TOOL = "punie-train"
app = make_app(
    name=TOOL,
    help="LoRA training, fusing and quantization with mlx-lm (never downloads anything).",
    version=__version__,
    example="punie-train lora --data data/phase24 --run runs/smoke --iters 40",
)
err_console = stderr_console()

QUANTIZE_BITS = (2, 3, 4, 5, 6, 8)  # what mlx's affine quantization supports
GROUP_SIZES = (32, 64, 128)

ProfilesOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles", metavar="FILE", help="A TOML file whose tables add or override profiles."
    ),
]
RunOpt = Annotated[Path, typer.Option(metavar="DIR", help="Run directory trained with `lora`.")]
CheckOpt = Annotated[
    str,
    typer.Option(
        metavar="MODE",
        help="auto: load and generate when the model fits in memory, else check the "
        "end-of-sequence ids only; model: always load and generate; eos: ids only.",
    ),
]
StopCheckOpt = Annotated[
    str | None,
    typer.Option(
        "--stop-check",
        metavar="MODE",
        help="require | report: must greedy generation on three training prompts stop?",
        show_default="the profile's",
    ),
]


def _user_error(exc: Exception) -> UserError:
    """A TrainError (bad data, model, run or profile) as the contract's one-line error."""
    return UserError(str(exc))


def _load_profile(name: str, profiles: Path | None, overrides: dict[str, Any]) -> Any:
    from punie_train.profiles import get_profile

    if profiles is not None:
        check_in_file(profiles, "--profiles")
    try:
        return get_profile(name, profiles, overrides)
    except TrainError as exc:
        raise _user_error(exc) from exc


def _check_run_dir(run_dir: Path, option: str = "--run") -> None:
    """A run directory that exists must be a writable directory (a missing one is reported by
    the step that needs it, naming what to run first)."""
    if run_dir.exists():
        check_dir(run_dir, option)


def _summary_table(summary: dict[str, object]) -> Table:
    """Render a summary dict as a two-column table."""
    from rich.table import Table

    table = Table(show_header=False)
    for key, value in summary.items():
        if key == "lengths" and isinstance(value, dict):
            value = _lengths_text(value)
        elif key == "training" and isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items() if k != "overridden")
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


# ---------------------------------------------------------------------------------------------
# lora


def _check_model(profile: Any, model: str | None, build: bool) -> None:
    """The base model must be a local MLX model directory, unless the profile builds its smoke
    model there: at the profile's own path, or at --model with --build-model. A path the user
    typed is never filled with a random model on its own."""
    chosen = model if model is not None else profile.model
    if not str(chosen).strip():
        raise _user_error(ModelNotFoundError("(none given)", profile.name))
    path = Path(chosen).expanduser()
    if path.is_dir() and (path / "config.json").is_file():
        return
    if path.exists():
        raise UserError(
            f"--model {chosen} is not an MLX model directory (no config.json; give the "
            "directory of a converted model)"
        )
    own_path = bool(profile.model) and os.path.abspath(path) == os.path.abspath(
        Path(profile.model).expanduser()
    )
    if profile.smoke_model and (own_path or build):
        check_dir(path, "--model")  # built there from the data: the place must be writable
        return
    if build:
        raise UserError(
            f"--build-model: profile {profile.name!r} does not build its model (only profiles "
            "with smoke_model = true do; give an existing --model)"
        )
    if profile.smoke_model:
        raise UserError(
            f"--model {chosen}: no model there (profile {profile.name!r} builds its smoke "
            f"model only at {profile.model}; add --build-model to build one at {chosen})"
        )
    raise _user_error(ModelNotFoundError(str(chosen), profile.name))


@app.command()
def lora(
    data: Annotated[
        Path, typer.Option(metavar="DIR", help="Dataset directory with train/valid.jsonl.")
    ],
    run: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Run directory (adapters, metrics, loss.png, summary.json), e.g. runs/NAME.",
        ),
    ],
    profile: Annotated[
        str, typer.Option(metavar="NAME", help="Profile name (see `punie-train profiles`).")
    ] = "smoke",
    model: Annotated[
        str | None,
        typer.Option(
            metavar="DIR",
            help="Local MLX model directory (overrides the profile's).",
            show_default="the profile's",
        ),
    ] = None,
    build_model: Annotated[
        bool,
        typer.Option(
            "--build-model",
            help="Smoke profiles: build the smoke model at --model when nothing is there "
            "(at the profile's own path it is built without this flag).",
        ),
    ] = False,
    iters: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Training steps.", show_default="the profile's"),
    ] = None,
    learning_rate: Annotated[
        float | None,
        typer.Option(metavar="LR", help="Adam learning rate (> 0).", show_default="the profile's"),
    ] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Batch size.", show_default="the profile's"),
    ] = None,
    num_layers: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="LoRA on the last N layers (-1: every layer).",
            show_default="the profile's",
        ),
    ] = None,
    max_seq_length: Annotated[
        int | None,
        typer.Option(
            min=2,
            metavar="N",
            help="Longest sequence in tokens (longer ones are an error, see --allow-drop).",
            show_default="the profile's",
        ),
    ] = None,
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
    as_json: JsonOpt = False,
) -> None:
    """Gate, then train LoRA adapters into RUN/adapters with metrics, loss.png, summary.json.

    The gate (`punie-train gate`) runs first and its report goes to RUN/gate.json; a failed
    gate stops before any training. --iters, --learning-rate, --batch-size, --num-layers and
    --max-seq-length override the profile (as in mlx_lm.lora); the values used are recorded in
    RUN/run.json and summary.json ("training").

    \b
    Example:
      punie-train lora --data data/phase24 --run runs/p24 --profile phase24 \\
          --model ~/models/Qwen3-Coder-30B-A3B-Instruct-4bit --iters 600
    """
    from punie_train.lora import RUN_FILE, read_run_info, train_lora

    if learning_rate is not None and not (math.isfinite(learning_rate) and learning_rate > 0):
        raise UserError(f"--learning-rate must be a number > 0 (got {learning_rate})")
    if num_layers is not None and (num_layers == 0 or num_layers < -1):
        raise UserError(f"--num-layers must be ≥ 1, or -1 for every layer (got {num_layers})")
    overrides = {
        "iters": iters,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "num_layers": num_layers,
        "max_seq_length": max_seq_length,
    }
    chosen = _load_profile(profile, profiles, overrides)
    check_dir(run, "--run")
    if resume and model is None and (run / RUN_FILE).is_file():
        try:
            model = read_run_info(run).model
        except (TrainError, ValueError) as exc:
            raise UserError(f"--resume: {run / RUN_FILE} cannot be read ({exc})") from exc
    _check_model(chosen, model, build_model)
    try:
        summary = train_lora(
            chosen,
            data,
            run,
            model=model,
            resume=resume,
            console=err_console,
            gate=not skip_gate,
            allow_drop=allow_drop,
            build_model=build_model,
            overridden=sorted(k for k, v in overrides.items() if v is not None),
        )
    except TrainError as exc:
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps(summary.to_json_dict(), indent=2))
    else:
        stdout_console().print(_summary_table(summary.to_json_dict()))


# ---------------------------------------------------------------------------------------------
# fuse, quantize, select


@app.command()
def fuse(
    run: RunOpt,
    checkpoint: Annotated[
        str,
        typer.Option(
            metavar="NAME", help="final | best-loss | best-behaviour (recorded by `select`)."
        ),
    ] = "final",
    adapter_file: Annotated[
        Path | None,
        typer.Option(metavar="FILE", help="Fuse this adapter file instead of a checkpoint."),
    ] = None,
    dequantize: Annotated[
        bool | None,
        typer.Option(
            "--dequantize/--no-dequantize",
            help="Fuse into a de-quantized model.",
            show_default="the profile's",
        ),
    ] = None,
    check: CheckOpt = "auto",
    stop_check: StopCheckOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fuse a checkpoint into the base model, layer by layer, check it, then publish RUN/fused.

    \b
    Example:
      punie-train fuse --run runs/p24 --checkpoint best-behaviour
    """
    from punie_train.checkpoints import CHOICES
    from punie_train.checks import CHECK_MODES
    from punie_train.fuse import fuse_run

    check_choice(checkpoint, "--checkpoint", CHOICES)
    check_choice(check, "--check", CHECK_MODES)
    if stop_check is not None:
        check_choice(stop_check, "--stop-check", ("require", "report"))
    if adapter_file is not None:
        check_in_file(adapter_file, "--adapter-file")
    _check_run_dir(run)
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
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps(summary.to_json_dict(), indent=2))
        return
    print(
        f"fused → {run / 'fused'} ({summary.fused_bytes:,} bytes, {summary.fused_dtype}, "
        f"checkpoint {(summary.fused_checkpoint or {}).get('file')})"
    )


@app.command()
def quantize(
    run: Annotated[Path, typer.Option(metavar="DIR", help="Run directory with a fused model.")],
    bits: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Bits per weight: 2, 3, 4, 5, 6 or 8.",
            show_default="the profile's quantize_bits",
        ),
    ] = None,
    group_size: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Weights per quantization group: 32, 64 or 128.",
            show_default="the profile's quantize_group_size",
        ),
    ] = None,
    check: CheckOpt = "auto",
    stop_check: StopCheckOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Quantize RUN/fused layer by layer, check it, then publish RUN/quantized.

    \b
    Example:
      punie-train quantize --run runs/p24 --bits 5
    """
    from punie_train.checks import CHECK_MODES
    from punie_train.quantize import quantize_run

    if bits is not None:
        check_choice(bits, "--bits", QUANTIZE_BITS)
    if group_size is not None:
        check_choice(group_size, "--group-size", GROUP_SIZES)
    check_choice(check, "--check", CHECK_MODES)
    if stop_check is not None:
        check_choice(stop_check, "--stop-check", ("require", "report"))
    _check_run_dir(run)
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
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps(summary.to_json_dict(), indent=2))
        return
    print(
        f"quantized → {run / 'quantized'} ({summary.quantized_bytes:,} bytes, "
        f"{summary.quantize_bits} bits, group size {summary.quantize_group_size})"
    )


@app.command()
def select(
    run: RunOpt,
    checkpoints_report: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="punie-eval's checkpoints.json.",
            show_default="RUN/eval/checkpoints/checkpoints.json",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record the best checkpoint by held-out behaviour next to the best by loss.

    Reads `punie-eval heldout --checkpoints RUN/adapters`'s report and writes
    best_by_behaviour into RUN/summary.json; `fuse --checkpoint best-behaviour` then fuses it.

    \b
    Example:
      punie-train select --run runs/p24
    """
    from punie_train.checkpoints import ADAPTERS_DIR, CHECKPOINTS_REPORT, read_checkpoints_report
    from punie_train.metrics import read_summary, update_summary

    _check_run_dir(run)
    report = checkpoints_report or run / CHECKPOINTS_REPORT
    try:
        best = read_checkpoints_report(report, run / ADAPTERS_DIR)
        read_summary(run)
    except TrainError as exc:
        raise _user_error(exc) from exc
    except (OSError, ValueError) as exc:
        raise UserError(
            f"{run} has no readable summary.json (run `punie-train lora` first)"
        ) from exc
    summary = update_summary(run, best_by_behaviour=best)
    choice = {"best_by_loss": summary.best_by_loss, "best_by_behaviour": best}
    if as_json:
        print(json.dumps(choice, indent=2))
        return
    from rich.table import Table

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
    stdout_console().print(table)


# ---------------------------------------------------------------------------------------------
# gate, learn-check


@app.command()
def gate(
    model: Annotated[
        Path,
        typer.Option(metavar="DIR", help="Local MLX model directory (its tokenizer, template)."),
    ],
    data: Annotated[
        Path, typer.Option(metavar="DIR", help="Dataset directory with train/valid[/test].jsonl.")
    ],
    profile: Annotated[
        str,
        typer.Option(metavar="NAME", help="Profile whose max_seq_length and turn split apply."),
    ] = "smoke",
    max_seq_length: Annotated[
        int | None,
        typer.Option(
            min=2,
            metavar="N",
            help="Override the profile's max_seq_length.",
            show_default="the profile's",
        ),
    ] = None,
    as_json: JsonOpt = False,
    profiles: ProfilesOpt = None,
) -> None:
    """Check the model's template and tokenizer against the data before training.

    Renders every example with the model's own chat template, parses each rendered assistant
    turn back with the wire parsers, reports how the delimiters tokenize and the token lengths,
    and checks the end-of-sequence ids. Exit 0 pass, 1 a check failed, 2 usage error.

    \b
    Example:
      punie-train gate --model data/models/smoke --data data/phase24 --json
    """
    from punie_train._verify import require_model_dir
    from punie_train.gate import run_gate

    chosen = _load_profile(profile, profiles, {"max_seq_length": max_seq_length})
    try:
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
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        stdout_console().print(_gate_table(report))
    if not report.passed:
        err_console.print(f"error: gate failed: {report.reason}")
        raise typer.Exit(code=1)


def _gate_table(report: object) -> Table:
    from rich.table import Table

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
    data: Annotated[
        Path, typer.Option(metavar="DIR", help="Dataset directory with train/valid.jsonl.")
    ],
    out: Annotated[
        Path,
        typer.Option(metavar="DIR", help="Directory for the slice, model, run, learn-check.json."),
    ],
    examples: Annotated[
        int,
        typer.Option(
            min=16, metavar="N", help="Examples in the stratified slice (every group is in it)."
        ),
    ] = 16,
    iters: Annotated[
        int | None,
        typer.Option(min=1, metavar="N", help="Training steps.", show_default="the check's recipe"),
    ] = None,
    model: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Train this model directory instead of building the smoke model.",
        ),
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
    input.

    \b
    Example:
      punie-train learn-check --data data/phase24 --out runs/learn-check
    """
    from punie_train._verify import require_model_dir
    from punie_train.learn_check import describe_failure, learn_check_profile, run_learn_check

    check_dir(out, "--out")
    if model is not None:
        try:
            require_model_dir(model)
        except TrainError as exc:
            raise _user_error(exc) from exc
    try:
        # mlx-lm may print on stdout: keep stdout for the result.
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
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps(report.to_json(), indent=2))
    else:
        from rich.table import Table

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
        table.add_row("BLAS (MLX on CPU)", report.blas or "?", "")
        stdout_console().print(table)
    if not report.passed:
        err_console.print(f"learn-check failed: {describe_failure(report)}")
        raise typer.Exit(code=1)


# ---------------------------------------------------------------------------------------------
# make-smoke-model, profiles


@app.command("make-smoke-model")
def make_smoke_model_cmd(
    out: Annotated[
        Path,
        typer.Argument(
            metavar="DIR",
            help="Directory to write the model into: new, empty, or an earlier smoke model.",
        ),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            metavar="DIR",
            help="Dataset directory whose train text trains the tokenizer.",
            show_default="this package's own text",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, metavar="N", help="Random seed for the weights.")] = 0,
    arch: Annotated[
        str,
        typer.Option(
            metavar="ARCH",
            help="qwen3 (the dense smoke model) or qwen3_moe (a 10-layer, 8-expert stand-in "
            "for Qwen3-Coder-30B-A3B, bfloat16).",
        ),
    ] = "qwen3",
    base_bits: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            help="Quantize the base with mlx-lm's own quantization: 2, 3, 4, 5, 6 or 8.",
            show_default="not quantized",
        ),
    ] = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a tiny random-init model with a BPE tokenizer and chat template, offline.

    DIR holds only the model's files afterwards, plus anything --force wrote beside; a
    directory holding other files is refused (nothing in it is ever deleted).

    \b
    Example:
      punie-train make-smoke-model runs/standin --arch qwen3_moe --base-bits 4
    """
    from punie_train.smoke import ARCHS, is_smoke_model_file

    check_choice(arch, "--arch", tuple(ARCHS))
    if base_bits is not None:
        check_choice(base_bits, "--base-bits", QUANTIZE_BITS)
    if data is not None and not (data / "train.jsonl").is_file():
        raise UserError(f"--data {data}: no train.jsonl there (give a dataset directory)")
    target = OutputDir(out, tool=TOOL, option="DIR", force=force, recognize=is_smoke_model_file)

    from punie_train._verify import force_offline, verify_generates
    from punie_train.smoke import make_smoke_model

    force_offline()
    try:
        path = make_smoke_model(
            out, data, seed=seed, arch=arch, base_bits=base_bits, on_placed=target.record
        )
        text = verify_generates(path)
    except TrainError as exc:
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps({"model": str(path), "arch": arch, "generates": text}))
    else:
        print(f"smoke model ({arch}) → {path} (verified: generates {text!r})")


@app.command("profiles")
def profiles_cmd(profiles: ProfilesOpt = None, as_json: JsonOpt = False) -> None:
    """List the training profiles.

    \b
    Example:
      punie-train profiles --profiles my-profiles.toml
    """
    from punie_train.profiles import load_profiles

    if profiles is not None:
        check_in_file(profiles, "--profiles")
    try:
        loaded = load_profiles(profiles)
    except TrainError as exc:
        raise _user_error(exc) from exc
    if as_json:
        print(json.dumps({n: p.model_dump() for n, p in loaded.items()}, indent=2))
        return
    from rich.table import Column, Table

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
    stdout_console().print(table)


def main() -> None:
    """Console-script entry point."""
    cli_support.run(app, prog=TOOL)


if __name__ == "__main__":
    main()
