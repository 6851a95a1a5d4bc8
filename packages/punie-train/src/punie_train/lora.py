"""``punie-train lora``: LoRA fine-tuning through mlx-lm's Python API, resumable, with records."""

from __future__ import annotations

import gc
import json
import os
import time
import uuid
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from punie_train._io import atomic_write_json, dir_bytes
from punie_train._jsonl import expand_assistant_turns, read_examples
from punie_train._verify import force_offline, require_model_dir, verify_generates
from punie_train.backend import detect_backend
from punie_train.blas import blas_in_use
from punie_train.checkpoints import (
    best_by_loss,
    checkpoint_name,
    fixed_validation,
    remove_numbered_checkpoints,
)
from punie_train.errors import DatasetError, RunError
from punie_train.lengths import (
    SplitLengths,
    TokenLengths,
    fitting_max_seq_length,
    split_lengths,
)
from punie_train.metrics import (
    LOSS_PLOT,
    METRICS_FILE,
    MetricRecord,
    MetricsWriter,
    Summary,
    perplexity,
    plot_loss,
    read_metrics,
    truncate_metrics,
    write_summary,
)
from punie_train.profiles import Profile
from punie_train.smoke import make_smoke_model

ADAPTERS_DIR = "adapters"
ADAPTER_FILE = "adapters.safetensors"
STATE_FILE = "state.json"
RUN_FILE = "run.json"


class RunInfo(BaseModel):
    """What a run was started with (``run.json``); fuse and quantize read it."""

    model_config = ConfigDict(extra="forbid")

    model: str
    data: str
    profile: Profile
    run_id: str = ""  # new for every fresh `lora`; fused/quantized models record it
    # The profile keys given on the command line (--iters, --learning-rate, ...): `profile`
    # above already holds their values, the ones training used.
    overridden: list[str] = []


class TrainState(BaseModel):
    """Progress saved with every adapter checkpoint (``state.json``), for ``--resume``."""

    model_config = ConfigDict(extra="forbid")

    iteration: int = 0
    train_seconds: float = 0.0
    trained_tokens: int = 0
    token_seconds: float = 0.0
    peak_memory_bytes: int = 0
    last_val_loss: float | None = None


def read_run_info(run_dir: Path) -> RunInfo:
    """Read ``run.json``, or raise RunError when the run was never trained."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise RunError(f"{run_dir} is not a trained run (no {RUN_FILE}); run `punie-train lora`.")
    return RunInfo.model_validate_json(path.read_text(encoding="utf-8"))


def read_state(run_dir: Path) -> TrainState | None:
    """Read the saved progress of a run, if any."""
    path = Path(run_dir) / STATE_FILE
    if not path.is_file():
        return None
    return TrainState.model_validate_json(path.read_text(encoding="utf-8"))


def load_chat_datasets(
    data_dir: Path,
    tokenizer: Any,
    *,
    mask_prompt: bool,
    max_seq_length: int | None = None,
    every_turn: bool = False,
    allow_drop: bool = False,
) -> tuple[Any, Any, dict[str, Any]]:
    """Validate, tokenize and measure train/valid through mlx-lm's ChatDataset; return both + stats.

    Every example is rendered once with the model's chat template now, so a bad example fails
    before training with the file and line, not mid-run. Every sequence's tokens are counted
    (``stats["lengths"]``, a :class:`TokenLengths`): one longer than ``max_seq_length`` would be
    cut by mlx-lm (or, when its prompt alone is that long, train nothing), so it is an error
    naming the longest example and the limit that fits, unless ``allow_drop``, which drops such
    sequences and counts them.
    """
    from mlx_lm.tuner.datasets import CacheDataset, ChatDataset

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise DatasetError(data_dir, "data directory not found")
    datasets = []
    stats: dict[str, Any] = {}
    measured: dict[str, SplitLengths] = {}
    limit = max_seq_length if max_seq_length is not None else 2**62
    for split in ("train", "valid"):
        path = data_dir / f"{split}.jsonl"
        examples = read_examples(path)
        lines = list(range(1, len(examples) + 1))  # file line (1-based) of each example
        if every_turn and mask_prompt:
            expanded = [
                (line, turn)
                for line, example in zip(lines, examples, strict=True)
                for turn in expand_assistant_turns([example])
            ]
            lines = [line for line, _ in expanded]
            examples = [turn for _, turn in expanded]
        cached = CacheDataset(ChatDataset(examples, tokenizer, mask_prompt=mask_prompt))
        total = 0
        keep: list[int] = []
        lengths: list[int] = []
        for index in range(len(cached)):
            try:
                tokens, offset = cached[index]
            except Exception as exc:
                raise DatasetError(
                    path, f"chat template failed: {type(exc).__name__}: {exc}", lines[index]
                ) from exc
            if len(tokens) - offset < 1:
                raise DatasetError(path, "nothing to train on after prompt masking", lines[index])
            lengths.append(len(tokens))
            if len(tokens) <= limit:
                keep.append(index)
                total += len(tokens)
        dropped = [i for i in range(len(cached)) if lengths[i] > limit]
        measured[split] = split_lengths(lengths, lines, limit, dropped if allow_drop else ())
        if dropped and not allow_drop:
            split_stats = measured[split]
            raise DatasetError(
                path,
                f"{split_stats.over_limit} of {split_stats.examples} examples are longer than "
                f"max_seq_length={max_seq_length} tokens (the longest, line "
                f"{split_stats.longest_line}, has {split_stats.max}); mlx-lm would cut them. "
                f"Set max_seq_length to at least {fitting_max_seq_length(split_stats.max)} in the "
                "profile, or pass --allow-drop to leave them out (counted in summary.json)",
            )
        if not keep:
            raise DatasetError(
                path,
                f"every example is longer than max_seq_length={max_seq_length}; "
                "nothing would be trained (raise max_seq_length in the profile)",
            )
        if len(keep) < len(cached):
            kept = [examples[i] for i in keep]
            cached = CacheDataset(ChatDataset(kept, tokenizer, mask_prompt=mask_prompt))
        stats[f"{split}_examples"] = len(cached)
        stats[f"{split}_dropped"] = len(dropped)
        stats[f"{split}_tokens"] = total
        datasets.append(cached)
    if max_seq_length is not None:
        stats["lengths"] = TokenLengths(
            max_seq_length=max_seq_length,
            allow_drop=allow_drop,
            train=measured["train"],
            valid=measured["valid"],
        )
    return datasets[0], datasets[1], stats


def _save_adapters(model: Any, adapter_dir: Path, name: str = ADAPTER_FILE) -> None:
    """Save the trainable (LoRA) weights atomically as ``name`` (``adapters.safetensors``)."""
    import mlx.core as mx
    from mlx.utils import tree_flatten

    weights = dict(tree_flatten(model.trainable_parameters()))
    tmp = adapter_dir / f".{name}.tmp.safetensors"
    mx.save_safetensors(str(tmp), weights)
    tmp.replace(adapter_dir / name)


@dataclass
class _Recorder:
    """mlx-lm TrainingCallback body: metrics lines, checkpoints + state, and a progress bar."""

    model: Any
    run_dir: Path
    profile: Profile
    state: TrainState
    writer: MetricsWriter
    progress: Progress
    task: Any
    offset: int
    last_saved: int = 0
    tokens_before: int = 0
    train_start: float = field(default_factory=time.perf_counter)
    seconds_before: float = 0.0

    def on_val_loss_report(self, info: dict[str, Any]) -> None:
        """Record a validation loss (mlx-lm reports iteration ``it - 1``)."""
        iteration = self.offset + int(info["iteration"])
        val_loss = float(info["val_loss"])
        self.state.last_val_loss = val_loss
        self.writer.write(MetricRecord(iteration=iteration, val_loss=val_loss))
        self.progress.update(self.task, val=f"{val_loss:.3f}")
        self.say(f"  lora {iteration}/{self.profile.iters} val loss {val_loss:.3f}")
        if iteration > 0:  # the weights this loss was measured on: a checkpoint to choose from
            _save_adapters(self.model, self.run_dir / ADAPTERS_DIR, checkpoint_name(iteration))

    def on_train_loss_report(self, info: dict[str, Any]) -> None:
        """Record a training window, then checkpoint when ``save_every`` steps have passed."""
        import mlx.core as mx

        iteration = self.offset + int(info["iteration"])
        tokens_per_second = float(info["tokens_per_second"])
        window_tokens = int(info["trained_tokens"]) - (
            self.state.trained_tokens - self.tokens_before
        )
        peak = int(mx.get_peak_memory())
        self.state.peak_memory_bytes = max(self.state.peak_memory_bytes, peak)
        self.state.trained_tokens += window_tokens
        if tokens_per_second > 0:
            self.state.token_seconds += window_tokens / tokens_per_second
        self.writer.write(
            MetricRecord(
                iteration=iteration,
                train_loss=float(info["train_loss"]),
                tokens_per_second=tokens_per_second,
                trained_tokens=self.state.trained_tokens,
                peak_memory_bytes=peak,
            )
        )
        self.progress.update(
            self.task,
            completed=iteration,
            loss=f"{float(info['train_loss']):.3f}",
            tps=f"{tokens_per_second:,.0f}",
        )
        self.say(
            f"  lora {iteration}/{self.profile.iters} train loss {float(info['train_loss']):.3f} "
            f"tok/s {tokens_per_second:,.0f}"
        )
        if iteration - self.last_saved >= self.profile.save_every:
            self.checkpoint(iteration)

    def say(self, line: str) -> None:
        """A plain progress line, when the live bar is off (no terminal, or NO_COLOR)."""
        if self.progress.disable:
            self.progress.console.print(line, markup=False, highlight=False)

    def checkpoint(self, iteration: int) -> None:
        """Save adapters and then the state that points at them (both atomic)."""
        _save_adapters(self.model, self.run_dir / ADAPTERS_DIR)
        self.state.iteration = iteration
        self.state.train_seconds = self.seconds_before + time.perf_counter() - self.train_start
        atomic_write_json(self.run_dir / STATE_FILE, self.state.model_dump())
        self.last_saved = iteration


def _live_display(console: Console) -> bool:
    """Whether a live progress bar may be drawn: a terminal, and no NO_COLOR."""
    return console.is_terminal and not os.environ.get("NO_COLOR")


class _QuietTrainUI:
    """Stands in for mlx-lm's own training display (``TrainUI``: a truecolor console on stdout
    with a second progress bar, raw ANSI codes when piped). The recorder reports the same
    numbers once, on the run's console, with no colour off a terminal."""

    def __init__(self, total_iters: int, rank: int = 0) -> None:
        self.total_iters, self.rank = total_iters, rank

    def __enter__(self) -> _QuietTrainUI:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def advance(self) -> None:
        return None

    def report_train(self, *args: object) -> None:
        return None

    def report_val(self, *args: object) -> None:
        return None

    def report_save(self, *args: object) -> None:
        return None

    @contextmanager
    def val_task(self, total: int) -> Generator[Callable[[], None]]:
        yield lambda: None


@contextmanager
def _mlx_display_replaced() -> Generator[None]:
    """Train with mlx-lm's display replaced by `_QuietTrainUI` (mlx-lm ≥ 0.31 has one)."""
    from mlx_lm.tuner import trainer

    original = getattr(trainer, "TrainUI", None)
    if original is None:
        yield
        return
    trainer.TrainUI = _QuietTrainUI  # ty: ignore[invalid-assignment]
    try:
        yield
    finally:
        trainer.TrainUI = original


def training_values(profile: Profile, overridden: list[str] | None = None) -> dict[str, Any]:
    """The training settings a run used (summary.json ``training``) and which flags set them."""
    return {
        "iters": profile.iters,
        "learning_rate": profile.learning_rate,
        "batch_size": profile.batch_size,
        "num_layers": profile.num_layers,
        "max_seq_length": profile.max_seq_length,
        "overridden": sorted(overridden or ()),
    }


def _make_callback(recorder: _Recorder) -> Any:
    """Wrap the recorder in a real ``mlx_lm`` TrainingCallback subclass."""
    from mlx_lm.tuner.trainer import TrainingCallback

    class _Callback(TrainingCallback):
        def on_train_loss_report(self, train_info: dict) -> None:
            recorder.on_train_loss_report(train_info)

        def on_val_loss_report(self, val_info: dict) -> None:
            recorder.on_val_loss_report(val_info)

    return _Callback()


def builds_model_at(profile: Profile, model: str | Path | None, build: bool = False) -> bool:
    """Whether `resolve_model` may build the smoke model at the chosen path when it is missing:
    a smoke profile at its own `model` path, or anywhere with `build` (`--build-model`)."""
    if not profile.smoke_model:
        return False
    if model is None or build:
        return True
    own = Path(profile.model).expanduser()
    return bool(profile.model) and os.path.abspath(Path(model).expanduser()) == os.path.abspath(own)


def resolve_model(
    profile: Profile, model: str | Path | None, data_dir: Path, *, build: bool = False
) -> Path:
    """Return the local base-model directory; build the smoke model when the profile says so.

    A smoke profile builds its model (from `data_dir`) at its own `model` path, or at `model`
    with `build`, when that path does not exist yet; a path given without `build` must hold a
    model (a mistyped path is an error, not a new random model). An existing directory without
    a model in it is an error, never overwritten. Other profiles never build or download.
    """
    chosen = str(model) if model is not None else profile.model
    path = Path(chosen).expanduser()
    if chosen and not path.exists() and builds_model_at(profile, model, build):
        make_smoke_model(path, data_dir, seed=profile.seed)
    return require_model_dir(chosen, profile.name)


def _run_gate(
    profile: Profile, model_dir: Path, data_dir: Path, run_dir: Path, console: Console
) -> None:
    """Run the gate on the model and data; write ``RUN/gate.json``; raise when it fails."""
    from punie_train.gate import GATE_FILE, GateFailed, run_gate, write_gate_report

    report = run_gate(
        model_dir,
        data_dir,
        max_seq_length=profile.max_seq_length,
        every_turn=profile.every_turn,
        mask_prompt=profile.mask_prompt,
    )
    write_gate_report(report, run_dir / GATE_FILE)
    warnings = [c for c in report.checks if not c.ok and c.severity == "warn"]
    console.print(
        f"  gate: {'passed' if report.passed else 'FAILED'} ({report.assistant_turns} assistant "
        f"turns rendered and parsed back; {len(warnings)} warning(s); {run_dir / GATE_FILE})"
    )
    for check in warnings:
        console.print(f"  [yellow]gate warning:[/yellow] {check.name}: {check.detail}")
    if not report.passed:
        raise GateFailed(report)


def train_lora(
    profile: Profile,
    data_dir: Path,
    run_dir: Path,
    *,
    model: str | Path | None = None,
    resume: bool = False,
    console: Console | None = None,
    verify: bool = True,
    gate: bool = True,
    allow_drop: bool = False,
    build_model: bool = False,
    overridden: list[str] | None = None,
) -> Summary:
    """Train LoRA adapters into ``run_dir/adapters`` and write the run's records.

    With ``resume`` the adapters and step saved last are loaded and training continues up to
    ``profile.iters``; without it the run starts over. Unless ``gate`` is False, the gate
    (``punie_train.gate``) runs first and a failed gate raises GateFailed before any training.
    Sequences longer than the profile's ``max_seq_length`` are an error (DatasetError) unless
    ``allow_drop``, which drops them and records how many in ``summary.json`` under ``lengths``.
    """
    import mlx.core as mx
    import mlx.optimizers as optim
    import numpy as np
    from mlx_lm.tuner.trainer import TrainingArgs, evaluate, train
    from mlx_lm.tuner.utils import linear_to_lora_layers
    from mlx_lm.utils import load, save_config

    force_offline()
    console = console or Console(stderr=True)
    data_dir, run_dir = Path(data_dir), Path(run_dir)
    # Fail on bad data before any model work (and before building a smoke model from it).
    for split in ("train", "valid"):
        read_examples(data_dir / f"{split}.jsonl")

    state = read_state(run_dir) if resume else None
    if resume and model is None and (run_dir / RUN_FILE).is_file():
        model = read_run_info(run_dir).model
    model_dir = resolve_model(profile, model, data_dir, build=build_model)
    run_dir.mkdir(parents=True, exist_ok=True)
    if gate:
        _run_gate(profile, model_dir, data_dir, run_dir, console)
    adapter_dir = run_dir / ADAPTERS_DIR
    adapter_dir.mkdir(parents=True, exist_ok=True)
    previous = read_run_info(run_dir) if resume and (run_dir / RUN_FILE).is_file() else None
    run_id = previous.run_id if previous is not None and previous.run_id else uuid.uuid4().hex[:12]
    info = RunInfo(
        model=str(model_dir),
        data=str(data_dir),
        profile=profile,
        run_id=run_id,
        overridden=sorted(overridden or ()),
    )
    atomic_write_json(run_dir / RUN_FILE, json.loads(info.model_dump_json()))

    console.print(f"[bold]lora[/bold] profile={profile.name} model={model_dir} data={data_dir}")
    net, tokenizer = load(str(model_dir))[:2]
    if mx.default_device() == mx.cpu:
        # MLX computes bfloat16 in software on a CPU (4-5x slower than float32 here) and its
        # MoE expert matmul needs float32: up-cast (exactly) for training; files keep the dtype.
        net.set_dtype(mx.float32)
    train_set, valid_set, stats = load_chat_datasets(
        data_dir,
        tokenizer,
        mask_prompt=profile.mask_prompt,
        max_seq_length=profile.max_seq_length,
        every_turn=profile.every_turn,
        allow_drop=allow_drop,
    )
    lengths: TokenLengths = stats["lengths"]
    console.print(
        f"  train {stats['train_examples']} sequences / {stats['train_tokens']:,} tokens, "
        f"valid {stats['valid_examples']} sequences / {stats['valid_tokens']:,} tokens; "
        f"longest example {max(lengths.train.max, lengths.valid.max):,} tokens "
        f"(p95 {lengths.train.p95:,}), max_seq_length {profile.max_seq_length:,}"
    )
    for split in ("train", "valid"):
        if stats[f"{split}_dropped"]:
            console.print(
                f"  [yellow]warning:[/yellow] --allow-drop: dropped {stats[f'{split}_dropped']} "
                f"{split} sequences longer than max_seq_length={profile.max_seq_length} "
                "(counted in summary.json)"
            )
    if len(train_set) < profile.batch_size or len(valid_set) < profile.batch_size:
        raise DatasetError(
            data_dir, f"train and valid need ≥ batch_size={profile.batch_size} lines"
        )

    # Validate on the same examples every time, so checkpoints' losses can be compared.
    valid_set, val_batches = fixed_validation(valid_set, profile.val_batches, profile.batch_size)
    mx.random.seed(profile.seed)
    num_layers = len(net.layers) if profile.num_layers < 0 else profile.num_layers
    if num_layers > len(net.layers):
        raise RunError(f"profile trains {num_layers} layers but the model has {len(net.layers)}")
    if profile.fine_tune_type == "lora":
        net.freeze()
        linear_to_lora_layers(net, num_layers, profile.lora_parameters())
    else:  # "full": every weight trains; the "adapters" file holds them all (mlx-lm's format)
        num_layers = len(net.layers)
    adapter_config = {
        "fine_tune_type": profile.fine_tune_type,
        "model": str(model_dir),
        "num_layers": num_layers,
        "lora_parameters": profile.lora_parameters(),
        "profile": profile.name,
    }
    save_config(adapter_config, adapter_dir / "adapter_config.json")

    done = 0
    if state is not None and (adapter_dir / ADAPTER_FILE).is_file():
        net.load_weights(str(adapter_dir / ADAPTER_FILE), strict=False)
        done = state.iteration
        console.print(f"  resuming from iteration {done}")
    else:
        state = TrainState()
        remove_numbered_checkpoints(adapter_dir)  # they belong to an earlier run
    if done:
        truncate_metrics(run_dir / METRICS_FILE, done)
    writer = MetricsWriter(run_dir / METRICS_FILE, truncate=done == 0)
    remaining = profile.iters - done

    if remaining > 0:
        # Same seeding as mlx_lm.lora (batch order), shifted on resume so order is not replayed.
        np.random.seed(profile.seed + done)
        args = TrainingArgs(
            batch_size=profile.batch_size,
            iters=remaining,
            val_batches=val_batches,
            steps_per_report=profile.steps_per_report,
            steps_per_eval=profile.steps_per_eval,
            steps_per_save=remaining + 1,  # checkpoints are written by our callback, atomically
            adapter_file=str(adapter_dir / ".final.safetensors"),
            max_seq_length=profile.max_seq_length,
            grad_checkpoint=profile.grad_checkpoint,
        )
        progress = Progress(
            TextColumn("[bold green]lora[/bold green] {task.completed}/{task.total}"),
            BarColumn(),
            TextColumn("loss {task.fields[loss]} val {task.fields[val]} tok/s {task.fields[tps]}"),
            TimeElapsedColumn(),
            console=console,
            # Off a terminal or under NO_COLOR: no bar, no cursor control; the recorder prints
            # one plain line per report instead.
            disable=not _live_display(console),
        )
        task = progress.add_task("lora", total=profile.iters, completed=done, loss="-", val="-")
        progress.update(task, tps="-")
        recorder = _Recorder(
            model=net,
            run_dir=run_dir,
            profile=profile,
            state=state,
            writer=writer,
            progress=progress,
            task=task,
            offset=done,
            last_saved=done,
            seconds_before=state.train_seconds,
            tokens_before=state.trained_tokens,
        )
        optimizer = optim.Adam(learning_rate=profile.learning_rate)
        with progress, _mlx_display_replaced():
            train(
                model=net,
                optimizer=optimizer,
                train_dataset=train_set,
                val_dataset=valid_set,
                args=args,
                training_callback=_make_callback(recorder),
            )
        (adapter_dir / ".final.safetensors").unlink(missing_ok=True)
        # mlx-lm's last validation runs before the last step; measure the final weights too.
        final_val = evaluate(
            net, valid_set, profile.batch_size, val_batches, profile.max_seq_length
        )
        writer.write(MetricRecord(iteration=profile.iters, val_loss=final_val))
        state.last_val_loss = final_val
        recorder.checkpoint(profile.iters)
        console.print(f"  final val loss {final_val:.3f} at iteration {profile.iters}")
    elif state.last_val_loss is None:
        state.last_val_loss = evaluate(
            net, valid_set, profile.batch_size, val_batches, profile.max_seq_length
        )
        atomic_write_json(run_dir / STATE_FILE, state.model_dump())

    del net
    gc.collect()
    records = read_metrics(run_dir / METRICS_FILE)
    plot_loss(
        records,
        run_dir / LOSS_PLOT,
        title=f"{profile.name} · {model_dir.name}",
        target=profile.target_val_loss,
    )
    final = state.last_val_loss
    target = profile.target_val_loss
    summary = Summary(
        model=str(model_dir),
        profile=profile.name,
        backend=detect_backend(),
        blas=blas_in_use().describe(),
        iterations=state.iteration,
        final_val_loss=final,
        target_val_loss=target,
        target_met=(final < target) if final is not None and target is not None else None,
        perplexity=perplexity(final),
        train_seconds=round(state.train_seconds, 3),
        tokens_per_second=(
            state.trained_tokens / state.token_seconds if state.token_seconds > 0 else 0.0
        ),
        peak_memory_bytes=state.peak_memory_bytes,
        adapter_bytes=dir_bytes(adapter_dir / ADAPTER_FILE),
        run_id=run_id,
        best_by_loss=best_by_loss(
            {r.iteration: r.val_loss for r in records if r.val_loss is not None},
            adapter_dir,
            state.iteration,
        ),
        lengths=lengths,
        training=training_values(profile, overridden),
    )
    write_summary(run_dir, summary)
    if verify:
        text = verify_generates(model_dir, adapter_dir)
        console.print(f"  verified: base + adapters generate {text!r}")
    return summary
