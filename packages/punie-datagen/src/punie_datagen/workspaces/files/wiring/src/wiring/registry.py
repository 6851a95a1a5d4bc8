"""The registry: for each service type, how to build it and how to clean it up."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Factory = Callable[..., Any]
Cleanup = Callable[[Any], None]


@dataclass(frozen=True)
class Registration:
    """How one service type is provided."""

    svc_type: type
    factory: Factory
    takes_container: bool
    on_close: Cleanup | None = None
    is_value: bool = False

    @property
    def name(self) -> str:
        return self.svc_type.__qualname__


def _takes_container(factory: Factory) -> bool:
    """Whether `factory` wants the container: it has exactly one required parameter."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # builtins without a signature
        return False
    required = [
        p
        for p in signature.parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(required) == 1


class Registry:
    """Maps service types to registrations. Registering a type again replaces it."""

    def __init__(self) -> None:
        self._registrations: dict[type, Registration] = {}

    def register_factory(
        self,
        svc_type: type,
        factory: Factory,
        *,
        on_close: Cleanup | None = None,
    ) -> None:
        """Build `svc_type` with `factory()` or `factory(container)` on first use."""
        self._registrations[svc_type] = Registration(
            svc_type, factory, _takes_container(factory), on_close
        )

    def register_value(self, svc_type: type, value: object) -> None:
        """Always provide this very object for `svc_type`."""
        self._registrations[svc_type] = Registration(
            svc_type, lambda: value, False, is_value=True
        )

    def lookup(self, svc_type: type) -> Registration | None:
        return self._registrations.get(svc_type)

    def __contains__(self, svc_type: object) -> bool:
        return svc_type in self._registrations

    def __len__(self) -> int:
        return len(self._registrations)

    def registered(self) -> list[str]:
        """The names of every registered type, sorted."""
        return sorted(r.name for r in self._registrations.values())

    def describe(self) -> str:
        """One line per registration: name, kind, and whether it has a cleanup."""
        lines = []
        for registration in sorted(self._registrations.values(), key=lambda r: r.name):
            kind = "value" if registration.is_value else "factory"
            cleanup = " (closes)" if registration.on_close else ""
            lines.append(f"{registration.name}: {kind}{cleanup}")
        return "\n".join(lines)
