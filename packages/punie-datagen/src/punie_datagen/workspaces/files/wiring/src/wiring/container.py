"""Containers: resolve services from a registry and clean them up afterwards."""

from __future__ import annotations

from types import TracebackType
from typing import Any, TypeVar, cast

from wiring.registry import Registration, Registry

T = TypeVar("T")


class ServiceNotFoundError(LookupError):
    """Nothing is registered for the requested type."""


class CycleError(RuntimeError):
    """Building a service needs the service itself, directly or through others."""


class Container:
    """Builds each service at most once and remembers how to close it."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._instances: dict[type, Any] = {}
        self._cleanups: list[tuple[Registration, Any]] = []
        self._resolving: list[type] = []
        self.closed = False

    def get(self, svc_type: type[T]) -> T:
        """The instance of `svc_type`, built on first use and cached after that."""
        if self.closed:
            raise RuntimeError("container is closed")
        if svc_type in self._instances:
            return cast(T, self._instances[svc_type])
        registration = self.registry.lookup(svc_type)
        if registration is None:
            raise ServiceNotFoundError(svc_type.__qualname__)
        if svc_type in self._resolving:
            chain = " -> ".join(t.__qualname__ for t in [*self._resolving, svc_type])
            raise CycleError(chain)
        self._resolving.append(svc_type)
        try:
            if registration.takes_container:
                instance = registration.factory(self)
            else:
                instance = registration.factory()
        finally:
            self._resolving.pop()
        self._instances[svc_type] = instance
        if registration.on_close is not None:
            self._cleanups.append((registration, instance))
        return cast(T, instance)

    def get_many(self, *svc_types: type) -> list[Any]:
        return [self.get(svc_type) for svc_type in svc_types]

    def has(self, svc_type: type) -> bool:
        """Whether `svc_type` could be resolved here (built already or registered)."""
        return svc_type in self._instances or svc_type in self.registry

    def close(self) -> list[str]:
        """Run cleanups, newest first; return the errors instead of raising them."""
        errors = []
        while self._cleanups:
            registration, instance = self._cleanups.pop()
            assert registration.on_close is not None
            try:
                registration.on_close(instance)
            except Exception as exc:
                errors.append(f"{registration.name}: {exc}")
        self._instances.clear()
        self.closed = True
        return errors

    def __enter__(self) -> Container:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
