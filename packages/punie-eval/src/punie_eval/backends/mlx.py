"""Local generation with mlx-lm (the `mlx` extra): chat template with the tools, seeded sampling."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from punie_eval.backends.base import Completion

__all__ = ["MlxBackend", "model_identity"]


def _sha256(path: Path) -> str | None:
    if not path.is_file():
        return None
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_identity(path: str | Path, adapter: str | Path | None = None) -> dict[str, Any]:
    """Path and hashes that identify a local model (and adapter) in a report.

    `config_sha256` hashes config.json; a sharded model is identified by its weights index
    (`weights_index_sha256`), a single-file one by the weights themselves (`weights_sha256`).
    """
    root = Path(path)
    identity: dict[str, Any] = {
        "backend": "mlx",
        "path": str(root.resolve()),
        "config_sha256": _sha256(root / "config.json"),
    }
    index = root / "model.safetensors.index.json"
    if index.is_file():
        identity["weights_index_sha256"] = _sha256(index)
    else:
        files = sorted(root.glob("*.safetensors"))
        identity["weights_sha256"] = _sha256(files[0]) if len(files) == 1 else None
    if adapter is not None:
        adapter = Path(adapter)
        weights = adapter / "adapters.safetensors" if adapter.is_dir() else adapter
        identity["adapter"] = {
            "path": str(adapter.resolve()),
            "weights_sha256": _sha256(weights),
        }
    return identity


class MlxBackend:
    """Loads a model (and optional LoRA adapter) once and generates one reply per call.

    Sampling is greedy at temperature 0; otherwise mlx's random generator is seeded with `seed`
    at every `reset(seed)` (the harness calls it before each query) so a run can be repeated.
    """

    def __init__(
        self,
        path: str,
        *,
        adapter: str | None = None,
        max_tokens: int = 1024,
        temperature: float = 0.0,
        seed: int = 0,
    ) -> None:
        try:
            import mlx_lm
        except ImportError as exc:  # the extra is not installed
            raise RuntimeError(
                "the mlx backend needs mlx-lm: pip install 'punie-eval[mlx]'"
            ) from exc
        if not Path(path).exists():
            raise FileNotFoundError(f"no model at {path} (give a local model directory)")
        if adapter and not Path(adapter).exists():
            raise FileNotFoundError(f"no adapter at {adapter}")
        self.path = path
        self.adapter = adapter
        self.name = f"mlx:{path}" + (f",adapter={adapter}" if adapter else "")
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.seed = seed
        loaded = mlx_lm.load(path, adapter_path=adapter)
        self.model, self.tokenizer = loaded[0], loaded[1]
        self.reset(seed)

    def reset(self, seed: int) -> None:
        """Seed mlx's random generator (sampling at temperature > 0 then repeats exactly)."""
        import mlx.core as mx

        self.seed = seed
        mx.random.seed(seed)

    def identity(self) -> dict[str, Any]:
        return model_identity(self.path, self.adapter)

    def swap_adapter(self, weights: str | Path) -> None:
        """Replace the loaded LoRA weights with those of another checkpoint of the same run."""
        import mlx.core as mx

        loaded = mx.load(str(weights))
        if not isinstance(loaded, dict):
            raise ValueError(f"{weights} is not a safetensors file of named LoRA weights")
        self.model.load_weights(list(loaded.items()), strict=False)
        self.adapter = str(weights)

    def prompt(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        """The model's own chat template applied to the conversation, tools included."""
        return self.tokenizer.apply_chat_template(
            messages, tools=tools, add_generation_prompt=True, tokenize=False
        )

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """Generation up to max_tokens; `finish_reason` is "length" when it was cut there."""
        from mlx_lm import stream_generate
        from mlx_lm.sample_utils import make_sampler

        prompt = self.prompt(messages, tools)
        text, tokens, prompt_tokens, finish = "", 0, None, None
        start = time.perf_counter()
        for response in stream_generate(
            self.model,
            self.tokenizer,
            prompt,
            max_tokens=self.max_tokens,
            sampler=make_sampler(self.temperature),
        ):
            text += response.text
            tokens = response.generation_tokens
            prompt_tokens = response.prompt_tokens
            finish = response.finish_reason or finish
        return Completion(
            text=text,
            finish_reason=finish,
            completion_tokens=tokens,
            prompt_tokens=prompt_tokens,
            seconds=time.perf_counter() - start,
        )
