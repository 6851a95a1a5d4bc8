"""Where the shop's services are registered, and how a path becomes a page."""

from __future__ import annotations

from storefront.components import cart_summary, catalog_page, inject, product_card
from storefront.html import render
from storefront.services import Cart, Catalog, Money, Product, Registry

NOT_FOUND = "<h1>Not found</h1>"


def build_registry(products: list[Product], symbol: str = "€") -> Registry:
    """Register every service the components use."""
    registry = Registry()

    def make_catalog() -> Catalog:
        catalog = Catalog()
        for product in products:
            catalog.add(product)
        return catalog

    registry.register(Catalog, make_catalog)
    registry.register(Cart, Cart)
    registry.register(Money, lambda: Money(symbol, decimal_comma=symbol == "€"))
    return registry


def render_path(path: str, registry: Registry) -> tuple[int, str]:
    """The status and HTML for a request path."""
    if path == "/":
        return 200, render(inject(catalog_page, registry, title="Corner Shop"))
    if path == "/cart":
        return 200, render(inject(cart_summary, registry))
    if path.startswith("/product/"):
        product = registry.get(Catalog).find(path.removeprefix("/product/"))
        if product is not None:
            return 200, render(inject(product_card, registry, product=product))
    return 404, NOT_FOUND
