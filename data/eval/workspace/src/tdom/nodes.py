"""Nodes of an HTML tree and their rendering to a string (escaping text and attributes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

VOID_ELEMENTS = frozenset({"br", "hr", "img", "input", "meta", "link"})


class Node:
    """Base class of every node; `str(node)` renders it as HTML."""

    def __str__(self) -> str:
        raise NotImplementedError


@dataclass
class Text(Node):
    """Text content, escaped when rendered."""

    text: str

    def __str__(self) -> str:
        return escape(self.text, quote=False)


@dataclass
class Fragment(Node):
    """Several nodes rendered one after the other, with no wrapping element."""

    children: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return "".join(str(child) for child in self.children)


@dataclass
class Element(Node):
    """An HTML element with attributes and children."""

    tag: str
    attrs: dict[str, str | bool] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [self.tag]
        for name, value in self.attrs.items():
            if value is True:
                parts.append(name)
            elif value is not False:
                parts.append(f'{name}="{escape(value)}"')
        opening = "<" + " ".join(parts) + ">"
        if self.tag in VOID_ELEMENTS:
            return opening
        inner = "".join(str(child) for child in self.children)
        return f"{opening}{inner}</{self.tag}>"


Child = Node | str | None


def _to_node(child: Child) -> Node | None:
    if child is None:
        return None
    if isinstance(child, str):
        return Text(child)
    return child


def h(tag: str, attrs: dict[str, str | bool] | None = None, *children: Child) -> Element:
    """Build an element; strings become escaped Text nodes and None children are dropped."""
    nodes = [node for node in (_to_node(child) for child in children) if node is not None]
    return Element(tag, dict(attrs or {}), nodes)


def render(node: Node) -> str:
    """Render a node tree to an HTML string (the same as `str(node)`)."""
    return str(node)
