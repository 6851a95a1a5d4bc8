"""LoRA training, fusing and quantization with mlx-lm, with profiles and an embedded smoke model."""

from punie_train.backend import detect_backend
from punie_train.errors import DatasetError, ModelNotFoundError, RunError, TrainError
from punie_train.fuse import fuse_run
from punie_train.lora import load_chat_datasets, train_lora
from punie_train.metrics import MetricRecord, Summary, read_metrics, read_summary
from punie_train.profiles import Profile, ProfileError, get_profile, load_profiles
from punie_train.quantize import quantize_run
from punie_train.smoke import CHAT_TEMPLATE, make_smoke_model

__version__ = "0.1.1"

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
