"""``punie-train learn-check``: prove that the training path teaches, through fuse and 5-bit quantize.

A random model trained for minutes cannot tell "the model is tiny" apart from "the chat template,
the prompt mask or the per-turn split trains the wrong tokens". This check can: it takes a fixed,
stratified slice of the real training data (every ``meta.group``, spread over its categories),
cuts each example after its first assistant turn (the move the eval scores), and trains the
smoke model on exactly that slice until it fits, through the pipeline's own ``train_lora``,
``fuse_run`` and ``quantize_run``. Then it asks the 5-bit model for each example's first turn,
greedily, through the model's chat template (as ``punie-eval``'s mlx backend does), reads the
reply with ``punie_tools.wire``, and scores the tool choice as ``punie-eval heldout`` does: the
same set of tool names called in valid ``execute_code`` code, or a direct answer where the data
has one. A model that memorised its training set and still answers wrongly was taught the wrong
tokens.

The model is the smoke model (same builder and sizes, tokenizer trained on the same dataset,
same chat template), its tokenizer allowed to merge across the words of a line (see
``learn_check_spec``), fully fine-tuned (see ``learn_check_profile``).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from punie_train._io import atomic_write_json
from punie_train._jsonl import read_examples
from punie_train._verify import force_offline
from punie_train.blas import blas_in_use
from punie_train.errors import DatasetError, RunError
from punie_train.metrics import read_metrics
from punie_train.profiles import Profile
from punie_train.smoke import SmokeModelSpec, make_smoke_model

__all__ = [
    "LEARN_CHECK_FILE",
    "LearnCheckExample",
    "LearnCheckReport",
    "chat_prompt",
    "describe_failure",
    "expected_choice",
    "first_turn",
    "learn_check_profile",
    "learn_check_spec",
    "reply_choice",
    "run_learn_check",
    "select_slice",
    "tools_called",
]

LEARN_CHECK_FILE = "learn-check.json"
MANIFEST_FILE = ".punie-output.json"
SCHEMA = "punie-train/learn-check/v1"
DEFAULT_EXAMPLES = 16
MIN_EXAMPLES = 16
#: Targets: tool choice after quantization, final/initial loss, wall seconds on 2 CPU cores.
TARGET_ACCURACY = 0.9
TARGET_LOSS_RATIO = 0.25
TARGET_SECONDS = 300.0
DIRECT = "direct"
MALFORMED = "malformed"


def learn_check_spec() -> SmokeModelSpec:
    """The smoke model's sizes, with a tokenizer whose merges may span the words of a line.

    Every example starts with the same ~3,700-character system prompt and tool definition; with
    whole-line merges they become a few dozen tokens instead of ~1,200, so the ~1,300-token first
    turns shrink to ~350 and the fit takes a third of the time (attention grows with the square).
    The template, the data and the boundaries the mask depends on are unchanged: pieces still
    end at every newline and special token, as they do for Qwen's tokenizer.
    """
    spec = SmokeModelSpec()
    spec.whole_line_tokens = True
    return spec


def learn_check_profile(**overrides: Any) -> Profile:
    """The training recipe of the check: full fine-tuning at a high learning rate.

    Full fine-tuning, not LoRA: on a random-weight model LoRA's frozen random embeddings and norms
    keep the loss near chance (measured: 8.10 → 7.36 in 20 steps at learning rates 1e-3 and 5e-3,
    where full fine-tuning reached 4.26, and 1.20 after 40). 150 steps, because what decides the
    scored choice is the first answer token, and after 100 steps its margin was still negative
    for 3 of 16 examples although the mean loss was 0.027. The weights still go through the
    pipeline's fuse (cast to float16) and 5-bit quantization. ``valid`` is the slice itself,
    evaluated whole at the start and the end only: its first and last losses are the initial and
    final loss of the fit.
    """
    settings: dict[str, Any] = {
        "name": "learn-check",
        "description": "learn-check: fit a stratified slice of the data, then fuse and quantize",
        "smoke_model": True,
        "fine_tune_type": "full",
        "iters": 150,
        "batch_size": 4,
        "learning_rate": 3e-3,
        "num_layers": -1,
        "max_seq_length": 4096,
        "mask_prompt": True,
        "every_turn": True,
        "grad_checkpoint": False,
        "steps_per_report": 10,
        "steps_per_eval": 100_000,
        "val_batches": -1,
        "save_every": 100_000,
        "target_val_loss": None,
        "fuse_dequantize": True,
        "quantize_bits": 5,
        "quantize_group_size": 64,
        # fuse and quantize check their model; whether it stops is recorded, not required: the
        # check's own score judges the behaviour, and a broken run must still write its report.
        "stop_check": "report",
        "stop_tokens": 64,
        "seed": 0,
    }
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return Profile(**settings)


# --------------------------------------------------------------------------- tool choice


def tools_called(code: str, tool_names: Iterable[str] | None = None) -> frozenset[str] | None:
    """Names of the sandbox tools ``code`` calls by name, or None when it is not valid Python.

    The same rule as ``punie-eval``'s ``calls_in_code``: every ``name(...)`` call whose name is
    one of punie-tools' ``TOOL_NAMES``.
    """
    if tool_names is None:
        from punie_tools.backends import TOOL_NAMES

        tool_names = TOOL_NAMES
    names = frozenset(tool_names)
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return frozenset(
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names
    )


def _choice(names: frozenset[str] | None) -> str:
    return MALFORMED if names is None else "+".join(sorted(names))


def _call_code(message: dict[str, Any]) -> str | None:
    """The ``code`` argument of an assistant message's first execute_code call, if any."""
    for call in message.get("tool_calls") or []:
        arguments = (call.get("function") or {}).get("arguments")
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except json.JSONDecodeError:
                return None
        if isinstance(arguments, dict) and isinstance(arguments.get("code"), str):
            return arguments["code"]
    return None


def first_turn(example: dict[str, Any]) -> dict[str, Any] | None:
    """The example cut after its first assistant turn (None when it has none)."""
    messages = example.get("messages") or []
    for index, message in enumerate(messages):
        if message.get("role") == "assistant":
            return {**example, "messages": messages[: index + 1]}
    return None


def expected_choice(message: dict[str, Any]) -> str:
    """What an assistant turn chose: ``direct``, or the sorted ``+``-joined tool names called."""
    code = _call_code(message)
    return DIRECT if code is None else _choice(tools_called(code))


def reply_choice(text: str) -> tuple[str, str | None]:
    """Read a generated turn with punie_tools.wire; return its choice and, if malformed, why."""
    from punie_tools import wire

    parsed = wire.parse_model_output(text)
    if isinstance(parsed, wire.DirectAnswer):
        return DIRECT, None
    if isinstance(parsed, wire.CodeCall):
        names = tools_called(parsed.code)
        return _choice(names), None if names is not None else "code is not valid Python"
    return MALFORMED, parsed.reason


def chat_prompt(tokenizer: Any, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
    """The generation prompt, built exactly as punie-eval's mlx backend builds it."""
    return tokenizer.apply_chat_template(
        messages, tools=tools, add_generation_prompt=True, tokenize=False
    )


# --------------------------------------------------------------------------- the slice


def select_slice(examples: list[dict[str, Any]], n: int) -> list[int]:
    """Indices of a fixed, stratified slice of ``n`` examples (at least one per group).

    Groups (``meta.group``) take turns in name order; each group walks its categories
    (``meta.category``) in name order, taking their examples in file order, so the slice covers
    every group and as many categories as ``n`` allows, and the same file always gives the same
    slice. Examples without an assistant turn are never chosen.
    """
    strata: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for index, example in enumerate(examples):
        if first_turn(example) is None:
            continue
        meta = example.get("meta") or {}
        group = str(meta.get("group", "unknown"))
        strata[group][str(meta.get("category", "unknown"))].append(index)
    # Round one: each group's first example of each category (groups take turns), so every
    # group comes first and then every (group, category) while n allows; round two: the rest,
    # groups again taking turns, each walking its categories.
    firsts: list[list[int]] = []
    rests: list[list[int]] = []
    for group in sorted(strata):
        categories = [c for _, c in sorted(strata[group].items())]
        firsts.append([c[0] for c in categories])
        depth = max(len(c) for c in categories)
        rests.append([c[d] for d in range(1, depth) for c in categories if d < len(c)])
    chosen: list[int] = []
    for queues in (firsts, rests):
        depth = 0
        while len(chosen) < n and any(depth < len(q) for q in queues):
            for queue in queues:
                if depth < len(queue) and len(chosen) < n:
                    chosen.append(queue[depth])
            depth += 1
    return sorted(chosen)


# --------------------------------------------------------------------------- the report


class LearnCheckExample(BaseModel):
    """One example of the slice: what its first turn chose and what the model chose."""

    model_config = ConfigDict(extra="forbid")

    line: int  # 1-based line in the dataset's train.jsonl
    group: str
    category: str
    expected: str
    predicted: str
    correct: bool
    reason: str | None = None
    reply: str = ""  # the generated turn


class LearnCheckReport(BaseModel):
    """``learn-check.json``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    schema_: str = Field(default=SCHEMA, alias="schema")
    data: str
    examples: int
    tool_choice_accuracy: float
    initial_loss: float | None
    final_loss: float | None
    loss_ratio: float | None
    model_stage: Literal["quantized"] = "quantized"
    quantize_bits: int
    quantize_group_size: int
    iterations: int
    seconds: float  # wall clock, the whole check (model build to scores)
    cpu_seconds: float  # CPU time of the check's process, all threads: less sensitive to load
    stage_seconds: dict[str, float]
    load_average: list[float]  # 1-minute load when the check started and when it ended
    cpu_count: int
    blas: str | None = None  # which BLAS MLX's CPU backend used (punie_train.blas)
    targets: dict[str, float] = Field(
        default_factory=lambda: {
            "tool_choice_accuracy": TARGET_ACCURACY,
            "loss_ratio": TARGET_LOSS_RATIO,
            "seconds": TARGET_SECONDS,
        }
    )
    met: dict[str, bool]
    passed: bool  # accuracy and loss targets met (time is reported, see README)
    groups: dict[str, dict[str, int]]
    per_example: list[LearnCheckExample]

    def to_json(self) -> dict[str, Any]:
        """The report as written (``schema`` under its own name)."""
        return self.model_dump(by_alias=True)


# --------------------------------------------------------------------------- the check


def _prepare_out(out_dir: Path, force: bool) -> None:
    """Make ``out_dir`` ours: new, empty, marked by us before, or taken over with ``force``."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise RunError(f"--out {out_dir} is a file, not a directory (give a directory path)")
    if not out_dir.parent.is_dir():
        raise RunError(f"--out {out_dir}: parent directory does not exist (create it first)")
    marker = out_dir / MANIFEST_FILE
    if out_dir.is_dir() and any(out_dir.iterdir()) and not marker.is_file() and not force:
        raise RunError(
            f"--out {out_dir} holds files learn-check did not write "
            "(give a new directory or pass --force)"
        )
    if out_dir.is_dir() and not marker.is_file():
        # --force writes beside other files, but never deletes what learn-check did not write.
        taken = [n for n in ("data", "model", "run", LEARN_CHECK_FILE) if (out_dir / n).exists()]
        if taken:
            raise RunError(
                f"--out {out_dir} already holds {', '.join(taken)}, which learn-check did not "
                "write and --force does not replace (give a new directory)"
            )
    out_dir.mkdir(exist_ok=True)
    for name in ("data", "model", "run", LEARN_CHECK_FILE):
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    atomic_write_json(
        marker,
        {"tool": "punie-train learn-check", "files": ["data", "model", "run", LEARN_CHECK_FILE]},
    )


def _write_slice(examples: list[dict[str, Any]], directory: Path) -> None:
    """Write the slice as both train.jsonl and valid.jsonl of a dataset directory."""
    directory.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(example, ensure_ascii=False) + "\n" for example in examples)
    for split in ("train", "valid"):
        (directory / f"{split}.jsonl").write_text(text, encoding="utf-8")


def _generate(
    model_dir: Path, cut: list[dict[str, Any]], extra_tokens: int
) -> list[tuple[str, int]]:
    """Greedy first turns from ``model_dir`` for each cut example; returns (text, answer tokens)."""
    import mlx_lm
    from mlx_lm.sample_utils import make_sampler

    loaded = mlx_lm.load(str(model_dir))
    model, tokenizer = loaded[0], loaded[1]
    replies: list[tuple[str, int]] = []
    for example in cut:
        tools = example.get("tools") or []
        full = tokenizer.apply_chat_template(example["messages"], tools=tools, return_dict=False)
        prompt = chat_prompt(tokenizer, example["messages"][:-1], tools)
        answer_tokens = len(full) - len(tokenizer.encode(prompt))
        text = "".join(
            response.text
            for response in mlx_lm.stream_generate(
                model,
                tokenizer,
                prompt,
                max_tokens=max(answer_tokens, 1) + extra_tokens,
                sampler=make_sampler(0.0),
            )
        )
        replies.append((text, answer_tokens))
    return replies


def run_learn_check(
    data_dir: Path,
    out_dir: Path,
    *,
    examples: int = DEFAULT_EXAMPLES,
    model: Path | None = None,
    profile: Profile | None = None,
    force: bool = False,
    console: Console | None = None,
) -> LearnCheckReport:
    """Run the check and write ``out_dir/learn-check.json``; return the report.

    ``model`` trains an existing model directory instead of building the smoke model (its
    chat template and tokenizer are used as they are). Raises TrainError subclasses on bad input.
    """
    from punie_train.fuse import FUSED_DIR, fuse_run
    from punie_train.lora import train_lora
    from punie_train.quantize import QUANTIZED_DIR, quantize_run

    force_offline()
    console = console or Console(stderr=True)
    started = time.perf_counter()
    cpu_started = time.process_time()
    load_start = os.getloadavg()[0]
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    if examples < MIN_EXAMPLES:
        raise RunError(f"--examples must be at least {MIN_EXAMPLES}, got {examples}")
    all_examples = read_examples(data_dir / "train.jsonl")
    read_examples(data_dir / "valid.jsonl")  # the tokenizer is trained on both, as in the pipeline
    groups = {str((e.get("meta") or {}).get("group", "unknown")) for e in all_examples}
    if examples < len(groups):
        raise RunError(f"--examples {examples} cannot cover the data's {len(groups)} groups")
    chosen = select_slice(all_examples, examples)
    if len(chosen) < MIN_EXAMPLES:
        raise DatasetError(
            data_dir / "train.jsonl",
            f"only {len(chosen)} examples have an assistant turn; learn-check needs {MIN_EXAMPLES}",
        )
    profile = profile or learn_check_profile()
    _prepare_out(out_dir, force)
    cut = [first_turn(all_examples[i]) for i in chosen]
    cut_examples = [c for c in cut if c is not None]
    _write_slice(cut_examples, out_dir / "data")
    console.print(
        f"[bold]learn-check[/bold] {len(chosen)} examples from {data_dir / 'train.jsonl'} "
        f"({len(groups)} groups), cut after the first assistant turn"
    )

    seconds: dict[str, float] = {}
    tick = time.perf_counter()
    if model is None:
        model_dir = make_smoke_model(
            out_dir / "model", data_dir, seed=profile.seed, spec=learn_check_spec()
        )
    else:
        model_dir = Path(model)
    seconds["model"] = time.perf_counter() - tick

    tick = time.perf_counter()
    run_dir = out_dir / "run"
    # No gate here: learn-check judges the trained behaviour itself, so a template the gate would
    # refuse still shows up as a failed learn-check (the pipeline's train stage runs the gate).
    summary = train_lora(
        profile, out_dir / "data", run_dir, model=model_dir, console=console, gate=False
    )
    seconds["train"] = time.perf_counter() - tick
    tick = time.perf_counter()
    fuse_run(run_dir, console=console)
    seconds["fuse"] = time.perf_counter() - tick
    tick = time.perf_counter()
    quantize_run(run_dir, console=console)
    seconds["quantize"] = time.perf_counter() - tick
    if not (run_dir / FUSED_DIR).is_dir() or not (run_dir / QUANTIZED_DIR).is_dir():
        raise RunError(f"{run_dir}: fuse or quantize left no model")

    tick = time.perf_counter()
    replies = _generate(run_dir / QUANTIZED_DIR, cut_examples, extra_tokens=32)
    seconds["generate"] = time.perf_counter() - tick

    per_example: list[LearnCheckExample] = []
    for index, example, (text, _) in zip(chosen, cut_examples, replies, strict=True):
        meta = example.get("meta") or {}
        expected = expected_choice(example["messages"][-1])
        predicted, reason = reply_choice(text)
        per_example.append(
            LearnCheckExample(
                line=index + 1,
                group=str(meta.get("group", "unknown")),
                category=str(meta.get("category", "unknown")),
                expected=expected,
                predicted=predicted,
                correct=predicted == expected,
                reason=reason,
                reply=text,
            )
        )
    by_group: dict[str, dict[str, int]] = {}
    for ex in per_example:
        stats = by_group.setdefault(ex.group, {"examples": 0, "correct": 0})
        stats["examples"] += 1
        stats["correct"] += int(ex.correct)

    val = [r.val_loss for r in read_metrics(run_dir / "metrics.jsonl") if r.val_loss is not None]
    initial = val[0] if val else None
    final = summary.final_val_loss
    ratio = final / initial if initial and final is not None else None
    accuracy = sum(e.correct for e in per_example) / len(per_example)
    total = time.perf_counter() - started
    met = {
        "tool_choice_accuracy": accuracy >= TARGET_ACCURACY,
        "loss_ratio": ratio is not None and ratio <= TARGET_LOSS_RATIO,
        "seconds": total <= TARGET_SECONDS,
    }
    info = json.loads((run_dir / QUANTIZED_DIR / "config.json").read_text(encoding="utf-8"))
    quantization = info.get("quantization") or {}
    report = LearnCheckReport(
        data=str(data_dir),
        examples=len(per_example),
        tool_choice_accuracy=accuracy,
        initial_loss=initial,
        final_loss=final,
        loss_ratio=ratio,
        quantize_bits=int(quantization.get("bits", profile.quantize_bits)),
        quantize_group_size=int(quantization.get("group_size", profile.quantize_group_size)),
        iterations=summary.iterations,
        seconds=round(total, 1),
        cpu_seconds=round(time.process_time() - cpu_started, 1),
        stage_seconds={k: round(v, 1) for k, v in seconds.items()},
        load_average=[round(load_start, 2), round(os.getloadavg()[0], 2)],
        cpu_count=os.cpu_count() or 0,
        blas=blas_in_use().describe(),
        met=met,
        passed=met["tool_choice_accuracy"] and met["loss_ratio"],
        groups=dict(sorted(by_group.items())),
        per_example=per_example,
    )
    atomic_write_json(out_dir / LEARN_CHECK_FILE, report.to_json())
    return report


def describe_failure(report: LearnCheckReport) -> str:
    """One line naming the targets a report missed."""
    missed = []
    if not report.met["tool_choice_accuracy"]:
        missed.append(
            f"tool choice {report.tool_choice_accuracy:.0%} < {TARGET_ACCURACY:.0%} after "
            f"{report.quantize_bits}-bit quantization"
        )
    if not report.met["loss_ratio"]:
        missed.append(
            f"final/initial loss {report.loss_ratio if report.loss_ratio is not None else 'n/a'}"
            f" > {TARGET_LOSS_RATIO}"
        )
    return "; ".join(missed) or "all targets met"
