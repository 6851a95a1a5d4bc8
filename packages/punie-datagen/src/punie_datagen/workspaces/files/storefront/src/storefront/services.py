"""The shop's services and the registry that provides them to components."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


class MissingService(LookupError):
    """A component asked for a service that nobody registered."""


class Registry:
    """Service type -> factory; each service is built once, on first use."""

    def __init__(self) -> None:
        self._factories: dict[type, Callable[[], Any]] = {}
        self._built: dict[type, Any] = {}

    def register(self, service: type, factory: Callable[[], Any]) -> None:
        self._factories[service] = factory
        self._built.pop(service, None)

    def provides(self, service: type) -> bool:
        return service in self._factories

    def get(self, service: type[T]) -> T:
        if service not in self._built:
            factory = self._factories.get(service)
            if factory is None:
                raise MissingService(service.__name__)
            self._built[service] = factory()
        return self._built[service]


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    price: Decimal
    stock: int


@dataclass
class Catalog:
    products: dict[str, Product] = field(default_factory=dict)

    def add(self, product: Product) -> None:
        self.products[product.sku] = product

    def find(self, sku: str) -> Product | None:
        return self.products.get(sku)

    def in_stock(self) -> list[Product]:
        return sorted(
            (p for p in self.products.values() if p.stock > 0), key=lambda p: p.name
        )


@dataclass
class Cart:
    quantities: dict[str, int] = field(default_factory=dict)

    def put(self, sku: str, quantity: int = 1) -> None:
        self.quantities[sku] = self.quantities.get(sku, 0) + quantity

    def count(self) -> int:
        return sum(self.quantities.values())


@dataclass(frozen=True)
class Money:
    """Formats prices for one currency and locale style."""

    symbol: str = "€"
    decimal_comma: bool = True

    def format(self, amount: Decimal) -> str:
        text = f"{amount:,.2f}"
        if self.decimal_comma:
            text = text.replace(",", " ").replace(".", ",")
        return f"{text} {self.symbol}"
