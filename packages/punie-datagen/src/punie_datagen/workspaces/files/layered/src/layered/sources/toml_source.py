"""Read TOML into flat dotted keys."""

from __future__ import annotations

import tomllib
from typing import Any

from layered.errors import ConfigError


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """`{"db": {"port": 5432}}` becomes `{"db.port": 5432}`; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def from_toml(text: str, name: str = "<toml>") -> dict[str, Any]:
    """Flat keys from TOML text; a syntax error names the file."""
    try:
        return flatten(tomllib.loads(text))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: {exc}") from None
