"""Service registration for the application: every svcs-di service is registered here."""

from __future__ import annotations

from dataclasses import dataclass

from svcs_di import Container, Registry


@dataclass
class Settings:
    """Application settings, shared by every component."""

    theme: str = "light"
    site_name: str = "punie"


@dataclass
class Greeter:
    """Builds greeting lines using the site's name."""

    site_name: str

    def greet(self, name: str) -> str:
        return f"Welcome to {self.site_name}, {name}!"


def make_greeter(container: Container) -> Greeter:
    return Greeter(site_name=container.get(Settings).site_name)


def register_services(registry: Registry) -> None:
    """Register every service the application's components can ask for."""
    registry.register_value(Settings, Settings())
    registry.register_factory(Greeter, make_greeter)
