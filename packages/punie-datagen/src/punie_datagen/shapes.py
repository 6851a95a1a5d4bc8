"""Diversity measures over a dataset: code shapes, their spread, and train twins of test examples.

A code shape is the code with its names and literals replaced: the AST is kept, every local
name becomes `_`, every constant its type, and only the sandbox's tool functions, builtins and
attribute names survive (they are the API the model must learn). Two calls with the same shape
differ only in names and values.

A test example has a *train twin* when some train example has the same sequence of code shapes
and the same answer template; the share of test examples with a twin says how much of the test
split a model could pass by recall.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import partial
from typing import Any

from punie_datagen.clairvoyance import parse
from punie_datagen.memo import Memo
from punie_tools import wire
from punie_tools.backends import TOOL_NAMES

__all__ = ["code_shape", "diversity", "example_shapes", "twin_key"]

_KEEP = frozenset(TOOL_NAMES) | frozenset(dir(builtins))


class _Normalise(ast.NodeTransformer):
    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name(id=node.id if node.id in _KEEP else "_", ctx=node.ctx)

    def visit_arg(self, node: ast.arg) -> ast.AST:
        return ast.arg(arg="_", annotation=None)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.name = "_"
        node.returns = None
        return node

    def visit_alias(self, node: ast.alias) -> ast.AST:
        return node

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value=type(node.value).__name__)


def code_shape(code: str) -> str:
    """A short digest of the normalised AST (or of the text when it does not parse)."""
    try:
        tree = _Normalise().visit(parse(code))
        text = ast.dump(tree, annotate_fields=False, include_attributes=False)
    except SyntaxError:
        text = code
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _codes(example: wire.Example) -> list[str]:
    return [
        call["function"]["arguments"]["code"]
        for message in example.messages
        for call in message.get("tool_calls") or []
    ]


def example_shapes(example: wire.Example) -> tuple[str, ...]:
    return tuple(code_shape(code) for code in _codes(example))


def twin_key(example: wire.Example) -> tuple[tuple[str, ...], str]:
    meta = example.meta.model_extra or {}
    return example_shapes(example), str(meta.get("answer_template", ""))


def _share(counter: Counter[str], top: int) -> float:
    total = sum(counter.values())
    return round(sum(n for _, n in counter.most_common(top)) / total, 4) if total else 0.0


def diversity(
    splits: Mapping[str, Sequence[wire.Example]], clairvoyant: int, memo: Memo | None = None
) -> dict[str, Any]:
    """The manifest's `diversity` block, over generated examples (mined ones carry their own).
    Each example's shapes are computed once (with `memo`: remembered under each code's text)."""
    generated = {
        name: [e for e in part if e.meta.group != "mined"] for name, part in splits.items()
    }
    every = [e for part in generated.values() for e in part]
    known: dict[int, tuple[str, ...]] = {}

    def shapes_of_example(e: wire.Example) -> tuple[str, ...]:
        if id(e) not in known:
            known[id(e)] = tuple(
                code_shape(code)
                if memo is None
                else memo.compute(memo.key(code), partial(code_shape, code))
                for code in _codes(e)
            )
        return known[id(e)]

    def twin_key(e: wire.Example) -> tuple[tuple[str, ...], str]:
        return shapes_of_example(e), str((e.meta.model_extra or {}).get("answer_template", ""))

    example_shapes = shapes_of_example
    calls: Counter[str] = Counter(s for e in every for s in example_shapes(e))

    def field(e: wire.Example, key: str) -> str:
        return str((e.meta.model_extra or {}).get(key, ""))

    templates = {field(e, "template") for e in every if field(e, "template")}
    train_keys = {twin_key(e) for e in generated.get("train", []) if example_shapes(e)}
    tool_tests = [e for e in generated.get("test", []) if example_shapes(e)]
    twins = sum(1 for e in tool_tests if twin_key(e) in train_keys)
    overlap = {}
    for key in ("template", "strategy", "project"):
        seen_train = {field(e, key) for e in generated.get("train", [])} - {""}
        overlap[key] = {
            name: {
                "held_out": len(
                    {field(e, key) for e in generated.get(name, [])} - seen_train - {""}
                ),
                "shared_with_train": len(
                    {field(e, key) for e in generated.get(name, [])} & seen_train
                ),
            }
            for name in ("valid", "test")
        }
    return {
        "tool_calls": sum(calls.values()),
        "code_shapes": len(calls),
        "top5_share": _share(calls, 5),
        "top_shape_calls": calls.most_common(1)[0][1] if calls else 0,
        "request_templates": len(templates),
        "strategies": len({field(e, "strategy") for e in every} - {""}),
        "test_tool_examples": len(tool_tests),
        "test_twin_share": round(twins / len(tool_tests), 4) if tool_tests else 0.0,
        "clairvoyant": clairvoyant,
        "split_overlap": overlap,
    }


def shapes_of(codes: Iterable[str]) -> Counter[str]:
    return Counter(code_shape(c) for c in codes)
