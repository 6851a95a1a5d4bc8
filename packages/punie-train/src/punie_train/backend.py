"""Detect which MLX backend runs: Apple Metal, NVIDIA CUDA (mlx-cuda) or the CPU."""

from __future__ import annotations

from typing import Literal

Backend = Literal["cpu", "metal", "cuda"]


def detect_backend() -> Backend:
    """Return the backend of MLX's default device."""
    import mlx.core as mx

    if mx.default_device() == mx.cpu:
        return "cpu"
    metal = getattr(mx, "metal", None)
    if metal is not None and metal.is_available():
        return "metal"
    cuda = getattr(mx, "cuda", None)
    if cuda is not None and cuda.is_available():
        return "cuda"
    return "cpu"
