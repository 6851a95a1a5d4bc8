"""Where the app's services are registered."""

from __future__ import annotations

from collections.abc import Mapping

from wiring.container import Container
from wiring.injection import auto
from wiring.registry import Registry
from wiring.services.clock import Clock
from wiring.services.greeter import Greeter
from wiring.services.mailer import Mailer, Outbox
from wiring.services.settings import Settings, from_env


def build_registry(env: Mapping[str, str], clock: Clock | None = None) -> Registry:
    """Register every service of the app; `clock` replaces the real one in tests."""
    registry = Registry()
    registry.register_factory(Settings, lambda: from_env(env))
    if clock is None:
        registry.register_factory(Clock, Clock)
    else:
        registry.register_value(Clock, clock)
    registry.register_factory(Outbox, Outbox, on_close=Outbox.close)
    registry.register_factory(Mailer, auto(Mailer))
    registry.register_factory(Greeter, auto(Greeter))
    return registry


def notify(container: Container, recipients: list[str], subject: str) -> int:
    """Greet each recipient by the local part of their address; return how many."""
    mailer = container.get(Mailer)
    greeter = container.get(Greeter)
    sent = 0
    for to in recipients:
        name = to.split("@", 1)[0].capitalize()
        if mailer.send(to, subject, greeter.greet(name)) is not None:
            sent += 1
    return sent
