from decimal import Decimal

import pytest

from storefront.services import Cart, Catalog, MissingService, Money, Registry


def test_registry_builds_once():
    registry = Registry()
    registry.register(Cart, Cart)
    assert registry.get(Cart) is registry.get(Cart)


def test_registering_again_replaces_the_instance():
    registry = Registry()
    registry.register(Cart, Cart)
    first = registry.get(Cart)
    registry.register(Cart, Cart)
    assert registry.get(Cart) is not first


def test_missing_service():
    with pytest.raises(MissingService, match="Catalog"):
        Registry().get(Catalog)


def test_money_formats():
    assert Money().format(Decimal("1249.5")) == "1 249,50 €"
    assert Money("$", decimal_comma=False).format(Decimal("1249.5")) == "1,249.50 $"


def test_catalog_in_stock_sorted_by_name(registry):
    names = [p.name for p in registry.get(Catalog).in_stock()]
    assert names == ["Blue mug", "Green tea"]


def test_cart_count():
    cart = Cart()
    cart.put("tea", 2)
    cart.put("mug")
    assert cart.count() == 3
