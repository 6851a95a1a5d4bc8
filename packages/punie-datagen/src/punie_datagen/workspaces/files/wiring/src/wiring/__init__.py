"""Service registry, per-request containers and dataclass injection.

Register how to build each service once, in a `Registry`; resolve services in a
short-lived `Container` (one per request or job), which caches what it built and
cleans up when closed. Dataclasses whose fields are marked `Inject[T]` are built by
`auto(cls)` with every marked field taken from the container.
"""

from wiring.container import Container, CycleError, ServiceNotFoundError
from wiring.injection import Inject, auto, inject
from wiring.registry import Registration, Registry

__all__ = [
    "Container",
    "CycleError",
    "Inject",
    "Registration",
    "Registry",
    "ServiceNotFoundError",
    "auto",
    "inject",
]
