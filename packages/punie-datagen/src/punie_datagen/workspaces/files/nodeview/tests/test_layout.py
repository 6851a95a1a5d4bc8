from nodeview.components.layout import NavItem, nav_bar, page
from nodeview.nodes import find_all, h, render, text_content

ITEMS = [NavItem("Home", "/"), NavItem("Reports", "/reports"), NavItem("Help", "/help")]


def test_nav_bar_marks_the_current_item():
    nav = nav_bar(ITEMS, "/reports")
    items = find_all(nav, "li")
    assert [item.attrs["class"] for item in items] == [
        "nav-item",
        "nav-item active",
        "nav-item",
    ]
    links = find_all(nav, "a")
    assert links[1].attrs["aria-current"] == "page"
    assert links[0].attrs["aria-current"] is None


def test_page_wraps_the_body():
    html = render(page("Q3 <draft>", h("p", None, "hello"), lang="de"))
    assert html.startswith('<!DOCTYPE html><html lang="de"><head>')
    assert "<title>Q3 &lt;draft&gt;</title>" in html
    assert '<main id="content"><p>hello</p></main>' in html


def test_page_with_nav():
    tree = page("Home", h("p", None, "x"), nav=nav_bar(ITEMS, "/"))
    assert text_content(tree) == "HomeHomeReportsHelpx"
