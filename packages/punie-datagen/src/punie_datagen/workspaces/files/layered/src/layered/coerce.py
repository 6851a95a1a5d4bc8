"""Turning raw values (strings from the environment, TOML values) into field types."""

from __future__ import annotations

import re
import types
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from layered.errors import CoercionError

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off"})
DURATION = re.compile(r"(\d+)\s*([dhms])")
UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """`"90s"`, `"5m"`, `"1h30m"` or `"2d"`; a bare number is seconds."""
    cleaned = text.strip().lower()
    if cleaned.isdigit():
        return timedelta(seconds=int(cleaned))
    parts = DURATION.findall(cleaned)
    if not parts or DURATION.sub("", cleaned).strip():
        raise ValueError(f"not a duration: {text!r}")
    return timedelta(seconds=sum(int(n) * UNIT_SECONDS[unit] for n, unit in parts))


def _is_optional(hint: Any) -> bool:
    return get_origin(hint) in (Union, types.UnionType) and type(None) in get_args(hint)


def _coerce_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError(value)


def coerce(value: object, hint: Any, key: str = "?", source: str = "") -> Any:
    """`value` as the type `hint`, or CoercionError naming the key and source."""
    try:
        return _coerce(value, hint, key, source)
    except CoercionError:
        raise
    except (TypeError, ValueError):
        name = getattr(hint, "__name__", str(hint))
        raise CoercionError(key, value, name, source) from None


def _coerce(value: object, hint: Any, key: str, source: str) -> Any:
    if hint is Any or hint is object:
        return value
    if _is_optional(hint):
        if value is None or (isinstance(value, str) and value.lower() in ("", "none")):
            return None
        (inner,) = [arg for arg in get_args(hint) if arg is not type(None)]
        return coerce(value, inner, key, source)
    origin = get_origin(hint)
    if origin is Literal:
        if value not in get_args(hint):
            choices = " | ".join(repr(a) for a in get_args(hint))
            raise CoercionError(key, value, choices, source)
        return value
    if origin is list:
        (item_type,) = get_args(hint) or (str,)
        items = value if isinstance(value, list) else str(value).split(",")
        items = [i.strip() if isinstance(i, str) else i for i in items]
        return [coerce(i, item_type, key, source) for i in items if i != ""]
    if hint is bool:
        return _coerce_bool(value)
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            return int(value.strip())
        raise TypeError(value)
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            return float(value.strip())
        raise TypeError(value)
    if hint is str:
        if isinstance(value, list | dict):
            raise TypeError(value)
        return str(value)
    if hint is Path:
        return Path(str(value)).expanduser()
    if hint is timedelta:
        if isinstance(value, int) and not isinstance(value, bool):
            return timedelta(seconds=value)
        return parse_duration(str(value))
    raise CoercionError(key, value, f"a supported type (not {hint!r})", source)
