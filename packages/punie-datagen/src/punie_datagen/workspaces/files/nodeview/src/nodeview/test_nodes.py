import pytest

from nodeview.nodes import (
    Element,
    Raw,
    Text,
    class_names,
    find_all,
    fragment,
    h,
    render,
    text_content,
)


def test_text_is_escaped():
    assert render(h("p", None, "<b>fish & chips</b>")) == (
        "<p>&lt;b&gt;fish &amp; chips&lt;/b&gt;</p>"
    )


def test_attributes_are_escaped_and_booleans_are_bare():
    node = h("input", {"value": 'say "hi"', "disabled": True, "hidden": False})
    assert render(node) == '<input value="say &quot;hi&quot;" disabled>'


def test_attribute_names_lose_trailing_underscore_and_use_dashes():
    node = h("label", {"for_": "x", "class_": "a", "data_id": 7})
    assert render(node) == '<label for="x" class="a" data-id="7"></label>'


def test_children_are_flattened_and_none_is_skipped():
    node = h("ul", None, [h("li", None, str(i)) for i in range(2)], None, "end")
    assert node.children == (
        Element("li", {}, (Text("0"),)),
        Element("li", {}, (Text("1"),)),
        Text("end"),
    )


def test_void_elements_refuse_children():
    with pytest.raises(ValueError):
        h("br", None, "text")


def test_raw_is_not_escaped_and_fragments_have_no_wrapper():
    assert render(fragment(Raw("<hr>"), "a", 1)) == "<hr>a1"


def test_objects_are_not_children():
    with pytest.raises(TypeError, match="cannot use float"):
        h("p", None, 2.5)


def test_find_all_and_text_content():
    tree = h("div", None, h("p", None, "one"), h("section", None, h("p", None, "two")))
    assert [text_content(p) for p in find_all(tree, "p")] == ["one", "two"]
    assert text_content(tree) == "onetwo"


def test_class_names():
    assert class_names("btn", None, primary=True, is_large=True, hidden=False) == (
        "btn primary is-large"
    )
