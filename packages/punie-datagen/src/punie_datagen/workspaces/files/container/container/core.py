"""A small dependency-injection container: register factories, resolve services."""

from collections.abc import Callable
from typing import Any


class ServiceNotFound(LookupError):
    """Raised when nothing is registered for a type."""


class Container:
    """Maps service types to factories and caches singletons."""

    def __init__(self) -> None:
        self._factories: dict[type, Callable[[], Any]] = {}
        self._singletons: dict[type, Any] = {}

    def register(self, service: type, factory: Callable[[], Any]) -> None:
        """Use `factory` to build `service` on each resolve."""
        self._factories[service] = factory

    def register_value(self, service: type, value: Any) -> None:
        """Always resolve `service` to this one value."""
        self._singletons[service] = value

    def resolve(self, service: type) -> Any:
        """The instance for `service`: its registered value, else a new one."""
        if service in self._singletons:
            return self._singletons[service]
        factory = self._factories.get(service)
        if factory is None:
            raise ServiceNotFound(service.__name__)
        return factory()

    def registered(self) -> list[str]:
        """Names of every registered service type, sorted."""
        names = {t.__name__ for t in self._factories} | {
            t.__name__ for t in self._singletons
        }
        return sorted(names)
