"""A minimal node tree for components, rendered to escaped HTML."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape


@dataclass(frozen=True)
class El:
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()


Node = El | str


def el(tag: str, *children: Node | None, **attrs: str) -> El:
    """An element; `None` children are dropped, `class_` becomes `class`."""
    pairs = tuple((name.rstrip("_"), value) for name, value in attrs.items())
    return El(tag, pairs, tuple(child for child in children if child is not None))


def render(node: Node) -> str:
    if isinstance(node, str):
        return escape(node, quote=False)
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in node.attrs)
    inner = "".join(render(child) for child in node.children)
    return f"<{node.tag}{attrs}>{inner}</{node.tag}>"


def texts(node: Node) -> list[str]:
    """Every text in the tree, in document order."""
    if isinstance(node, str):
        return [node]
    return [text for child in node.children for text in texts(child)]
