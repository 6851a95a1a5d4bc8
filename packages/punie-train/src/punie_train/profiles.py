"""Training profiles: a pydantic model, the embedded ``profiles.toml``, and user overrides."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from punie_train.errors import TrainError


class ProfileError(TrainError):
    """A profile is unknown or its TOML is invalid."""


class Profile(BaseModel):
    """One training recipe: base model, LoRA and optimizer settings, target and export."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    model: str = ""
    smoke_model: bool = False
    iters: int = Field(600, gt=0)
    batch_size: int = Field(1, gt=0)
    learning_rate: float = Field(1e-4, gt=0)
    num_layers: int = 8
    lora_rank: int = Field(8, gt=0)
    lora_scale: float = 20.0
    lora_dropout: float = Field(0.0, ge=0, lt=1)
    # "full" trains every weight (mlx-lm's full fine-tuning); fuse then only casts and saves.
    fine_tune_type: Literal["lora", "full"] = "lora"
    max_seq_length: int = Field(2048, gt=1)
    mask_prompt: bool = True
    # With mask_prompt, mlx-lm trains only an example's last message; every_turn splits each
    # multi-turn example into one per assistant turn so the code-writing turns are trained too.
    every_turn: bool = True
    grad_checkpoint: bool = False
    steps_per_report: int = Field(10, gt=0)
    steps_per_eval: int = Field(50, gt=0)
    val_batches: int = 25
    save_every: int = Field(50, gt=0)
    target_val_loss: float | None = None
    fuse_dequantize: bool = True
    # Float type of the fused model: "base" keeps the base's (bfloat16 for Qwen3-Coder).
    fuse_dtype: Literal["base", "float16", "bfloat16", "float32"] = "base"
    # After fuse and quantize: greedy generation on three training prompts must stop before
    # stop_tokens ("require") or is only recorded ("report", for random-weight models).
    stop_check: Literal["require", "report"] = "require"
    stop_tokens: int = Field(512, gt=0)
    quantize_bits: int = Field(5, ge=2, le=8)
    quantize_group_size: int = 64
    seed: int = 0

    def lora_parameters(self) -> dict[str, float]:
        """Return mlx-lm's ``lora_parameters`` dict for this profile."""
        return {"rank": self.lora_rank, "scale": self.lora_scale, "dropout": self.lora_dropout}


def _read_toml(text: str, source: str) -> dict[str, dict[str, Any]]:
    """Parse a profiles TOML into ``{name: table}``."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: invalid TOML: {exc}") from exc
    for name, table in data.items():
        if not isinstance(table, dict):
            raise ProfileError(f"{source}: top-level key {name!r} must be a [table]")
    return data


def builtin_profiles_text() -> str:
    """Return the text of the embedded ``profiles.toml``."""
    return resources.files("punie_train").joinpath("profiles.toml").read_text(encoding="utf-8")


def load_profiles(user_file: Path | None = None) -> dict[str, Profile]:
    """Load the embedded profiles, then merge ``user_file`` key by key over them."""
    tables = _read_toml(builtin_profiles_text(), "profiles.toml")
    if user_file is not None:
        user_file = Path(user_file)
        if not user_file.is_file():
            raise ProfileError(f"profiles file not found: {user_file}")
        user = _read_toml(user_file.read_text(encoding="utf-8"), str(user_file))
        for name, table in user.items():
            tables[name] = {**tables.get(name, {}), **table}
    profiles: dict[str, Profile] = {}
    for name, table in tables.items():
        try:
            profiles[name] = Profile(name=name, **table)
        except ValidationError as exc:
            raise ProfileError(f"profile {name!r} is invalid:\n{exc}") from exc
    return profiles


def get_profile(
    name: str, user_file: Path | None = None, overrides: dict[str, Any] | None = None
) -> Profile:
    """Return profile ``name`` with ``overrides`` (e.g. CLI flags; None values ignored) applied."""
    profiles = load_profiles(user_file)
    if name not in profiles:
        raise ProfileError(f"unknown profile {name!r}; known: {', '.join(sorted(profiles))}")
    profile = profiles[name]
    updates = {k: v for k, v in (overrides or {}).items() if v is not None}
    if updates:
        try:
            profile = Profile(**{**profile.model_dump(), **updates})
        except ValidationError as exc:
            raise ProfileError(f"profile {name!r} overrides are invalid:\n{exc}") from exc
    return profile
