"""Registry (what can be built) and Container (what was built for one request)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


class ServiceNotFoundError(LookupError):
    """Raised when a service type was never registered."""


class Registry:
    """Maps a service type to the factory that builds it (or to a ready-made value)."""

    def __init__(self) -> None:
        self._factories: dict[type, Callable[[Container], Any]] = {}

    def register_factory(self, svc_type: type[T], factory: Callable[[Container], T]) -> None:
        """Build `svc_type` with `factory(container)` the first time a container asks for it."""
        self._factories[svc_type] = factory

    def register_value(self, svc_type: type[T], value: T) -> None:
        """Always hand out `value` for `svc_type`."""
        self._factories[svc_type] = lambda _container: value

    def factory_for(self, svc_type: type) -> Callable[[Container], Any]:
        try:
            return self._factories[svc_type]
        except KeyError:
            raise ServiceNotFoundError(svc_type.__name__) from None


class Container:
    """Builds and caches services for one request, using a Registry's factories."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._instances: dict[type, Any] = {}

    def get(self, svc_type: type[T]) -> T:
        """The service registered for `svc_type`, built once per container."""
        if svc_type not in self._instances:
            self._instances[svc_type] = self.registry.factory_for(svc_type)(self)
        return self._instances[svc_type]
