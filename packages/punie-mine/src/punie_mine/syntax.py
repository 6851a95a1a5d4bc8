"""Parse Python 3.14 source (template strings included) with tree-sitter, not Python's `ast`.

Python 3.11's `ast` cannot read t-strings; tree-sitter-python 0.25 can, and gives exact lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import tree_sitter_python
from tree_sitter import Language, Node, Parser

__all__ = ["ClassInfo", "FunctionInfo", "ModuleInfo", "parse_module"]


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    line: int  # 1-based, the `def` line (after decorators)
    end_line: int
    params: list[str]
    docstring: str | None
    decorators: list[str] = field(default_factory=list)
    owner: str | None = None  # class name for methods


@dataclass(frozen=True)
class ClassInfo:
    name: str
    line: int
    end_line: int
    bases: list[str]
    docstring: str | None
    methods: list[FunctionInfo]
    decorators: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModuleInfo:
    path: str
    docstring: str | None
    classes: list[ClassInfo]
    functions: list[FunctionInfo]
    has_errors: bool
    uses_template_strings: bool


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_python.language()))


def _text(node: Node | None) -> str:
    return node.text.decode("utf-8", "replace") if node is not None and node.text else ""


def _docstring(body: Node | None) -> str | None:
    if body is None or not body.named_children:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_children:
        string = first.named_children[0]
        if string.type == "string":
            parts = [_text(c) for c in string.named_children if c.type == "string_content"]
            text = "".join(parts).strip()
            return text or None
    return None


def _unwrap(node: Node) -> tuple[Node, list[str]]:
    if node.type == "decorated_definition":
        decorators = [
            _text(d).lstrip("@").strip() for d in node.named_children if d.type == "decorator"
        ]
        definition = node.child_by_field_name("definition")
        if definition is not None:
            return definition, decorators
    return node, []


def _function(node: Node, decorators: list[str], owner: str | None) -> FunctionInfo:
    params_node = node.child_by_field_name("parameters")
    params = []
    for p in params_node.named_children if params_node else []:
        if p.type in {"list_splat_pattern", "dictionary_splat_pattern"}:
            params.append(_text(p))
            continue
        name_node = p if p.type == "identifier" else p.child_by_field_name("name")
        if name_node is None and p.named_children:
            name_node = p.named_children[0]
        if name_node is not None and name_node.type == "identifier":
            params.append(_text(name_node))
    return FunctionInfo(
        name=_text(node.child_by_field_name("name")),
        line=node.start_point.row + 1,
        end_line=node.end_point.row + 1,
        params=params,
        docstring=_docstring(node.child_by_field_name("body")),
        decorators=decorators,
        owner=owner,
    )


def _class(node: Node, decorators: list[str]) -> ClassInfo:
    name = _text(node.child_by_field_name("name"))
    supers = node.child_by_field_name("superclasses")
    bases = (
        [_text(a) for a in supers.named_children if a.type != "keyword_argument"] if supers else []
    )
    body = node.child_by_field_name("body")
    methods = []
    for child in body.named_children if body else []:
        inner, decs = _unwrap(child)
        if inner.type == "function_definition":
            methods.append(_function(inner, decs, name))
    return ClassInfo(
        name=name,
        line=node.start_point.row + 1,
        end_line=node.end_point.row + 1,
        bases=bases,
        docstring=_docstring(body),
        methods=methods,
        decorators=decorators,
    )


def _has_tstring(node: Node) -> bool:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "string_start" and _text(current).lower().lstrip("rb").startswith("t"):
            return True
        stack.extend(current.children)
    return False


def parse_module(path: str, source: str) -> ModuleInfo:
    """Top-level classes and functions of one module, with exact 1-based line ranges."""
    tree = _parser().parse(source.encode("utf-8"))
    root = tree.root_node
    classes: list[ClassInfo] = []
    functions: list[FunctionInfo] = []
    for child in root.named_children:
        inner, decorators = _unwrap(child)
        if inner.type == "class_definition":
            classes.append(_class(inner, decorators))
        elif inner.type == "function_definition":
            functions.append(_function(inner, decorators, None))
    return ModuleInfo(
        path=path,
        docstring=_docstring(root),
        classes=classes,
        functions=functions,
        has_errors=root.has_error,
        uses_template_strings=_has_tstring(root),
    )
