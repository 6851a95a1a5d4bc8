"""Training throughput: ``punie-train lora`` against mlx-lm's own ``mlx_lm lora``, same run.

Both train the smoke model on the same data with the same settings, each in its own process,
alternating (A B A B) so machine load affects both alike. Throughput is the trained tokens per
second each tool reports per window, first window (compilation warm-up) excluded.
Target: ratio ≥ 0.95. Usage: ``python benchmarks/train_throughput.py [--data DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SETTINGS = {
    "iters": 60,
    "batch_size": 4,
    "learning_rate": 2e-3,
    "num_layers": -1,
    "lora_rank": 16,
    "lora_scale": 20.0,
    "max_seq_length": 512,
    "steps_per_report": 10,
    "steps_per_eval": 1000,
    "val_batches": 2,
    "mask_prompt": True,
    "seed": 0,
}
ROUNDS = 2
TOOL = {
    "type": "function",
    "function": {
        "name": "execute_code",
        "description": "Run Python code with the workspace tools bound; returns its output.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "Python code to run."}},
            "required": ["code"],
        },
    },
}
CODES = [
    'print(len("hello world"))',
    "print(sorted([3, 1, 2]))",
    "print(sum(range(1, 101)))",
    'print("pytest"[::-1])',
    "print([n * n for n in range(1, 6)])",
    'print("-".join(["x", "y"]))',
]


def _run_code(code: str) -> str:
    """Really run ``code`` and return what it printed (true tool output)."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        exec(code, {})
    return buffer.getvalue().strip()


def write_data(directory: Path, n_train: int = 48, n_valid: int = 8) -> Path:
    """Write a small dataset in punie-datagen's shape (tool outputs from running the code)."""
    directory.mkdir(parents=True, exist_ok=True)
    for split, count, start in (("train", n_train, 0), ("valid", n_valid, n_train)):
        lines = []
        for i in range(start, start + count):
            code = CODES[i % len(CODES)]
            out = _run_code(code)
            call = {"id": f"call_{i}", "type": "function"}
            call["function"] = {"name": "execute_code", "arguments": {"code": code}}
            messages = [
                {"role": "system", "content": "You are Punie, a coding assistant."},
                {"role": "user", "content": f"What does `{code}` print?"},
                {"role": "assistant", "content": "", "tool_calls": [call]},
                {"role": "tool", "tool_call_id": f"call_{i}", "content": out},
                {"role": "assistant", "content": f"It prints {out}."},
            ]
            lines.append(json.dumps({"messages": messages, "tools": [TOOL], "meta": {}}))
        (directory / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    return directory


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "120"}


def run_ours(model: Path, data: Path, work: Path, index: int) -> tuple[list[float], float]:
    """Run ``punie-train lora`` and return its per-window tokens/s and wall seconds."""
    profile = work / "bench.toml"
    table = "\n".join(f"{k} = {json.dumps(v)}" for k, v in SETTINGS.items())
    profile.write_text(f'[bench]\nmodel = "{model}"\nsave_every = 1000\n{table}\n')
    run = work / f"ours-{index}"
    cmd = [sys.executable, "-c", "from punie_train.cli import main; main()", "lora"]
    cmd += ["--profiles", str(profile), "--profile", "bench"]
    cmd += ["--data", str(data), "--run", str(run)]
    tic = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=_env())
    wall = time.perf_counter() - tic
    lines = (run / "metrics.jsonl").read_text().splitlines()
    rates = [r["tokens_per_second"] for r in map(json.loads, lines) if "tokens_per_second" in r]
    return rates, wall


_SAME_BLAS = (
    "import punie_train, runpy; runpy.run_module('mlx_lm', run_name='__main__', alter_sys=True)"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WINDOW = re.compile(r"^\s*(\d+)\s+([\d.]+)\s+\S\s+([\d,]+)\s+[\d.]+k\s*$")


def run_mlx_lm(model: Path, data: Path, work: Path, index: int) -> tuple[list[float], float]:
    """Run ``python -m mlx_lm lora`` and return its per-window tokens/s and wall seconds."""
    config = work / "mlx_lm.yaml"
    lora = SETTINGS
    config.write_text(
        "lora_parameters:\n"
        f"  rank: {lora['lora_rank']}\n  scale: {lora['lora_scale']}\n  dropout: 0.0\n"
    )
    # Through `import punie_train` first, so mlx-lm computes with the same BLAS as punie-train
    # (punie_train.blas: oneMKL on Linux CPU when the cpu-blas extra is installed).
    cmd = [sys.executable, "-c", _SAME_BLAS, "lora", "--model", str(model), "--train"]
    cmd += ["--data", str(data), "-c", str(config), "--seed", str(lora["seed"])]
    cmd += ["--iters", str(lora["iters"]), "--batch-size", str(lora["batch_size"])]
    cmd += ["--num-layers", str(lora["num_layers"]), "--learning-rate", str(lora["learning_rate"])]
    cmd += ["--steps-per-report", str(lora["steps_per_report"])]
    cmd += ["--steps-per-eval", str(lora["steps_per_eval"])]
    cmd += ["--val-batches", str(lora["val_batches"])]
    cmd += ["--max-seq-length", str(lora["max_seq_length"]), "--mask-prompt"]
    cmd += ["--adapter-path", str(work / f"mlx-{index}"), "--save-every", "1000"]
    tic = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True, env=_env())
    wall = time.perf_counter() - tic
    rates = [
        float(m.group(3).replace(",", ""))
        for m in map(_WINDOW.match, _ANSI.sub("", proc.stdout).splitlines())
        if m is not None
    ]
    if not rates:
        raise RuntimeError(f"could not read mlx_lm's report lines:\n{proc.stdout[-2000:]}")
    return rates, wall


def main() -> None:
    """Run both tools ROUNDS times, alternating, and print the comparison table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, help="dataset dir (default: a small generated one)")
    args = parser.parse_args()
    from punie_train.smoke import make_smoke_model

    console = Console()
    with tempfile.TemporaryDirectory(prefix="train-bench-") as tmp:
        work = Path(tmp)
        data = args.data or write_data(work / "data")
        model = make_smoke_model(work / "model", data, seed=0)
        results: dict[str, list[tuple[list[float], float]]] = {"mlx_lm": [], "punie": []}
        for index in range(ROUNDS):
            for name, runner in (("punie", run_ours), ("mlx_lm", run_mlx_lm)):
                results[name].append(runner(model, data, work, index))
                console.print(f"round {index + 1}: {name} done")

    def steady(name: str) -> float:
        return statistics.mean(r for rates, _ in results[name] for r in rates[1:])

    def wall(name: str) -> float:
        return statistics.mean(w for _, w in results[name])

    raw, ours = steady("mlx_lm"), steady("punie")
    table = Table(title=f"LoRA throughput, smoke model, {SETTINGS['iters']} iters × {ROUNDS}")
    for column in ("tool", "tokens/s (trained)", "ratio", "process wall s"):
        table.add_column(column, justify="right" if column != "tool" else "left")
    table.add_row("python -m mlx_lm lora (raw)", f"{raw:,.1f}", "1.00", f"{wall('mlx_lm'):.1f}")
    table.add_row("punie-train lora", f"{ours:,.1f}", f"{ours / raw:.2f}", f"{wall('punie'):.1f}")
    console.print(table)
    from punie_train.blas import blas_in_use

    console.print(f"BLAS for MLX on CPU, both tools: {blas_in_use().describe()}")
    verdict = "meets" if ours / raw >= 0.95 else "MISSES"
    console.print(f"ratio {ours / raw:.3f} {verdict} the ≥ 0.95 target")


if __name__ == "__main__":
    main()
