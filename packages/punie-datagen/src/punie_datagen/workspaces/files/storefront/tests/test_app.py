from storefront.app import NOT_FOUND, build_registry, render_path
from storefront.services import Cart


def test_home_page(registry):
    status, html = render_path("/", registry)
    assert status == 200
    assert html.startswith('<div class="page"><header><h1>Corner Shop</h1>')
    assert html.count('class="product"') == 2
    assert "Teapot" not in html


def test_product_page(registry):
    status, html = render_path("/product/tea", registry)
    assert status == 200
    assert 'id="product-tea"' in html


def test_unknown_pages(registry):
    assert render_path("/product/kettle", registry) == (404, NOT_FOUND)
    assert render_path("/admin", registry) == (404, NOT_FOUND)


def test_cart_page_uses_the_registered_cart(registry):
    registry.get(Cart).put("tea", 3)
    assert "13,50 €" in render_path("/cart", registry)[1]


def test_empty_shop():
    _, html = render_path("/", build_registry([], symbol="$"))
    assert html.endswith("<p>Nothing in stock right now.</p></main></div>")
