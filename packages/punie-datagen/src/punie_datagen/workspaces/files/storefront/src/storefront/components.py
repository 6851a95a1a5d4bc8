"""Page components: functions that return node trees.

A component takes its props as ordinary parameters and its services as keyword-only
parameters annotated with the service type; `inject` fills those from a registry,
so a page never builds a Catalog or a Cart itself.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import Any, get_type_hints

from storefront.html import El, el
from storefront.services import Cart, Catalog, Money, Product, Registry

LOW_STOCK = 3


def inject(component: Callable[..., El], registry: Registry, **props: Any) -> El:
    """Call `component` with `props` and every keyword-only service it declares."""
    hints = get_type_hints(component)
    arguments = dict(props)
    for name, parameter in inspect.signature(component).parameters.items():
        if parameter.kind is not inspect.Parameter.KEYWORD_ONLY or name in arguments:
            continue
        service = hints.get(name)
        if isinstance(service, type) and registry.provides(service):
            arguments[name] = registry.get(service)
    return component(**arguments)


def product_card(product: Product, *, money: Money) -> El:
    """One product: name, price and a badge when few are left."""
    badge = None
    if product.stock < LOW_STOCK:
        badge = el("span", f"Only {product.stock} left", class_="badge")
    return el(
        "article",
        el("h3", product.name),
        el("p", money.format(product.price), class_="price"),
        badge,
        class_="product",
        id=f"product-{product.sku}",
    )


def cart_badge(*, cart: Cart) -> El:
    """The link to the cart with how many items it holds."""
    count = cart.count()
    if count == 0:
        label = "Cart is empty"
    elif count == 1:
        label = "1 item"
    else:
        label = f"{count} items"
    return el("a", label, href="/cart", class_="cart-badge")


def cart_summary(*, cart: Cart, catalog: Catalog, money: Money) -> El:
    """A table of what is in the cart, with line totals and the grand total."""
    rows = []
    total = Decimal(0)
    for sku, quantity in sorted(cart.quantities.items()):
        product = catalog.find(sku)
        if product is None:
            continue
        line_total = product.price * quantity
        total += line_total
        rows.append(
            el(
                "tr",
                el("td", product.name),
                el("td", str(quantity)),
                el("td", money.format(line_total)),
            )
        )
    if not rows:
        return el("p", "Your cart is empty.", class_="cart")
    footer = el("tr", el("th", "Total"), el("th", ""), el("th", money.format(total)))
    return el("table", *rows, footer, class_="cart")


def catalog_page(title: str, *, catalog: Catalog, cart: Cart, money: Money) -> El:
    """The shop front: a header with the cart badge and a card per product in stock."""
    header = el("header", el("h1", title), cart_badge(cart=cart))
    cards = [product_card(product, money=money) for product in catalog.in_stock()]
    if cards:
        body = el("main", *cards)
    else:
        body = el("main", el("p", "Nothing in stock right now."))
    return el("div", header, body, class_="page")
