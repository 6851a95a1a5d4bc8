"""HTML components as plain functions that return node trees.

A component is any function that returns a `Node`. Nodes are data: tests can look
inside them (`find_all`, `text_content`) without parsing HTML, and `render` turns a
tree into an escaped string at the very end.
"""

from nodeview.nodes import Element, Fragment, Node, Text, find_all, h, render

__all__ = ["Element", "Fragment", "Node", "Text", "find_all", "h", "render"]
