"""Shared helpers: offline model resolution, and 'load it and generate a few tokens' checks."""

from __future__ import annotations

import os
from pathlib import Path

from punie_train.errors import ModelNotFoundError, TrainError

VERIFY_PROMPT = [{"role": "user", "content": "Check src/app.py for type errors."}]


def force_offline() -> None:
    """Make sure nothing in the Hugging Face stack can reach the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def require_model_dir(model: str | Path, profile: str | None = None) -> Path:
    """Return ``model`` as a local MLX model directory, or raise ModelNotFoundError."""
    if not str(model).strip():
        raise ModelNotFoundError("(none given)", profile)
    path = Path(model).expanduser()
    if not path.is_dir() or not (path / "config.json").is_file():
        raise ModelNotFoundError(str(model), profile)
    return path


class VerificationError(TrainError):
    """A product (adapters, fused or quantized model) failed to load or generate."""


def verify_generates(
    model_dir: Path, adapter_dir: Path | None = None, *, max_tokens: int = 8
) -> str:
    """Load ``model_dir`` (plus adapters) afresh and generate a few tokens; return the text."""
    import mlx_lm

    force_offline()
    import mlx.core as mx

    try:
        loaded = mlx_lm.load(
            str(model_dir), adapter_path=str(adapter_dir) if adapter_dir is not None else None
        )
        model, tokenizer = loaded[0], loaded[1]
        if mx.default_device() == mx.cpu:  # MLX's CPU GatherMM (MoE experts) needs float32
            model.set_dtype(mx.float32)
        prompt = tokenizer.apply_chat_template(VERIFY_PROMPT, add_generation_prompt=True)
        ids = list(prompt) if not isinstance(prompt, str) else tokenizer.encode(prompt)
        tokens: list[int] = []
        for response in mlx_lm.stream_generate(model, tokenizer, ids, max_tokens=max_tokens):
            tokens.append(int(response.token))
    except Exception as exc:
        raise VerificationError(f"{model_dir}: could not load and generate: {exc}") from exc
    if not tokens:
        raise VerificationError(f"{model_dir}: generated no tokens")
    return tokenizer.decode(tokens)
