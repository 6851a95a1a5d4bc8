"""Typed errors that the CLI turns into clear messages and exit codes."""

from __future__ import annotations

from pathlib import Path


class TrainError(Exception):
    """Base class for every error punie-train reports to the user (CLI exit code 2)."""


class DatasetError(TrainError):
    """A dataset file is missing or malformed; names the file and, when known, the line."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class ModelNotFoundError(TrainError):
    """The base model path does not exist locally (nothing is ever downloaded)."""

    def __init__(self, model: str, profile: str | None = None) -> None:
        self.model = model
        self.profile = profile
        hint = (
            f"Model not found: {model!r} is not a local directory. punie-train never downloads "
            "weights. Supply a local MLX model directory with --model PATH (for example a "
            "converted Qwen3-Coder-30B-A3B-Instruct-4bit), or set `model` in a profile TOML "
            "passed with --profiles FILE; to evaluate a model that is already served, point "
            "punie-eval at the served endpoint instead."
        )
        if profile is not None:
            hint += f" (profile {profile!r})"
        super().__init__(hint)


class RunError(TrainError):
    """A run directory lacks what a step needs (e.g. fuse before lora)."""
