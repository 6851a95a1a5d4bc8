"""Loading a dataclass schema from layers of flat dotted keys.

Fields whose type is itself a dataclass are sections: their fields live under
`section.field`. Every other field is a leaf, filled from the last layer that
has its key, else from its default.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypeVar, get_type_hints

from layered.coerce import coerce
from layered.errors import ConfigError, MissingKeys, UnknownKeys

T = TypeVar("T")


@dataclass(frozen=True)
class Layer:
    """One source of values, named for error messages and `explain`."""

    name: str
    values: dict[str, Any]


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    if not dataclasses.is_dataclass(cls):
        raise ConfigError(f"{cls.__qualname__} is not a dataclass")
    return dataclasses.fields(cls)


def _is_section(hint: Any) -> bool:
    return isinstance(hint, type) and dataclasses.is_dataclass(hint)


def leaf_keys(cls: type, prefix: str = "") -> dict[str, Any]:
    """Every leaf key of the schema with its declared type, in field order."""
    hints = get_type_hints(cls)
    keys: dict[str, Any] = {}
    for field in _fields(cls):
        hint = hints[field.name]
        if _is_section(hint):
            keys.update(leaf_keys(hint, f"{prefix}{field.name}."))
        else:
            keys[f"{prefix}{field.name}"] = hint
    return keys


def merge(layers: tuple[Layer, ...]) -> dict[str, tuple[Any, str]]:
    """Key -> (value, layer name); a later layer replaces an earlier one."""
    merged: dict[str, tuple[Any, str]] = {}
    for layer in layers:
        for key, value in layer.values.items():
            merged[key] = (value, layer.name)
    return merged


def _has_default(field: dataclasses.Field[Any]) -> bool:
    return (
        field.default is not dataclasses.MISSING
        or field.default_factory is not dataclasses.MISSING
    )


def _build(
    cls: type, prefix: str, merged: dict[str, tuple[Any, str]], missing: list[str]
) -> Any:
    hints = get_type_hints(cls)
    arguments: dict[str, Any] = {}
    missing_before = len(missing)
    for field in _fields(cls):
        key = f"{prefix}{field.name}"
        hint = hints[field.name]
        if _is_section(hint):
            arguments[field.name] = _build(hint, key + ".", merged, missing)
        elif key in merged:
            value, source = merged[key]
            arguments[field.name] = coerce(value, hint, key, source)
        elif not _has_default(field):
            missing.append(key)
    if len(missing) > missing_before:
        return None
    return cls(**arguments)


def load(cls: type[T], *layers: Layer, allow_unknown: bool = False) -> T:
    """An instance of the dataclass `cls` from the layers, last layer winning.

    Raises UnknownKeys for keys no field matches (unless `allow_unknown`),
    MissingKeys naming every required key without a value, and CoercionError
    for a value that does not fit its field.
    """
    merged = merge(layers)
    if not allow_unknown:
        known = leaf_keys(cls)
        unknown = [key for key in merged if key not in known]
        if unknown:
            raise UnknownKeys(unknown)
    missing: list[str] = []
    instance = _build(cls, "", merged, missing)
    if missing:
        raise MissingKeys(missing)
    return instance


def explain(cls: type, *layers: Layer) -> list[str]:
    """For every leaf key, its raw value and which layer set it."""
    merged = merge(layers)
    lines = []
    for key in leaf_keys(cls):
        if key in merged:
            value, source = merged[key]
            lines.append(f"{key} = {value!r}  ({source})")
        else:
            lines.append(f"{key}  (default)")
    return lines
