from decimal import Decimal

import pytest

from storefront.app import build_registry
from storefront.services import Product, Registry

PRODUCTS = [
    Product("tea", "Green tea", Decimal("4.50"), 12),
    Product("mug", "Blue mug", Decimal("1249.00"), 2),
    Product("pot", "Teapot", Decimal("23.90"), 0),
]


@pytest.fixture
def registry() -> Registry:
    return build_registry(PRODUCTS)
