"""A tiny svcs-di-style service locator: factories on a Registry, services from a Container."""

from svcs_di.container import Container, Registry, ServiceNotFoundError

__all__ = ["Container", "Registry", "ServiceNotFoundError"]
