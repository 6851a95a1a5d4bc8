"""tree-sitter parsing of Python 3.14 code, which Python 3.11's ast cannot read."""

import ast

import pytest

from punie_mine.docs import split_sections
from punie_mine.syntax import parse_module

TSTRING_CODE = '''"""Module doc."""

@decorate(1)
def greet(name: str, *args, **kwargs) -> str:
    """Say hello."""
    return t"<p>{name}</p>"


class Card(Base, Mixin, metaclass=Meta):
    """A card component."""

    def render(self, *, compact: bool = False) -> str:
        return t"<div>{self}</div>"
'''


def test_python_311_ast_cannot_parse_template_strings() -> None:
    with pytest.raises(SyntaxError):
        ast.parse(TSTRING_CODE)


def test_tree_sitter_reads_template_string_code() -> None:
    module = parse_module("m.py", TSTRING_CODE)
    assert not module.has_errors
    assert module.uses_template_strings
    assert module.docstring == "Module doc."
    [fn] = module.functions
    assert (fn.name, fn.line, fn.end_line) == ("greet", 4, 6)
    assert fn.params == ["name", "*args", "**kwargs"]
    assert fn.decorators == ["decorate(1)"]
    assert fn.docstring == "Say hello."
    [cls] = module.classes
    assert (cls.name, cls.line, cls.bases) == ("Card", 9, ["Base", "Mixin"])
    assert cls.docstring == "A card component."
    [method] = cls.methods
    assert (method.name, method.owner, method.params) == ("render", "Card", ["self", "compact"])


def test_broken_code_is_flagged_not_raised() -> None:
    module = parse_module("bad.py", "def broken(:\n    pass\n")
    assert module.has_errors


def test_headings_inside_code_fences_are_not_sections() -> None:
    text = "# Title\n\nIntro text here.\n\n```python\n# not a heading\n```\n\n## Next\n\nMore.\n"
    sections = split_sections("README.md", text)
    assert [(s.heading, s.line) for s in sections] == [("Title", 1), ("Next", 9)]
    assert sections[0].first_paragraph == "Intro text here."
    assert sections[0].has_code
    assert sections[0].end_line == 7
