"""Page-level components: the document shell and the navigation bar."""

from __future__ import annotations

from dataclasses import dataclass

from nodeview.nodes import Element, Node, Raw, class_names, fragment, h


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str


def nav_bar(items: list[NavItem], current: str) -> Element:
    """A <nav> list; the item whose href is `current` is marked active."""
    entries = []
    for item in items:
        active = item.href == current
        link = h(
            "a",
            {"href": item.href, "aria_current": "page" if active else None},
            item.label,
        )
        classes = class_names("nav-item", active=active)
        entries.append(h("li", {"class_": classes}, link))
    return h("nav", {"class_": "site-nav"}, h("ul", None, entries))


def page(title: str, body: Node, nav: Element | None = None, lang: str = "en") -> Node:
    """A full HTML document around `body`."""
    head = h(
        "head",
        None,
        h("meta", {"charset": "utf-8"}),
        h("title", None, title),
    )
    main = h("main", {"id": "content"}, body)
    return fragment(
        Raw("<!DOCTYPE html>"),
        h("html", {"lang": lang}, head, h("body", None, nav, main)),
    )
