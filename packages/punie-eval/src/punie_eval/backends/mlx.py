"""Local generation with mlx-lm (the `mlx` extra): chat template with the tools, greedy decoding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from punie_eval.backends.base import Completion


class MlxBackend:
    """Loads a model (and optional LoRA adapter) once and generates one reply per call."""

    def __init__(self, path: str, *, adapter: str | None = None, max_tokens: int = 1024) -> None:
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
        self.name = f"mlx:{path}" + (f",adapter={adapter}" if adapter else "")
        self.max_tokens = max_tokens
        loaded = mlx_lm.load(path, adapter_path=adapter)
        self.model, self.tokenizer = loaded[0], loaded[1]

    def prompt(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> str:
        """The model's own chat template applied to the conversation, tools included."""
        return self.tokenizer.apply_chat_template(
            messages, tools=tools, add_generation_prompt=True, tokenize=False
        )

    def complete(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]]) -> Completion:
        """Greedy generation up to max_tokens; the text is parsed by the loop."""
        import time

        from mlx_lm import stream_generate
        from mlx_lm.sample_utils import make_sampler

        prompt = self.prompt(messages, tools)
        text, tokens, prompt_tokens = "", 0, None
        start = time.perf_counter()
        for response in stream_generate(
            self.model,
            self.tokenizer,
            prompt,
            max_tokens=self.max_tokens,
            sampler=make_sampler(0.0),
        ):
            text += response.text
            tokens = response.generation_tokens
            prompt_tokens = response.prompt_tokens
        return Completion(
            text=text,
            completion_tokens=tokens,
            prompt_tokens=prompt_tokens,
            seconds=time.perf_counter() - start,
        )
