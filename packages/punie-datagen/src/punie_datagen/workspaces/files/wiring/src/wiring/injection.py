"""Build dataclasses whose fields are marked `Inject[T]` from a container.

`Inject[Database]` is `Database` to a type checker (an `Annotated` alias), so the
field is used like any other; the marker only tells `inject` where the value comes
from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from wiring.container import Container

T = TypeVar("T")


class _InjectMarker:
    def __repr__(self) -> str:
        return "INJECT"


INJECT = _InjectMarker()
Inject = Annotated[T, INJECT]


class InjectionError(TypeError):
    """A dataclass field can be filled neither from the container nor a default."""


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    if not dataclasses.is_dataclass(cls):
        raise InjectionError(f"{cls.__qualname__} is not a dataclass")
    return dataclasses.fields(cls)


def injected_fields(cls: type) -> dict[str, type]:
    """Field name -> service type, for every field marked `Inject[...]`."""
    hints = get_type_hints(cls, include_extras=True)
    found = {}
    for field in _fields(cls):
        hint = hints.get(field.name)
        if get_origin(hint) is Annotated:
            inner, *markers = get_args(hint)
            if any(marker is INJECT for marker in markers):
                found[field.name] = inner
    return found


def inject(container: Container, cls: type[T], **overrides: Any) -> T:
    """An instance of the dataclass `cls`, its `Inject` fields taken from `container`.

    Keyword `overrides` win over the container; other fields use their defaults.
    """
    wanted = injected_fields(cls)
    arguments: dict[str, Any] = {}
    for field in _fields(cls):
        if not field.init:
            continue
        if field.name in overrides:
            arguments[field.name] = overrides[field.name]
        elif field.name in wanted:
            arguments[field.name] = container.get(wanted[field.name])
        elif (
            field.default is dataclasses.MISSING
            and field.default_factory is dataclasses.MISSING
        ):
            raise InjectionError(f"{cls.__qualname__}.{field.name} has no value")
    unknown = set(overrides) - {f.name for f in _fields(cls)}
    if unknown:
        raise InjectionError(f"{cls.__qualname__} has no field {sorted(unknown)[0]}")
    return cls(**arguments)


def auto(cls: type[T]) -> Callable[[Container], T]:
    """A factory for `Registry.register_factory` that builds `cls` with `inject`."""

    def factory(container: Container) -> T:
        return inject(container, cls)

    factory.__qualname__ = f"auto({cls.__qualname__})"
    return factory
