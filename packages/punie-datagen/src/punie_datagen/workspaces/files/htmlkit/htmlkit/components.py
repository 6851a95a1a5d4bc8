"""Tiny HTML components: escape text and build elements as strings."""

from html import escape


def attrs(values: dict[str, str]) -> str:
    """Render attributes in sorted order, escaping their values."""
    return "".join(f' {key}="{escape(value)}"' for key, value in sorted(values.items()))


def element(tag: str, children: list[str], **attributes: str) -> str:
    """An element with already-rendered children."""
    return f"<{tag}{attrs(attributes)}>{''.join(children)}</{tag}>"


def text(value: str) -> str:
    """Escaped text, safe to place inside any element."""
    return escape(value)


def card(title: str, body: str) -> str:
    """A card component: a heading and a paragraph in a div."""
    heading = element("h2", [text(title)])
    paragraph = element("p", [text(body)])
    return element("div", [heading, paragraph], **{"class": "card"})


def unordered_list(items: list[str]) -> str:
    """A <ul> with one escaped <li> per item."""
    return element("ul", [element("li", [text(item)]) for item in items])
