"""Errors raised while loading configuration; all are ConfigError."""

from __future__ import annotations


class ConfigError(Exception):
    """Base class: the configuration cannot be loaded."""


class CoercionError(ConfigError):
    """A value cannot be turned into the type its field declares."""

    def __init__(self, key: str, value: object, expected: str, source: str = "") -> None:
        where = f" (from {source})" if source else ""
        super().__init__(f"{key}: cannot read {value!r} as {expected}{where}")
        self.key = key
        self.value = value
        self.expected = expected
        self.source = source


class MissingKeys(ConfigError):
    """Required keys that no layer provides."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"missing: {', '.join(sorted(keys))}")
        self.keys = sorted(keys)


class UnknownKeys(ConfigError):
    """Keys that no field of the schema matches (usually typos)."""

    def __init__(self, keys: list[str]) -> None:
        super().__init__(f"unknown: {', '.join(sorted(keys))}")
        self.keys = sorted(keys)
