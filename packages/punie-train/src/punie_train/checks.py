"""The checks every fused and quantized model passes before it is published.

1. **End of sequence**: the ids in config.json and generation_config.json must include the chat
   template's end-of-turn token. When config.json lacks it but the tokenizer's own
   ``eos_token`` is that token, the config is patched (and the patch recorded); otherwise the
   check fails. The upstream project's fused 7B named a different end-of-sequence token than
   its template's ``<|im_end|>``, so every reply ran to the token limit.
2. **Greedy stop**: the model is loaded afresh (in float32 on a CPU, where MLX's MoE matmul
   supports nothing else) and generates greedily on three training prompts, stopping only on
   the ids those files name; each reply must end before ``stop_tokens``. A profile may only
   report this (``stop_check = "report"``): a random-weight smoke model never learns to stop
   in a few steps.

A model too large for this machine's memory is checked on its end-of-sequence ids only (mode
``auto``); ``fuse`` checks it module by module instead, and the quantized model, which fits,
gets the full check.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from punie_train._io import atomic_write_json
from punie_train._jsonl import read_examples
from punie_train._verify import VerificationError, force_offline
from punie_train.profiles import Profile
from punie_train.template import encode, load_tokenizer, probe_template, read_eos

CheckMode = Literal["auto", "model", "eos"]
CHECK_MODES: tuple[str, ...] = ("auto", "model", "eos")
PROMPTS = 3


def _weights_bytes(model_dir: Path) -> int:
    return sum(p.stat().st_size for p in Path(model_dir).glob("*.safetensors"))


def physical_memory() -> int | None:
    """Bytes of physical memory, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return None


def fits_in_memory(model_dir: Path, *, float32: bool) -> bool:
    """True when loading the model (up-cast to float32 when asked) takes < half the memory."""
    total = physical_memory()
    need = _weights_bytes(model_dir) * (2 if float32 else 1)
    return total is None or need < total // 2


def patch_eos(model_dir: Path, eot_id: int, tokenizer_eos_id: int | None) -> list[str]:
    """Add the end-of-turn id to config.json / generation_config.json when the tokenizer's own
    ``eos_token`` is that token; return a line per file patched (nothing when none needed)."""
    patched: list[str] = []
    if tokenizer_eos_id != eot_id:
        return patched
    for name in ("config.json", "generation_config.json"):
        path = Path(model_dir) / name
        if not path.is_file():
            continue
        data = json.loads(path.read_text(encoding="utf-8"))
        current = data.get("eos_token_id")
        ids = [current] if isinstance(current, int) else list(current or [])
        if eot_id in ids:
            continue
        data["eos_token_id"] = [eot_id, *ids]
        atomic_write_json(path, data)
        patched.append(f"{name}: eos_token_id {current!r} -> {data['eos_token_id']!r}")
    return patched


def training_prompts(data_dir: Path, count: int = PROMPTS) -> list[dict[str, Any]]:
    """The first ``count`` training examples cut before their first assistant turn."""
    prompts = []
    for example in read_examples(Path(data_dir) / "train.jsonl"):
        messages = example["messages"]
        first = next((i for i, m in enumerate(messages) if m.get("role") == "assistant"), None)
        if first:
            prompts.append({"messages": messages[:first], "tools": example.get("tools")})
        if len(prompts) == count:
            break
    return prompts


def load_for_check(model_dir: Path) -> tuple[Any, Any, str]:
    """Load a model afresh for checking; on a CPU up-cast it to float32 (GatherMM needs it)."""
    import mlx.core as mx
    import mlx_lm

    loaded = mlx_lm.load(str(model_dir))
    model, tokenizer = loaded[0], loaded[1]
    dtype = "native"
    if mx.default_device() == mx.cpu:
        model.set_dtype(mx.float32)
        dtype = "float32"
    return model, tokenizer, dtype


def greedy_stops(
    model: Any, tokenizer: Any, prompts: list[dict[str, Any]], eos_ids: list[int], limit: int
) -> list[dict[str, Any]]:
    """Generate greedily on each prompt, stopping only on ``eos_ids``; one record per prompt."""
    import mlx_lm

    tokenizer.eos_token_ids = set(eos_ids)
    results = []
    for prompt in prompts:
        ids = tokenizer.apply_chat_template(
            prompt["messages"], tools=prompt["tools"], add_generation_prompt=True
        )
        ids = encode(tokenizer, ids) if isinstance(ids, str) else list(ids)
        start = time.perf_counter()
        tokens: list[int] = []
        finish = None
        for response in mlx_lm.stream_generate(model, tokenizer, ids, max_tokens=limit):
            tokens.append(int(response.token))
            finish = response.finish_reason
        stopped = bool(tokens) and tokens[-1] in eos_ids and finish == "stop"
        results.append(
            {
                "prompt_tokens": len(ids),
                "generated": len(tokens),
                "stopped": stopped,
                "seconds": round(time.perf_counter() - start, 3),
            }
        )
    return results


def check_model_dir(
    model_dir: Path,
    *,
    data_dir: Path,
    profile: Profile,
    mode: CheckMode = "auto",
    stop_check: str | None = None,
    stop_tokens: int | None = None,
    console: Console | None = None,
    label: str = "model",
) -> dict[str, Any]:
    """Run the end-of-sequence and greedy-stop checks on ``model_dir``; return the record.

    Patches the directory's config files when the tokenizer says so. Raises VerificationError
    (one line) when a check fails.
    """
    import mlx.core as mx

    force_offline()
    console = console or Console(stderr=True)
    model_dir = Path(model_dir)
    policy = stop_check or profile.stop_check
    limit = stop_tokens or profile.stop_tokens
    tokenizer = load_tokenizer(model_dir)
    eot = probe_template(tokenizer).end_of_turn
    if eot.text is None or not eot.single_token:
        raise VerificationError(
            f"{label}: the template's end-of-turn {eot.text!r} is not one token {list(eot.pieces)}"
        )
    eot_id = eot.ids[0]
    eos = read_eos(model_dir, tokenizer)
    patched = patch_eos(model_dir, eot_id, eos.tokenizer_eos_id) if eot_id not in eos.config else []
    eos = read_eos(model_dir, tokenizer)
    for line in patched:
        console.print(f"  [yellow]{label}: patched[/yellow] {line}")
    if eot_id not in eos.union:
        raise VerificationError(
            f"{label}: config.json eos_token_id {eos.config} and generation_config.json "
            f"{eos.generation_config} do not include the template's end-of-turn {eot.text!r} "
            f"(id {eot_id}), and the tokenizer's eos_token {eos.tokenizer_eos!r} does not say "
            "to add it: every reply would run to the token limit"
        )
    record: dict[str, Any] = {
        "end_of_turn": eot.text,
        "end_of_turn_id": eot_id,
        "eos": eos.to_json(),
        "patched": patched,
        "stop_policy": policy,
        "stop_tokens": limit,
    }
    on_cpu = mx.default_device() == mx.cpu
    if mode == "eos" or (mode == "auto" and not fits_in_memory(model_dir, float32=on_cpu)):
        record["generate"] = (
            "skipped: --check eos"
            if mode == "eos"
            else "skipped: the model needs more than half this machine's memory"
        )
        console.print(
            f"  {label}: end-of-sequence ids checked; greedy generation {record['generate']}"
        )
        return record
    model, tokenizer, dtype = load_for_check(model_dir)
    prompts = training_prompts(data_dir)
    try:
        stops = greedy_stops(model, tokenizer, prompts, eos.union, limit)
    except Exception as exc:
        raise VerificationError(f"{label}: could not generate: {exc}") from exc
    del model
    record.update(generate="done", check_dtype=dtype, stops=stops)
    stopped = sum(s["stopped"] for s in stops)
    record["stopped"] = f"{stopped}/{len(stops)}"
    console.print(
        f"  {label}: greedy generation stopped on {stopped} of {len(stops)} training prompts "
        f"before {limit} tokens ({dtype}; stop check: {policy})"
    )
    if stopped < len(stops) and policy == "require":
        raise VerificationError(
            f"{label}: greedy generation ran to the {limit}-token limit on "
            f"{len(stops) - stopped} of {len(stops)} training prompts (end-of-turn "
            f"{eot.text!r} never produced or never honoured)"
        )
    return record
