"""LoRA training, fusing and quantization with mlx-lm, with profiles and an embedded smoke model.

The public names are imported on first use, so that `punie-train --help`, `--version` and a
refused argument answer without loading the training modules (about a second per call).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from punie_train.blas import enable_fast_blas

if TYPE_CHECKING:
    from punie_train.backend import detect_backend
    from punie_train.errors import DatasetError, ModelNotFoundError, RunError, TrainError
    from punie_train.fuse import fuse_run
    from punie_train.lora import load_chat_datasets, train_lora
    from punie_train.metrics import MetricRecord, Summary, read_metrics, read_summary
    from punie_train.profiles import Profile, ProfileError, get_profile, load_profiles
    from punie_train.quantize import quantize_run
    from punie_train.smoke import CHAT_TEMPLATE, make_smoke_model

__version__ = "0.1.1"

# Before any punie-train module imports MLX: an optimized BLAS for MLX's Linux CPU backend when
# the cpu-blas extra is installed (punie_train.blas; PUNIE_BLAS=reference keeps MLX's own).
enable_fast_blas()

_WHERE = {
    "detect_backend": "backend",
    "DatasetError": "errors",
    "ModelNotFoundError": "errors",
    "RunError": "errors",
    "TrainError": "errors",
    "fuse_run": "fuse",
    "load_chat_datasets": "lora",
    "train_lora": "lora",
    "MetricRecord": "metrics",
    "Summary": "metrics",
    "read_metrics": "metrics",
    "read_summary": "metrics",
    "Profile": "profiles",
    "ProfileError": "profiles",
    "get_profile": "profiles",
    "load_profiles": "profiles",
    "quantize_run": "quantize",
    "CHAT_TEMPLATE": "smoke",
    "make_smoke_model": "smoke",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is asked for."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'punie_train' has no attribute {name!r}")
    return getattr(importlib.import_module(f"punie_train.{module}"), name)


__all__ = [
    "CHAT_TEMPLATE",
    "DatasetError",
    "MetricRecord",
    "ModelNotFoundError",
    "Profile",
    "ProfileError",
    "RunError",
    "Summary",
    "TrainError",
    "__version__",
    "detect_backend",
    "fuse_run",
    "get_profile",
    "load_chat_datasets",
    "load_profiles",
    "make_smoke_model",
    "quantize_run",
    "read_metrics",
    "read_summary",
    "train_lora",
]
