"""Typed configuration from defaults, TOML files, environment variables and flags.

Each source produces a flat mapping of dotted keys (`db.port`) to values; later
layers win; `load` turns the merged mapping into an instance of your dataclass.
"""

from layered.errors import CoercionError, ConfigError, MissingKeys, UnknownKeys
from layered.schema import Layer, explain, load

__all__ = [
    "CoercionError",
    "ConfigError",
    "Layer",
    "MissingKeys",
    "UnknownKeys",
    "explain",
    "load",
]
