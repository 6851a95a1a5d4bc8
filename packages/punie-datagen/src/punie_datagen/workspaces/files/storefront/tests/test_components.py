from storefront.components import (
    cart_badge,
    cart_summary,
    catalog_page,
    inject,
    product_card,
)
from storefront.html import el, render, texts
from storefront.services import Cart, Catalog, Money


def test_el_drops_none_and_renames_class():
    node = el("p", "a", None, "b", class_="x")
    assert render(node) == '<p class="x">ab</p>'


def test_render_escapes_text_and_attributes():
    assert render(el("a", "<b>", href='/?q="x"')) == (
        '<a href="/?q=&quot;x&quot;">&lt;b&gt;</a>'
    )


def test_product_card_shows_low_stock(registry):
    mug = registry.get(Catalog).find("mug")
    card = inject(product_card, registry, product=mug)
    assert texts(card) == ["Blue mug", "1 249,00 €", "Only 2 left"]


def test_cart_badge_wording():
    cart = Cart()
    assert texts(cart_badge(cart=cart)) == ["Cart is empty"]
    cart.put("tea")
    assert texts(cart_badge(cart=cart)) == ["1 item"]
    cart.put("tea", 2)
    assert texts(cart_badge(cart=cart)) == ["3 items"]


def test_cart_summary_totals(registry):
    cart = registry.get(Cart)
    cart.put("tea", 2)
    cart.put("gone")
    cart.put("mug")
    summary = inject(cart_summary, registry)
    assert texts(summary) == [
        "Blue mug", "1", "1 249,00 €",
        "Green tea", "2", "9,00 €",
        "Total", "", "1 258,00 €",
    ]  # fmt: skip


def test_empty_cart_summary(registry):
    assert texts(inject(cart_summary, registry)) == ["Your cart is empty."]


def test_props_win_over_services(registry):
    own = Money("£", decimal_comma=False)
    page = inject(catalog_page, registry, title="Shop", money=own)
    assert "4.50 £" in texts(page)


def test_catalog_page_without_stock():
    page = catalog_page("Shop", catalog=Catalog(), cart=Cart(), money=Money())
    assert texts(page)[-1] == "Nothing in stock right now."
