"""A tiny tdom-style HTML library: build a tree of nodes, then render it with str().

Real tdom turns a t-string template (`html(t"<p>{name}</p>")`, Python 3.14) into the same kind
of node tree; this copy targets Python 3.11, so templates are written with `h(tag, attrs, ...)`.
"""

from tdom.nodes import Element, Fragment, Node, Text, h, render

__all__ = ["Element", "Fragment", "Node", "Text", "h", "render"]
