"""Call a tdom component with its injected services taken from a svcs-di Container."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, get_args, get_origin, get_type_hints

from svcs_di import Container
from tdom import Node

T = TypeVar("T")


class _InjectMarker:
    """Marks a component parameter whose value comes from the container."""


Inject = Annotated[T, _InjectMarker()]


def render_component(component: Callable[..., Node], container: Container, **props: Any) -> str:
    """Fill every `Inject[...]` parameter of `component` from `container`, then render it."""
    hints = get_type_hints(component, include_extras=True)
    kwargs = dict(props)
    for name in inspect.signature(component).parameters:
        hint = hints.get(name)
        if get_origin(hint) is Annotated:
            svc_type, *markers = get_args(hint)
            if any(isinstance(m, _InjectMarker) for m in markers):
                kwargs[name] = container.get(svc_type)
    return str(component(**kwargs))
