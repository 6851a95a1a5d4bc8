"""The node tree: text, elements and fragments, and how they render to HTML."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import escape

VOID_ELEMENTS = frozenset(
    {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
)

AttrValue = str | int | bool | None


@dataclass(frozen=True)
class Text:
    """Text content; escaped when rendered."""

    value: str


@dataclass(frozen=True)
class Raw:
    """Markup that is trusted as it is (never user input)."""

    html: str


@dataclass(frozen=True)
class Element:
    tag: str
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    children: tuple[Node, ...] = ()

    def __post_init__(self) -> None:
        if self.tag in VOID_ELEMENTS and self.children:
            raise ValueError(f"<{self.tag}> cannot have children")


@dataclass(frozen=True)
class Fragment:
    """Several nodes side by side, with no element around them."""

    children: tuple[Node, ...] = ()


Node = Text | Raw | Element | Fragment


def _flatten(children: Iterable[object]) -> Iterator[Node]:
    for child in children:
        if child is None or child is False:
            continue
        if isinstance(child, Text | Raw | Element | Fragment):
            yield child
        elif isinstance(child, str | int):
            yield Text(str(child))
        elif isinstance(child, Iterable):
            yield from _flatten(child)
        else:
            raise TypeError(f"cannot use {type(child).__name__} as a child node")


def h(
    tag: str, attrs: dict[str, AttrValue] | None = None, *children: object
) -> Element:
    """An element; children may be nodes, strings, numbers, None or lists of them."""
    cleaned = {}
    for name, value in (attrs or {}).items():
        cleaned[name.rstrip("_").replace("_", "-")] = value
    return Element(tag, cleaned, tuple(_flatten(children)))


def fragment(*children: object) -> Fragment:
    return Fragment(tuple(_flatten(children)))


def class_names(*names: str | None, **conditional: bool) -> str:
    """Join class names, keeping keyword ones only when their value is true."""
    chosen = [name for name in names if name]
    chosen += [name.replace("_", "-") for name, wanted in conditional.items() if wanted]
    return " ".join(chosen)


def render_attrs(attrs: dict[str, AttrValue]) -> str:
    """Attributes in the order given; True renders bare, False and None not at all."""
    parts = []
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        if value is True:
            parts.append(f" {name}")
        else:
            parts.append(f' {name}="{escape(str(value), quote=True)}"')
    return "".join(parts)


def render(node: Node) -> str:
    """The HTML for a tree, with every text and attribute value escaped."""
    if isinstance(node, Text):
        return escape(node.value, quote=False)
    if isinstance(node, Raw):
        return node.html
    if isinstance(node, Fragment):
        return "".join(render(child) for child in node.children)
    opening = f"<{node.tag}{render_attrs(node.attrs)}>"
    if node.tag in VOID_ELEMENTS:
        return opening
    inner = "".join(render(child) for child in node.children)
    return f"{opening}{inner}</{node.tag}>"


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, Element | Fragment):
        for child in node.children:
            yield from walk(child)


def find_all(node: Node, tag: str) -> list[Element]:
    """Every element with this tag, in document order."""
    return [n for n in walk(node) if isinstance(n, Element) and n.tag == tag]


def text_content(node: Node) -> str:
    """The text of a tree without markup, as a browser's textContent."""
    return "".join(n.value for n in walk(node) if isinstance(n, Text))
